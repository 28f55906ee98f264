/**
 * The WebSocket handshake, as API Gateway runs it during the HTTP upgrade: the $connect
 * authorizer (a missing identity source is 401 without calling it), then the $connect route,
 * whose non-2xx result rejects the upgrade with that status; a 2xx result completes it (101),
 * with the subprotocol $connect chose.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { API_GATEWAY_LIMITS } from '../../protocol';
import type { Clock } from '../../protocol/clock';
import type { AssemblyRoute } from '../assembly/app-spec';
import { newEventId } from '../aws/ids';
import { accessLogLine } from './access-log';
import { authorizerDecision } from './authorizer';
import type { Connections } from './connections';
import {
  authorizerEvent,
  connectEvent,
  identitySourceValue,
  type ApiContext,
  type ConnectionContext,
  type HandshakeRequest,
} from './events';
import { invocationStatus, type Integration } from './integration';

export interface UpgradeOptions {
  readonly connectRoute: AssemblyRoute | undefined;
  readonly api: ApiContext;
  readonly integration: Integration;
  /** Where an accepted connection goes; while it is stopping, handshakes are refused with 503. */
  readonly connections: Connections;
  /** The port the gateway listens on (X-Forwarded-Port). */
  readonly localPort: number;
  /** Gives `connectedAt`. */
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Told of each handshake refused by the authorizer or $connect. */
  readonly onRejected: (status: number) => void;
}

export class Upgrade {
  private readonly wss: WebSocketServer;
  /** The subprotocol $connect chose, for `ws` to answer with. */
  private readonly subprotocols = new WeakMap<IncomingMessage, string>();
  /** Upgrade requests whose authorizer or $connect is still running. */
  private readonly handshakes = new Set<Socket>();

  constructor(private readonly options: UpgradeOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: API_GATEWAY_LIMITS.messageBytes,
      handleProtocols: (_protocols, req) => this.subprotocols.get(req) ?? false,
    });
  }

  /** Runs one handshake on an upgrade request for the WebSocket path. */
  handle(req: IncomingMessage, url: URL, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined); // a client that drops mid-handshake is not an emulator error
    this.handshakes.add(socket);
    this.run(req, url, socket, head)
      .catch((err: unknown) => {
        this.options.log(`upgrade failed: ${err instanceof Error ? err.stack : String(err)}`);
        rejectUpgrade(socket, 500, JSON.stringify({ message: 'Internal server error' }));
      })
      .finally(() => this.handshakes.delete(socket));
  }

  /** Drops the handshakes still running. */
  abort(): void {
    for (const socket of this.handshakes) socket.destroy();
  }

  /** Resolves once the WebSocket server has closed, after its last connection. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wss.close(() => resolve());
    });
  }

  private async run(req: IncomingMessage, url: URL, socket: Socket, head: Buffer): Promise<void> {
    const { connections, connectRoute, integration, api } = this.options;
    if (connections.closed) return rejectUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
    const now = this.options.clock.now();
    const context: ConnectionContext = {
      connectionId: newEventId(),
      connectedAt: now,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    const handshake: HandshakeRequest = { rawHeaders: req.rawHeaders, query: url.searchParams, localPort: this.options.localPort };

    if (connectRoute?.authorizer) {
      const authorizer = connectRoute.authorizer;
      if (authorizer.identitySources.some((source) => identitySourceValue(source, handshake) === undefined)) {
        this.options.log(accessLogLine('AUTHORIZER', '$connect', context.connectionId, '401 (identity source missing)'));
        return this.reject(socket, 401, JSON.stringify({ message: 'Unauthorized' }));
      }
      const event = authorizerEvent(api, context, handshake, now);
      const result = await integration.invokeAuthorizer(authorizer, event);
      const decision = authorizerDecision(result, event.methodArn);
      const status = decision.allow ? 200 : decision.status;
      integration.record({
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
      const event = connectEvent(api, context, handshake, now);
      const result = await integration.invokeRoute(connectRoute, event);
      const status = invocationStatus(result);
      integration.record({
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

    if (connections.closed || socket.destroyed) {
      // Stopping, or the client left while $connect ran: API Gateway still reports the drop, so $disconnect undoes $connect's work.
      if (ranConnect) connections.droppedDuringConnect(context);
      return rejectUpgrade(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => connections.open(ws, socket, req.headers['user-agent'] ?? '', context));
  }

  private reject(socket: Socket, status: number, body: string): void {
    rejectUpgrade(socket, status, body);
    this.options.onRejected(status);
  }
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
export function rejectUpgrade(socket: Socket, status: number, body: string): void {
  if (socket.destroyed) return;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
