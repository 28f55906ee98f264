/**
 * Who may use the emulator's unauthenticated HTTP endpoints (the token minter, the page's
 * configuration and `@connections`): programs on this machine, never a web page elsewhere.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './loopback';

/** Listen addresses that stand for every interface: no Host header may name them. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Whether a request's Host header names this server: a loopback name or address, or the exact
 * address the server was told to listen on. Any other name (DNS rebinding points an attacker's
 * domain at 127.0.0.1) is refused.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (hostHeader === undefined || hostHeader === '') return false;
  if (isLoopback(hostHeader)) return true;
  if (WILDCARD_HOSTS.has(listenHost)) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '');
  return name.toLowerCase() === listenHost.toLowerCase().replace(/^\[|\]$/g, '');
}

/**
 * Whether a browser sent this request on behalf of a page: browsers add `Origin` to every
 * cross-origin request (and to same-origin POSTs) and `Sec-Fetch-Site` to all of them. SDKs,
 * curl and wscat send neither.
 */
export function fromBrowser(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-site'] !== undefined;
}

/** The emulator's unauthenticated endpoints, by how much they must be guarded. */
export type LocalEndpoint =
  /** `@connections`: posts to, reads and closes any connection. */
  | 'management'
  /** The local issuer's token minter. */
  | 'token'
  /** The page's configuration and the issuer's public keys. */
  | 'local';

/** Why a request to a local endpoint is refused (answered 403), or undefined when it may proceed. */
export function localEndpointRefusal(endpoint: LocalEndpoint, headers: IncomingHttpHeaders, listenHost: string): string | undefined {
  if (!hostAllowed(headers.host, listenHost)) {
    return `Host "${headers.host ?? ''}" does not name this machine; the emulator answers this path only for 127.0.0.1, localhost or the address it listens on.`;
  }
  if (endpoint === 'management' && fromBrowser(headers)) {
    return 'The local @connections API does not answer web pages; call it from a backend, the AWS SDK or curl.';
  }
  const site = headers['sec-fetch-site'];
  if (endpoint === 'token' && site !== undefined && site !== 'same-origin' && site !== 'none') {
    return "The local token endpoint answers only the emulator's own pages and programs on this machine.";
  }
  return undefined;
}

/**
 * Why a request from a page of another origin is refused, or undefined when it may proceed: pages
 * this server served (same origin) and programs (no `Origin`, no `Sec-Fetch-Site`). Browsers send
 * `Origin` with every POST, so an `Origin` whose host is not the `Host` the request was sent to
 * names another site's page, even in a browser that sends no `Sec-Fetch-Site`.
 */
export function crossOriginRefusal(headers: IncomingHttpHeaders): string | undefined {
  const site = headers['sec-fetch-site'];
  const refusal = 'This endpoint answers only pages the emulator served (same origin) and programs on this machine.';
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return refusal;
  if (headers.origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(headers.origin).host;
  } catch {
    return refusal;
  }
  return originHost.toLowerCase() === (headers.host ?? '').toLowerCase() ? undefined : refusal;
}
