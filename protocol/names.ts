/**
 * Names people see: the display names the server takes from tokens (`fromName`, presence, members)
 * and the names backends publish under. Shared by the authorizer, the Publish function's checks and
 * the client; no side effects.
 */
import { encodedSize } from './parse';
import { describeValue as describe } from './values';

/**
 * Characters no name may hold: control characters, lone surrogates, line and paragraph separators,
 * and the bidirectional controls (U+061C, U+200E-F, U+202A-E, U+2066-9) that can make a name read
 * as something else ("U+202E evil" shows reversed) or run into the text beside it. Joiners (U+200D)
 * stay allowed: emoji sequences need them.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** The rule for display names and publisher names. */
export const DISPLAY_NAME = {
  /** At most this many UTF-16 characters... */
  maxLength: 64,
  /** ...and this many bytes as they travel (JSON-encoded, UTF-8). */
  maxBytes: 256,
  /** How error messages state the rule. */
  description: '1-64 characters (at most 256 bytes), no control or bidirectional-control characters, no space at either end',
} as const;

/** What is wrong with `value` as a display or publisher name, or undefined when nothing is. */
export function displayNameProblem(value: unknown): string | undefined {
  const got = `got ${describe(value)}`;
  if (typeof value !== 'string' || value.length === 0 || value.length > DISPLAY_NAME.maxLength) {
    return `a name must be ${DISPLAY_NAME.description}; ${got}.`;
  }
  if (encodedSize(value) > DISPLAY_NAME.maxBytes) return `a name must be at most ${DISPLAY_NAME.maxBytes} bytes; ${got}.`;
  if (FORBIDDEN.test(value)) return `a name may not hold control or bidirectional-control characters; ${got}.`;
  if (value.trim() !== value || value.trim() === '') return `a name may not start or end with a space, nor be only spaces; ${got}.`;
  return undefined;
}

/** Whether `value` is a name by {@link DISPLAY_NAME}. */
export function isDisplayName(value: unknown): value is string {
  return displayNameProblem(value) === undefined;
}
