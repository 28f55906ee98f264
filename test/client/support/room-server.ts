import type { HistoryEvent, JoinedEvent, MembersEvent, RoomMember, RoomMessage } from '../../../protocol';
import { type PeerConnection, type Responder, reply } from './peer';

/**
 * One room as the server keeps it, for the fake peer: its messages (1..counter), which of them
 * history still keeps, and its members. `responder` answers join (with `since`: `joined`, then the
 * replay), history and members as protocol v1 says; the test sends live frames itself.
 */
export class RoomServerModel {
  counter = 0;
  /** History keeps messages with a greater seq (retention passed for the rest). */
  expiredUpTo = 0;
  members: RoomMember[] = [];
  membersPageSize = 100;
  /** Every history request, as sent. */
  readonly historyRequests: Array<Record<string, unknown>> = [];
  /** Called when a join arrives, before `joined` goes out: live frames sent here precede it. */
  onJoining: (connection: PeerConnection) => void = () => undefined;
  /** Called after `joined` and the replay went out: live frames sent here follow the replay. */
  onJoined: (connection: PeerConnection) => void = () => undefined;

  constructor(readonly room: string) {}

  message(seq: number): RoomMessage {
    return { event: 'message', room: this.room, from: 'bob', data: `m${seq}`, ts: 1_700_000_000_000 + seq, seq };
  }

  /** The room's next message: its seq is taken, and history keeps it. */
  publish(): RoomMessage {
    this.counter += 1;
    return this.message(this.counter);
  }

  retained(seq: number): boolean {
    return seq > this.expiredUpTo && seq <= this.counter;
  }

  readonly responder: Responder = (frame, connection) => {
    const id = frame.id === undefined ? {} : { id: frame.id as string };
    if (frame.room !== this.room) return false;
    switch (frame.action) {
      case 'join': {
        const since = frame.since as number | undefined;
        const replayed: RoomMessage[] = [];
        if (since !== undefined)
          for (let seq = since + 1; seq <= this.counter; seq++) if (this.retained(seq)) replayed.push(this.message(seq));
        const joined: JoinedEvent = {
          event: 'joined',
          room: this.room,
          seq: this.counter,
          ...(since === undefined ? {} : { replay: replayed.length }),
          ...id,
        };
        this.onJoining(connection);
        reply(connection, joined);
        for (const message of replayed) reply(connection, message);
        this.onJoined(connection);
        return;
      }
      case 'history': {
        this.historyRequests.push(frame);
        const before = (frame.before as number | undefined) ?? this.counter + 1;
        const limit = (frame.limit as number | undefined) ?? 50;
        const kept: RoomMessage[] = [];
        for (let seq = before - 1; seq >= 1 && kept.length < limit; seq--) if (this.retained(seq)) kept.unshift(this.message(seq));
        const history: HistoryEvent = { event: 'history', room: this.room, messages: kept, ...id };
        return reply(connection, history);
      }
      case 'members': {
        const start = frame.cursor === undefined ? 0 : Number(frame.cursor);
        const page = this.members.slice(start, start + this.membersPageSize);
        const more = start + this.membersPageSize < this.members.length;
        const members: MembersEvent = {
          event: 'members',
          room: this.room,
          members: page,
          ...(more ? { next: String(start + this.membersPageSize) } : {}),
          ...id,
        };
        return reply(connection, members);
      }
      case 'leave':
        return reply(connection, { event: 'left', room: this.room, ...id });
      case 'message': {
        // As the server: the message takes the room's next seq, which only the sender's ack carries.
        const { seq } = this.publish();
        return reply(connection, { event: 'message', data: `Received: ${String(frame.data)}`, ...id, room: this.room, seq, delivered: 1 });
      }
    }
    return false;
  };
}
