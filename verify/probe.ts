/**
 * A WebSocket client for black-box checks: every wait has a timeout, and a failed wait says what
 * did arrive instead, so a check against a server that is not Switchboard fails with a reason
 * rather than hanging.
 */
import WebSocket from 'ws';
import { wsText } from '../cli-kit/ws-text';

/** A frame as received: parsed JSON, or the raw text when it is not JSON. */
export type Frame = Record<string, unknown>;

/** The handshake was answered with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`the handshake was refused with HTTP ${status}`);
    this.name = 'HandshakeRefused';
  }
}

/** Round-trip times by action, in milliseconds. */
export type Latencies = Map<string, number[]>;

/** The shortest description of a frame for a reason: at most 160 characters. */
export function describeFrame(frame: Frame): string {
  const text =
    typeof frame.raw === 'string' && Object.keys(frame).length === 1 ? `non-JSON ${JSON.stringify(frame.raw)}` : JSON.stringify(frame);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export class Probe {
  private readonly frames: Frame[] = [];
  private readonly waiters = new Set<{ accept: (f: Frame) => boolean; resolve: (f: Frame) => void }>();
  /** Everything received, for reasons: the last few frames. */
  private readonly seen: Frame[] = [];
  /** Resolves with the close code and reason once the connection has closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private isClosed = false;

  private constructor(
    readonly ws: WebSocket,
    private readonly latencies: Latencies,
  ) {
    ws.on('message', (data) => {
      const text = wsText(data);
      let frame: Frame;
      try {
        const parsed = JSON.parse(text) as unknown;
        frame = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Frame) : { raw: text };
      } catch {
        frame = { raw: text };
      }
      this.seen.push(frame);
      if (this.seen.length > 5) this.seen.shift();
      for (const waiter of this.waiters) {
        if (waiter.accept(frame)) {
          this.waiters.delete(waiter);
          waiter.resolve(frame);
          return;
        }
      }
      this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
      }),
    );
    // Errors after the handshake show up as a close; without a listener ws would throw them.
    ws.on('error', () => undefined);
  }

  /** Connects; rejects with HandshakeRefused (the HTTP status), a network error, or a timeout. */
  static open(url: string, timeoutMs: number, latencies: Latencies): Promise<Probe> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new HandshakeRefused(res.statusCode ?? 0));
      });
      ws.once('error', (err) => reject(err));
      ws.once('open', () => {
        record(latencies, 'connect', performance.now() - started);
        resolve(new Probe(ws, latencies));
      });
    });
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * Sends a frame with an `id` and waits for the reply that carries the same `id`; records the
   * round trip under the frame's action, unless `measured` is false (requests made to be refused).
   */
  async request(frame: { action: string; id: string } & Record<string, unknown>, timeoutMs: number, measured = true): Promise<Frame> {
    const started = performance.now();
    this.send(frame);
    const reply = await this.next((f) => f.id === frame.id, timeoutMs, `a reply with id "${frame.id}" to ${frame.action}`);
    if (measured) record(this.latencies, frame.action, performance.now() - started);
    return reply;
  }

  /** The first frame (received or to come) that passes `accept`; rejects after `timeoutMs` saying what came instead. */
  next(accept: (frame: Frame) => boolean, timeoutMs: number, what: string): Promise<Frame> {
    const i = this.frames.findIndex(accept);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {
        accept,
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const received = this.seen.length === 0 ? 'nothing was received' : `received ${this.seen.map(describeFrame).join(', ')}`;
        reject(new Error(`no ${what} within ${timeoutMs} ms (${this.isClosed ? 'the connection closed; ' : ''}${received})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Frames received so far that no wait took, and forgets them. */
  drain(): Frame[] {
    return this.frames.splice(0);
  }

  /** Closes (1000) and waits for the close, at most `timeoutMs`; then drops the socket. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.isClosed) return;
    this.ws.close(1000);
    await within(this.closed, timeoutMs);
    if (!this.isClosed) this.ws.terminate();
  }
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function record(latencies: Latencies, action: string, ms: number): void {
  const list = latencies.get(action) ?? [];
  list.push(ms);
  latencies.set(action, list);
}
