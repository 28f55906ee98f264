import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE } from '../contract';

/** DynamoDB actions a Switchboard function may be granted on the table; nothing broader (never Scan). */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchWriteItem';

export interface ConnectionsTableProps {
  /**
   * What happens to the table when the stack is deleted. It holds only connection state that
   * expires within 2 h 10 min, and room history kept for at most 30 days, so it is destroyed.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table of connections, room memberships, history and presence, as contract/table-design.ts
 * designs it: its keys, TTL in epoch seconds, on-demand capacity and point-in-time recovery; and
 * grants of exactly the actions a function calls.
 */
export class ConnectionsTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ConnectionsTableProps = {}) {
    super(scope, id);
    // The id `Default` leaves this construct out of the table's logical id, which stays what it was
    // when the table was created by SwitchboardApi itself: a deployed table is never replaced.
    this.table = new dynamodb.Table(this, 'Default', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** Grants `grantee` exactly `actions` on the table, and nothing when there are none. */
  public grantActions(grantee: iam.IGrantable, actions: readonly TableAction[]): iam.Grant | undefined {
    if (actions.length === 0) return undefined;
    return this.table.grant(grantee, ...actions.map((action) => `dynamodb:${action}`));
  }
}
