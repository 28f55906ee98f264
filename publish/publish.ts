/**
 * `publish({ room, data })` for Node backends and Lambda functions: invokes the Switchboard publish
 * function through the Lambda Invoke API, so every member of the room receives the message as a
 * room message frame, without a WebSocket connection. The same code reaches the emulator when the
 * client's endpoint is the emulator's (AWS_ENDPOINT_URL_LAMBDA, or `endpoint`).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PUBLISH_FUNCTION_ENV, type PublishRequest, type PublishResult } from './contract';

export type { PublishRequest, PublishResult } from './contract';

export interface PublishOptions {
  /** The publish function's name or ARN (the stack's PublishFunctionName output). @default env SWITCHBOARD_PUBLISH_FUNCTION */
  readonly functionName?: string;
  /** The client to invoke with; its region, credentials and endpoint apply. @default one client per region and endpoint, made on first use */
  readonly client?: LambdaClient;
  /** Region of the default client. @default the region of an ARN functionName, else the SDK's (AWS_REGION, the profile) */
  readonly region?: string;
  /** Endpoint of the default client, e.g. the emulator's `http://127.0.0.1:3001`. @default the SDK's (AWS_ENDPOINT_URL_LAMBDA, else Lambda's) */
  readonly endpoint?: string;
  /** Where SWITCHBOARD_PUBLISH_FUNCTION is read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A publish that did not go out. `code` is the publish function's own code when it refused the
 * request (e.g. BAD_REQUEST), FUNCTION_ERROR when the function failed, NO_FUNCTION when no
 * function was named, BAD_RESPONSE when its answer was not a publish result.
 */
export class PublishError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The function's error type, for FUNCTION_ERROR (e.g. Sandbox.Timedout). */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

/** Default clients, made on first use and reused (one connection pool per region and endpoint). */
const clients = new Map<string, LambdaClient>();

function defaultClient(region: string | undefined, endpoint: string | undefined): LambdaClient {
  const key = `${region ?? ''} ${endpoint ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new LambdaClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
    clients.set(key, client);
  }
  return client;
}

/** The region in a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), if it is one. */
export function regionOfArn(functionName: string): string | undefined {
  return /^arn:[a-z-]+:lambda:([^:]+):/.exec(functionName)?.[1];
}

/**
 * Publishes `data` to every member of `room`, as `from` (default "server"). Resolves with the
 * message's `seq` and how many members it reached; rejects with a {@link PublishError} when the
 * function refuses or fails, and with the SDK's error when Lambda cannot be reached or denies
 * the call (e.g. ResourceNotFoundException, AccessDeniedException without grantPublish).
 */
export async function publish(request: PublishRequest, options: PublishOptions = {}): Promise<PublishResult> {
  const functionName = options.functionName ?? (options.env ?? process.env)[PUBLISH_FUNCTION_ENV];
  if (!functionName) {
    throw new PublishError(
      'NO_FUNCTION',
      `No publish function named: pass functionName (the stack's PublishFunctionName output, or its ARN) or set ${PUBLISH_FUNCTION_ENV}.`,
    );
  }
  const client = options.client ?? defaultClient(options.region ?? regionOfArn(functionName), options.endpoint);
  const { room, data, from } = request;
  const payload = JSON.stringify(from === undefined ? { room, data } : { room, data, from });
  const out = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(payload) }));
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch {
    answer = text;
  }
  if (out.FunctionError) {
    const { errorType, errorMessage } = (answer ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof errorType === 'string' ? errorType : 'Unknown';
    throw new PublishError(
      'FUNCTION_ERROR',
      `The publish function ${functionName} failed: ${type}: ${typeof errorMessage === 'string' ? errorMessage : text}`,
      type,
    );
  }
  const refusal = (answer as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (refusal && typeof refusal.code === 'string') {
    throw new PublishError(refusal.code, `The publish function refused the message: ${String(refusal.message)}`);
  }
  if (!isPublishResult(answer)) {
    throw new PublishError(
      'BAD_RESPONSE',
      `The function ${functionName} answered ${text.slice(0, 200) || '(nothing)'}, not a publish result ({ room, seq, delivered, failed }): is it the publish function?`,
    );
  }
  return {
    room: answer.room,
    seq: answer.seq,
    delivered: answer.delivered,
    failed: answer.failed,
    ...(answer.queued === true ? { queued: true as const } : {}),
  };
}

function isPublishResult(value: unknown): value is PublishResult {
  const r = value as Partial<Record<keyof PublishResult, unknown>> | null | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.room === 'string' &&
    typeof r.seq === 'number' &&
    typeof r.delivered === 'number' &&
    typeof r.failed === 'number'
  );
}
