/**
 * The DynamoDB-compatible store: dynalite in this process, in memory or on LevelDB under a
 * data dir, with the template's tables created at start and their TTL applied by a sweeper.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import type { TableSpec } from '../../assembly/app-spec';
import { systemClock, type Clock } from '../../../protocol/clock';
import { TtlSweeper, type TtlTable } from './ttl-sweeper';

export interface StoreOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** LevelDB folder; in memory when undefined. */
  readonly dataDir?: string;
  readonly region: string;
  /** What TTL is measured on, and when it is applied. @default the system clock */
  readonly clock?: Clock;
  /** How often expired items are deleted. @default TTL_SWEEP_INTERVAL_MS (a minute) */
  readonly ttlSweepIntervalMs?: number;
  /** Receives the TTL sweeper's lines (how many items each sweep expired). @default none */
  readonly log?: (line: string) => void;
}

export interface RunningStore {
  readonly endpoint: string;
  /** Tables created at this start (existing ones on disk are kept as they are). */
  readonly created: readonly string[];
  /** DynamoDB requests served since start, by operation (GetItem, Query, ...), for benchmarks. */
  requestCounts(): Readonly<Record<string, number>>;
  /** Deletes every item past its table's TTL now, as the sweeper does every interval; resolves with how many. */
  expireNow(): Promise<number>;
  stop(): Promise<void>;
}

/** The tables whose TTL the sweeper applies, with the key attributes its deletes need. */
export function ttlTables(tables: readonly TableSpec[]): TtlTable[] {
  return tables.flatMap((t) =>
    t.ttlAttribute === undefined
      ? []
      : [
          {
            tableName: t.tableName,
            ttlAttribute: t.ttlAttribute,
            keyAttributes: (t.keySchema as Array<{ AttributeName: string }>).map((k) => k.AttributeName),
          },
        ],
  );
}

/** Marks the TTL sweeper's requests, which are the emulator's own work, not the handlers'. */
const SWEEPER_USER_AGENT = 'switchboard-local-ttl';

/** The CreateTable input for a template table. Provisioned throughput is irrelevant locally. */
export function createTableInput(table: TableSpec): CreateTableCommandInput {
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const index = (raw: unknown, withThroughput: boolean) => {
    const i = raw as Record<string, unknown>;
    return {
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection ?? { ProjectionType: 'ALL' },
      ...(withThroughput ? { ProvisionedThroughput: throughput } : {}),
    };
  };
  const input: Record<string, unknown> = {
    TableName: table.tableName,
    KeySchema: table.keySchema,
    AttributeDefinitions: table.attributeDefinitions,
    ProvisionedThroughput: throughput,
  };
  if (table.globalSecondaryIndexes.length > 0) input.GlobalSecondaryIndexes = table.globalSecondaryIndexes.map((i) => index(i, true));
  if (table.localSecondaryIndexes.length > 0) input.LocalSecondaryIndexes = table.localSecondaryIndexes.map((i) => index(i, false));
  return input as unknown as CreateTableCommandInput;
}

/** Starts dynalite and creates the tables that do not exist yet. */
export async function startStore(tables: readonly TableSpec[], options: StoreOptions): Promise<RunningStore> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const counts: Record<string, number> = {};
  server.on('request', (req: { headers: Record<string, string | string[] | undefined> }) => {
    if (String(req.headers['user-agent'] ?? '').includes(SWEEPER_USER_AGENT)) return;
    // X-Amz-Target is "DynamoDB_20120810.<Operation>".
    const operation = String(req.headers['x-amz-target'] ?? 'unknown')
      .split('.')
      .pop()!;
    counts[operation] = (counts[operation] ?? 0) + 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${options.host}:${port}`;
  const clientFor = (customUserAgent?: string) =>
    new DynamoDBClient({ endpoint, region: options.region, credentials: LOCAL_CREDENTIALS, customUserAgent });
  const client = clientFor();
  const created: string[] = [];
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const table of tables) {
      if (existing.has(table.tableName)) continue;
      await client.send(new CreateTableCommand(createTableInput(table)));
      created.push(table.tableName);
    }
    // dynalite marks a new table ACTIVE on a timer, after CreateTable has answered; until
    // then writes fail with ResourceNotFoundException. Wait, as a DynamoDB client would.
    for (const name of created) await waitUntilActive(client, name);
  } catch (err: unknown) {
    await closeServer(server);
    throw err;
  } finally {
    client.destroy();
  }
  // Its own client, marked so that its Scans and deletes stay out of the handlers' request counts.
  const sweeperClient = clientFor(SWEEPER_USER_AGENT);
  const sweeper = new TtlSweeper({
    client: sweeperClient,
    tables: ttlTables(tables),
    clock: options.clock ?? systemClock,
    intervalMs: options.ttlSweepIntervalMs,
    log: options.log ?? (() => undefined),
  });
  // Tables kept in --data-dir may hold items that expired while the emulator was not running.
  await sweeper.start();
  return {
    endpoint,
    created,
    requestCounts: () => ({ ...counts }),
    expireNow: () => sweeper.sweep(),
    async stop() {
      await sweeper.stop();
      sweeperClient.destroy();
      await closeServer(server);
    },
  };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`Local table ${tableName} did not become ACTIVE within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets from function SDK clients would hold close() open.
    server.closeAllConnections();
  });
}
