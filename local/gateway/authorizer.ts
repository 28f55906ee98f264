/**
 * Evaluates a Lambda REQUEST authorizer's answer the way API Gateway does for $connect:
 * an "Unauthorized" error is 401, a Deny (or no matching Allow) is 403, any other failure 500.
 */
import { AUTHORIZER_UNAUTHORIZED_MESSAGE } from '../../protocol/auth';
import type { InvokeResult } from '../runtime/runtime';

export type AuthorizerDecision =
  | { readonly allow: true; readonly principalId: string; readonly context: Record<string, string> }
  | { readonly allow: false; readonly status: 401 | 403 | 500; readonly message: string };

interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
}

/** `*` and `?` wildcards as IAM matches them. */
function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The decision for the authorizer's result on `methodArn`. */
export function authorizerDecision(result: InvokeResult, methodArn: string): AuthorizerDecision {
  if (!result.ok) {
    if (result.error.errorMessage === AUTHORIZER_UNAUTHORIZED_MESSAGE) return { allow: false, status: 401, message: 'Unauthorized' };
    return { allow: false, status: 500, message: 'Internal server error' };
  }
  const output = result.result as { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: unknown } | null;
  const statements = output?.policyDocument?.Statement;
  if (!output || !Array.isArray(statements)) return { allow: false, status: 500, message: 'Internal server error' };
  const applies = (s: PolicyStatement) =>
    asList(s.Resource).some((r) => globMatches(r, methodArn)) &&
    asList(s.Action).some((a) => a === '*' || globMatches(a.toLowerCase(), 'execute-api:invoke'));
  const matching = (statements as PolicyStatement[]).filter(applies);
  if (matching.some((s) => s.Effect === 'Deny') || !matching.some((s) => s.Effect === 'Allow')) {
    return { allow: false, status: 403, message: 'Forbidden' };
  }
  const context: Record<string, string> = {};
  if (output.context && typeof output.context === 'object') {
    for (const [key, value] of Object.entries(output.context as Record<string, unknown>)) {
      // API Gateway accepts only string, number and boolean context values.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        return { allow: false, status: 500, message: 'Internal server error' };
      }
      context[key] = String(value);
    }
  }
  return { allow: true, principalId: typeof output.principalId === 'string' ? output.principalId : '', context };
}
