import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { PUBLISH_FUNCTION } from '../protocol/publish';
import { ConfigError } from './config-error';

/**
 * The CloudFormation outputs of a SwitchboardApi, by name, with their descriptions. The names are
 * what `npm run verify --outputs` and `switchboard-local publish --stack` look for, and those of the
 * repository's stack, which deployed stacks and scripts know.
 */
export const API_OUTPUTS = {
  WebSocketUrl: 'Connect clients here (wss://…/<stage>, or the custom domain).',
  CallbackUrl: 'The @connections management endpoint.',
  DashboardName: 'CloudWatch dashboard.',
  TableName: 'Connections and room memberships.',
  [PUBLISH_FUNCTION.output]:
    'Invoke with {"room","data","from"?} to publish to a room (npx switchboard-local publish --stack <name> --room R --data D).',
  UserPoolId: 'The Cognito user pool whose users may connect.',
  UserPoolClientId: 'The app client to sign in with (USER_PASSWORD_AUTH or SRP).',
  CustomDomainTarget: "API Gateway's host name for the custom domain: point the domain's DNS record (CNAME or alias) here.",
} as const;

export type ApiOutputName = keyof typeof API_OUTPUTS;

/** Letters and digits, starting with a letter: CloudFormation's logical ids are alphanumeric. */
const OUTPUT_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,200}$/;

/** What is wrong with `prefix` as the start of output names, if anything; `what` names it in the message. */
export function outputPrefixProblem(prefix: string, what: string): string | undefined {
  if (OUTPUT_PREFIX.test(prefix)) return undefined;
  return `${what} ${JSON.stringify(prefix)} must be letters and digits, starting with a letter (output names are CloudFormation logical ids).`;
}

/**
 * Throws if the stack of `owner` already has `<prefix><name>` for one of `names` (another
 * SwitchboardApi's output, say), naming it and the props that fix it. SwitchboardApi checks the
 * outputs it will make before it builds anything.
 */
export function checkOutputNames(owner: IConstruct, prefix: string, names: readonly ApiOutputName[]): void {
  const stack = Stack.of(owner);
  const taken = names.map((name) => `${prefix}${name}`).find((id) => stack.node.tryFindChild(id) !== undefined);
  if (taken === undefined) return;
  const fromId = owner.node.id.replace(/[^A-Za-z0-9]/g, '').replace(/^[0-9]+/, '') || 'Second';
  const suggestion = fromId === prefix ? `${fromId}2` : fromId;
  throw new ConfigError(
    `${owner.node.path}: the stack already has an output or construct named ${taken} (another SwitchboardApi's?); give this SwitchboardApi outputPrefix: '${suggestion}' (its outputs become ${suggestion}WebSocketUrl, ...) or outputs: false.`,
  );
}

/** Adds the output `<prefix><name>` to the stack of `owner`, as a child of the stack so that its name is exactly that. */
export function addApiOutput(owner: IConstruct, prefix: string, name: ApiOutputName, value: string): CfnOutput {
  checkOutputNames(owner, prefix, [name]);
  return new CfnOutput(Stack.of(owner), `${prefix}${name}`, { value, description: API_OUTPUTS[name] });
}
