import type { PresenceEvent, RoomMember } from '../../protocol';

/**
 * A room's member list after a presence event. Presence tells only of a user's first connection
 * joining and last one leaving, so a newcomer counts one connection until the next `members()`.
 */
export function applyPresence(members: readonly RoomMember[], event: PresenceEvent): RoomMember[] {
  const others = members.filter((member) => member.userId !== event.userId);
  if (event.change === 'left') return others;
  const known = members.find((member) => member.userId === event.userId);
  const name = event.name === undefined ? {} : { name: event.name };
  return [...others, known ? { ...known, ...name } : { userId: event.userId, ...name, connections: 1 }];
}
