import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SwitchboardApi, type SwitchboardApiProps } from './switchboard-api';

export interface SwitchboardStackProps extends StackProps {
  /** Configuration of the API; see {@link SwitchboardApiProps}. @default all defaults */
  readonly api?: SwitchboardApiProps;
}

/** The deployable stack: one SwitchboardApi and its outputs. */
export class SwitchboardStack extends Stack {
  public readonly switchboard: SwitchboardApi;

  constructor(scope: Construct, id: string, props: SwitchboardStackProps = {}) {
    super(scope, id, props);
    this.switchboard = new SwitchboardApi(this, 'Switchboard', props.api);
    new CfnOutput(this, 'WebSocketUrl', { value: this.switchboard.webSocketUrl, description: 'Connect clients here (wss://…/<stage>).' });
    new CfnOutput(this, 'CallbackUrl', { value: this.switchboard.callbackUrl, description: 'The @connections management endpoint.' });
    new CfnOutput(this, 'TableName', { value: this.switchboard.table.tableName, description: 'Connections and room memberships.' });
  }
}
