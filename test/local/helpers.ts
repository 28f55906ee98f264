/** Test helpers: real ws clients that queue what they receive, and event waiting. */
import type { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { wsText } from '../../cli-kit/ws-text';

export interface TestClient {
  readonly ws: WebSocket;
  /** The next text frame (waits if none has arrived yet). */
  next(): Promise<string>;
  /** The next frame parsed as JSON. */
  nextJson<T = Record<string, unknown>>(): Promise<T>;
  /** Resolves with the close code and reason once the connection closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Connects a ws client; rejects with the HTTP status if the handshake is refused. */
export function connect(url: string, protocols?: string[]): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: string[] = [];
    const waiters: Array<(frame: string) => void> = [];
    ws.on('message', (data) => {
      const text = wsText(data);
      const waiter = waiters.shift();
      if (waiter) waiter(text);
      else frames.push(text);
    });
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`handshake refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
    ws.once('open', () => {
      const next = () => new Promise<string>((r) => (frames.length > 0 ? r(frames.shift()!) : waiters.push(r)));
      resolve({ ws, next, nextJson: async <T>() => JSON.parse(await next()) as T, closed });
    });
  });
}

/** The HTTP status a refused handshake got. */
export async function handshakeStatus(url: string): Promise<number> {
  try {
    const client = await connect(url);
    client.ws.close();
    return 101;
  } catch (err: unknown) {
    const status = (err as { status?: number }).status;
    if (status === undefined) throw err;
    return status;
  }
}

/** The first `event` from `emitter` whose payload passes `accept`. */
export function waitFor<T>(emitter: EventEmitter, event: string, accept: (payload: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: T) => {
      if (!accept(payload)) return;
      emitter.off(event, listener);
      resolve(payload);
    };
    emitter.on(event, listener);
  });
}
