import { USER_ROOM_PREFIX } from '../protocol';

/**
 * The room rules' schema (`roomRules`): who may join which room, and whether joins and leaves there
 * send `presence` events. The stack checks configured rules with parseRoomRules at synth and tells
 * the authorizer which claims to pass on (ruleClaimNames); the join handler parses them again at
 * cold start and matches rooms against the compiled patterns (lambda/core/room-rules.ts).
 */

/** One room rule, as configured (`roomRules`): see docs/realtime-design.md. */
export interface RoomRule {
  /** Dot-separated segments: a literal, `{name}` (one segment, bound to `name`), or a final `*` (one or more segments). */
  readonly pattern: string;
  /** `{ name: claimName }`: the segment bound to `{name}` must be one of the values of the token claim `claimName`. */
  readonly claims?: Readonly<Record<string, string>>;
  /** Whether joins and leaves in matching rooms send `presence` events. @default the global setting */
  readonly presence?: boolean;
}

const LITERAL = /^[A-Za-z0-9_-]+$/;
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const CLAIM_NAME = /^[^\s]{1,128}$/;
const RULE_KEYS = new Set(['pattern', 'claims', 'presence']);

/** A pattern segment: a literal, a `{name}` bound to one segment, or a final `*` (one or more segments). */
export type Segment = { kind: 'literal'; text: string } | { kind: 'bind'; name: string } | { kind: 'rest' };

/** A rule's place in error messages: its index and pattern. */
function nameOf(index: number, rule: unknown): string {
  const pattern = (rule as { pattern?: unknown } | null)?.pattern;
  return `roomRules[${index}]${typeof pattern === 'string' ? ` ("${pattern}")` : ''}`;
}

/** A pattern's segments; `fail` is called with what is wrong with it. */
function compilePattern(pattern: string, fail: (what: string) => never): Segment[] {
  const parts = pattern.split('.');
  const bound = new Set<string>();
  return parts.map((part, i): Segment => {
    if (part === '*') {
      if (i !== parts.length - 1) fail(`"*" may only be the last segment; got it as segment ${i + 1} of ${parts.length}.`);
      if (i === 0) fail('a pattern cannot be "*" alone; name at least its first segment (e.g. "public.*").');
      return { kind: 'rest' };
    }
    const bind = PLACEHOLDER.exec(part);
    if (bind) {
      if (bound.has(bind[1])) fail(`placeholder {${bind[1]}} appears twice; each name may be bound once.`);
      bound.add(bind[1]);
      return { kind: 'bind', name: bind[1] };
    }
    if (!LITERAL.test(part)) {
      fail(`segment "${part}" is neither a literal (A-Z a-z 0-9 _ -), a {name} placeholder, nor a final "*".`);
    }
    if (i === 0 && `${part}.` === USER_ROOM_PREFIX) {
      fail(`rooms "${USER_ROOM_PREFIX}*" are each user's own, a built-in rule; configured rules do not apply to them.`);
    }
    return { kind: 'literal', text: part };
  });
}

/**
 * Checks configured rules (parsed JSON or props) and returns them typed; throws naming the rule
 * and what is wrong: a bad pattern, a claim for a placeholder the pattern lacks, an unknown key.
 */
export function parseRoomRules(value: unknown): RoomRule[] {
  if (!Array.isArray(value)) {
    throw new Error(`roomRules must be a list of { pattern, claims?, presence? }; got ${JSON.stringify(value)}.`);
  }
  return value.map((raw: unknown, index) => {
    const fail = (what: string): never => {
      throw new Error(`${nameOf(index, raw)}: ${what}`);
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`must be an object { pattern, claims?, presence? }.`);
    const rule = raw as Record<string, unknown>;
    const unknownKeys = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
    if (unknownKeys.length > 0) fail(`unknown key(s) ${unknownKeys.join(', ')}; a rule has pattern, claims and presence.`);
    if (typeof rule.pattern !== 'string' || rule.pattern === '') fail('"pattern" must be a non-empty string such as "team.{group}.*".');
    const segments = compilePattern(rule.pattern as string, fail);
    const placeholders = segments.flatMap((s) => (s.kind === 'bind' ? [s.name] : []));
    let claims: Record<string, string> | undefined;
    if (rule.claims !== undefined) {
      if (typeof rule.claims !== 'object' || rule.claims === null || Array.isArray(rule.claims)) {
        fail('"claims" must be an object { placeholder: claimName }, e.g. { "group": "cognito:groups" }.');
      }
      claims = {};
      for (const [name, claim] of Object.entries(rule.claims as Record<string, unknown>)) {
        if (!placeholders.includes(name)) {
          fail(
            `"claims" names {${name}}, which the pattern does not bind; its placeholders are ${placeholders.length > 0 ? placeholders.map((p) => `{${p}}`).join(', ') : 'none'}.`,
          );
        }
        if (typeof claim !== 'string' || !CLAIM_NAME.test(claim)) {
          fail(`"claims.${name}" must be a token claim name (1-128 characters, no spaces); got ${JSON.stringify(claim)}.`);
        }
        claims[name] = claim as string;
      }
    }
    if (rule.presence !== undefined && typeof rule.presence !== 'boolean') {
      fail(`"presence" must be true or false; got ${JSON.stringify(rule.presence)}.`);
    }
    return {
      pattern: rule.pattern as string,
      ...(claims ? { claims } : {}),
      ...(rule.presence === undefined ? {} : { presence: rule.presence as boolean }),
    };
  });
}

/** The token claims the rules name, each once: what the authorizer passes on. */
export function ruleClaimNames(rules: readonly RoomRule[]): string[] {
  return [...new Set(rules.flatMap((r) => Object.values(r.claims ?? {})))].sort();
}

/** A checked rule's pattern as segments, for matching room names against (throws if the pattern is not valid). */
export function roomPatternSegments(pattern: string): Segment[] {
  return compilePattern(pattern, (what) => {
    throw new Error(what);
  });
}
