import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { AsyncQueue } from './async-queue';
import { wsText } from '../../../cli-kit/ws-text';

export interface PeerConnection {
  socket: WebSocket;
  request: IncomingMessage;
  /** Every parsed frame this connection sent, in order. */
  frames: AsyncQueue<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Answers a frame like the real server would for a lone client; return false to stay silent. */
export type Responder = (frame: Record<string, unknown>, connection: PeerConnection) => void | false;

/**
 * A plain `ws` server on 127.0.0.1, port 0, standing in for API Gateway in unit tests.
 * By default it answers message/join/leave/ping as protocol v1 does for one client.
 */
export class TestPeer {
  readonly connections = new AsyncQueue<PeerConnection>();
  readonly url: string;
  respond: Responder = defaultResponder;

  private constructor(private readonly server: WebSocketServer) {
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/dev`;
    server.on('connection', (socket, request) => {
      const frames = new AsyncQueue<Record<string, unknown>>();
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      const connection: PeerConnection = { socket, request, frames, closed };
      socket.on('message', (data) => {
        const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
        frames.push(frame);
        this.respond(frame, connection);
      });
      this.connections.push(connection);
    });
  }

  static async start(options: { handleProtocols?: (protocols: Set<string>) => string | false } = {}): Promise<TestPeer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: options.handleProtocols });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new TestPeer(server);
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

export function reply(connection: PeerConnection, frame: object): void {
  connection.socket.send(JSON.stringify(frame));
}

export const defaultResponder: Responder = (frame, connection) => {
  const id = frame.id === undefined ? {} : { id: frame.id };
  switch (frame.action) {
    case 'message':
      return reply(connection, { event: 'message', data: `Received: ${String(frame.data)}`, ...id });
    case 'join':
      return reply(connection, { event: 'joined', room: frame.room, ...id });
    case 'leave':
      return reply(connection, { event: 'left', room: frame.room, ...id });
    case 'ping':
      return reply(connection, { event: 'pong', ...id });
  }
};
