/**
 * The one question every emulated service asks before it acts: may this caller do this action on
 * this resource? With IAM on (the default, enforcing-authority.ts) the answer comes from the
 * caller's policies as the template sets them; with `--iam off` everything is allowed, as the
 * emulator behaved before.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ContextValue } from './request-context';
import { signingKeyOf, type Principal, type PrincipalDirectory } from './principals';

/** The answer to one authorization question. */
export type AccessDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /**
       * `implicit`: no policy allows it; `explicit`: a policy denies it; `credentials`: the request
       * is signed with keys a function would not have on Lambda (the fake shared credentials file).
       */
      readonly denial: 'implicit' | 'explicit' | 'credentials';
      /** AWS's own text: "User: <arn> is not authorized to perform: <action> on resource: <arn> because ...". */
      readonly message: string;
    };

/** A request as the services see it: its headers and URL, where the signature is. */
export interface SignedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly url?: string;
}

export interface IamAuthority {
  /** Whether the emulator enforces IAM; `--iam off` turns it off. */
  readonly enforcing: boolean;
  /**
   * Who signed a request: a function (its role session), the fake credentials file, or the
   * developer (LOCAL_CREDENTIALS, or any key the emulator never gave out: programs on this
   * machine). Undefined for an unsigned request.
   */
  principalOf(request: SignedRequest): Principal | undefined;
  /**
   * Whether `principal` may perform `action` (e.g. `dynamodb:PutItem`) on `resource` (an ARN, or
   * `*` for an action on no resource); `context` adds the service's own condition keys (e.g.
   * `{ 'sqs:MessageGroupId': ... }`). The authority logs each denial itself.
   */
  authorize(principal: Principal, action: string, resource: string, context?: Readonly<Record<string, ContextValue>>): AccessDecision;
  /**
   * Whether an AWS service (`apigateway.amazonaws.com`, `events.amazonaws.com`) may invoke a
   * function of the app on behalf of `sourceArn` (a route, an authorizer, a rule): the function's
   * resource-based policy, its AWS::Lambda::Permission resources, decides. Denials are logged.
   */
  allowsServiceInvoke(service: string, functionLogicalId: string, sourceArn: string): AccessDecision;
}

/**
 * The caller of a signed request, as {@link IamAuthority.principalOf} tells it: a key the emulator
 * never gave out is the developer's, as requests from outside the functions come from programs on
 * this machine (functions only have the keys the emulator gives them).
 */
export function callerOf(principals: PrincipalDirectory, request: SignedRequest): Principal | undefined {
  const key = signingKeyOf(request);
  if (key === undefined) return undefined;
  return principals.principalOfKey(key) ?? { kind: 'developer' };
}

/** `--iam off`: every caller may do everything; callers are still told apart. */
export function allowEverything(principals: PrincipalDirectory): IamAuthority {
  return {
    enforcing: false,
    principalOf: (request) => callerOf(principals, request),
    authorize: () => ({ allowed: true }),
    allowsServiceInvoke: () => ({ allowed: true }),
  };
}
