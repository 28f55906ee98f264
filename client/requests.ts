import type { Clock } from '../protocol/clock';
import { SwitchboardError } from './errors';

interface Pending {
  resolve(frame: unknown): void;
  reject(error: SwitchboardError): void;
  timer: unknown;
  /** Whether the frame went out on the current connection (so a drop loses its reply). */
  sent: boolean;
  /** An action of your own: any frame carrying its id is its reply, whatever the `event`. */
  custom: boolean;
}

/** Requests waiting for their reply, keyed by the `id` the client put on the frame. */
export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;
  private readonly prefix: string;

  constructor(
    private readonly clock: Clock,
    random: () => number,
    /** Called after any request is settled, however. */
    private readonly onSettled: () => void = () => undefined,
  ) {
    // A random prefix keeps ids from two clients (or two page loads) apart in server logs.
    this.prefix = Math.floor(random() * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
  }

  get size(): number {
    return this.pending.size;
  }

  /** Registers a request and returns its id and the promise of its reply; `custom` marks an action of your own. */
  create<T>(timeoutMs: number, { custom = false }: { custom?: boolean } = {}): { id: string; reply: Promise<T> } {
    const id = `${this.prefix}-${++this.counter}`;
    const reply = new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.reject(id, new SwitchboardError('TIMEOUT', `No reply to request ${id} within ${timeoutMs} ms.`, id));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve, reject, timer, sent: false, custom });
    });
    return { id, reply };
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Whether `id` is a pending request of an action of your own, which a frame of any `event` may answer. */
  isCustom(id: string): boolean {
    return this.pending.get(id)?.custom === true;
  }

  /** Whether any request went out on the current connection and still awaits its reply. */
  hasSent(): boolean {
    for (const entry of this.pending.values()) if (entry.sent) return true;
    return false;
  }

  markSent(id: string): void {
    const entry = this.pending.get(id);
    if (entry) entry.sent = true;
  }

  resolve(id: string, frame: unknown): boolean {
    const entry = this.take(id);
    entry?.resolve(frame);
    if (entry) this.onSettled();
    return entry !== undefined;
  }

  reject(id: string, error: SwitchboardError): boolean {
    const entry = this.take(id);
    entry?.reject(error);
    if (entry) this.onSettled();
    return entry !== undefined;
  }

  /** Rejects the requests whose frames went out on a connection that has now closed. */
  rejectSent(makeError: (id: string) => SwitchboardError): void {
    for (const [id, entry] of [...this.pending]) {
      if (entry.sent) this.reject(id, makeError(id));
    }
  }

  rejectAll(makeError: (id: string) => SwitchboardError): void {
    for (const id of [...this.pending.keys()]) this.reject(id, makeError(id));
  }

  private take(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.clock.clearTimeout(entry.timer);
    return entry;
  }
}
