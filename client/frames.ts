import { type MessageAck, type RoomMessage, type ServerFrame, SERVER_EVENTS, type SignalAck, type SignalEvent } from '../protocol';
import type { CustomEvent } from './custom';

/** What one incoming text frame turned out to be. */
export type Incoming =
  | { kind: 'frame'; frame: ServerFrame }
  /** A frame with an `event` protocol v1 does not define: a reply or event of an action of your own. */
  | { kind: 'custom'; frame: CustomEvent }
  /** API Gateway's reply when an integration crashed: not correlated to any request. */
  | { kind: 'internal-error'; message: string; requestId?: string }
  | { kind: 'invalid'; reason: string };

const KNOWN_EVENTS: ReadonlySet<string> = new Set(SERVER_EVENTS);

/** Classifies one frame from the server. Never throws. */
export function parseServerFrame(data: unknown): Incoming {
  if (typeof data !== 'string') return { kind: 'invalid', reason: 'Expected a text frame; got binary data.' };
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { kind: 'invalid', reason: `The server sent a frame that is not JSON: ${preview(data)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', reason: `The server sent a frame that is not a JSON object: ${preview(data)}` };
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.event === 'string' && KNOWN_EVENTS.has(obj.event)) {
    return { kind: 'frame', frame: obj as unknown as ServerFrame };
  }
  if (typeof obj.event === 'string' && obj.event.length > 0) return { kind: 'custom', frame: obj as CustomEvent };
  if (obj.event === undefined && typeof obj.message === 'string') {
    return {
      kind: 'internal-error',
      message: obj.message,
      requestId: typeof obj.requestId === 'string' ? obj.requestId : undefined,
    };
  }
  return { kind: 'invalid', reason: `The server sent a frame with no "event" string: ${preview(data)}` };
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** Tells a room message from another member apart from the acknowledgement of our own. */
export function isRoomMessage(frame: MessageAck | RoomMessage): frame is RoomMessage {
  return 'from' in frame && typeof frame.from === 'string';
}

/** Tells another member's signal apart from the acknowledgement of our own. */
export function isSignalEvent(frame: SignalAck | SignalEvent): frame is SignalEvent {
  return 'from' in frame && typeof frame.from === 'string';
}
