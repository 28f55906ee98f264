import { ERROR_CODES } from '../../protocol';
import type { Clock } from '../../protocol/clock';
import { type RoomHandle, type SwitchboardClient, SwitchboardError, isRoomMessage } from '../../client';
import { OwnMessages } from './own-messages';
import { type ConnectionStatus, statusClass, statusText } from './status';
import { TYPING_SIGNAL, TypingIndicator, TypingSender, typingText } from './typing';
import type { ChatView, OwnLine } from './view';

/** How many of a room's latest messages the page shows when it joins. */
export const HISTORY_ON_JOIN = 50;

/** How often the reconnect countdown is redrawn. */
const COUNTDOWN_TICK_MS = 250;

const SERVER_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** Failures of a request that other events already tell of: the status line (a drop) or `dropped`. */
const TOLD_ELSEWHERE: ReadonlySet<string> = new Set(['DISCONNECTED', 'CLOSED', 'DROPPED']);

export interface ChatOptions {
  readonly websocketUrl: string;
  readonly clock: Clock;
  /** Our user id (the token's `sub`), to tell our own messages apart; undefined without a token. */
  selfId(): string | undefined;
}

/**
 * Wires a client to the view: the status line, rooms with their members (members() on join, then
 * presence events), history on join, the live messages each room delivers (once each, in order,
 * resumed after reconnects by the client), our own messages as "you: …" lines, and who is typing
 * (signals, both ways).
 */
export function wireChat(client: SwitchboardClient, view: ChatView, options: ChatOptions): void {
  const { clock, websocketUrl } = options;
  const own = new OwnMessages<OwnLine>();
  /** Rooms joined from the form whose `joined` has not arrived: their first join, not a rejoin. */
  const joining = new Set<string>();
  /** Each room's "Joined" line: its history goes above it, live messages below. */
  const anchors = new Map<string, HTMLLIElement>();

  // ---- the status line: one line whatever happens, with a countdown while reconnecting ----
  let status: ConnectionStatus = { state: 'connecting', url: websocketUrl };
  let tick: unknown;
  const render = () => {
    view.setStatus(statusClass(status), statusText(status, clock.now()));
    clock.clearTimeout(tick);
    if (status.state === 'reconnecting') tick = clock.setTimeout(render, COUNTDOWN_TICK_MS);
  };
  const showStatus = (next: ConnectionStatus) => {
    status = next;
    render();
  };
  showStatus(status);

  client.on('open', ({ reconnect }) => {
    showStatus({ state: 'open', url: websocketUrl });
    view.addSystem(reconnect ? 'Reconnected.' : `Connected to ${websocketUrl}.`);
  });
  client.on('reconnecting', ({ attempt, delayMs, reason }) =>
    showStatus({ state: 'reconnecting', attempt, retryAt: clock.now() + delayMs, reason }),
  );
  client.on('close', ({ code, willReconnect }) => {
    if (!willReconnect) showStatus({ state: 'closed', code });
  });
  client.on('error', (err) => {
    // A token that cannot be had while the server is down is the reconnect's business: the status line says so.
    if (err.code !== 'TOKEN') view.addError(err.code, err.message);
  });
  client.on('dropped', ({ frame, reason }) =>
    view.addError(
      'DROPPED',
      `A "${frame.action}" frame was not sent: ${reason === 'queue-full' ? 'too many were waiting for the connection' : 'the client closed'}.`,
    ),
  );

  /** Shows a failed request, unless an `error` event or the status line already told of it. */
  const report = (err: unknown) => {
    if (!(err instanceof SwitchboardError)) {
      view.addError('ERROR', err instanceof Error ? err.message : String(err));
      return;
    }
    const fromServer = err.id !== undefined && SERVER_CODES.has(err.code);
    if (!fromServer && !TOLD_ELSEWHERE.has(err.code)) view.addError(err.code, err.message);
  };

  // ---- rooms and members ----
  // The room's handle keeps the list: members() and presence events applied by each user's version.
  const showMembers = (room: string) => view.setMembers(room, client.room(room).knownMembers);
  const refreshMembers = (room: string) =>
    client
      .room(room)
      .members()
      .then(() => client.rooms.has(room) && showMembers(room), report);

  client.on('joined', ({ room, replay }) => {
    const first = joining.delete(room);
    view.setRooms([...client.rooms], first ? room : undefined);
    if (first) {
      anchors.set(room, view.addSystem(`Joined #${room}.`));
    } else {
      // A rejoin after a reconnect: the client resumed from the last message it delivered.
      const replayed = replay ? `: ${replay} message${replay === 1 ? '' : 's'} replayed` : '';
      view.addSystem(`Rejoined #${room}${replayed}.`);
    }
    // Presence events were not coming while we were away: ask again.
    void refreshMembers(room);
  });
  // ---- typing: the others' signals shown for a while; ours sent, throttled, as the person types ----
  const typing = new TypingIndicator(clock, (room, names) => view.setTyping(room, typingText(names)));
  client.on('signal', ({ room, type, from, fromName }) => {
    if (type === TYPING_SIGNAL && client.rooms.has(room)) typing.signalled(room, from, fromName ?? from);
  });
  // A signal that fails is of no consequence (the next one replaces it); an error frame is an `error` event already.
  const typingSender = new TypingSender(
    clock,
    (room) =>
      void client
        .room(room)
        .signal(TYPING_SIGNAL)
        .catch(() => undefined),
  );
  view.onTyping((room) => {
    if (room !== undefined && client.rooms.has(room)) typingSender.typed(room);
  });

  client.on('left', ({ room }) => {
    own.forget(room);
    typing.forget(room);
    anchors.delete(room);
    view.setRooms([...client.rooms]);
    view.addSystem(`Left #${room}.`);
  });
  client.on('presence', (event) => {
    if (client.rooms.has(event.room)) showMembers(event.room);
  });

  // ---- messages: each room's, once and in order (the client sees to it) ----
  client.on('message', (frame) => {
    if (!isRoomMessage(frame)) return; // Acknowledgements settle our own lines, below.
    if (!frame.publisher) typing.messageArrived(frame.room, frame.from);
    const line = frame.from === options.selfId() && !frame.publisher ? own.claim(frame.room, frame.data) : undefined;
    if (line) line.stored(frame.seq);
    else view.addRoomMessage(frame);
  });
  client.on('gap', ({ room, from, to }) => view.addSystem(`#${room}: messages ${from}-${to} are no longer kept and cannot be shown.`));

  const joinRoom = async (room: RoomHandle) => {
    const name = room.name;
    joining.add(name);
    let seq: number | undefined;
    try {
      ({ seq } = await room.join());
    } catch (err: unknown) {
      joining.delete(name);
      report(err);
      return;
    }
    // The latest messages up to the join; what follows it arrives live, below the "Joined" line.
    const recent = await room
      .history(seq === undefined ? { limit: HISTORY_ON_JOIN } : { before: seq + 1, limit: HISTORY_ON_JOIN })
      .catch(report);
    const anchor = anchors.get(name);
    for (const message of recent ?? []) view.addRoomMessage(message, { history: true, before: anchor });
  };

  // ---- what the person does ----
  const attempt = (action: () => void): boolean => {
    try {
      action();
      view.clearError();
      return true;
    } catch (err: unknown) {
      if (err instanceof SwitchboardError) view.addError(err.code, err.message);
      else throw err;
      return false;
    }
  };
  view.onJoin((name) =>
    attempt(() => {
      if (client.rooms.has(name)) view.addSystem(`Already in #${name}.`);
      // room() checks the name at once (it throws), so the form can keep what was typed.
      else void joinRoom(client.room(name));
    }),
  );
  view.onLeave((name) => attempt(() => void client.room(name).leave().catch(report)));
  view.onSend((data, room) =>
    attempt(() => {
      const reply = room === undefined ? client.request('message', { data }) : client.room(room).send(data);
      const line = view.addOwnMessage(room, data, clock.now());
      if (room !== undefined) {
        own.sent(room, data, line);
        typingSender.sent(room);
      }
      reply.then(
        (ack) => {
          // A resend after a drop that the server already had: it reached the room the first time.
          line.confirm(room === undefined ? 'echoed' : ack.duplicate ? 'delivered' : `delivered to ${ack.delivered ?? 0}`);
          // The ack names the message's seq: no replay of it needs pairing with this line any more.
          if (room !== undefined && ack.seq !== undefined) {
            own.release(room, line);
            line.stored(ack.seq);
          }
        },
        (err: unknown) => {
          if (err instanceof SwitchboardError && err.code === 'DISCONNECTED') {
            // It may have reached the room: if so, the rejoin's replay brings it back and claims this line.
            line.unconfirmed('the connection dropped');
            return;
          }
          if (room !== undefined) own.release(room, line);
          line.fail(err instanceof SwitchboardError ? err.code : String(err));
          report(err);
        },
      );
    }),
  );
}
