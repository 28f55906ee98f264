/**
 * IAM's policy evaluation for one request, as the IAM User Guide's "Policy evaluation logic" sets
 * it out for a principal in the request's own account: an explicit Deny in any applicable
 * statement wins; otherwise an Allow in an identity-based policy, or in the resource's own policy
 * for this principal, allows; otherwise the request is implicitly denied. Pure functions.
 */
import { conditionMatches } from './conditions';
import type { PolicyStatement, PrincipalElement } from './policy';
import { substituteVariables, type RequestContext } from './request-context';
import { wildcardMatches } from './wildcards';

/** One request to authorize: `service:Action` on a resource ARN (or `*` for actions on no resource). */
export interface AccessRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

/** What IAM decided, which statement decided it, and what the emulator could not evaluate on the way. */
export interface Evaluation {
  readonly outcome: 'allow' | 'explicit-deny' | 'implicit-deny';
  /** The Deny that denied, or an Allow that allowed. */
  readonly statement?: PolicyStatement;
  /** Conditions and policy variables left out, each with the statement it is in. */
  readonly unevaluated: readonly string[];
}

/** Who a resource policy's `Principal` is matched against. */
export type RequestPrincipal =
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'role-session'; readonly accountId: string; readonly roleArn?: string; readonly sessionArn: string };

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.action) return statement.action.some((pattern) => wildcardMatches(pattern, action, true));
  return !statement.notAction!.some((pattern) => wildcardMatches(pattern, action, true));
}

function resourceMatches(statement: PolicyStatement, request: AccessRequest, unevaluated: string[]): boolean {
  const pattern = (written: string) =>
    statement.variables
      ? substituteVariables(written, request.context, (variable) => unevaluated.push(`${variable} in ${statement.source}`))
      : written;
  if (statement.resource) return statement.resource.some((r) => wildcardMatches(pattern(r), request.resource));
  if (statement.notResource) return !statement.notResource.some((r) => wildcardMatches(pattern(r), request.resource));
  // A resource policy's statement may leave Resource out: it is about the resource it is attached to.
  return true;
}

/** Whether a resource policy's `Principal` names the caller. */
export function principalMatches(element: PrincipalElement | undefined, principal: RequestPrincipal): boolean {
  if (element === undefined) return false;
  if (element === '*') return true;
  if (principal.kind === 'service') return (element.Service ?? []).includes(principal.service);
  return (element.AWS ?? []).some(
    (id) =>
      id === '*' ||
      id === principal.accountId ||
      new RegExp(`^arn:[a-z-]+:iam::${principal.accountId}:root$`).test(id) ||
      id === principal.roleArn ||
      id === principal.sessionArn,
  );
}

/** Whether one statement applies to the request, with what it left unevaluated. */
export function statementApplies(statement: PolicyStatement, request: AccessRequest): { applies: boolean; unevaluated: string[] } {
  const unevaluated: string[] = [];
  if (!actionMatches(statement, request.action) || !resourceMatches(statement, request, unevaluated))
    return { applies: false, unevaluated };
  const condition = conditionMatches(statement.condition, request.context, statement.variables);
  unevaluated.push(...condition.unevaluated.map((what) => `condition ${what} in ${statement.source}`));
  return { applies: condition.matches, unevaluated };
}

/**
 * Evaluates the caller's identity-based statements and, when given, the resource's policy (its
 * statements that name `principal`). In one account either kind of Allow is enough; any Deny wins.
 */
export function evaluate(
  request: AccessRequest,
  identity: readonly PolicyStatement[],
  resourcePolicy?: { readonly statements: readonly PolicyStatement[]; readonly principal: RequestPrincipal },
): Evaluation {
  const applicable = [
    ...identity,
    ...(resourcePolicy?.statements.filter((s) => principalMatches(s.principal, resourcePolicy.principal)) ?? []),
  ];
  const unevaluated: string[] = [];
  let allow: PolicyStatement | undefined;
  for (const statement of applicable) {
    const result = statementApplies(statement, request);
    unevaluated.push(...result.unevaluated);
    if (!result.applies) continue;
    if (statement.effect === 'Deny') return { outcome: 'explicit-deny', statement, unevaluated };
    allow ??= statement;
  }
  return allow ? { outcome: 'allow', statement: allow, unevaluated } : { outcome: 'implicit-deny', unevaluated };
}
