/**
 * Whether EventBridge may invoke a rule's target function: on AWS the function's resource policy
 * must allow the principal `events.amazonaws.com` with the rule's ARN as the source
 * (AWS::Lambda::Permission, which CDK's LambdaFunction target adds), else the invocation fails and
 * the event is not delivered.
 */
import type { AccessDecision, IamAuthority } from '../../iam/authority';

/** The service principal EventBridge invokes targets as. */
export const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/**
 * Asks the function's resource policy. IamAuthority answers resource policies once the IAM work
 * gives it a method for a service principal invoking a function (`allowsServiceInvoke`); until
 * then every rule may invoke its targets, as the emulator behaved without IAM.
 */
export function mayInvokeTarget(_iam: IamAuthority, _functionLogicalId: string, _ruleArn: string): AccessDecision {
  // The lead points this at _iam.allowsServiceInvoke(EVENTS_PRINCIPAL, _functionLogicalId, _ruleArn) when it lands.
  return { allowed: true };
}
