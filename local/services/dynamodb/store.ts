/**
 * The DynamoDB-compatible store: dynalite in this process, in memory or on LevelDB under a
 * data dir, with the template's tables created at start and their TTL applied by a sweeper.
 * Callers reach it through its front (front.ts: the guard, IAM, DescribeTimeToLive), on the
 * endpoint's port; dynalite itself listens on a Unix socket (a named pipe on Windows) only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
import type { IamAuthority } from '../../iam/authority';
import { DynamoDbFront } from './front';
import { TtlSweeper, type TtlTable } from './ttl-sweeper';

export interface StoreOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** LevelDB folder; in memory when undefined. */
  readonly dataDir?: string;
  readonly region: string;
  /** The account the tables' ARNs name, which IAM authorizes requests on. */
  readonly accountId: string;
  /** Who signed a request, and whether they may do what it asks. */
  readonly iam: IamAuthority;
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

/** Where dynalite listens: a socket no browser reaches, in a folder of its own (removed at stop). */
function backendAddress(): { path: string; remove: () => void } {
  if (process.platform === 'win32') return { path: `\\\\.\\pipe\\switchboard-dynalite-${randomUUID()}`, remove: () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-dynamodb-'));
  return { path: path.join(dir, 'dynalite.sock'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Listens on a socket path, or on a port of a host. */
function listen(server: Server, where: { path: string } | { port: number; host: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts dynalite and its front, and creates the tables that do not exist yet. */
export async function startStore(tables: readonly TableSpec[], options: StoreOptions): Promise<RunningStore> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const backend = backendAddress();
  const server = dynalite({ path: options.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const front = new DynamoDbFront({
    backend: backend.path,
    tables,
    region: options.region,
    accountId: options.accountId,
    iam: options.iam,
    uncountedUserAgent: SWEEPER_USER_AGENT,
  });
  const frontServer = createServer((req, res) => front.handleRequest(req, res));
  const closeAll = async () => {
    await closeServer(frontServer);
    front.close();
    await closeServer(server);
    backend.remove();
  };
  try {
    await listen(server, { path: backend.path });
    await listen(frontServer, { port: options.port, host: options.host });
  } catch (err: unknown) {
    await closeAll().catch(() => undefined);
    throw err;
  }
  const { port } = frontServer.address() as AddressInfo;
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
    await closeAll();
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
    requestCounts: () => front.requestCounts(),
    expireNow: () => sweeper.sweep(),
    async stop() {
      await sweeper.stop();
      sweeperClient.destroy();
      await closeAll();
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
    if (!server.listening) return resolve();
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets from function SDK clients would hold close() open.
    server.closeAllConnections();
  });
}
