import { USER_ROOM_PREFIX, userRoom } from '../../protocol';
import { booleanEnv, ENV } from './config';

/**
 * Who may join which room, and whether joins and leaves there send `presence` events. Pure: the
 * stack validates the rules with it at synth, the handlers evaluate them at run time, and the
 * authorizer learns from it which token claims to pass on.
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

/** The token claims a join is judged by: each claim's values, as the authorizer passed them. */
export type ClaimValues = Readonly<Record<string, readonly string[]>>;

/** Who is joining: the authorizer's user id (undefined for a guest) and the claims the rules name. */
export interface JoinIdentity {
  readonly userId?: string;
  readonly claims: ClaimValues;
}

export type RoomDecision = { readonly allowed: true; readonly presence: boolean } | { readonly allowed: false; readonly reason: string };

/** The authorizer context key that carries the claims the rules name, as one JSON string (context values are strings). */
export const CLAIMS_CONTEXT_KEY = 'claims';
/**
 * Most characters of that JSON string. The authorizer's whole answer (policy and context) must stay
 * small, and a token may carry hundreds of groups: values past the bound are left out (and logged).
 */
export const MAX_CLAIMS_CONTEXT_CHARS = 2048;

const LITERAL = /^[A-Za-z0-9_-]+$/;
const PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const CLAIM_NAME = /^[^\s]{1,128}$/;
const RULE_KEYS = new Set(['pattern', 'claims', 'presence']);

type Segment = { kind: 'literal'; text: string } | { kind: 'bind'; name: string } | { kind: 'rest' };

interface CompiledRule {
  readonly rule: RoomRule;
  readonly segments: readonly Segment[];
}

/** A rule's place in error messages: its index and pattern. */
function nameOf(index: number, rule: unknown): string {
  const pattern = (rule as { pattern?: unknown } | null)?.pattern;
  return `roomRules[${index}]${typeof pattern === 'string' ? ` ("${pattern}")` : ''}`;
}

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

/** A token claim's values: an array's strings, or a string split on spaces and commas. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((v) => v.length > 0);
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v)] : []));
  return [];
}

/**
 * The authorizer context value for the named claims of a token: JSON of each claim's values, at
 * most {@link MAX_CLAIMS_CONTEXT_CHARS} characters. Values that do not fit are left out;
 * `truncated` says so, so the authorizer can log it.
 */
export function claimsContext(payload: Readonly<Record<string, unknown>>, names: readonly string[]): { json: string; truncated: boolean } {
  const kept: Record<string, string[]> = {};
  let truncated = false;
  for (const name of names) {
    const values = claimValues(payload[name]);
    if (values.length === 0) continue;
    kept[name] = [];
    for (const value of values) {
      kept[name].push(value);
      if (JSON.stringify(kept).length > MAX_CLAIMS_CONTEXT_CHARS) {
        kept[name].pop();
        truncated = true;
        break;
      }
    }
    if (kept[name].length === 0) delete kept[name];
  }
  return { json: JSON.stringify(kept), truncated };
}

/**
 * Reads the claims context value back (in the join handler). Anything but the authorizer's own
 * shape counts as no claims, so a join is judged as if the token had none: refused, not failed.
 */
export function parseClaimsContext(raw: unknown): ClaimValues {
  if (typeof raw !== 'string' || raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const claims: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(values)) claims[name] = values.filter((v): v is string => typeof v === 'string');
  }
  return claims;
}

/** Binds a room name against a compiled pattern: the placeholder values, or undefined for no match. */
function match(segments: readonly Segment[], room: string): Record<string, string> | undefined {
  const parts = room.split('.');
  const bound: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 'rest') return parts.length > i ? bound : undefined;
    if (i >= parts.length) return undefined;
    if (segment.kind === 'literal' && parts[i] !== segment.text) return undefined;
    if (segment.kind === 'bind') {
      if (parts[i] === '') return undefined;
      bound[segment.name] = parts[i];
    }
  }
  return parts.length === segments.length ? bound : undefined;
}

/** The rules of an API, compiled once per execution environment. */
export class RoomPolicy {
  private readonly compiled: readonly CompiledRule[];

  constructor(
    rules: readonly RoomRule[],
    /** Whether presence events are on where no rule says otherwise. */
    private readonly presenceDefault: boolean,
  ) {
    this.compiled = parseRoomRules(rules).map((rule) => ({
      rule,
      segments: compilePattern(rule.pattern, (what) => {
        throw new Error(what);
      }),
    }));
  }

  /**
   * Whether `identity` may join `room`. `user.<id>` rooms admit only that user (never a guest);
   * other rooms are open without rules, and with rules the first matching rule decides (no match:
   * refused).
   */
  decide(room: string, identity: JoinIdentity): RoomDecision {
    if (room.startsWith(USER_ROOM_PREFIX)) {
      if (identity.userId === undefined) {
        return {
          allowed: false,
          reason: `Room "${room}" is a user's own room; guests (no token) have none. Connect with a token to use yours.`,
        };
      }
      if (room !== userRoom(identity.userId)) {
        return {
          allowed: false,
          reason: `Room "${room}" belongs to another user; this connection may join only its own, "${userRoom(identity.userId)}".`,
        };
      }
      return { allowed: true, presence: this.presenceDefault };
    }
    if (this.compiled.length === 0) return { allowed: true, presence: this.presenceDefault };
    for (const { rule, segments } of this.compiled) {
      const bound = match(segments, room);
      if (!bound) continue;
      for (const [name, claim] of Object.entries(rule.claims ?? {})) {
        if (!(identity.claims[claim] ?? []).includes(bound[name])) {
          return {
            allowed: false,
            reason: `Room "${room}" (rule "${rule.pattern}") is only for tokens whose "${claim}" claim includes "${bound[name]}".`,
          };
        }
      }
      return { allowed: true, presence: rule.presence ?? this.presenceDefault };
    }
    return { allowed: false, reason: `Room "${room}" matches none of this API's room rules; no one may join it.` };
  }

  /** Whether joins and leaves in `room` send presence events (the first matching rule's setting, else the global one). */
  presenceIn(room: string): boolean {
    if (room.startsWith(USER_ROOM_PREFIX)) return this.presenceDefault;
    const rule = this.compiled.find(({ segments }) => match(segments, room) !== undefined);
    return rule?.rule.presence ?? this.presenceDefault;
  }
}

/** The API's room policy from the function's environment (ROOM_RULES, PRESENCE); throws naming a bad value, at cold start. */
export function roomPolicyFromEnv(env: Record<string, string | undefined> = process.env): RoomPolicy {
  const raw = env[ENV.roomRules];
  let rules: unknown = [];
  if (raw !== undefined && raw.trim() !== '') {
    try {
      rules = JSON.parse(raw);
    } catch {
      throw new Error(`Environment variable ${ENV.roomRules} must be a JSON list of room rules; got "${raw}".`);
    }
  }
  return new RoomPolicy(parseRoomRules(rules), booleanEnv(ENV.presence, true, env));
}
