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

/** `value` without its undefined fields: a loop, not Object.entries/fromEntries, as it runs for every ack. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  const defined: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) defined[key] = value[key];
  return defined;
}
