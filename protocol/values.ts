/**
 * How values crossing the wire are described and trimmed: shared by the frame parsers (protocol/),
 * which describe a bad value in their error messages, and the client. Pure; not part of the
 * package's protocol exports.
 */

/** A short, safe description of a value for error messages: never echoes the value itself, which may be large. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** How much of an input an error message echoes: enough to recognise it. */
export const EXCERPT_CHARACTERS = 64;

/**
 * `text` to echo in an error message: whole when short, else its first EXCERPT_CHARACTERS and a
 * mark saying it was cut and how long it was, so a 16 KB input is not answered with 16 KB.
 */
export function excerpt(text: string, max = EXCERPT_CHARACTERS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (cut: ${text.length} characters)`;
}

/** `value` without its undefined fields: a loop, not Object.entries/fromEntries, as it runs for every ack. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  const defined: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) defined[key] = value[key];
  return defined;
}
