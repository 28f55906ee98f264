/*
 * What an exactly-once room message is remembered by, apart from where it is stored
 * (message-dedup.ts, which needs the DynamoDB client): the room-message path imports only this, so
 * functions that never send a room message load no AWS SDK.
 */
import { createHash } from 'node:crypto';

/** What the server remembers of a room message's `id`: the message it was first sent as. */
export interface DedupRecord {
  /** The first send's `seq`. */
  readonly seq: number;
  /** The first send's `ts`: a repair of its history item writes the same bytes. */
  readonly ts: number;
  /** {@link dataHash} of the first send's data: a resend carries the same. */
  readonly dataHash: string;
}

/** Who sent a room message with which `id`: the sender is its user id (a guest's connection id). */
export interface DedupKey {
  readonly room: string;
  readonly sender: string;
  readonly id: string;
}

/** A short digest of a message's data, so a resend can be told from another message that reuses the id. */
export function dataHash(data: string): string {
  return createHash('sha256').update(data).digest('base64url');
}
