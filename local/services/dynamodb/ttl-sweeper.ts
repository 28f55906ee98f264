/**
 * DynamoDB Time to Live for the local store: dynalite keeps expired items forever, so the
 * emulator deletes them itself, once at start and then every minute. DynamoDB's rule: an item
 * expires once its TTL attribute, a Number of epoch seconds, is less than the current time;
 * items without it, or with another type, never expire. (DynamoDB deletes within days; here it
 * is within the interval, which only makes stale rows show up sooner.)
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../../protocol/clock';

/** A table with TTL turned on. */
export interface TtlTable {
  readonly tableName: string;
  readonly ttlAttribute: string;
  /** The key attribute names (partition, then sort), which the deletes need. */
  readonly keyAttributes: readonly string[];
}

export interface TtlSweeperOptions {
  readonly client: DynamoDBClient;
  readonly tables: readonly TtlTable[];
  /** Gives the time items are compared with, and schedules the sweeps. */
  readonly clock: Clock;
  /** @default 60_000 (a minute) */
  readonly intervalMs?: number;
  /** Told how many items each sweep expired, when it expired any. */
  readonly log: (line: string) => void;
}

/** Sweeps every minute, as the README says. */
export const TTL_SWEEP_INTERVAL_MS = 60_000;
/** DynamoDB allows 25 requests per BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;
/** Rounds of re-sending UnprocessedItems before a sweep gives up on them (the next sweep retries). */
const UNPROCESSED_ROUNDS = 5;

export class TtlSweeper {
  private timer?: unknown;
  private running?: Promise<number>;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly options: TtlSweeperOptions) {
    this.intervalMs = options.intervalMs ?? TTL_SWEEP_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new Error(`The TTL sweep interval must be a positive number of ms; got ${this.intervalMs}.`);
  }

  /** Sweeps once now, then every interval until `stop()`. A failed sweep is logged and tried again next interval. */
  async start(): Promise<void> {
    await this.sweepOrLog();
    this.schedule();
  }

  /** Deletes every expired item now; resolves with how many. A sweep already running is joined, not doubled. */
  sweep(): Promise<number> {
    this.running ??= this.sweepTables().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Cancels the next sweep and waits for one in flight, so the store can close under it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => void this.sweepOrLog().then(() => this.schedule()), this.intervalMs);
  }

  private async sweepOrLog(): Promise<void> {
    try {
      await this.sweep();
    } catch (err: unknown) {
      this.options.log(`TTL sweep failed, retrying in ${this.intervalMs / 1000} s: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async sweepTables(): Promise<number> {
    const nowSeconds = Math.floor(this.options.clock.now() / 1000);
    let total = 0;
    for (const table of this.options.tables) {
      const expired = await this.sweepTable(table, nowSeconds);
      if (expired > 0)
        this.options.log(`TTL: expired ${expired} item(s) from ${table.tableName} (${table.ttlAttribute} before ${nowSeconds})`);
      total += expired;
    }
    return total;
  }

  /** A paginated Scan for expired keys (a local-only sweeper may Scan), each page deleted in batches. */
  private async sweepTable(table: TtlTable, nowSeconds: number): Promise<number> {
    const names: Record<string, string> = { '#ttl': table.ttlAttribute };
    table.keyAttributes.forEach((name, i) => (names[`#k${i}`] = name));
    let expired = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      if (this.stopped) break;
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: table.tableName,
          FilterExpression: 'attribute_type(#ttl, :number) AND #ttl < :now',
          ProjectionExpression: table.keyAttributes.map((_, i) => `#k${i}`).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':number': { S: 'N' }, ':now': { N: String(nowSeconds) } },
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = page.Items ?? [];
      for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
        await this.deleteBatch(table.tableName, keys.slice(i, i + BATCH_WRITE_LIMIT));
      }
      expired += keys.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return expired;
  }

  private async deleteBatch(tableName: string, keys: Array<Record<string, AttributeValue>>): Promise<void> {
    let pending: WriteRequest[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) throw new Error(`${pending.length} expired item(s) of ${tableName} were left unprocessed`);
      const result = await this.options.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = result.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
