import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isExpired, keys, MESSAGE_DEDUP_TTL_SECONDS, TABLE } from '../../contract/table-design';
import { isConditionalCheckFailure } from './connection-store';
import type { DedupKey, DedupRecord } from './dedup-record';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';

export type MessageDedupOptions = TableAccessOptions;

/**
 * The `DEDUP#<room>` rows (contract/table-design.ts): per room, user and `id`, the message first
 * sent with that id, for LIMITS.messageDedupSeconds. See docs/realtime-design.md, "Exactly-once
 * sends", for why the row is claimed after the `seq` is taken and before the history write.
 */
export class MessageDedup {
  private readonly retry: RetryOptions;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: MessageDedupOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
  }

  /** The live record of `key`, or undefined: none, or one past its TTL that DynamoDB has not deleted yet. */
  async find(key: DedupKey): Promise<DedupRecord | undefined> {
    const result = await this.send(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.messageDedup(key.room, key.sender, key.id),
          ConsistentRead: true,
        }),
      ),
    );
    const item = result.Item;
    if (!item || isExpired(item[TABLE.ttlAttribute], this.nowSeconds())) return undefined;
    if (typeof item.seq !== 'number' || typeof item.ts !== 'number' || typeof item.dataHash !== 'string') {
      throw new Error(
        `Dedup item ${String(item.pk)}/${String(item.sk)} lacks seq, ts or dataHash; it was not written by MessageDedup.claim.`,
      );
    }
    return { seq: item.seq, ts: item.ts, dataHash: item.dataHash };
  }

  /**
   * Records `record` as the message of `key`, unless a live record is there already: one
   * conditional PutItem. True when this call wrote it, false when another send of the same id
   * had (the caller then reads that one with {@link find}).
   */
  async claim(key: DedupKey, record: DedupRecord): Promise<boolean> {
    const nowSeconds = this.nowSeconds();
    const command = new PutCommand({
      TableName: this.tableName,
      Item: {
        ...keys.messageDedup(key.room, key.sender, key.id),
        ...record,
        [TABLE.ttlAttribute]: nowSeconds + MESSAGE_DEDUP_TTL_SECONDS,
      },
      // A row past its TTL is as good as gone (TTL deletes lazily): the same `isExpired` rule as find.
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
      ExpressionAttributeNames: { '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': nowSeconds },
    });
    try {
      await this.send(() => this.db.send(command));
      return true;
    } catch (err: unknown) {
      if (isConditionalCheckFailure(err)) return false;
      throw err;
    }
  }

  private send<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
