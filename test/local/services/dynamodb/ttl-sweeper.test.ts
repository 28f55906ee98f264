import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { TableSpec } from '../../../../local/assembly/app-spec';
import { allowEverything } from '../../../../local/iam/authority';
import { PrincipalDirectory } from '../../../../local/iam/principals';
import { startStore, type RunningStore } from '../../../../local/services/dynamodb/store';
import { TTL_SWEEP_INTERVAL_MS, TtlSweeper } from '../../../../local/services/dynamodb/ttl-sweeper';
import { ManualClock } from '../../../support/manual-clock';

/**
 * The emulator's TTL: dynalite in this process, a manual clock, so no test waits a real minute.
 * The clock starts at 1,700,000,000 s; an item expires once its TTL is before that second.
 */
const NOW_SECONDS = 1_700_000_000;

const table: TableSpec = {
  logicalId: 'Connections',
  tableName: 'ttl-test',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  globalSecondaryIndexes: [],
  localSecondaryIndexes: [],
  ttlAttribute: 'expiresAt',
};
const noTtlTable: TableSpec = { ...table, logicalId: 'Other', tableName: 'no-ttl-test', ttlAttribute: undefined };

let store: RunningStore | undefined;
let db: DynamoDBClient | undefined;

afterEach(async () => {
  db?.destroy();
  await store?.stop();
  store = db = undefined;
});

async function start(clock: ManualClock, lines: string[], dataDir?: string): Promise<DynamoDBClient> {
  store = await startStore([table, noTtlTable], {
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    accountId: '123456789012',
    // The test's client is the developer's; IAM itself is tested in front.test.ts.
    iam: allowEverything(new PrincipalDirectory({ stackName: 'Ttl', accountId: '123456789012' }, [])),
    dataDir,
    clock,
    log: (line) => lines.push(line),
  });
  db = new DynamoDBClient({ endpoint: store.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return db;
}

async function put(client: DynamoDBClient, tableName: string, sk: string, expiresAt?: AttributeValue): Promise<void> {
  await client.send(
    new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'ROOM#r' }, sk: { S: sk }, ...(expiresAt ? { expiresAt } : {}) } }),
  );
}

async function keysOf(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const items = (await client.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  return items.map((item) => item.sk.S!).sort();
}

describe('the local store applies TTL', () => {
  it('deletes items whose TTL (epoch seconds, a Number) is before now, and nothing else', async () => {
    const lines: string[] = [];
    const client = await start(new ManualClock(NOW_SECONDS * 1000), lines);
    await put(client, table.tableName, 'expired', { N: String(NOW_SECONDS - 1) });
    await put(client, table.tableName, 'this-second', { N: String(NOW_SECONDS) });
    await put(client, table.tableName, 'future', { N: String(NOW_SECONDS + 7800) });
    await put(client, table.tableName, 'no-ttl');
    await put(client, table.tableName, 'string-ttl', { S: '1' });
    await put(client, table.tableName, 'milliseconds', { N: String(NOW_SECONDS * 1000) }); // a common bug: never expires
    await put(client, noTtlTable.tableName, 'expired-elsewhere', { N: '1' });

    await expect(store!.expireNow()).resolves.toBe(1);
    expect(await keysOf(client, table.tableName)).toEqual(['future', 'milliseconds', 'no-ttl', 'string-ttl', 'this-second']);
    expect(await keysOf(client, noTtlTable.tableName)).toEqual(['expired-elsewhere']);
    expect(lines).toEqual([`TTL: expired 1 item(s) from ttl-test (expiresAt before ${NOW_SECONDS})`]);
  });

  it('sweeps every minute on its clock, and stops cleanly', async () => {
    const clock = new ManualClock(NOW_SECONDS * 1000);
    const lines: string[] = [];
    const client = await start(clock, lines);
    expect(clock.pendingDelays()).toEqual([TTL_SWEEP_INTERVAL_MS]);
    await put(client, table.tableName, 'due-in-30s', { N: String(NOW_SECONDS + 30) });

    clock.advance(TTL_SWEEP_INTERVAL_MS);
    // The timer started a sweep; sweep() joins it.
    await store!.expireNow();
    expect(await keysOf(client, table.tableName)).toEqual([]);
    expect(lines).toEqual([`TTL: expired 1 item(s) from ttl-test (expiresAt before ${NOW_SECONDS + 60})`]);
    expect(clock.pendingDelays()).toEqual([TTL_SWEEP_INTERVAL_MS]);

    await store!.stop();
    expect(clock.pendingDelays()).toEqual([]);
    store = undefined;
  });

  // 3,000 writes and their deletes, each through the store's front: its time is the work's, scaled for a busy machine.
  it('pages through a large table: 3,000 expired items of 500 bytes each (over 1 MB)', async () => {
    const clock = new ManualClock(NOW_SECONDS * 1000);
    const lines: string[] = [];
    const client = await start(clock, lines);
    const padding = { S: 'x'.repeat(500) };
    const scans: Array<Record<string, unknown> | undefined> = [];
    const sweeperScans = jest.spyOn(DynamoDBClient.prototype, 'send');
    for (let i = 0; i < 3000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.send(
            new PutItemCommand({
              TableName: table.tableName,
              Item: { pk: { S: `CONN#${i + j}` }, sk: { S: 'META' }, padding, expiresAt: { N: String(NOW_SECONDS - 60) } },
            }),
          ),
        ),
      );
    }
    sweeperScans.mockClear();
    await expect(store!.expireNow()).resolves.toBe(3000);
    for (const [command] of sweeperScans.mock.calls) {
      if (command instanceof ScanCommand) scans.push(command.input.ExclusiveStartKey);
    }
    sweeperScans.mockRestore();
    // More than one page, each after the previous one's LastEvaluatedKey.
    expect(scans.length).toBeGreaterThan(1);
    expect(scans[0]).toBeUndefined();
    expect(scans[1]).toBeDefined();
    expect((await client.send(new ScanCommand({ TableName: table.tableName, Select: 'COUNT' }))).Count).toBe(0);
    expect(lines).toEqual([`TTL: expired 3000 item(s) from ttl-test (expiresAt before ${NOW_SECONDS})`]);
  }, 90_000);

  it('expires at start what expired while the emulator was stopped (--data-dir), and counts none of it as handler requests', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-ttl-'));
    try {
      const clock = new ManualClock(NOW_SECONDS * 1000);
      let client = await start(clock, [], dataDir);
      await put(client, table.tableName, 'expires-while-down', { N: String(NOW_SECONDS + 3600) });
      client.destroy();
      await store!.stop();

      clock.advance(2 * 3600 * 1000);
      const lines: string[] = [];
      client = await start(clock, lines, dataDir);
      expect(await keysOf(client, table.tableName)).toEqual([]);
      expect(lines).toEqual([`TTL: expired 1 item(s) from ttl-test (expiresAt before ${NOW_SECONDS + 7200})`]);
      // The handlers' table calls are what requestCounts reports; the sweeper's Scans are not among them.
      expect(store!.requestCounts().Scan).toBe(1); // keysOf's own
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('logs a failed sweep and tries again at the next interval', async () => {
    const clock = new ManualClock(NOW_SECONDS * 1000);
    const lines: string[] = [];
    const send = jest.fn().mockRejectedValueOnce(new Error('connect ECONNREFUSED')).mockResolvedValue({ Items: [] });
    const sweeper = new TtlSweeper({
      client: { send } as unknown as DynamoDBClient,
      tables: [{ tableName: 't', ttlAttribute: 'expiresAt', keyAttributes: ['pk'] }],
      clock,
      log: (line) => lines.push(line),
    });
    await sweeper.start();
    expect(lines).toEqual(['TTL sweep failed, retrying in 60 s: connect ECONNREFUSED']);
    clock.advance(TTL_SWEEP_INTERVAL_MS);
    await sweeper.sweep();
    expect(send).toHaveBeenCalledTimes(2); // the failed sweep, then the one the timer started (sweep() joined it)
    expect((send.mock.calls[1] as [ScanCommand])[0].input).toMatchObject({
      TableName: 't',
      FilterExpression: 'attribute_type(#ttl, :number) AND #ttl < :now',
      ProjectionExpression: '#k0',
      ExpressionAttributeNames: { '#ttl': 'expiresAt', '#k0': 'pk' },
      ExpressionAttributeValues: { ':number': { S: 'N' }, ':now': { N: String(NOW_SECONDS + 60) } },
    });
    await sweeper.stop();
    expect(clock.pendingDelays()).toEqual([]);
  });
});
