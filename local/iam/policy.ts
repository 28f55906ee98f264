/**
 * IAM policy documents as the evaluator reads them: each statement's effect, its actions or
 * NotActions, resources or NotResources, principals (resource policies) and conditions, with every
 * single value made a list. Written by hand or by CDK, as the template holds them once intrinsics
 * are resolved.
 */

/** `Condition`: operator (e.g. `StringEquals`, `ForAnyValue:StringLike`) => condition key => values. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** `Principal` of a resource policy: `*`, or by kind (`AWS`, `Service`, `Federated`, `CanonicalUser`) the ids. */
export type PrincipalElement = '*' | Readonly<Record<string, readonly string[]>>;

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** `Action`; a statement has it or `notAction`. */
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  /** `Resource`; an identity policy's statement has it or `notResource`; a resource policy's may have neither. */
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  /** Resource policies only: who the statement is about. */
  readonly principal?: PrincipalElement;
  readonly condition?: ConditionBlock;
  /** Whether `${...}` in resources and condition values are policy variables (only from Version 2012-10-17). */
  readonly variables: boolean;
  /** Where it was written, for logs: e.g. `policy FnRoleDefaultPolicy (AWS::IAM::Policy)`. */
  readonly source: string;
}

/** A document's statements, and what in it could not be read (each named, for a warning at start). */
export interface ParsedPolicy {
  readonly statements: readonly PolicyStatement[];
  readonly problems: readonly string[];
}

/** A single value or a list, as policies write them, as a list of strings. */
function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.map((v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)));
}

function principalElement(value: unknown): PrincipalElement | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, readonly string[]> = {};
  for (const [kind, ids] of Object.entries(value)) out[kind] = list(ids) ?? [];
  return out;
}

function conditionBlock(value: unknown): ConditionBlock | undefined {
  if (value === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, Record<string, readonly string[]>> = {};
  for (const [operator, keys] of Object.entries(value)) {
    if (typeof keys !== 'object' || keys === null) continue;
    out[operator] = {};
    for (const [key, values] of Object.entries(keys as Record<string, unknown>)) out[operator][key] = list(values) ?? [];
  }
  return out;
}

/** Reads a policy document (`{ Version, Statement }`); `source` names it in each statement and problem. */
export function parsePolicyDocument(document: unknown, source: string): ParsedPolicy {
  const doc = document as { Version?: unknown; Statement?: unknown } | null | undefined;
  if (!doc || typeof doc !== 'object' || doc.Statement === undefined) {
    return { statements: [], problems: [`${source} has no Statement`] };
  }
  const variables = doc.Version === '2012-10-17';
  const raw = Array.isArray(doc.Statement) ? (doc.Statement as unknown[]) : [doc.Statement];
  const statements: PolicyStatement[] = [];
  const problems: string[] = [];
  raw.forEach((entry, i) => {
    const s = entry as Record<string, unknown>;
    const name = typeof s?.Sid === 'string' && s.Sid !== '' ? `statement ${s.Sid}` : `statement ${i + 1}`;
    if (s?.Effect !== 'Allow' && s?.Effect !== 'Deny') {
      problems.push(`${name} of ${source} has Effect ${JSON.stringify(s?.Effect)}, not Allow or Deny; it is ignored`);
      return;
    }
    if ((s.Action === undefined) === (s.NotAction === undefined)) {
      problems.push(`${name} of ${source} needs exactly one of Action and NotAction; it is ignored`);
      return;
    }
    statements.push({
      sid: typeof s.Sid === 'string' ? s.Sid : undefined,
      effect: s.Effect,
      action: list(s.Action),
      notAction: list(s.NotAction),
      resource: list(s.Resource),
      notResource: list(s.NotResource),
      principal: principalElement(s.Principal),
      condition: conditionBlock(s.Condition),
      variables,
      source: `${name} of ${source}`,
    });
  });
  return { statements, problems };
}
