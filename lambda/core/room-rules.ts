import { ENV } from '../../contract/environment';
import { ROOM_DEFAULTS } from '../../contract/defaults';
import { parseRoomRules, roomPatternSegments, type RoomRule, type Segment } from '../../contract/room-rules';
import { USER_ROOM_PREFIX, userRoom } from '../../protocol';
import { booleanEnv } from './config';

/**
 * The room rules at run time: whether a join is allowed and whether presence events go out (the
 * join, leave and disconnect handlers), and the token claims the rules judge by, as the authorizer
 * passes them on. The rules' schema and checks are contract/room-rules.ts. Pure but for reading the
 * environment in roomPolicyFromEnv.
 */

/** The token claims a join is judged by: each claim's values, as the authorizer passed them. */
export type ClaimValues = Readonly<Record<string, readonly string[]>>;

/** Who is joining: the authorizer's user id (undefined for a guest) and the claims the rules name. */
export interface JoinIdentity {
  readonly userId?: string;
  /** The display name the authorizer took from the token, when it had one. */
  readonly name?: string;
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

interface CompiledRule {
  readonly rule: RoomRule;
  readonly segments: readonly Segment[];
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
    this.compiled = parseRoomRules(rules).map((rule) => ({ rule, segments: roomPatternSegments(rule.pattern) }));
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
  return new RoomPolicy(parseRoomRules(rules), booleanEnv(ENV.presence, ROOM_DEFAULTS.presence, env));
}
