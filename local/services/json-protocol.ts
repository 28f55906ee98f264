/**
 * The AWS JSON 1.1 protocol, as Cognito user pools and EventBridge speak it: a POST whose
 * `X-Amz-Target: <Service>.<Operation>` names the operation, a JSON body, and errors as
 * `{"__type": ..., "message": ...}` with the type also in `x-amzn-ErrorType`, where the SDK
 * (v3 and v2) reads it to throw the exception of that name.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { excerpt } from '../../protocol/values';
import { readBody } from '../http/request-body';

export const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';

/** An error as the service answers it: the exception's name, its text, and the HTTP status. */
export class AwsJsonError extends Error {
  constructor(
    /** The exception's name, e.g. `NotAuthorizedException`. */
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** One request: the operation its `X-Amz-Target` names, and its body. */
export interface JsonRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/**
 * Reads a request of the service whose targets start `<targetPrefix>.` (e.g.
 * `AWSCognitoIdentityProviderService`); throws {@link AwsJsonError} as the service answers a
 * request that is not one of its operations or whose body is not a JSON object.
 */
export async function readJsonRequest(req: IncomingMessage, targetPrefix: string, maxBodyBytes: number): Promise<JsonRequest> {
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(`${targetPrefix}.`)) {
    req.resume();
    throw new AwsJsonError(
      'UnknownOperationException',
      `Expected POST with X-Amz-Target: ${targetPrefix}.<Operation> (the AWS JSON 1.1 protocol); got ${excerpt(req.method ?? '')} with ${excerpt(JSON.stringify(target ?? null))}.`,
    );
  }
  const bytes = await readBody(req, maxBodyBytes);
  if (bytes === undefined) {
    throw new AwsJsonError(
      'SerializationException',
      `The request body is over ${maxBodyBytes} bytes, more than this operation takes.`,
      413,
    );
  }
  let body: unknown;
  try {
    body = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AwsJsonError('SerializationException', "The request body is not JSON; expected a JSON object of the operation's parameters.");
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AwsJsonError('SerializationException', "The request body must be a JSON object of the operation's parameters.");
  }
  return { operation: target.slice(targetPrefix.length + 1), body: body as Record<string, unknown> };
}

/** Answers with a JSON body, as the service answers a successful operation. */
export function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': AMZ_JSON_1_1, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify(body));
}

/** Answers with the error, as the service does: the SDK throws an exception named `type` with `message`. */
export function sendJsonError(res: ServerResponse, error: AwsJsonError): void {
  res.writeHead(error.status, { 'content-type': AMZ_JSON_1_1, 'x-amzn-RequestId': randomUUID(), 'x-amzn-ErrorType': error.type });
  res.end(JSON.stringify({ __type: error.type, message: error.message }));
}

/** A required string parameter; throws the service's InvalidParameterException-style error naming it. */
export function requiredString(body: Record<string, unknown>, name: string, errorType = 'InvalidParameterException'): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsJsonError(
      errorType,
      `1 validation error detected: Value at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
