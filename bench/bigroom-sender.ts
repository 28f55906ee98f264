/**
 * The member of `npm run bench:bigroom` that sends the room messages, in the bench's own process:
 * one `ws` connection that joins the room, sends `message` frames and waits for each one's ack by
 * its `id`. It is a member too, so it records the room messages it gets (the publishes: the server
 * sends no connection its own messages).
 */
import WebSocket from 'ws';
import type { ClientFrame, MessageAck } from '../protocol';
import { wsText } from '../cli-kit/ws-text';
import { KEEPALIVE_INTERVAL_MS } from './bigroom-protocol';

export class RoomSender {
  /** `seq`s of the room messages it received, in arrival order. */
  readonly received: number[] = [];
  private readonly pending = new Map<string, { resolve: (ack: MessageAck) => void; reject: (err: Error) => void }>();
  private readonly keepalive: NodeJS.Timeout;

  private constructor(
    private readonly ws: WebSocket,
    private readonly room: string,
  ) {
    ws.on('message', (data) => {
      const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
      const id = typeof frame.id === 'string' ? frame.id : undefined;
      const waiter = id === undefined ? undefined : this.pending.get(id);
      if (frame.event === 'message' && frame.room === room && typeof frame.from === 'string' && typeof frame.seq === 'number') {
        this.received.push(frame.seq);
      } else if (waiter && frame.event === 'message') {
        this.pending.delete(id!);
        waiter.resolve(frame as unknown as MessageAck);
      } else if (waiter && frame.event === 'error') {
        this.pending.delete(id!);
        waiter.reject(new Error(`message ${id} refused: ${JSON.stringify(frame.error)}`));
      }
    });
    ws.on('close', (code) => this.failAll(new Error(`the sender's connection closed with ${code}`)));
    // The sender joins first and waits for the whole room: it keeps its connection alive as a client does.
    this.keepalive = setInterval(() => ws.send(JSON.stringify({ action: 'ping' } satisfies ClientFrame)), KEEPALIVE_INTERVAL_MS);
  }

  /** Connects and joins `room`. */
  static join(url: string, room: string): Promise<RoomSender> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`the sender's $connect answered ${res.statusCode}`)));
      ws.once('open', () => ws.send(JSON.stringify({ action: 'join', room } satisfies ClientFrame)));
      const onJoined = (data: WebSocket.RawData) => {
        const frame = JSON.parse(wsText(data)) as Record<string, unknown>;
        if (frame.event === 'presence' || frame.event === 'occupancy') return;
        ws.off('message', onJoined);
        if (frame.event === 'joined') resolve(new RoomSender(ws, room));
        else reject(new Error(`the sender's join answered ${JSON.stringify(frame)}`));
      };
      ws.on('message', onJoined);
    });
  }

  /** Sends one room message; resolves with its ack, rejects when refused or when no ack comes within `timeoutMs`. */
  send(id: string, data: string, timeoutMs: number): Promise<MessageAck> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`message ${id}: the sender's connection is closed`));
    return new Promise<MessageAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`message ${id}: no ack within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (ack) => {
          clearTimeout(timer);
          resolve(ack);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.ws.send(JSON.stringify({ action: 'message', room: this.room, data, id } satisfies ClientFrame));
    });
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  close(): void {
    clearInterval(this.keepalive);
    this.ws.removeAllListeners('close');
    this.ws.terminate();
  }
}
