/**
 * The @connections management API (PostToConnection, GetConnection, DeleteConnection) as the
 * AWS SDK's ApiGatewayManagementApiClient expects it, with optional injected faults and
 * backpressure, the account's request quota and a latency. SigV4 signatures are not verified; the
 * key they name tells who calls, whose `execute-api:ManageConnections` IAM authorizes (a denial
 * answers 403 ForbiddenException with AWS's message).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveConnection } from './connection';
import { API_GATEWAY_LIMITS } from '../../protocol';
import type { Clock } from '../../protocol/clock';
import type { AccountRequestQuota } from '../account/request-quota';
import { CLOSE } from './limits';
import { readBody } from '../http/request-body';
import type { IamAuthority } from '../iam/authority';

/** HTTP status => fraction of PostToConnection calls that fail with it, e.g. { 410: 0.1 }. */
export type FaultRates = Readonly<Record<number, number>>;

const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestException',
  403: 'ForbiddenException',
  410: 'GoneException',
  413: 'PayloadTooLargeException',
  429: 'LimitExceededException',
  500: 'InternalServerErrorException',
};

/** Parses `410:0.1,429:0.05`; throws a message naming the bad part. */
export function parseFaultRates(spec: string): FaultRates {
  const rates: Record<number, number> = {};
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(\d{3}):(\d*\.?\d+)$/.exec(part);
    const status = match ? Number(match[1]) : NaN;
    const rate = match ? Number(match[2]) : NaN;
    if (!match || !(status in ERROR_TYPES) || !(rate >= 0 && rate <= 1)) {
      throw new Error(
        `bad fault rate "${part}": expected STATUS:FRACTION with STATUS one of ${Object.keys(ERROR_TYPES).join(', ')} and FRACTION in [0, 1], e.g. 410:0.1,429:0.05`,
      );
    }
    rates[status] = rate;
  }
  const total = Object.values(rates).reduce((a, b) => a + b, 0);
  if (total > 1) throw new Error(`fault rates add up to ${total}; their sum must be at most 1`);
  return rates;
}

/**
 * Bytes queued for one client (ws `bufferedAmount`) past which PostToConnection answers 429
 * LimitExceededException, as API Gateway does when the client's buffer is full. It bounds what
 * the emulator holds for a client that does not read: at most this plus one 128 KB message.
 */
export const OUTBOUND_HIGH_WATER_BYTES = 1024 * 1024;

/** Whether a connection's outgoing buffer has passed the high-water mark: posts to it are refused. */
export function bufferFull(connection: { readonly bufferedBytes: number }): boolean {
  return connection.bufferedBytes > OUTBOUND_HIGH_WATER_BYTES;
}

/** What one PostToConnection does; decided by {@link decidePost}. */
export type PostDecision =
  /** Send the frame and answer 200. */
  | { readonly action: 'send' }
  /** Answer with `status`, send nothing; `close` also closes the connection (an injected 410: it is gone). */
  | { readonly action: 'refuse'; readonly status: number; readonly message: string; readonly close?: boolean };

/** What {@link decidePost} needs to know about the target connection. */
export interface PostTarget {
  /** Open and not closing. */
  readonly live: boolean;
  /** Bytes queued for the client and not yet written to its socket. */
  readonly bufferedBytes: number;
}

/**
 * Decides one POST: a connection that is not live is gone (410, no fault drawn); an injected
 * fault never also delivers, and an injected 410 closes the live connection it names, so the
 * app's prune matches a connection that really went; a full buffer is refused with 429.
 */
export function decidePost(connectionId: string, target: PostTarget, fault: () => number | undefined): PostDecision {
  if (!target.live) return { action: 'refuse', status: 410, message: `Connection ${connectionId} is gone` };
  const injected = fault();
  if (injected === 410) {
    return { action: 'refuse', status: 410, message: 'Injected fault 410 (--fault-rate): the connection is closed', close: true };
  }
  if (injected !== undefined) return { action: 'refuse', status: injected, message: `Injected fault ${injected} (--fault-rate)` };
  if (bufferFull(target)) {
    return {
      action: 'refuse',
      status: 429,
      message: `The client's buffer is full: ${target.bufferedBytes} bytes are waiting for connection ${connectionId} to read them (limit ${OUTBOUND_HIGH_WATER_BYTES})`,
    };
  }
  return { action: 'send' };
}

/** Picks the injected failure for one POST, if any. */
export function pickFault(rates: FaultRates, random: () => number): number | undefined {
  let r = random();
  for (const [status, rate] of Object.entries(rates)) {
    if (r < rate) return Number(status);
    r -= rate;
  }
  return undefined;
}

export interface ManagementDeps {
  readonly stage: string;
  readonly connections: ReadonlyMap<string, LiveConnection>;
  readonly faultRates: FaultRates;
  readonly random: () => number;
  /** Who signed a call, and whether they may manage the connection. */
  readonly iam: IamAuthority;
  /** The resource ARN IAM authorizes a call on: `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/@connections/<id>`. */
  readonly resourceArn: (method: string, connectionId: string) => string;
  /** Logs one management call. */
  readonly onCall: (method: string, connectionId: string, status: number) => void;
  /** The account's request quota: every call takes a token as it arrives, or is answered 429. @default none */
  readonly quota?: AccountRequestQuota;
  /** How long this call takes before it is answered (and its frame sent), in ms. @default none */
  readonly latencyMs?: () => number;
  /** Times the latency. @default none: no latency */
  readonly clock?: Pick<Clock, 'setTimeout'>;
}

const MANAGEMENT_PATH = /^(?:\/([^/]+))?\/@connections\/([^/]+)\/?$/;

/** True when `pathname` is a management API path. */
export function isManagementPath(pathname: string): boolean {
  return MANAGEMENT_PATH.test(pathname);
}

/** An error answer; IAM's denials spell the text's field `Message`, as API Gateway's do. */
function sendError(res: ServerResponse, status: number, message: string, field: 'message' | 'Message' = 'message'): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-ErrorType': ERROR_TYPES[status] ?? 'InternalServerErrorException',
  });
  res.end(JSON.stringify({ [field]: message }));
}

/** Serves one management API request. */
export async function handleManagement(req: IncomingMessage, res: ServerResponse, pathname: string, deps: ManagementDeps): Promise<void> {
  const [, stage, rawId] = MANAGEMENT_PATH.exec(pathname) ?? [];
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(rawId);
  } catch {
    connectionId = rawId;
  }
  const method = req.method ?? 'GET';
  // Counted as it arrives, as AWS counts requests, whatever it asks.
  const throttled = deps.quota !== undefined && !deps.quota.take();
  const body = await readBody(req, API_GATEWAY_LIMITS.messageBytes);
  const finish = (status: number) => deps.onCall(method, connectionId, status);
  const latency = deps.latencyMs?.() ?? 0;
  const { clock } = deps;
  if (latency > 0 && clock) await new Promise<void>((resolve) => clock.setTimeout(resolve, latency));
  if (throttled) {
    sendError(res, 429, `Too Many Requests: ${deps.quota.describe()}; retry with backoff`);
    return finish(429);
  }
  if (stage !== undefined && stage !== deps.stage) {
    sendError(res, 403, 'Forbidden');
    return finish(403);
  }
  // Unsigned calls (curl, a hand-written request) are the developer's, as before: nothing here can tell them from a function's.
  const principal = deps.iam.principalOf(req);
  const decision = principal && deps.iam.authorize(principal, 'execute-api:ManageConnections', deps.resourceArn(method, connectionId));
  if (decision && !decision.allowed) {
    sendError(res, 403, decision.message, 'Message');
    return finish(403);
  }
  const connection = deps.connections.get(connectionId);
  if (method === 'POST') {
    if (body === undefined) {
      sendError(res, 413, `Payload exceeds the ${API_GATEWAY_LIMITS.messageBytes}-byte message limit`);
      return finish(413);
    }
    const live = connection !== undefined && !connection.closing;
    const decision = decidePost(connectionId, { live, bufferedBytes: connection?.bufferedBytes ?? 0 }, () =>
      pickFault(deps.faultRates, deps.random),
    );
    if (decision.action === 'refuse') {
      // Closed before the answer, so the app never prunes a connection that is still open.
      if (decision.close) connection?.close(CLOSE.goingAway);
      sendError(res, decision.status, decision.message);
      return finish(decision.status);
    }
    connection!.touchOutbound();
    connection!.send(body.toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' }).end();
    return finish(200);
  }
  if (!connection || connection.closing) {
    sendError(res, 410, `Connection ${connectionId} is gone`);
    return finish(410);
  }
  switch (method) {
    case 'GET':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          // The wire names; the SDK exposes them as ConnectedAt, Identity.SourceIp, ...
          connectedAt: new Date(connection.context.connectedAt).toISOString(),
          identity: { sourceIp: connection.context.sourceIp, userAgent: connection.userAgent },
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        }),
      );
      return finish(200);
    case 'DELETE':
      connection.close(CLOSE.deleted, false);
      res.writeHead(204).end();
      return finish(204);
    default:
      sendError(res, 400, `${method} is not a management API method; use POST, GET or DELETE`);
      return finish(400);
  }
}
