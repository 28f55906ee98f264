/**
 * The AWS Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) for every
 * function the emulator runs, answered as Lambda answers @aws-sdk/client-lambda's InvokeCommand,
 * so a backend's `publish()` (or any Invoke) works locally with only its endpoint changed.
 * Served on the gateway's port, to programs on this machine only (whatever `--host` says: the
 * peer must be loopback). SigV4 signatures are not verified, as on `@connections`; the key they
 * name tells who calls, whose `lambda:InvokeFunction` IAM authorizes (a denial answers 403
 * AccessDeniedException with AWS's message). Lambda's concurrency applies (runtime/concurrency.ts):
 * a throttled synchronous Invoke is 429 TooManyRequestsException; an asynchronous one waits in a
 * queue the emulator bounds.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionSpec, WebSocketAppSpec } from '../../assembly/app-spec';
import { pseudoParameters } from '../../assembly/intrinsics';
import type { IamAuthority } from '../../iam/authority';
import type { InvokeResult } from '../../runtime/runtime';
import type { InvokeOutcome } from '../../runtime/concurrency';
import { isLoopback } from '../../http/loopback';
import { fromBrowser, hostAllowed } from '../../http/request-guard';
import { readBody } from '../../http/request-body';
import { PUBLISH_FUNCTION } from '../../../protocol/publish';

/** The Invoke operation's path; the one capture is the URL-encoded FunctionName. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** Lambda's Invoke payload quotas: 6 MB synchronous (request and response), 1 MB asynchronous (Event). */
export const INVOKE_LIMITS = {
  syncPayloadBytes: 6 * 1024 * 1024,
  asyncPayloadBytes: 1024 * 1024,
} as const;

/**
 * How much the emulator holds of asynchronous (Event) invocations accepted and not yet finished.
 * Lambda's own event queue has no bound a caller meets (each event is at most 1 MB), but here the
 * queue is this process's memory: 100 queued events of 1 MB took it from 992 to 1,539 MB. Past
 * either bound an Event Invoke is refused with 429 TooManyRequestsException until the queue drains.
 */
export const ASYNC_QUEUE_LIMITS = {
  events: 10_000,
  bytes: 16 * 1024 * 1024,
} as const;

/** The one version the emulator runs: its code as last synthesized. */
const LATEST = '$LATEST';

const INVOCATION_TYPES = ['RequestResponse', 'Event', 'DryRun'] as const;
type InvocationType = (typeof INVOCATION_TYPES)[number];

/** The functions a request may name: those of the app being served. */
export type ServedFunctions = Pick<WebSocketAppSpec, 'functions' | 'region' | 'accountId'>;

/** A refused request, as Lambda reports it: the status and the exception's name, which the SDK throws. */
export interface InvokeRefusal {
  readonly status: number;
  readonly errorType: string;
  readonly message: string;
  /** The `Reason` of a TooManyRequestsException (which limit throttled it). @default none */
  readonly reason?: string;
}

/** Which function a FunctionName means, or why none. */
export type FunctionLookup = { readonly spec: FunctionSpec } | { readonly refusal: InvokeRefusal };

const FULL_ARN = /^arn:[a-z-]+:lambda:([^:]+):([^:]+):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PLAIN_NAME = /^([^:]+)(?::([^:]+))?$/;

/**
 * The function `functionName` names, as Lambda reads it: a name (the emulator's physical name, to
 * which `Ref` and a `...FunctionName` output resolve, or the logical id), a full or partial ARN,
 * each optionally with `:$LATEST`; `qualifier` is the `Qualifier` query parameter.
 */
export function lookupFunction(app: ServedFunctions, functionName: string, qualifier?: string): FunctionLookup {
  const arn = (name: string, q?: string) => `arn:aws:lambda:${app.region}:${app.accountId}:function:${name}${q ? `:${q}` : ''}`;
  const notFound = (detail: string): FunctionLookup => ({
    refusal: { status: 404, errorType: 'ResourceNotFoundException', message: `Function not found: ${detail}` },
  });
  let name: string;
  let derived: string | undefined;
  let region = app.region;
  let accountId = app.accountId;
  const full = FULL_ARN.exec(functionName);
  const partial = full ? undefined : PARTIAL_ARN.exec(functionName);
  const plain = full || partial ? undefined : PLAIN_NAME.exec(functionName);
  if (full) [, region, accountId, name, derived] = full;
  else if (partial) [, accountId, name, derived] = partial;
  else if (plain) [, name, derived] = plain;
  else {
    return {
      refusal: {
        status: 400,
        errorType: 'InvalidParameterValueException',
        message: `FunctionName "${functionName}" is not a function name, a full ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) or a partial one (ACCOUNT:function:NAME)`,
      },
    };
  }
  if (derived !== undefined && qualifier !== undefined && derived !== qualifier) {
    return {
      refusal: {
        status: 400,
        errorType: 'InvalidParameterValueException',
        message: `The derived qualifier from the function name (${derived}) does not match the specified qualifier (${qualifier}).`,
      },
    };
  }
  const version = derived ?? qualifier;
  if (region !== app.region || accountId !== app.accountId) {
    return notFound(`${functionName} (the emulator serves region ${app.region}, account ${app.accountId})`);
  }
  const spec = [...app.functions.values()].find((f) => f.functionName === name || f.logicalId === name);
  if (!spec) {
    const served = [...app.functions.values()].map((f) => f.functionName).join(', ');
    return notFound(`${arn(name, version)} (the emulator serves: ${served || 'no functions'})`);
  }
  if (version !== undefined && version !== LATEST) {
    return notFound(`${arn(spec.functionName, version)} (the emulator runs ${LATEST} only: no versions or aliases)`);
  }
  return { spec };
}

/**
 * The app's publish function: the one its `PublishFunctionName` output names, else the one
 * function whose logical id contains `PublishHandler` (SwitchboardApi's construct id for it).
 */
export function publishFunctionOf(app: ServedFunctions & Pick<WebSocketAppSpec, 'outputs'>): FunctionSpec | undefined {
  const named = app.outputs[PUBLISH_FUNCTION.output];
  if (named !== undefined) {
    const found = lookupFunction(app, named);
    return 'spec' in found ? found.spec : undefined;
  }
  const candidates = [...app.functions.values()].filter((f) => f.logicalId.includes(PUBLISH_FUNCTION.constructId));
  return candidates.length === 1 ? candidates[0] : undefined;
}

export interface LambdaInvokeApiOptions {
  /** The app being served now (reload replaces it). */
  readonly app: () => ServedFunctions;
  /** Runs one synchronous invocation of a function, by logical id, or says it is throttled. */
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<InvokeOutcome>;
  /** Runs one asynchronous invocation once the function's concurrency allows it, as Lambda's event queue retries a throttled event. */
  readonly invokeWhenFree: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  /** The address the gateway listens on: Host headers may name it, or a loopback name. */
  readonly listenHost: string;
  /** Who signed an Invoke, and whether they may invoke the function. */
  readonly iam: IamAuthority;
  /** Receives one line per request. */
  readonly log: (line: string) => void;
}

/** Serves Invoke on the gateway's port (mounted through its `httpRoutes`). */
export class LambdaInvokeApi {
  private readonly pendingEvents = new Set<Promise<void>>();
  /** Payload bytes of the Event invocations accepted and not finished. */
  private pendingEventBytes = 0;

  constructor(private readonly options: LambdaInvokeApiOptions) {}

  /** Answers the request when it is an Invoke and resolves true; resolves false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const match = INVOKE_PATH.exec(url.pathname);
    if (!match) return false;
    const requestId = randomUUID();
    let rawName: string;
    try {
      rawName = decodeURIComponent(match[1]);
    } catch {
      rawName = match[1];
    }
    const refuse = (refusal: InvokeRefusal, what = rawName) => {
      this.options.log(`INVOKE     ${what} ${refusal.status} (${refusal.errorType})`);
      sendRefusal(res, requestId, refusal);
      return true;
    };
    if (!isLoopback(req.socket.remoteAddress)) {
      // With --host 0.0.0.0 other machines reach this port; a Host header is theirs to write.
      return refuse({
        status: 403,
        errorType: 'AccessDeniedException',
        message: `The emulator's Lambda API answers only programs on this machine; this request came from ${req.socket.remoteAddress ?? 'an unknown address'}.`,
      });
    }
    if (!hostAllowed(req.headers.host, this.options.listenHost)) {
      return refuse({
        status: 403,
        errorType: 'AccessDeniedException',
        message: `Host "${req.headers.host ?? ''}" does not name this machine; the emulator's Lambda API answers only 127.0.0.1, localhost or the address it listens on.`,
      });
    }
    if (fromBrowser(req.headers)) {
      return refuse({
        status: 403,
        errorType: 'AccessDeniedException',
        message: "The emulator's Lambda API does not answer web pages; call it from a backend, the AWS SDK or curl.",
      });
    }
    if (req.method !== 'POST') {
      return refuse({
        status: 405,
        errorType: 'UnknownOperationException',
        message: `${req.method ?? ''} is not the Invoke operation; Invoke is POST /2015-03-31/functions/NAME/invocations`,
      });
    }
    const app = this.options.app();
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    const found = lookupFunction(app, rawName, qualifier);
    if ('refusal' in found) return refuse(found.refusal);
    const { spec } = found;
    const principal = this.options.iam.principalOf(req);
    const decision =
      principal &&
      this.options.iam.authorize(principal, 'lambda:InvokeFunction', functionArn(app, spec, qualifier ?? qualifierIn(rawName)));
    if (decision && !decision.allowed)
      return refuse({ status: 403, errorType: 'AccessDeniedException', message: decision.message }, spec.logicalId);
    const typeHeader = headerText(req.headers['x-amz-invocation-type']) ?? 'RequestResponse';
    if (!(INVOCATION_TYPES as readonly string[]).includes(typeHeader)) {
      return refuse(
        {
          status: 400,
          errorType: 'InvalidParameterValueException',
          message: `InvocationType "${typeHeader}" is not one of ${INVOCATION_TYPES.join(', ')}`,
        },
        spec.logicalId,
      );
    }
    const type = typeHeader as InvocationType;
    const limit = type === 'Event' ? INVOKE_LIMITS.asyncPayloadBytes : INVOKE_LIMITS.syncPayloadBytes;
    const body = await readBody(req, limit);
    if (body === undefined) {
      return refuse(
        {
          status: 413,
          errorType: 'RequestTooLargeException',
          message: `Request must be smaller than ${limit} bytes for ${type === 'Event' ? 'an asynchronous (Event)' : 'a synchronous'} Invoke`,
        },
        spec.logicalId,
      );
    }
    let event: unknown;
    try {
      // Lambda invokes with {} when the payload is empty.
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err: unknown) {
      return refuse(
        {
          status: 400,
          errorType: 'InvalidRequestContentException',
          message: `Could not parse request body into json: ${(err as Error).message}`,
        },
        spec.logicalId,
      );
    }
    if (type === 'DryRun') {
      this.options.log(`INVOKE     ${spec.logicalId} DryRun 204`);
      res.writeHead(204, { 'x-amzn-RequestId': requestId }).end();
      return true;
    }
    if (type === 'Event') {
      const full = this.asyncQueueRefusal(body.length);
      if (full) return refuse(full, spec.logicalId);
      // Answered at once; the invocation runs on without the caller, as from Lambda's event queue.
      this.pendingEventBytes += body.length;
      const done = this.invokeWhenFree(spec, event).then((result) => {
        this.pendingEventBytes -= body.length;
        this.logResult(spec, 'Event', 202, result.ok ? undefined : result.error, result.durationMs);
      });
      this.pendingEvents.add(done);
      void done.finally(() => this.pendingEvents.delete(done));
      res.writeHead(202, { 'x-amzn-RequestId': requestId }).end();
      return true;
    }
    const result = await this.invoke(spec, event);
    if ('throttled' in result) {
      return refuse(
        { status: 429, errorType: 'TooManyRequestsException', message: result.message, reason: result.throttled },
        spec.logicalId,
      );
    }
    const answer = syncAnswer(result);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-RequestId': result.requestId || requestId,
      'X-Amz-Executed-Version': LATEST,
    };
    if (answer.functionError) headers['X-Amz-Function-Error'] = 'Unhandled';
    res.writeHead(200, headers).end(answer.payload);
    this.logResult(spec, 'RequestResponse', 200, answer.functionError, result.durationMs);
    return true;
  }

  /** Resolves once every Event invocation accepted so far has finished. */
  async settled(): Promise<void> {
    while (this.pendingEvents.size > 0) await Promise.all([...this.pendingEvents]);
  }

  /** Why one more Event invocation of `bytes` does not fit the queue (ASYNC_QUEUE_LIMITS), or undefined when it does. */
  private asyncQueueRefusal(bytes: number): InvokeRefusal | undefined {
    const events = this.pendingEvents.size;
    if (events < ASYNC_QUEUE_LIMITS.events && this.pendingEventBytes + bytes <= ASYNC_QUEUE_LIMITS.bytes) return undefined;
    return {
      status: 429,
      errorType: 'TooManyRequestsException',
      message:
        `The emulator's queue of asynchronous invocations is full: ${events} events of ${this.pendingEventBytes} bytes wait or run, ` +
        `and it holds at most ${ASYNC_QUEUE_LIMITS.events} events or ${ASYNC_QUEUE_LIMITS.bytes} bytes (ASYNC_QUEUE_LIMITS). ` +
        'Retry once they have run, or invoke synchronously.',
    };
  }

  /** One synchronous invocation; a runtime that cannot take it (shutting down) is a function error, as it is for routes. */
  private async invoke(spec: FunctionSpec, event: unknown): Promise<InvokeOutcome> {
    try {
      return await this.options.invoke(spec.logicalId, event);
    } catch (err: unknown) {
      return unavailable(err);
    }
  }

  /** One asynchronous invocation, once the function's concurrency allows. */
  private async invokeWhenFree(spec: FunctionSpec, event: unknown): Promise<InvokeResult> {
    try {
      return await this.options.invokeWhenFree(spec.logicalId, event);
    } catch (err: unknown) {
      return unavailable(err);
    }
  }

  private logResult(spec: FunctionSpec, type: InvocationType, status: number, error: FunctionError | undefined, ms: number): void {
    const failed = error ? ` Unhandled (${error.errorType}: ${error.errorMessage})` : '';
    this.options.log(`INVOKE     ${spec.logicalId} ${type} ${status}${failed} ${ms.toFixed(1)}ms`);
  }
}

/** An invocation the runtime could not take (it is shutting down), as a function error. */
function unavailable(err: unknown): InvokeResult {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, requestId: '', durationMs: 0, error: { errorType: 'Runtime.Unavailable', errorMessage: message, trace: [] } };
}

/** A function error as Lambda's Invoke reports it (with `X-Amz-Function-Error: Unhandled`). */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** A synchronous Invoke's body for an invocation's result: its JSON, or the function error Lambda reports instead. */
export function syncAnswer(result: InvokeResult): { readonly payload: string; readonly functionError?: FunctionError } {
  let functionError: FunctionError | undefined;
  if (result.ok) {
    // A handler that returns nothing answers null, as on Lambda.
    const payload = JSON.stringify(result.result) ?? 'null';
    if (Buffer.byteLength(payload) <= INVOKE_LIMITS.syncPayloadBytes) return { payload };
    functionError = {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${INVOKE_LIMITS.syncPayloadBytes} bytes).`,
    };
  } else {
    const { errorType, errorMessage, trace } = result.error;
    functionError = { errorType, errorMessage, ...(trace.length > 0 ? { trace } : {}) };
  }
  return { payload: JSON.stringify(functionError), functionError };
}

/** The ARN IAM authorizes an Invoke on: the function's, with the qualifier the caller named, if any. */
function functionArn(app: ServedFunctions, spec: FunctionSpec, qualifier: string | undefined): string {
  const partition = pseudoParameters(app.region, app.accountId, '')['AWS::Partition'];
  return `arn:${partition}:lambda:${app.region}:${app.accountId}:function:${spec.functionName}${qualifier ? `:${qualifier}` : ''}`;
}

/** The qualifier a FunctionName carries (`name:$LATEST`, `arn:...:function:name:$LATEST`), if any. */
function qualifierIn(functionName: string): string | undefined {
  return (
    (FULL_ARN.exec(functionName)?.[4] ??
      PARTIAL_ARN.exec(functionName)?.[3] ??
      (functionName.startsWith('arn:') ? undefined : PLAIN_NAME.exec(functionName)?.[2])) ||
    undefined
  );
}

/** A refusal as @aws-sdk/client-lambda parses it: the exception name in `x-amzn-ErrorType` and `__type`, the text in `message`. */
function sendRefusal(res: ServerResponse, requestId: string, refusal: InvokeRefusal): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': refusal.errorType,
  };
  if (refusal.status === 405) headers.allow = 'POST';
  res.writeHead(refusal.status, headers);
  res.end(
    JSON.stringify({
      __type: refusal.errorType,
      Type: 'User',
      message: refusal.message,
      ...(refusal.reason ? { Reason: refusal.reason } : {}),
    }),
  );
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
