import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PUBLISH_FUNCTION } from '../protocol/publish';
import { SwitchboardApi, type SwitchboardApiProps } from './switchboard-api';
import { SwitchboardMonitoring } from './switchboard-monitoring';

export interface SwitchboardStackProps extends StackProps {
  /** Configuration of the API; see {@link SwitchboardApiProps}. @default all defaults */
  readonly api?: SwitchboardApiProps;
}

/** The deployable stack: one SwitchboardApi and its outputs. */
export class SwitchboardStack extends Stack {
  public readonly switchboard: SwitchboardApi;
  public readonly monitoring: SwitchboardMonitoring;

  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    super(scope, id, props);
    this.switchboard = new SwitchboardApi(this, 'Switchboard', props.api);
    this.monitoring = new SwitchboardMonitoring(this, 'Monitoring', { api: this.switchboard });
    new CfnOutput(this, 'WebSocketUrl', { value: this.switchboard.webSocketUrl, description: 'Connect clients here (wss://…/<stage>).' });
    new CfnOutput(this, 'CallbackUrl', { value: this.switchboard.callbackUrl, description: 'The @connections management endpoint.' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName, description: 'CloudWatch dashboard.' });
    new CfnOutput(this, 'TableName', { value: this.switchboard.table.tableName, description: 'Connections and room memberships.' });
    new CfnOutput(this, PUBLISH_FUNCTION.output, {
      value: this.switchboard.publishFunction.function.functionName,
      description:
        'Invoke with {"room","data","from"?} to publish to a room (npx switchboard-local publish --stack <name> --room R --data D).',
    });
    const { userPool, userPoolClient } = this.switchboard.auth;
    if (userPool && userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId, description: 'The Cognito user pool whose users may connect.' });
      new CfnOutput(this, 'UserPoolClientId', {
        value: userPoolClient.userPoolClientId,
        description: 'The app client to sign in with (USER_PASSWORD_AUTH or SRP).',
      });
    }
  }
}
