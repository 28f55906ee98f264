/**
 * The live connections, as API Gateway runs them once the handshake is done: each text frame
 * routed to its route's integration in arrival order, route responses and error frames sent back,
 * the limits enforced, and $disconnect run after every kind of close.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { API_GATEWAY_LIMITS } from '../../protocol';
import type { Clock } from '../../protocol/clock';
import type { AccountRequestQuota } from '../account/request-quota';
import type { WebSocketAppSpec } from '../assembly/app-spec';
import { newEventId } from '../aws/ids';
import { accessLogLine } from './access-log';
import { LiveConnection } from './connection';
import { disconnectEvent, messageEvent, messageEventJson, type ApiContext, type ConnectionContext } from './events';
import { invocationStatus, type Integration } from './integration';
import { CLOSE, clientCloseCause, FrameSizeGuard, type CloseCause } from './limits';
import { bufferFull } from './management';
import { compileSelectionExpression, selectRoute, type RouteSelector } from './routing';

/** What the 'disconnect' event reports, after $disconnect has run. */
export interface DisconnectRecord {
  readonly connectionId: string;
  readonly code: number;
  readonly reason: string;
}

export interface ConnectionsOptions {
  readonly app: Pick<WebSocketAppSpec, 'routes' | 'routeSelectionExpression'>;
  readonly api: ApiContext;
  readonly integration: Integration;
  readonly idleTimeoutSeconds: number;
  readonly maxDurationSeconds: number;
  /** Times connections and their events. */
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly onOpen: (connectionId: string) => void;
  readonly onDisconnect: (record: DisconnectRecord) => void;
  /** The account's request quota: every message takes a token as it arrives, or is throttled. @default none */
  readonly quota?: AccountRequestQuota;
}

/** How long stop() waits for the $disconnects of the connections it closed. */
export const STOP_DISCONNECT_MS = 5000;

/** Resolves when `promise` settles or `ms` have passed, whichever is first, and leaves no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The `message` of the error frame a throttled message gets. */
export const THROTTLED_MESSAGE = 'Too Many Requests';

export class Connections {
  /** Open connections by id: what @connections finds. */
  readonly byId = new Map<string, LiveConnection>();
  private readonly selector: RouteSelector;
  private readonly routeKeys: ReadonlySet<string>;
  private readonly pendingDisconnects = new Set<Promise<void>>();
  private stopping = false;

  constructor(private readonly options: ConnectionsOptions) {
    this.selector = compileSelectionExpression(options.app.routeSelectionExpression);
    this.routeKeys = new Set(options.app.routes.keys());
  }

  /** True once stop() has begun: no connection opens and no message is taken any more; $disconnect still runs. */
  get closed(): boolean {
    return this.stopping;
  }

  /**
   * Takes over a socket whose handshake succeeded. `socket` is the upgraded TCP socket, which `ws`
   * reads from; the frame-size guard watches its raw bytes.
   */
  open(ws: WebSocket, socket: Socket, userAgent: string, context: ConnectionContext): void {
    const connection = new LiveConnection(context, ws, userAgent, {
      idleTimeoutMs: this.options.idleTimeoutSeconds * 1000,
      maxDurationMs: this.options.maxDurationSeconds * 1000,
      clock: this.options.clock,
    });
    this.byId.set(context.connectionId, connection);
    const guard = new FrameSizeGuard(API_GATEWAY_LIMITS.frameBytes);
    socket.prependListener('data', (chunk: Buffer) => {
      if (!connection.closing && guard.oversized(chunk)) connection.close(CLOSE.tooBig);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (connection.closing) return;
      if (isBinary) return connection.close(CLOSE.binary);
      connection.touchInbound();
      if (this.options.quota && !this.options.quota.take()) return this.throttle(connection);
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
      this.byId.delete(context.connectionId);
      connection.dispose();
      this.queueDisconnect(context, connection, connection.serverClose ?? clientCloseCause(code, reason.toString('utf8')));
    });
    this.options.log(accessLogLine('OPEN', '', context.connectionId, '101'));
    this.options.onOpen(context.connectionId);
  }

  /** A client that left while its $connect ran: API Gateway still reports the drop. */
  droppedDuringConnect(context: ConnectionContext): void {
    this.queueDisconnect(context, undefined, clientCloseCause(1006, ''));
  }

  /**
   * Closes every connection with 1001 and runs its $disconnect, as API Gateway does for every
   * close, so no row of a connection that is gone outlives the stop (with --data-dir it would
   * outlast the restart: a room full of members that left). Bounded: a client that does not answer
   * the close within 500 ms is dropped, and $disconnects still running after STOP_DISCONNECT_MS
   * are left to end as the functions stop. Wall-clock bounds on shutting down, not emulated time.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const open = [...this.byId.values()];
    const closed = Promise.all(open.map((c) => new Promise((resolve) => c.socket.once('close', resolve))));
    for (const connection of open) connection.close(CLOSE.goingAway);
    await within(closed, 500);
    for (const connection of this.byId.values()) connection.socket.terminate();
    await closed;
    await within(this.settled(), STOP_DISCONNECT_MS);
  }

  /** Resolves once every $disconnect started so far has finished. */
  async settled(): Promise<void> {
    while (this.pendingDisconnects.size > 0) await Promise.all([...this.pendingDisconnects]);
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
    if (route) {
      const event = disconnectEvent(this.options.api, context, cause.code, cause.reason, this.options.clock.now());
      const result = await this.options.integration.invokeRoute(route, event);
      this.options.integration.record({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        connectionId: context.connectionId,
        status: invocationStatus(result),
        durationMs: result.durationMs,
        event,
        result,
      });
    } else {
      this.options.log(accessLogLine('CLOSE', '', context.connectionId, String(cause.code)));
    }
    this.options.onDisconnect({ connectionId: context.connectionId, code: cause.code, reason: cause.reason });
  }

  private async routeMessage(connection: LiveConnection, body: string): Promise<void> {
    const routeKey = selectRoute(this.selector, body, this.routeKeys);
    const connectionId = connection.id;
    if (routeKey === undefined) {
      // No matching route and no $default: API Gateway answers Forbidden.
      this.send(connection, JSON.stringify({ message: 'Forbidden', connectionId, requestId: newEventId() }));
      this.options.log(accessLogLine('MESSAGE', '(no route)', connectionId, '403'));
      return;
    }
    const { api, integration } = this.options;
    const route = this.options.app.routes.get(routeKey)!;
    const event = messageEvent(api, connection.context, routeKey, body, this.options.clock.now());
    const result = await integration.invokeRoute(route, event, messageEventJson(api, connection.context, event));
    const status = invocationStatus(result);
    integration.record({ routeKey, eventType: 'MESSAGE', connectionId, status, durationMs: result.durationMs, event, result });
    if (!result.ok) {
      this.send(connection, JSON.stringify({ message: 'Internal server error', connectionId, requestId: event.requestContext.requestId }));
    } else if (route.hasRouteResponse) {
      const responseBody = (result.result as { body?: unknown } | null | undefined)?.body;
      if (typeof responseBody === 'string') this.send(connection, responseBody);
      else if (responseBody !== undefined) this.send(connection, JSON.stringify(responseBody));
    }
  }

  /**
   * Answers a message the account's request quota throttled: no integration runs, the client gets
   * an error frame as for API Gateway's other refusals ("Forbidden", "Internal server error"),
   * with 429's text ("Clients may receive 429 Too Many Requests error responses", API Gateway
   * developer guide, "Protect your WebSocket APIs in API Gateway"), and the connection stays open.
   * Sent in turn after the replies to the messages before it.
   */
  private throttle(connection: LiveConnection): void {
    const frame = JSON.stringify({ message: THROTTLED_MESSAGE, connectionId: connection.id, requestId: newEventId() });
    this.options.log(accessLogLine('MESSAGE', '(throttled)', connection.id, `429 (${this.options.quota!.describe()})`));
    connection.queue = connection.queue.then(() => this.send(connection, frame));
  }

  /** Sends a route response or error frame; past the high-water mark it is dropped (and logged) so memory stays bounded. */
  private send(connection: LiveConnection, text: string): void {
    if (bufferFull(connection)) {
      this.options.log(
        accessLogLine('DROPPED', '', connection.id, `reply of ${Buffer.byteLength(text)} bytes: the client's buffer is full`),
      );
      return;
    }
    connection.send(text);
  }
}
