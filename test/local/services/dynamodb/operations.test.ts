import { tableAccesses } from '../../../../local/services/dynamodb/operations';

const arn = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;

describe('tableAccesses', () => {
  test('an item operation is its own action on its table; a table ARN as TableName is kept', () => {
    expect(tableAccesses('PutItem', { TableName: 'Rooms' }, arn)).toEqual([{ action: 'dynamodb:PutItem', resource: arn('Rooms') }]);
    expect(tableAccesses('GetItem', { TableName: arn('Other') }, arn)).toEqual([{ action: 'dynamodb:GetItem', resource: arn('Other') }]);
  });

  test('a Query or Scan on an index is on the index', () => {
    expect(tableAccesses('Query', { TableName: 'Rooms', IndexName: 'byUser' }, arn)).toEqual([
      { action: 'dynamodb:Query', resource: `${arn('Rooms')}/index/byUser` },
    ]);
    expect(tableAccesses('Scan', { TableName: 'Rooms' }, arn)).toEqual([{ action: 'dynamodb:Scan', resource: arn('Rooms') }]);
  });

  test('a batch names every table it touches', () => {
    expect(tableAccesses('BatchWriteItem', { RequestItems: { Rooms: [], Members: [] } }, arn)).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: arn('Rooms') },
      { action: 'dynamodb:BatchWriteItem', resource: arn('Members') },
    ]);
    expect(tableAccesses('BatchGetItem', { RequestItems: { Rooms: {} } }, arn)).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: arn('Rooms') },
    ]);
  });

  test("a transaction asks for each item's own action", () => {
    const items = [
      { Put: { TableName: 'Rooms' } },
      { Update: { TableName: 'Members' } },
      { Delete: { TableName: 'Rooms' } },
      { ConditionCheck: { TableName: 'Locks' } },
    ];
    expect(tableAccesses('TransactWriteItems', { TransactItems: items }, arn)).toEqual([
      { action: 'dynamodb:PutItem', resource: arn('Rooms') },
      { action: 'dynamodb:UpdateItem', resource: arn('Members') },
      { action: 'dynamodb:DeleteItem', resource: arn('Rooms') },
      { action: 'dynamodb:ConditionCheckItem', resource: arn('Locks') },
    ]);
    expect(tableAccesses('TransactGetItems', { TransactItems: [{ Get: { TableName: 'Rooms' } }] }, arn)).toEqual([
      { action: 'dynamodb:GetItem', resource: arn('Rooms') },
    ]);
  });

  test('operations on no table are on *; tags are on the resource ARN; a request naming nothing asks nothing', () => {
    expect(tableAccesses('ListTables', {}, arn)).toEqual([{ action: 'dynamodb:ListTables', resource: '*' }]);
    expect(tableAccesses('TagResource', { ResourceArn: arn('Rooms') }, arn)).toEqual([
      { action: 'dynamodb:TagResource', resource: arn('Rooms') },
    ]);
    expect(tableAccesses('Query', {}, arn)).toEqual([]);
    expect(tableAccesses('BatchWriteItem', { RequestItems: 'nope' }, arn)).toEqual([]);
  });
});
