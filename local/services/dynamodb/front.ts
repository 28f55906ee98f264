/**
 * The DynamoDB endpoint functions and the developer's programs reach: an HTTP front before
 * dynalite, which listens where no browser can reach it (a Unix socket). The front
 * - answers programs on this machine only: a loopback `Host` (DNS rebinding names another), no
 *   request from a web page (`Origin`, `Sec-Fetch-Site`), and no CORS headers in its answers
 *   (dynalite adds them), so no page can read or plant table items;
 * - authorizes each request with IAM: the action of its operation on every table or index it
 *   names (operations.ts), answering a denial as DynamoDB does (400 AccessDeniedException);
 * - answers DescribeTimeToLive from the template (dynalite says DISABLED, though the emulator
 *   deletes expired items);
 * - counts the requests by operation, the TTL sweeper's aside.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { TableSpec } from '../../assembly/app-spec';
import { pseudoParameters } from '../../assembly/intrinsics';
import { readBody } from '../../http/request-body';
import { fromBrowser, hostAllowed } from '../../http/request-guard';
import type { IamAuthority } from '../../iam/authority';
import { tableAccesses } from './operations';

/** DynamoDB's (and dynalite's) largest request. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Headers of dynalite's answers that are its own connection's or a browser's, never passed on. */
const DROPPED_HEADERS = /^(access-control-|connection$|keep-alive$|transfer-encoding$)/i;

export interface DynamoDbFrontOptions {
  /** Where dynalite listens: a Unix socket path (a named pipe on Windows). */
  readonly backend: string;
  /** The template's tables: their TTL answers DescribeTimeToLive. */
  readonly tables: readonly TableSpec[];
  readonly region: string;
  readonly accountId: string;
  /** Who signed a request, and whether they may do what it asks. */
  readonly iam: IamAuthority;
  /** Requests with this in their User-Agent are the emulator's own (the TTL sweeper's) and are not counted. */
  readonly uncountedUserAgent: string;
}

/** An error as DynamoDB's JSON protocol answers it: `__type` and `Message`, which the SDK turns into the exception. */
function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID(), 'x-amzn-ErrorType': type });
  res.end(JSON.stringify({ __type: `com.amazon.coral.service#${type}`, Message: message }));
}

export class DynamoDbFront {
  private readonly counts: Record<string, number> = {};
  /** Keep-alive connections to dynalite, shared by every request. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly tableArn: (name: string) => string;

  constructor(private readonly options: DynamoDbFrontOptions) {
    const partition = pseudoParameters(options.region, options.accountId, '')['AWS::Partition'];
    this.tableArn = (name) => `arn:${partition}:dynamodb:${options.region}:${options.accountId}:table/${name}`;
  }

  /** DynamoDB requests served so far, by operation. */
  requestCounts(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendError(res, 500, 'InternalServerError', `The local DynamoDB failed: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  }

  /** Drops the connections to dynalite. */
  close(): void {
    this.agent.destroy();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, '127.0.0.1')) {
      return sendError(
        res,
        403,
        'AccessDeniedException',
        `Host "${req.headers.host ?? ''}" does not name this machine; the emulator's DynamoDB answers only 127.0.0.1 or localhost.`,
      );
    }
    if (fromBrowser(req.headers)) {
      return sendError(
        res,
        403,
        'AccessDeniedException',
        "The emulator's DynamoDB does not answer web pages; call it from a backend or the AWS SDK.",
      );
    }
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (body === undefined) return sendError(res, 413, 'RequestEntityTooLarge', `Request must be at most ${MAX_REQUEST_BYTES} bytes`);
    const operation = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    if (!String(req.headers['user-agent'] ?? '').includes(this.options.uncountedUserAgent))
      this.counts[operation] = (this.counts[operation] ?? 0) + 1;

    const input = req.method === 'POST' ? jsonObject(body) : undefined;
    if (input) {
      const denial = this.denial(req, operation, input);
      if (denial) return sendError(res, 400, 'AccessDeniedException', denial);
      if (operation === 'DescribeTimeToLive' && this.describeTimeToLive(res, input)) return;
    }
    this.forward(req, res, body);
  }

  /** Why IAM refuses the request, or undefined when it may proceed (unsigned ones go on: DynamoDB refuses them itself). */
  private denial(req: IncomingMessage, operation: string, input: Readonly<Record<string, unknown>>): string | undefined {
    const principal = this.options.iam.principalOf(req);
    if (!principal) return undefined;
    for (const { action, resource } of tableAccesses(operation, input, this.tableArn)) {
      const decision = this.options.iam.authorize(principal, action, resource);
      if (!decision.allowed) return decision.message;
    }
    return undefined;
  }

  /** Answers DescribeTimeToLive for a table of the template, as DynamoDB reports its TTL; false for any other table. */
  private describeTimeToLive(res: ServerResponse, input: Readonly<Record<string, unknown>>): boolean {
    const table = this.options.tables.find((t) => t.tableName === input.TableName);
    if (!table) return false;
    const description =
      table.ttlAttribute === undefined
        ? { TimeToLiveStatus: 'DISABLED' }
        : { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute };
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
    res.end(JSON.stringify({ TimeToLiveDescription: description }));
    return true;
  }

  /** Passes the request to dynalite and its answer back, without the headers it must not carry. */
  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const upstream = http.request(
      { socketPath: this.options.backend, method: req.method, path: req.url, headers, agent: this.agent },
      (answer) => {
        const passed: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers))
          if (!DROPPED_HEADERS.test(name) && value !== undefined) passed[name] = value;
        res.writeHead(answer.statusCode ?? 500, passed);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) sendError(res, 500, 'InternalServerError', `The local DynamoDB failed: ${err.message}`);
      else res.destroy();
    });
    upstream.end(body);
  }
}

/** A request body's JSON object, or undefined when it is not one (dynalite answers those itself). */
function jsonObject(body: Buffer): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
