/**
 * SQS's AWS JSON 1.0 protocol, which @aws-sdk/client-sqs (v3) and aws-sdk v2 from 2.1491 send:
 * `POST /` (or the queue's path) with `X-Amz-Target: AmazonSQS.<Action>`, a JSON body, and a
 * JSON answer; errors carry `__type` and, for SDKs that read it first, the query protocol's code
 * in `x-amzn-query-error` (see errors.ts).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { ActionInput, ActionOutput } from './actions';
import { SQS_ERRORS, type SqsError } from './errors';

const TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** Whether a request is in the JSON protocol: it names its action in X-Amz-Target. */
export function isJsonRequest(headers: IncomingHttpHeaders): boolean {
  return typeof headers['x-amz-target'] === 'string';
}

/** The action and input of a JSON request; throws SqsError for a target or body SQS cannot read. */
export function readJsonRequest(headers: IncomingHttpHeaders, body: Buffer): { action: string; input: ActionInput } {
  const target = String(headers['x-amz-target']);
  if (!target.startsWith(TARGET_PREFIX)) {
    throw SQS_ERRORS.unsupportedOperation(`X-Amz-Target "${target}" is not an SQS action; SQS's are ${TARGET_PREFIX}<Action>`);
  }
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (err: unknown) {
    throw SQS_ERRORS.malformedRequest(`The request body is not JSON: ${(err as Error).message}`);
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw SQS_ERRORS.malformedRequest("The request body must be a JSON object of the action's parameters");
  }
  return { action: target.slice(TARGET_PREFIX.length), input: input as ActionInput };
}

export function writeJsonResult(res: ServerResponse, requestId: string, output: ActionOutput): void {
  const body = JSON.stringify(output);
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId });
  res.end(body);
}

export function writeJsonError(res: ServerResponse, requestId: string, error: SqsError): void {
  const body = JSON.stringify({ __type: error.jsonType, message: error.message });
  res.writeHead(error.status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    'x-amzn-query-error': `${error.queryCode};${error.fault}`,
  });
  res.end(body);
}
