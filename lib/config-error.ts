/**
 * Configuration errors of the app (`-c key=value` and the props they become), and the check that
 * catches a mistyped key. No side effects: bin/switchboard.ts, the app and tests import it.
 */

/**
 * A wrong setting: the user fixes it from the message alone, so the CLI prints just the message
 * (one line, no stack trace) and exits 1. Code bugs stay plain Errors, with their stack.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known key `name` most likely mistypes, if any: the same key in another case, or one within
 * 2 edits (1 for keys of 5 characters or fewer, where 2 edits make another word). Keys further off
 * belong to someone else (CDK's own context, another construct's) and are left alone.
 */
export function closestKey(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(name.toLowerCase(), key.toLowerCase());
    const allowed = key.length <= 5 ? 1 : 2;
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

/**
 * Throws a ConfigError for the first context key that is not a Switchboard setting but is close
 * to one (`maxRoomMember` for `maxRoomMembers`): without this check the typo would be ignored and
 * the default silently used.
 */
export function checkContextKeys(context: Readonly<Record<string, unknown>>, known: readonly string[]): void {
  for (const name of Object.keys(context)) {
    const key = closestKey(name, known);
    if (key !== undefined) {
      throw new ConfigError(`Unknown context key "${name}": did you mean "${key}"? (-c ${key}=...)`);
    }
  }
}
