import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig } from './app-config';
import { SwitchboardStack } from './switchboard-stack';

/**
 * Adds Switchboard to an App: the stack, configured from context, and the
 * cdk-nag AwsSolutions checks, which run on every synth and fail it on any
 * unacknowledged finding.
 */
export function addSwitchboard(app: App): SwitchboardStack {
  const config = readAppConfig(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return new SwitchboardStack(app, config.stackName, {
    description: 'Switchboard: serverless WebSocket API (API Gateway, Lambda, DynamoDB)',
    api: config.api,
  });
}
