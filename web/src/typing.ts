import type { Clock } from '../../protocol/clock';

/**
 * "X is typing…": the page's own typing, sent as signals (throttled), and the others', shown for a
 * while after their last signal. Signals are ephemeral, so a typing indicator needs nothing stored.
 */

/** The signal type the page sends while its person types in a room, and shows for the others. */
export const TYPING_SIGNAL = 'typing';
/** While typing, at most one signal per room this often. */
export const TYPING_SEND_EVERY_MS = 2000;
/** How long someone shows as typing after their last signal: more than two signals apart, so a typist does not flicker. */
export const TYPING_SHOWN_MS = 5000;
/**
 * After someone's message arrives, their typing signals are passed over this long: the signal sent
 * as they pressed Enter travels apart from the message (another invocation) and may arrive after it.
 */
export const TYPING_QUIET_AFTER_MESSAGE_MS = 1000;

/** The line for a room's typists, by name. */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** Who is typing in which room, from the others' signals; each expires on its own. */
export class TypingIndicator {
  private readonly rooms = new Map<string, Map<string, { name: string; timer: unknown }>>();
  /** Per room and user, when their last message arrived. */
  private readonly lastMessage = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    /** Told a room's typists, by name, whenever they change. */
    private readonly onChange: (room: string, names: string[]) => void,
  ) {}

  /** `userId` (shown as `name`) is typing in `room`. */
  signalled(room: string, userId: string, name: string): void {
    const messageAt = this.lastMessage.get(JSON.stringify([room, userId]));
    if (messageAt !== undefined && this.clock.now() - messageAt < TYPING_QUIET_AFTER_MESSAGE_MS) return;
    const typists = this.rooms.get(room) ?? new Map<string, { name: string; timer: unknown }>();
    this.rooms.set(room, typists);
    const known = typists.get(userId);
    this.clock.clearTimeout(known?.timer);
    const timer = this.clock.setTimeout(() => this.stopped(room, userId), TYPING_SHOWN_MS);
    typists.set(userId, { name, timer });
    if (known?.name !== name) this.onChange(room, this.names(room));
  }

  /** A message from `userId` arrived in `room`: it stopped typing, and a late signal of that typing is passed over. */
  messageArrived(room: string, userId: string): void {
    this.lastMessage.set(JSON.stringify([room, userId]), this.clock.now());
    this.stopped(room, userId);
  }

  /** `userId` is no longer typing in `room`: its signals stopped, or its message arrived. */
  stopped(room: string, userId: string): void {
    const typists = this.rooms.get(room);
    const known = typists?.get(userId);
    if (!typists || !known) return;
    this.clock.clearTimeout(known.timer);
    typists.delete(userId);
    this.onChange(room, this.names(room));
  }

  /** Forgets a room (left it). */
  forget(room: string): void {
    for (const key of this.lastMessage.keys()) if ((JSON.parse(key) as string[])[0] === room) this.lastMessage.delete(key);
    for (const { timer } of this.rooms.get(room)?.values() ?? []) this.clock.clearTimeout(timer);
    if (this.rooms.delete(room)) this.onChange(room, []);
  }

  names(room: string): string[] {
    return [...(this.rooms.get(room)?.values() ?? [])].map((typist) => typist.name);
  }
}

/** The page's own typing signals: at most one per room every TYPING_SEND_EVERY_MS. */
export class TypingSender {
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly send: (room: string) => void,
  ) {}

  /** The person typed into the message box, with `room` as the target. */
  typed(room: string): void {
    const last = this.lastSent.get(room);
    if (last !== undefined && this.clock.now() - last < TYPING_SEND_EVERY_MS) return;
    this.lastSent.set(room, this.clock.now());
    this.send(room);
  }

  /** The message went out: typing afresh signals at once. */
  sent(room: string): void {
    this.lastSent.delete(room);
  }
}
