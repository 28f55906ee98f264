/**
 * The local DynamoDB's front, with real SDK clients: IAM on each request (as the function whose key
 * signs it), AWS's AccessDeniedException, DescribeTimeToLive from the template, and the guard
 * (loopback Host only, no web pages, no CORS).
 */
import { request } from 'node:http';
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  BatchWriteItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableSpec } from '../../../../local/assembly/app-spec';
import { enforceIam } from '../../../../local/iam/enforcing-authority';
import { PrincipalDirectory, SHARED_FILE_CREDENTIALS } from '../../../../local/iam/principals';
import { SHARED_FILE_DENIAL } from '../../../../local/iam/enforcing-authority';
import { startStore, type RunningStore } from '../../../../local/services/dynamodb/store';
import { LOCAL_CREDENTIALS } from '../../../../protocol/local-endpoints';
import { ManualClock } from '../../../support/manual-clock';
import { ACCOUNT, fn, iamApp, role } from '../../iam/iam-app';

const ROOMS: TableSpec = {
  logicalId: 'Rooms',
  tableName: 'Rooms',
  keySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'user', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [
    { IndexName: 'byUser', KeySchema: [{ AttributeName: 'user', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
  ],
  localSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
};
const LOCKS: TableSpec = {
  ...ROOMS,
  logicalId: 'Locks',
  tableName: 'Locks',
  attributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  globalSecondaryIndexes: [],
  ttlAttribute: undefined,
};
const arn = (name: string) => `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${name}`;

const app = iamApp({
  functions: [fn('Writer', 'WriterRole'), fn('Nobody', 'NobodyRole')],
  roles: [
    role('WriterRole', [
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
        Resource: arn('Rooms'),
      },
    ]),
    role('NobodyRole', []),
  ],
});
const principals = new PrincipalDirectory(app, app.functions.values());
const log: string[] = [];
let store: RunningStore;
const clients: DynamoDBClient[] = [];

/** A client signing as `accessKeyId` (the emulator checks no signature, only whose key it is). */
function clientAs(accessKeyId: string): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: store.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}
const keyOf = (id: string) => principals.credentialsOf(id)!.accessKeyId;

beforeAll(async () => {
  store = await startStore([ROOMS, LOCKS], {
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    accountId: ACCOUNT,
    iam: enforceIam({ app: () => app, principals, log: (line) => log.push(line), clock: new ManualClock(0) }),
    clock: new ManualClock(0),
  });
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await store.stop();
});

const item = { pk: { S: 'ROOM#lobby' }, user: { S: 'alice' } };

test("a function's call its role allows is served; one it does not is AccessDeniedException, as DynamoDB answers it", async () => {
  const writer = clientAs(keyOf('Writer'));
  await writer.send(new PutItemCommand({ TableName: 'Rooms', Item: item }));
  expect((await writer.send(new GetItemCommand({ TableName: 'Rooms', Key: { pk: item.pk } }))).Item).toEqual(item);

  const denied = `User: arn:aws:sts::${ACCOUNT}:assumed-role/NobodyRole/Chat-Nobody is not authorized to perform: dynamodb:PutItem on resource: ${arn('Rooms')} because no identity-based policy allows the dynamodb:PutItem action`;
  await expect(clientAs(keyOf('Nobody')).send(new PutItemCommand({ TableName: 'Rooms', Item: item }))).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: denied,
    $metadata: { httpStatusCode: 400 },
  });
  expect(log).toContainEqual(
    expect.stringContaining(
      `denied Nobody dynamodb:PutItem on ${arn('Rooms')}: no identity-based policy allows it; to allow it: table.grantWriteData(fn)`,
    ),
  );
});

test('a Query on an index needs the index; a batch needs every table it touches', async () => {
  const writer = clientAs(keyOf('Writer'));
  await expect(
    writer.send(new QueryCommand({ TableName: 'Rooms', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': item.pk } })),
  ).resolves.toBeDefined();
  await expect(
    writer.send(
      new QueryCommand({
        TableName: 'Rooms',
        IndexName: 'byUser',
        KeyConditionExpression: '#u = :u',
        ExpressionAttributeNames: { '#u': 'user' },
        ExpressionAttributeValues: { ':u': item.user },
      }),
    ),
  ).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: expect.stringContaining(`on resource: ${arn('Rooms')}/index/byUser because`),
  });
  await expect(
    writer.send(
      new BatchWriteItemCommand({ RequestItems: { Rooms: [{ PutRequest: { Item: item } }], Locks: [{ PutRequest: { Item: item } }] } }),
    ),
  ).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: expect.stringContaining(`dynamodb:BatchWriteItem on resource: ${arn('Locks')} because`),
  });
});

test("the developer's keys, and keys the emulator never gave out, are the developer's: allowed", async () => {
  await expect(clientAs(LOCAL_CREDENTIALS.accessKeyId).send(new PutItemCommand({ TableName: 'Locks', Item: item }))).resolves.toBeDefined();
  await expect(
    clientAs('AKIAREALUSERKEY00000').send(new GetItemCommand({ TableName: 'Locks', Key: { pk: item.pk } })),
  ).resolves.toBeDefined();
});

test("the fake shared credentials file's keys are refused, saying why", async () => {
  await expect(
    clientAs(SHARED_FILE_CREDENTIALS.accessKeyId).send(new GetItemCommand({ TableName: 'Rooms', Key: { pk: item.pk } })),
  ).rejects.toMatchObject({
    name: 'AccessDeniedException',
    message: SHARED_FILE_DENIAL,
  });
});

test('DescribeTimeToLive answers from the template: ENABLED with its attribute, or DISABLED', async () => {
  const developer = clientAs(LOCAL_CREDENTIALS.accessKeyId);
  expect((await developer.send(new DescribeTimeToLiveCommand({ TableName: 'Rooms' }))).TimeToLiveDescription).toEqual({
    TimeToLiveStatus: 'ENABLED',
    AttributeName: 'expiresAt',
  });
  expect((await developer.send(new DescribeTimeToLiveCommand({ TableName: 'Locks' }))).TimeToLiveDescription).toEqual({
    TimeToLiveStatus: 'DISABLED',
  });
  await expect(clientAs(keyOf('Nobody')).send(new DescribeTimeToLiveCommand({ TableName: 'Rooms' }))).rejects.toMatchObject({
    name: 'AccessDeniedException',
  });
});

/** A raw request to the front, for what no SDK sends: another Host, an Origin, a preflight. */
function raw(
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(store.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: '/', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

test('answers programs on this machine only: a foreign Host and web pages are refused, and no answer carries CORS headers', async () => {
  const target = {
    'x-amz-target': 'DynamoDB_20120810.ListTables',
    'content-type': 'application/x-amz-json-1.0',
    authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    'x-amz-date': '20261207T000000Z',
  };
  const rebound = await raw({ ...target, host: 'attacker.example:8000' });
  const page = await raw({ ...target, origin: 'https://evil.example' });
  const preflight = await raw({ origin: 'https://evil.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
  const program = await raw(target);

  expect([rebound.status, page.status, preflight.status, program.status]).toEqual([403, 403, 403, 200]);
  expect(rebound.body).toContain('does not name this machine');
  expect(page.body).toContain('does not answer web pages');
  for (const answer of [rebound, page, preflight, program]) {
    expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  }
  expect(JSON.parse(program.body)).toEqual({ TableNames: ['Locks', 'Rooms'] });
});
