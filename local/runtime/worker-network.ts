/**
 * A function's network, as the emulator gives it: requests for the API's own host, for Lambda
 * (the Invoke API of the app's functions) and for DynamoDB go to the local gateway and store (an
 * https:// URL just works: the local hop is plain http), every other AWS endpoint and the
 * credential metadata addresses fail at once with an error naming the service, and everything
 * else goes out as asked.
 *
 * Installed in each worker before the handler loads. It replaces functions on Node's own module
 * objects (http, https, dns) and `fetch`, which is what SDK v3's NodeHttpHandler and SDK v2 call
 * at request time; ES module handlers see the same functions through syncBuiltinESMExports().
 * Workers have their own module instances, so nothing here touches the emulator's own network.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { urlToHttpOptions } from 'node:url';
import { destinationOf, notEmulatedMessage, type Destination, type LocalAwsServices } from '../aws/endpoints';

type RequestCallback = (res: http.IncomingMessage) => void;
type RequestOptions = http.RequestOptions & { servername?: string };

/** The error a refused request fails with; not a network error code, so SDKs do not retry it. */
export class NotEmulatedError extends Error {
  readonly code = 'ERR_NOT_EMULATED';
  constructor(message: string) {
    super(message);
    this.name = 'NotEmulatedError';
  }
}

/** http.request's three call forms as one options object and a callback. */
function normalizeArgs(args: unknown[]): { options: RequestOptions; callback?: RequestCallback } {
  const [first, second, third] = args;
  if (typeof first === 'string' || first instanceof URL) {
    const fromUrl = urlToHttpOptions(new URL(first)) as RequestOptions;
    if (typeof second === 'function') return { options: fromUrl, callback: second as RequestCallback };
    return { options: { ...fromUrl, ...(second as RequestOptions | undefined) }, callback: third as RequestCallback | undefined };
  }
  return { options: { ...(first as RequestOptions | undefined) }, callback: second as RequestCallback | undefined };
}

/** The headers with Host replaced: the local gateway answers only Host names of this machine. */
function withHost(headers: http.RequestOptions['headers'], host: string): http.OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    const pairs: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== 'host') pairs.push(String(headers[i]), String(headers[i + 1]));
    }
    return [...pairs, 'host', host];
  }
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (name.toLowerCase() !== 'host') out[name] = value;
  out.host = host;
  return out;
}

function splitHostPort(target: string): { hostname: string; port: number } {
  const colon = target.lastIndexOf(':');
  return { hostname: target.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(target.slice(colon + 1)) };
}

/** Patches this worker's http, https, dns and fetch; call once, before the handler loads. */
export function installAwsNetworkGuard(local: LocalAwsServices): void {
  const httpRequest = http.request;
  const httpsRequest = https.request;
  // One keep-alive agent for the local hops (the SDK's own agent is an https.Agent, which cannot carry http).
  const localAgent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const refusal = (service: string, host: string) => new NotEmulatedError(notEmulatedMessage(service, host, local));
  const lookupRefusal = (destination: Exclude<Destination, { kind: 'other' }>, hostname: string) =>
    destination.kind === 'refused'
      ? refusal(destination.service, destination.host)
      : new NotEmulatedError(
          `the Switchboard emulator serves ${destination.service} (${hostname}) to http, https and fetch requests only; this connection used none of them`,
        );

  const guarded = (original: typeof http.request): typeof http.request =>
    function request(this: unknown, ...args: unknown[]): http.ClientRequest {
      const { options, callback } = normalizeArgs(args);
      const destination = destinationOf(String(options.hostname ?? options.host ?? 'localhost'), local);
      if (destination.kind === 'other') return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
      const rest: RequestOptions = {
        ...options,
        agent: undefined,
        createConnection: undefined,
        socketPath: undefined,
        servername: undefined,
      };
      if (destination.kind === 'local') {
        const { hostname, port } = splitHostPort(destination.target);
        const headers = withHost(options.headers, destination.target);
        return httpRequest({ ...rest, protocol: 'http:', host: hostname, hostname, port, headers, agent: localAgent }, callback);
      }
      // A real ClientRequest that fails on the next tick, like a failed DNS lookup: no socket is opened.
      const error = refusal(destination.service, destination.host);
      const fail: NonNullable<http.RequestOptions['createConnection']> = (_opts, oncreate) => {
        oncreate(error, undefined as never);
        return undefined;
      };
      return httpRequest({ ...rest, protocol: 'http:', createConnection: fail }, callback);
    };

  http.request = guarded(httpRequest);
  https.request = guarded(httpsRequest);
  // http.get and https.get call the module's private request, not the export: replace them too.
  http.get = (...args: unknown[]) => {
    const req = (http.request as (...a: unknown[]) => http.ClientRequest)(...args);
    req.end();
    return req;
  };
  https.get = (...args: unknown[]) => {
    const req = (https.request as (...a: unknown[]) => http.ClientRequest)(...args);
    req.end();
    return req;
  };

  // Any other way to open a socket to an AWS host by name (net, tls, a bundled HTTP client) resolves it first.
  const lookup = dns.lookup;
  dns.lookup = function guardedLookup(this: unknown, hostname: string, ...rest: unknown[]) {
    const destination = destinationOf(hostname, local);
    if (destination.kind === 'other') return (lookup as (...a: unknown[]) => unknown).call(this, hostname, ...rest);
    const callback = rest[rest.length - 1] as (err: Error) => void;
    process.nextTick(callback, lookupRefusal(destination, hostname));
    return {};
  } as typeof dns.lookup;
  const promisesLookup = dns.promises.lookup;
  dns.promises.lookup = async function guardedPromisesLookup(hostname: string, ...rest: unknown[]) {
    const destination = destinationOf(hostname, local);
    if (destination.kind !== 'other') throw lookupRefusal(destination, hostname);
    return (promisesLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
  } as typeof dns.promises.lookup;

  const originalFetch = globalThis.fetch;
  globalThis.fetch = async function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input);
    const destination = destinationOf(url.hostname, local);
    if (destination.kind === 'other') return originalFetch(input, init);
    if (destination.kind === 'refused') {
      throw new TypeError('fetch failed', { cause: refusal(destination.service, destination.host) });
    }
    url.protocol = 'http:';
    url.host = destination.target;
    return originalFetch(new Request(url, new Request(input, init)));
  };

  syncBuiltinESMExports();
}
