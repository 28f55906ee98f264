/**
 * The HTTP + WebSocket front door, as API Gateway behaves for a WebSocket API: $connect
 * (with its authorizer) during the upgrade, routing of text frames, route responses, error
 * frames, limits, $disconnect on every kind of close, and the @connections API on the same port.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_GATEWAY_LIMITS, LOCAL_PATHS, type PublishedConfig } from '../../protocol';
import type { AssemblyRoute, WebSocketAppSpec } from '../assembly/app-spec';
import { authorizerDecision } from './authorizer';
import type { Clock } from '../../protocol/clock';
import { LiveConnection } from './connection';
import {
  authorizerEvent,
  connectEvent,
  disconnectEvent,
  identitySourceValue,
  messageEvent,
  messageEventJson,
  type ApiContext,
  type ConnectionContext,
  type EventType,
  type HandshakeRequest,
} from './events';
import { newEventId } from '../aws/ids';
import { CLOSE, clientCloseCause, FrameSizeGuard, type CloseCause } from './limits';
import { bufferFull, handleManagement, isManagementPath, type FaultRates } from './management';
import { compileSelectionExpression, selectRoute, type RouteSelector } from './routing';
import type { InvokeResult } from '../runtime/runtime';
import { localEndpointRefusal, type LocalEndpoint } from '../http/request-guard';
import { serveStatic } from './static-site';

/** One finished integration call, for logs and tests. */
export interface InvocationRecord {
  readonly routeKey: string;
  readonly eventType: EventType | 'AUTHORIZER';
  readonly connectionId: string;
  /** HTTP-like status: the handler's statusCode, 200 by default, 500 on errors. */
  readonly status: number;
  readonly durationMs: number;
  readonly event: unknown;
  readonly result: InvokeResult;
}

export interface GatewayOptions {
  readonly app: WebSocketAppSpec;
  readonly host: string;
  readonly port: number;
  readonly idleTimeoutSeconds: number;
  readonly maxDurationSeconds: number;
  readonly webDir?: string;
  readonly faultRates: FaultRates;
  readonly random: () => number;
  /** Times connections: `connectedAt`, the idle timeout, the maximum duration. */
  readonly clock: Clock;
  /** Invokes a function; `eventJson`, when given, is JSON.stringify(event), already made. */
  readonly invoke: (functionLogicalId: string, event: unknown, eventJson?: string) => Promise<InvokeResult>;
  readonly log: (line: string) => void;
  /** Serves extra HTTP paths (the local issuer); resolves true when it answered. @default none */
  readonly httpRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Folders inside `webDir` never served (the data dir, the local issuer's key folder). @default none */
  readonly webExclude?: readonly string[];
  /** Extra fields for the page's configuration (e.g. `tokenUrl`). @default none */
  readonly publishedConfig?: () => Partial<PublishedConfig>;
}

/**
 * Events: 'invocation' (InvocationRecord), 'open' (connectionId), 'rejected' ({ status }),
 * 'disconnect' ({ connectionId, code, reason }) after $disconnect has run.
 */
export class Gateway extends EventEmitter {
  readonly connections = new Map<string, LiveConnection>();
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly selector: RouteSelector;
  private readonly routeKeys: ReadonlySet<string>;
  private readonly api: ApiContext;
  private readonly subprotocols = new WeakMap<IncomingMessage, string>();
  private readonly pendingDisconnects = new Set<Promise<void>>();
  /** Upgrade requests whose authorizer or $connect is still running. */
  private readonly handshakes = new Set<Socket>();
  private stopping = false;
  private listeningPort = 0;

  constructor(private readonly options: GatewayOptions) {
    super();
    const { app } = options;
    this.selector = compileSelectionExpression(app.routeSelectionExpression);
    this.routeKeys = new Set(app.routes.keys());
    this.api = {
      apiId: app.apiId,
      stage: app.stage,
      region: app.region,
      accountId: app.accountId,
      urlSuffix: app.urlSuffix,
      stageVariables: app.stageVariables,
    };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: API_GATEWAY_LIMITS.messageBytes,
      handleProtocols: (_protocols, req) => this.subprotocols.get(req) ?? false,
    });
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        options.log(`HTTP ${req.method} ${req.url} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal server error' }));
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => undefined); // a client that drops mid-handshake is not an emulator error
      this.handshakes.add(socket);
      this.onUpgrade(req, socket, head)
        .catch((err: unknown) => {
          options.log(`upgrade failed: ${err instanceof Error ? err.stack : String(err)}`);
          rejectUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
        })
        .finally(() => this.handshakes.delete(socket));
    });
  }

  /** Listens and returns the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (this.server.address() as AddressInfo).port;
    return this.listeningPort;
  }

  /** Closes every client with 1001 and stops; no further integration runs. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const socket of this.handshakes) socket.destroy();
    for (const connection of this.connections.values()) connection.close(CLOSE.goingAway);
    await Promise.race([
      Promise.all([...this.connections.values()].map((c) => new Promise((r) => c.socket.once('close', r)))),
      new Promise((r) => setTimeout(r, 500)),
    ]);
    for (const connection of this.connections.values()) connection.socket.terminate();
    await new Promise<void>((resolve) => {
      this.wss.close(() => resolve());
    });
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Resolves once every $disconnect started so far has finished. */
  async settled(): Promise<void> {
    while (this.pendingDisconnects.size > 0) await Promise.all([...this.pendingDisconnects]);
  }

  private isWebSocketPath(pathname: string): boolean {
    const trimmed = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
    return trimmed === '/' || trimmed === `/${this.options.app.stage}`;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const { pathname } = url;
    const endpoint = localEndpointOf(pathname);
    const refusal = endpoint && localEndpointRefusal(endpoint, req.headers, this.options.host);
    if (refusal) {
      this.options.log(`HTTP ${req.method} ${pathname} 403 (${refusal})`);
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: refusal }));
      return;
    }
    if (isManagementPath(pathname)) {
      return handleManagement(req, res, pathname, {
        stage: this.options.app.stage,
        connections: this.connections,
        faultRates: this.options.faultRates,
        random: this.options.random,
        onCall: (method, id, status) => this.options.log(`@connections ${method.padEnd(6)} ${id} ${status}`),
      });
    }
    if (this.options.httpRoutes && (await this.options.httpRoutes(req, res, url))) return;
    if (pathname === LOCAL_PATHS.config && (req.method === 'GET' || req.method === 'HEAD')) {
      const host = req.headers.host ?? `${this.options.host}:${this.listeningPort}`;
      const config: PublishedConfig = {
        websocketUrl: `ws://${host}/${this.options.app.stage}`,
        stage: this.options.app.stage,
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

  private invocationStatus(result: InvokeResult): number {
    if (!result.ok) return 500;
    const status = (result.result as { statusCode?: unknown } | null | undefined)?.statusCode;
    return typeof status === 'number' ? status : 200;
  }

  private record(record: InvocationRecord): void {
    const { eventType, routeKey, connectionId, status, durationMs } = record;
    this.options.log(`${eventType.padEnd(10)} ${routeKey.padEnd(12)} ${connectionId} ${status} ${durationMs.toFixed(1)}ms`);
    if (!record.result.ok) {
      this.options.log(`  ${record.result.error.errorType}: ${record.result.error.errorMessage}`);
    }
    this.emit('invocation', record);
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (!this.isWebSocketPath(url.pathname)) return rejectUpgrade(socket, 404, JSON.stringify({ message: 'Not Found' }));
    if (this.stopping) return rejectUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
    const now = this.options.clock.now();
    const context: ConnectionContext = {
      connectionId: newEventId(),
      connectedAt: now,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    const handshake: HandshakeRequest = { rawHeaders: req.rawHeaders, query: url.searchParams, localPort: this.listeningPort };
    const connectRoute = this.options.app.routes.get('$connect');

    if (connectRoute?.authorizer) {
      const authorizer = connectRoute.authorizer;
      if (authorizer.identitySources.some((source) => identitySourceValue(source, handshake) === undefined)) {
        this.options.log(`AUTHORIZER $connect     ${context.connectionId} 401 (identity source missing)`);
        return this.reject(socket, 401, JSON.stringify({ message: 'Unauthorized' }));
      }
      const event = authorizerEvent(this.api, context, handshake, now);
      const result = await this.options.invoke(authorizer.functionLogicalId, event);
      const decision = authorizerDecision(result, event.methodArn);
      const status = decision.allow ? 200 : decision.status;
      this.record({
        routeKey: '$connect',
        eventType: 'AUTHORIZER',
        connectionId: context.connectionId,
        status,
        durationMs: result.durationMs,
        event,
        result,
      });
      if (!decision.allow) return this.reject(socket, decision.status, JSON.stringify({ message: decision.message }));
      context.authorizer = { ...decision.context, principalId: decision.principalId };
    }

    let ranConnect = false;
    if (connectRoute) {
      const event = connectEvent(this.api, context, handshake, now);
      const result = await this.invokeRoute(connectRoute, event);
      const status = this.invocationStatus(result);
      this.record({
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId: context.connectionId,
        status,
        durationMs: result.durationMs,
        event,
        result,
      });
      if (status < 200 || status > 299) {
        const body = result.ok ? (result.result as { body?: unknown }).body : undefined;
        return this.reject(
          socket,
          status,
          typeof body === 'string'
            ? body
            : JSON.stringify({ message: result.ok ? (STATUS_CODES[status] ?? 'Error') : 'Internal server error' }),
        );
      }
      const protocol = headerValue(result.ok ? result.result : undefined, 'sec-websocket-protocol');
      if (protocol) this.subprotocols.set(req, protocol.split(',')[0].trim());
      ranConnect = true;
    }

    if (this.stopping) return rejectUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
    if (socket.destroyed) {
      // The client left while $connect ran: API Gateway still reports the drop.
      if (ranConnect) this.queueDisconnect(context, undefined, clientCloseCause(1006, ''));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, socket, req, context));
  }

  private reject(socket: Socket, status: number, body: string): void {
    rejectUpgrade(socket, status, body);
    this.emit('rejected', { status });
  }

  private invokeRoute(route: AssemblyRoute, event: unknown, eventJson?: string): Promise<InvokeResult> {
    if (!route.functionLogicalId) {
      return Promise.resolve({
        ok: false,
        requestId: '',
        durationMs: 0,
        error: { errorType: 'Unsupported', errorMessage: `route ${route.routeKey} has no Lambda proxy integration`, trace: [] },
      });
    }
    return this.options.invoke(route.functionLogicalId, event, eventJson);
  }

  /** `socket` is the upgraded TCP socket, which `ws` reads from; the frame-size guard watches its raw bytes. */
  private onOpen(ws: WebSocket, socket: Socket, req: IncomingMessage, context: ConnectionContext): void {
    const connection = new LiveConnection(context, ws, req.headers['user-agent'] ?? '', {
      idleTimeoutMs: this.options.idleTimeoutSeconds * 1000,
      maxDurationMs: this.options.maxDurationSeconds * 1000,
      clock: this.options.clock,
    });
    this.connections.set(context.connectionId, connection);
    const guard = new FrameSizeGuard(API_GATEWAY_LIMITS.frameBytes);
    socket.prependListener('data', (chunk: Buffer) => {
      if (!connection.closing && guard.oversized(chunk)) connection.close(CLOSE.tooBig);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (connection.closing) return;
      if (isBinary) return connection.close(CLOSE.binary);
      connection.touchInbound();
      const body = data.toString('utf8');
      // One failure must not stall the connection's later messages (or its $disconnect).
      connection.queue = connection.queue
        .then(() => this.routeMessage(connection, body))
        .catch((err: unknown) =>
          this.options.log(`error routing a message on ${connection.id}: ${err instanceof Error ? err.message : String(err)}`),
        );
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself on protocol errors; record why for $disconnect.
      if (connection.serverClose) return;
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') connection.serverClose = CLOSE.tooBig;
      else if (err.code === 'WS_ERR_INVALID_UTF8') connection.serverClose = { code: 1007, reason: 'Invalid UTF-8' };
      else connection.serverClose = { code: 1002, reason: err.message };
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.connections.delete(context.connectionId);
      connection.dispose();
      if (this.stopping) return;
      this.queueDisconnect(context, connection, connection.serverClose ?? clientCloseCause(code, reason.toString('utf8')));
    });
    this.options.log(`OPEN       ${''.padEnd(12)} ${context.connectionId} 101`);
    this.emit('open', context.connectionId);
  }

  private queueDisconnect(context: ConnectionContext, connection: LiveConnection | undefined, cause: CloseCause): void {
    const previous = connection?.queue ?? Promise.resolve();
    const done = previous.then(() => this.runDisconnect(context, cause));
    this.pendingDisconnects.add(done);
    void done.finally(() => this.pendingDisconnects.delete(done));
    if (connection) connection.queue = done;
  }

  private async runDisconnect(context: ConnectionContext, cause: CloseCause): Promise<void> {
    const route = this.options.app.routes.get('$disconnect');
    if (route && !this.stopping) {
      const event = disconnectEvent(this.api, context, cause.code, cause.reason, this.options.clock.now());
      const result = await this.invokeRoute(route, event);
      this.record({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        connectionId: context.connectionId,
        status: this.invocationStatus(result),
        durationMs: result.durationMs,
        event,
        result,
      });
    } else {
      this.options.log(`CLOSE      ${''.padEnd(12)} ${context.connectionId} ${cause.code}`);
    }
    this.emit('disconnect', { connectionId: context.connectionId, code: cause.code, reason: cause.reason });
  }

  private async routeMessage(connection: LiveConnection, body: string): Promise<void> {
    const routeKey = selectRoute(this.selector, body, this.routeKeys);
    const connectionId = connection.id;
    if (routeKey === undefined) {
      // No matching route and no $default: API Gateway answers Forbidden.
      this.send(connection, JSON.stringify({ message: 'Forbidden', connectionId, requestId: newEventId() }));
      this.options.log(`MESSAGE    ${'(no route)'.padEnd(12)} ${connectionId} 403`);
      return;
    }
    const route = this.options.app.routes.get(routeKey)!;
    const event = messageEvent(this.api, connection.context, routeKey, body, this.options.clock.now());
    const result = await this.invokeRoute(route, event, messageEventJson(this.api, connection.context, event));
    const status = this.invocationStatus(result);
    this.record({ routeKey, eventType: 'MESSAGE', connectionId, status, durationMs: result.durationMs, event, result });
    if (!result.ok) {
      this.send(connection, JSON.stringify({ message: 'Internal server error', connectionId, requestId: event.requestContext.requestId }));
    } else if (route.hasRouteResponse) {
      const responseBody = (result.result as { body?: unknown } | null | undefined)?.body;
      if (typeof responseBody === 'string') this.send(connection, responseBody);
      else if (responseBody !== undefined) this.send(connection, JSON.stringify(responseBody));
    }
  }

  /** Sends a route response or error frame; past the high-water mark it is dropped (and logged) so memory stays bounded. */
  private send(connection: LiveConnection, text: string): void {
    if (bufferFull(connection)) {
      this.options.log(
        `DROPPED    ${''.padEnd(12)} ${connection.id} reply of ${Buffer.byteLength(text)} bytes: the client's buffer is full`,
      );
      return;
    }
    connection.send(text);
  }
}

/** Which guarded local endpoint a path is, if any. */
function localEndpointOf(pathname: string): LocalEndpoint | undefined {
  if (isManagementPath(pathname)) return 'management';
  if (pathname === LOCAL_PATHS.token) return 'token';
  if (pathname === LOCAL_PATHS.config || pathname.startsWith(`${LOCAL_PATHS.base}/`)) return 'local';
  return undefined;
}

/** A header from a Lambda proxy result, matched case-insensitively. */
function headerValue(result: unknown, name: string): string | undefined {
  const headers = (result as { headers?: Record<string, unknown> } | null | undefined)?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Answers an upgrade request with a plain HTTP error, as API Gateway does on rejection. */
function rejectUpgrade(socket: Socket, status: number, body: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
