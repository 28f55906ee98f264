import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppConfig } from './app-config';
import { CONTEXT_KEYS } from '../contract';
import { checkContextKeys, ConfigError } from './config-error';
import { SwitchboardStack } from './switchboard-stack';

/**
 * Adds Switchboard to an App: the stack, configured from context, and the
 * cdk-nag AwsSolutions checks, which run on every synth and fail it on any
 * unacknowledged finding.
 */
export function addSwitchboard(app: App): SwitchboardStack {
  // Before anything is built or bundled, so a typo fails in a moment.
  checkContextKeys(app.node.getAllContext() as Record<string, unknown>, Object.values(CONTEXT_KEYS));
  const config = readConfig(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return new SwitchboardStack(app, config.stackName, {
    description: 'Switchboard: serverless WebSocket API (API Gateway, Lambda, DynamoDB)',
    api: config.api,
    alarmEmail: config.alarmEmail,
    customDomain: config.customDomain,
  });
}

/** readAppConfig only reads and checks context values, so whatever it throws is a configuration error. */
function readConfig(app: App): ReturnType<typeof readAppConfig> {
  try {
    return readAppConfig(app);
  } catch (err: unknown) {
    if (err instanceof Error) throw new ConfigError(err.message, { cause: err });
    throw err;
  }
}
