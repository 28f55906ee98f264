/**
 * The @connections management API (PostToConnection, GetConnection, DeleteConnection) as the
 * AWS SDK's ApiGatewayManagementApiClient expects it, with optional injected faults.
 * SigV4 signatures are accepted without checking.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveConnection } from './connection';
import { API_GATEWAY_LIMITS } from '../protocol';
import { CLOSE } from './limits';

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
  /** Logs one management call. */
  readonly onCall: (method: string, connectionId: string, status: number) => void;
}

const MANAGEMENT_PATH = /^(?:\/([^/]+))?\/@connections\/([^/]+)\/?$/;

/** True when `pathname` is a management API path. */
export function isManagementPath(pathname: string): boolean {
  return MANAGEMENT_PATH.test(pathname);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-ErrorType': ERROR_TYPES[status] ?? 'InternalServerErrorException',
  });
  res.end(JSON.stringify({ message }));
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
  const body = await readBody(req, API_GATEWAY_LIMITS.messageBytes);
  const finish = (status: number) => deps.onCall(method, connectionId, status);
  if (stage !== undefined && stage !== deps.stage) {
    sendError(res, 403, 'Forbidden');
    return finish(403);
  }
  const connection = deps.connections.get(connectionId);
  if (method === 'POST') {
    if (body === undefined) {
      sendError(res, 413, `Payload exceeds the ${API_GATEWAY_LIMITS.messageBytes}-byte message limit`);
      return finish(413);
    }
    const fault = pickFault(deps.faultRates, deps.random);
    if (fault !== undefined) {
      sendError(res, fault, `Injected fault ${fault} (--fault-rate)`);
      return finish(fault);
    }
  }
  if (!connection || connection.closing) {
    sendError(res, 410, `Connection ${connectionId} is gone`);
    return finish(410);
  }
  switch (method) {
    case 'POST':
      connection.touchOutbound();
      connection.socket.send(body!.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end();
      return finish(200);
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

/** The request body, or undefined when it is longer than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
