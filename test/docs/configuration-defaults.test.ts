import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONTEXT_KEYS,
  DEFAULT_ALGORITHMS,
  DEFAULT_DISPLAY_NAME_CLAIMS,
  DEFAULT_RESULT_CACHE_TTL_SECONDS,
  HISTORY_BOUNDS,
  HISTORY_DEFAULTS,
  MAX_TOKEN_AGE_RANGE_SECONDS,
  RATE_LIMIT_DEFAULTS,
  ROOM_DEFAULTS,
  STACK_DEFAULTS,
} from '../../contract';

/**
 * The defaults and ranges the docs quote are contract/'s (contract/defaults.ts, history.ts,
 * auth.ts): each quote is built here from the contract and looked for in its document, so a
 * default changed in one place fails here until the docs say the same.
 */

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

const { roomMessages, frames } = RATE_LIMIT_DEFAULTS;
const thousands = (n: number) => n.toLocaleString('en-US');
const hours = HISTORY_DEFAULTS.retentionSeconds / 3600;

/** The rows of docs/configuration.md's table, by their first cell (the context keys), as their default cell. */
function configurationDefaults(): Map<string, string> {
  const rows = [...read('docs/configuration.md').matchAll(/^\| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)];
  return new Map(rows.map((row) => [row[1].trim() === '—' ? row[2].trim() : row[1].trim(), row[3].trim()]));
}

describe('docs/configuration.md', () => {
  const defaults = configurationDefaults();
  const key = (...names: string[]) => names.map((name) => `\`${name}\``).join(', ');

  it.each<[string, string]>([
    [key(CONTEXT_KEYS.stackName), `\`${STACK_DEFAULTS.stackName}\``],
    [key(CONTEXT_KEYS.stageName), `\`${STACK_DEFAULTS.stageName}\``],
    [
      key(CONTEXT_KEYS.throttleRateLimit, CONTEXT_KEYS.throttleBurstLimit),
      `${STACK_DEFAULTS.throttle.rateLimit} rps, burst ${STACK_DEFAULTS.throttle.burstLimit}`,
    ],
    [key(CONTEXT_KEYS.maxRoomsPerConnection), `${ROOM_DEFAULTS.maxRoomsPerConnection}`],
    [key(CONTEXT_KEYS.maxRoomMembers), `${ROOM_DEFAULTS.maxRoomMembers}`],
    [key(CONTEXT_KEYS.fanoutConcurrency), `${ROOM_DEFAULTS.fanoutConcurrency}`],
    [
      key(CONTEXT_KEYS.roomMessagesPerSecond, CONTEXT_KEYS.roomMessageBurst),
      `${roomMessages.perSecond} per second, burst ${roomMessages.burst}`,
    ],
    [key(CONTEXT_KEYS.framesPerSecond, CONTEXT_KEYS.frameBurst), `${frames.perSecond} per second, burst ${frames.burst}`],
    [key('functionTimeout'), `${STACK_DEFAULTS.functionTimeoutSeconds} s`],
    [key(CONTEXT_KEYS.allowedAlgorithms), DEFAULT_ALGORITHMS.map((a) => `\`${a}\``).join(', ')],
    [key(CONTEXT_KEYS.authResultCacheTtlSeconds), `${DEFAULT_RESULT_CACHE_TTL_SECONDS} (off)`],
    [key(CONTEXT_KEYS.historyLimit), `${HISTORY_DEFAULTS.limit}`],
    [key(CONTEXT_KEYS.historyRetentionSeconds), `${hours} h (${HISTORY_DEFAULTS.retentionSeconds})`],
    [key(CONTEXT_KEYS.presence), `\`${ROOM_DEFAULTS.presence}\``],
    [key(CONTEXT_KEYS.displayNameClaims), DEFAULT_DISPLAY_NAME_CLAIMS.map((claim) => `\`${claim}\``).join(', ')],
  ])('the row of %s quotes the default %s', (row, expected) => {
    expect(defaults.get(row)).toBe(expected);
  });

  it('documents every context key', () => {
    const documented = [...defaults.keys()].join(', ');
    expect(Object.values(CONTEXT_KEYS).filter((name) => !documented.includes(`\`${name}\``))).toEqual([]);
  });

  it('quotes the ranges the stack checks', () => {
    const text = read('docs/configuration.md');
    expect(text).toContain(`0 (off: messages still get a \`seq\`) to ${HISTORY_BOUNDS.maxLimit}`);
    expect(text).toContain(`${MAX_TOKEN_AGE_RANGE_SECONDS.min} to ${MAX_TOKEN_AGE_RANGE_SECONDS.max} s`);
    expect(HISTORY_BOUNDS).toMatchObject({ minRetentionSeconds: 60, maxRetentionSeconds: 30 * 86_400 });
    expect(text).toContain('1 minute to 30 days');
  });
});

describe('the other documents that quote defaults', () => {
  it.each<[string, string]>([
    ['README.md', `| \`${CONTEXT_KEYS.historyLimit}\` | ${HISTORY_DEFAULTS.limit} messages per room (0: off) |`],
    ['README.md', `| \`${CONTEXT_KEYS.historyRetentionSeconds}\` / \`historyRetention\` | ${hours} h |`],
    ['docs/realtime-design.md', `| ${HISTORY_DEFAULTS.limit}     | 0 (off) to ${HISTORY_BOUNDS.maxLimit}     |`],
    ['docs/realtime-design.md', `| ${hours} h    | 1 minute to 30 days |`],
    ['docs/design.md', `\`maxRoomMembers\` (${thousands(ROOM_DEFAULTS.maxRoomMembers)} by default)`],
    ['docs/design.md', `(${ROOM_DEFAULTS.fanoutConcurrency} by\ndefault`],
    [
      'docs/design.md',
      `${roomMessages.perSecond} room messages a second with bursts of ${roomMessages.burst}, and ${frames.perSecond} frames a second\n  with bursts of ${frames.burst}, by default`,
    ],
    ['docs/design.md', `| room messages | ${roomMessages.perSecond}/s, burst ${roomMessages.burst} |`],
    ['docs/design.md', `| all frames | ${frames.perSecond}/s, burst ${frames.burst} |`],
    ['docs/design.md', `only the stage's ${STACK_DEFAULTS.throttle.rateLimit} requests/s for everyone`],
    ['docs/protocol.md', `(${thousands(ROOM_DEFAULTS.maxRoomMembers)} by default;`],
    [
      'docs/protocol.md',
      `more than ${roomMessages.perSecond} room messages a second (bursts of ${roomMessages.burst}), or ${frames.perSecond} frames of any kind (bursts of ${frames.burst}), by default`,
    ],
    ['docs/authentication.md', `(\`${DEFAULT_ALGORITHMS.join('`, `')}\` by default;`],
  ])('%s quotes %p', (file, quote) => {
    expect(read(file)).toContain(quote);
  });
});

describe("SwitchboardApiProps' @default tags", () => {
  /** The `@default` of each prop of an interface in `file`: the tag in the doc comment just before `readonly <prop>?`. */
  function propDefaults(file: string): Map<string, string> {
    const source = read(file);
    return new Map(
      [...source.matchAll(/@default ([^\n]*?)\s*(?:\*\/)?\n(?:\s*\*[^\n]*\n)*?\s*(?:\*\/\s*\n)?\s*readonly (\w+)\?/g)].map((m) => [
        m[2],
        m[1],
      ]),
    );
  }

  it.each<[string, string]>([
    ['stageName', `'${STACK_DEFAULTS.stageName}'`],
    ['throttle', `{ rateLimit: ${STACK_DEFAULTS.throttle.rateLimit}, burstLimit: ${STACK_DEFAULTS.throttle.burstLimit} }`],
    ['maxRoomsPerConnection', `${ROOM_DEFAULTS.maxRoomsPerConnection}`],
    ['maxRoomMembers', `${ROOM_DEFAULTS.maxRoomMembers}`],
    ['fanoutConcurrency', `${ROOM_DEFAULTS.fanoutConcurrency}`],
    ['roomMessageRateLimit', `{ perSecond: ${roomMessages.perSecond}, burst: ${roomMessages.burst} }`],
    ['frameRateLimit', `{ perSecond: ${frames.perSecond}, burst: ${frames.burst} }`],
    ['functionTimeout', `${STACK_DEFAULTS.functionTimeoutSeconds} seconds`],
    ['presence', `${ROOM_DEFAULTS.presence}`],
    ['historyLimit', `${HISTORY_DEFAULTS.limit}`],
    ['historyRetention', `Duration.hours(${hours})`],
  ])('%s: @default %s', (prop, expected) => {
    expect(propDefaults('lib/switchboard-api-props.ts').get(prop)).toBe(expected);
  });
});
