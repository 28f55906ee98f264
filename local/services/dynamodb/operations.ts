/**
 * What a DynamoDB request asks of IAM: the `dynamodb:` action and the resource ARN of each table
 * (or index) it names. Most operations are their own action on one table; a Query or Scan on an
 * index is on the index (`table/T/index/I`); batches name every table they touch; a transaction
 * asks for the action of each item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem, GetItem),
 * as DynamoDB authorizes transactions (DynamoDB Developer Guide, "Using IAM with DynamoDB
 * transactions"). Operations on no table (ListTables) are on `*`. Pure functions.
 */

/** One authorization a request needs. */
export interface TableAccess {
  readonly action: string;
  readonly resource: string;
}

/** Operations that name no table: IAM authorizes them on `*`. */
const ACCOUNT_OPERATIONS = new Set([
  'ListTables',
  'DescribeLimits',
  'DescribeEndpoints',
  'ListBackups',
  'ListGlobalTables',
  'ListExports',
  'ListImports',
]);

/** The item actions of TransactWriteItems, by the key each item is written under. */
const TRANSACT_WRITE_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

type Input = Readonly<Record<string, unknown>>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The authorizations `operation` (from `X-Amz-Target`) with this JSON `input` needs; `tableArn`
 * makes a table's ARN from its name (a name that is already an ARN is kept). Empty when the input
 * names nothing to authorize: DynamoDB's own validation answers such a request.
 */
export function tableAccesses(operation: string, input: Input, tableArn: (name: string) => string): TableAccess[] {
  const arnOf = (name: string) => (name.startsWith('arn:') ? name : tableArn(name));
  const on = (action: string, resource: string): TableAccess => ({ action: `dynamodb:${action}`, resource });
  const items = (value: unknown): Input[] => (Array.isArray(value) ? (value as Input[]).filter((v) => v && typeof v === 'object') : []);
  switch (operation) {
    case 'Query':
    case 'Scan': {
      const table = text(input.TableName);
      if (!table) return [];
      const index = text(input.IndexName);
      return [on(operation, index ? `${arnOf(table)}/index/${index}` : arnOf(table))];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const tables = input.RequestItems && typeof input.RequestItems === 'object' ? Object.keys(input.RequestItems) : [];
      return tables.map((table) => on(operation, arnOf(table)));
    }
    case 'TransactWriteItems':
      return items(input.TransactItems).flatMap((item) =>
        Object.entries(TRANSACT_WRITE_ACTIONS).flatMap(([key, action]) => {
          const table = text((item[key] as Input | undefined)?.TableName);
          return table ? [on(action, arnOf(table))] : [];
        }),
      );
    case 'TransactGetItems':
      return items(input.TransactItems).flatMap((item) => {
        const table = text((item.Get as Input | undefined)?.TableName);
        return table ? [on('GetItem', arnOf(table))] : [];
      });
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsOfResource': {
      const arn = text(input.ResourceArn);
      return arn ? [on(operation, arn)] : [];
    }
    default: {
      if (ACCOUNT_OPERATIONS.has(operation)) return [on(operation, '*')];
      const stream = text(input.StreamArn);
      const table = text(input.TableName);
      if (stream) return [on(operation, stream)];
      return [on(operation, table ? arnOf(table) : '*')];
    }
  }
}
