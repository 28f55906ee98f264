/**
 * Whether EventBridge may invoke a rule's target function: on AWS the function's resource policy
 * must allow the principal `events.amazonaws.com` with the rule's ARN as the source
 * (AWS::Lambda::Permission, which CDK's LambdaFunction target adds), else the invocation fails and
 * the event is not delivered.
 */
import type { AccessDecision, IamAuthority } from '../../iam/authority';

/** The service principal EventBridge invokes targets as. */
export const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** Asks the function's resource policy (always allowed with `--iam off`). */
export function mayInvokeTarget(iam: IamAuthority, functionLogicalId: string, ruleArn: string): AccessDecision {
  return iam.allowsServiceInvoke(EVENTS_PRINCIPAL, functionLogicalId, ruleArn);
}
