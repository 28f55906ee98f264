/**
 * The one question every emulated service asks before it acts: may this caller do this action on
 * this resource? With IAM on (the default) the answer comes from the caller's policies as the
 * template sets them; with `--iam off` everything is allowed, as the emulator behaved before.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal, PrincipalDirectory } from './principals';

/** The answer to one authorization question. */
export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** `implicit`: no policy allows it; `explicit`: a policy denies it. */
      readonly denial: 'implicit' | 'explicit';
      /** AWS's own text: "User: <arn> is not authorized to perform: <action> on resource: <arn> because ...". */
      readonly message: string;
    };

export interface IamAuthority {
  /** Whether the emulator enforces IAM; `--iam off` turns it off. */
  readonly enforcing: boolean;
  /** Who signed a request; undefined for an unsigned one or a key the emulator never gave out. */
  principalOf(request: { readonly headers: IncomingHttpHeaders; readonly url?: string }): Principal | undefined;
  /** Whether `principal` may perform `action` (e.g. `dynamodb:PutItem`) on `resource` (an ARN). */
  authorize(principal: Principal, action: string, resource: string): AccessDecision;
}

/** `--iam off`: every caller may do everything; callers are still told apart. */
export function allowEverything(principals: PrincipalDirectory): IamAuthority {
  return {
    enforcing: false,
    principalOf: (request) => principals.principalOf(request),
    authorize: () => ({ allowed: true }),
  };
}
