/**
 * The front door on the emulator's port, as API Gateway serves a WebSocket API: which path goes
 * where. The stage path upgrades to a WebSocket (upgrade.ts: the authorizer and $connect), whose
 * live connections are routed message by message (connections.ts); `@connections` is the
 * management API (management.ts); other paths are the local endpoints, the page's configuration
 * and the static site.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LOCAL_PATHS, type PublishedConfig } from '../../protocol';
import type { Clock } from '../../protocol/clock';
import type { AccountRequestQuota } from '../account/request-quota';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import { pseudoParameters } from '../assembly/intrinsics';
import type { IamAuthority } from '../iam/authority';
import type { BoundAddress, HttpHandler } from '../http/listener';
import { localEndpointRefusal, type LocalEndpoint } from '../http/request-guard';
import type { LiveConnection } from './connection';
import { Connections } from './connections';
import type { ApiContext } from './events';
import { Integration, type Invoke } from './integration';
import { handleManagement, isManagementPath, type FaultRates } from './management';
import { serveStatic } from './static-site';
import { rejectUpgrade, Upgrade } from './upgrade';

export type { InvocationRecord } from './integration';

export interface GatewayOptions {
  readonly app: WebSocketAppSpec;
  /** The port it answers on, already bound (see HttpListener). */
  readonly address: BoundAddress;
  readonly idleTimeoutSeconds: number;
  readonly maxDurationSeconds: number;
  readonly webDir?: string;
  readonly faultRates: FaultRates;
  readonly random: () => number;
  /** Times connections: `connectedAt`, the idle timeout, the maximum duration. */
  readonly clock: Clock;
  readonly invoke: Invoke;
  /** Who calls @connections and whether they may; whether API Gateway may invoke a route's or authorizer's function. */
  readonly iam: IamAuthority;
  readonly log: (line: string) => void;
  /** Serves extra HTTP paths (the Lambda API, the local issuer); resolves true when it answered. @default none */
  readonly httpRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Folders inside `webDir` never served (the data dir, the local issuer's key folder). @default none */
  readonly webExclude?: readonly string[];
  /** Extra fields for the page's configuration (e.g. `tokenUrl`). @default none */
  readonly publishedConfig?: () => Partial<PublishedConfig>;
  /** The account's request quota, which every incoming message and `@connections` call counts against. @default none */
  readonly quota?: AccountRequestQuota;
  /** How long each `@connections` call takes, in ms (drawn per call). @default none */
  readonly postLatencyMs?: () => number;
}

/**
 * Events: 'invocation' (InvocationRecord), 'open' (connectionId), 'rejected' ({ status }),
 * 'disconnect' ({ connectionId, code, reason }) after $disconnect has run.
 */
export class Gateway extends EventEmitter implements HttpHandler {
  /** Open connections by id. */
  readonly connections: Map<string, LiveConnection>;
  private readonly liveConnections: Connections;
  private readonly upgrade: Upgrade;
  /** `arn:<partition>:execute-api:<region>:<account>:<apiId>`: the API's invocations and @connections are named under it. */
  private readonly apiArn: string;

  constructor(private readonly options: GatewayOptions) {
    super();
    const { app, clock, log } = options;
    const api: ApiContext = {
      apiId: app.apiId,
      stage: app.stage,
      region: app.region,
      accountId: app.accountId,
      urlSuffix: app.urlSuffix,
      stageVariables: app.stageVariables,
    };
    const partition = pseudoParameters(app.region, app.accountId, app.stackName)['AWS::Partition'];
    this.apiArn = `arn:${partition}:execute-api:${app.region}:${app.accountId}:${app.apiId}`;
    const integration = new Integration({
      invoke: options.invoke,
      iam: options.iam,
      apiArn: this.apiArn,
      stage: app.stage,
      log,
      onInvocation: (record) => this.emit('invocation', record),
    });
    this.liveConnections = new Connections({
      app,
      api,
      integration,
      idleTimeoutSeconds: options.idleTimeoutSeconds,
      maxDurationSeconds: options.maxDurationSeconds,
      clock,
      log,
      onOpen: (connectionId) => this.emit('open', connectionId),
      onDisconnect: (record) => this.emit('disconnect', record),
      quota: options.quota,
    });
    this.connections = this.liveConnections.byId;
    this.upgrade = new Upgrade({
      connectRoute: app.routes.get('$connect'),
      api,
      integration,
      connections: this.liveConnections,
      localPort: options.address.port,
      clock,
      log,
      onRejected: (status) => this.emit('rejected', { status }),
    });
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.onRequest(req, res).catch((err: unknown) => {
      this.options.log(`HTTP ${req.method} ${req.url} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined); // a client that drops mid-handshake is not an emulator error
    const url = new URL(req.url ?? '/', 'http://local');
    if (!this.isWebSocketPath(url.pathname)) return rejectUpgrade(socket, 404, JSON.stringify({ message: 'Not Found' }));
    this.upgrade.handle(req, url, socket, head);
  }

  /** Closes every client with 1001 and stops; no further integration runs. The port is the listener's to close. */
  async stop(): Promise<void> {
    const closing = this.liveConnections.stop();
    this.upgrade.abort();
    await closing;
    await this.upgrade.close();
  }

  /** Resolves once every $disconnect started so far has finished. */
  settled(): Promise<void> {
    return this.liveConnections.settled();
  }

  private isWebSocketPath(pathname: string): boolean {
    const trimmed = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
    return trimmed === '/' || trimmed === `/${this.options.app.stage}`;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const { pathname } = url;
    const { address, app, log } = this.options;
    const endpoint = localEndpointOf(pathname);
    const refusal = endpoint && localEndpointRefusal(endpoint, req.headers, address.host);
    if (refusal) {
      log(`HTTP ${req.method} ${pathname} 403 (${refusal})`);
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: refusal }));
      return;
    }
    if (isManagementPath(pathname)) {
      return handleManagement(req, res, pathname, {
        stage: app.stage,
        connections: this.connections,
        faultRates: this.options.faultRates,
        random: this.options.random,
        iam: this.options.iam,
        resourceArn: (method, connectionId) => `${this.apiArn}/${app.stage}/${method}/@connections/${connectionId}`,
        onCall: (method, id, status) => log(`@connections ${method.padEnd(6)} ${id} ${status}`),
        quota: this.options.quota,
        latencyMs: this.options.postLatencyMs,
        clock: this.options.clock,
      });
    }
    if (this.options.httpRoutes && (await this.options.httpRoutes(req, res, url))) return;
    if (pathname === LOCAL_PATHS.config && (req.method === 'GET' || req.method === 'HEAD')) {
      const host = req.headers.host ?? `${address.host}:${address.port}`;
      const config: PublishedConfig = {
        websocketUrl: `ws://${host}/${app.stage}`,
        stage: app.stage,
        ...this.options.publishedConfig?.(),
      };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(config));
      return;
    }
    if (this.options.webDir && (await serveStatic(this.options.webDir, req, res, pathname, this.options.webExclude))) return;
    if (this.isWebSocketPath(pathname)) {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end(JSON.stringify({ message: 'Upgrade Required: connect with a WebSocket client' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Not Found' }));
  }
}

/** Which guarded local endpoint a path is, if any. */
function localEndpointOf(pathname: string): LocalEndpoint | undefined {
  if (isManagementPath(pathname)) return 'management';
  if (pathname === LOCAL_PATHS.token) return 'token';
  if (pathname === LOCAL_PATHS.config || pathname.startsWith(`${LOCAL_PATHS.base}/`)) return 'local';
  return undefined;
}
