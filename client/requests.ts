import type { Clock } from '../protocol/clock';
import { SwitchboardError } from './errors';

interface Pending {
  resolve(frame: unknown): void;
  reject(error: SwitchboardError): void;
  timer: unknown;
  timeoutMs: number;
  /** Whether the frame went out on the current connection (so a drop loses its reply). */
  sent: boolean;
  /** An action of your own: any frame carrying its id is its reply, whatever the `event`. */
  custom: boolean;
  /** A frame the client may send again after a drop (a room message: the server deduplicates it by id). */
  resend?: {
    readonly frame: object;
    /** When it first went out: a resend is safe only while the server still remembers the id. */
    firstSentAt?: number;
    /** Sent on a connection that closed before its reply: waiting to go out again. */
    held: boolean;
  };
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
    // A random prefix keeps ids from two clients (or two page loads) apart: in server logs, and
    // in the server's memory of room message ids, which are per user, so two tabs of one user
    // must not share one. Two draws: 12 base-36 digits, about 62 bits.
    const draw = () =>
      Math.floor(random() * 36 ** 6)
        .toString(36)
        .padStart(6, '0');
    this.prefix = `${draw()}${draw()}`;
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Registers a request and returns its id (`id` when given, else a fresh one) and the promise of
   * its reply; `custom` marks an action of your own. Throws when `id` is already awaiting a reply.
   */
  create<T>(timeoutMs: number, { custom = false, id: given }: { custom?: boolean; id?: string } = {}): { id: string; reply: Promise<T> } {
    if (given !== undefined && this.pending.has(given)) {
      throw new SwitchboardError(
        'BAD_REQUEST',
        `A request with id "${given}" is already awaiting its reply; give each request its own id.`,
        given,
      );
    }
    const id = given ?? `${this.prefix}-${++this.counter}`;
    const reply = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, timer: undefined, timeoutMs, sent: false, custom });
      this.startTimeout(id);
    });
    return { id, reply };
  }

  /** Marks `id`'s frame as one to send again if the connection drops before its reply. */
  resendable(id: string, frame: object): void {
    const entry = this.pending.get(id);
    if (entry) entry.resend = { frame, held: false };
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

  /** The frame went out; a resent one waits for its reply for a full timeout again. */
  markSent(id: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    entry.sent = true;
    if (!entry.resend) return;
    entry.resend.firstSentAt ??= this.clock.now();
    if (entry.resend.held) {
      entry.resend.held = false;
      this.startTimeout(id);
    }
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

  /**
   * The connection closed: each request whose frame went out on it loses its reply. A resendable
   * one first sent less than `resendWithinMs` ago is held to go out again (its timeout paused; if
   * it is still held when that time is up, it is rejected with `expired(id)`); the others are
   * rejected with `lost(id)`.
   */
  connectionClosed(resendWithinMs: number, lost: (id: string) => SwitchboardError, expired: (id: string) => SwitchboardError): void {
    const now = this.clock.now();
    for (const [id, entry] of [...this.pending]) {
      if (!entry.sent) continue;
      entry.sent = false;
      const left = entry.resend?.firstSentAt === undefined ? 0 : entry.resend.firstSentAt + resendWithinMs - now;
      if (!entry.resend || left <= 0) {
        this.reject(id, lost(id));
        continue;
      }
      entry.resend.held = true;
      this.clock.clearTimeout(entry.timer);
      entry.timer = this.clock.setTimeout(() => this.reject(id, expired(id)), left);
    }
  }

  /** The frames held to go out again after a drop, oldest request first. */
  held(): object[] {
    return [...this.pending.values()].flatMap((entry) => (entry.resend?.held ? [entry.resend.frame] : []));
  }

  rejectAll(makeError: (id: string) => SwitchboardError): void {
    for (const id of [...this.pending.keys()]) this.reject(id, makeError(id));
  }

  private startTimeout(id: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    entry.timer = this.clock.setTimeout(() => {
      this.reject(id, new SwitchboardError('TIMEOUT', `No reply to request ${id} within ${entry.timeoutMs} ms.`, id));
    }, entry.timeoutMs);
  }

  private take(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.clock.clearTimeout(entry.timer);
    return entry;
  }
}
