import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { batchWrite, type WriteRequest } from './batch-write';
import type { HistorySettings } from '../../contract/history';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';
import {
  historySortKey,
  isExpired,
  keys,
  MAX_CONNECTION_SECONDS,
  MAX_HISTORY_SEQ,
  TABLE,
  TTL_MARGIN_SECONDS,
} from '../../contract/table-design';
import type { RoomMessage } from '../../protocol';

export type RoomHistoryOptions = TableAccessOptions;

/** The newest messages, oldest first, that {@link RoomHistory.before} found within its byte budget. */
export interface HistoryPage {
  messages: RoomMessage[];
  /** Whether older messages within the limit were left out because they would not fit `maxBytes`. */
  trimmed: boolean;
}

/**
 * A counter that outlives every connection that saw its value: API Gateway closes a connection
 * after 2 hours, so a client connected when the room restarts at 1 cannot exist, and a client that
 * resumes after the restart learns it from `joined.seq`.
 */
const MIN_COUNTER_SECONDS = MAX_CONNECTION_SECONDS + TTL_MARGIN_SECONDS;

/**
 * Each room's sequence numbers and its last messages, in the single table (see contract/table-design.ts):
 * a counter item and one item per retained message, all in the room's `HIST#` partition, so a
 * replay or a history page is one Query. Reads are strongly consistent: a client that joined and
 * then reads must see every message whose fan-out did not include it.
 */
export class RoomHistory {
  private readonly retry: RetryOptions;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly settings: HistorySettings,
    options: RoomHistoryOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
  }

  /**
   * The room's next `seq`: one atomic `UpdateItem ADD`, so concurrent senders get distinct,
   * consecutive numbers from 1. A retry after an ambiguous failure (a timeout whose update did
   * land) skips a number; readers treat such a gap like any message they cannot get back.
   */
  async nextSeq(room: string): Promise<number> {
    const command = new UpdateCommand({
      TableName: this.tableName,
      Key: keys.historyCounter(room),
      UpdateExpression: 'ADD #seq :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#seq': 'seq', '#ttl': TABLE.ttlAttribute },
      ExpressionAttributeValues: {
        ':one': 1,
        ':ttl': this.nowSeconds() + Math.max(this.settings.retentionSeconds, MIN_COUNTER_SECONDS),
      },
      ReturnValues: 'UPDATED_NEW',
    });
    const result = await this.send(() => this.db.send(command));
    const seq = Number(result.Attributes?.seq);
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_HISTORY_SEQ) {
      throw new Error(`Room "${room}" got seq ${String(result.Attributes?.seq)}; expected an integer from 1 to ${MAX_HISTORY_SEQ}.`);
    }
    return seq;
  }

  /**
   * The room's last assigned `seq`, 0 for none. A counter past its TTL but not yet deleted still
   * counts: the next `nextSeq` continues from it.
   */
  async latestSeq(room: string): Promise<number> {
    const result = await this.send(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.historyCounter(room),
          ProjectionExpression: '#seq',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ConsistentRead: true,
        }),
      ),
    );
    const seq: unknown = result.Item?.seq;
    return typeof seq === 'number' ? seq : 0;
  }

  /**
   * Keeps `message` (which has its `seq`) and drops the one `limit` places before it, in one
   * BatchWriteItem, so a room holds at most `limit` messages; TTL removes them after the retention.
   * With a limit of 0 nothing is written.
   */
  async append(message: RoomMessage): Promise<void> {
    const { limit, retentionSeconds } = this.settings;
    if (limit === 0) return;
    const requests: WriteRequest[] = [
      {
        PutRequest: {
          Item: {
            ...keys.historyMessage(message.room, message.seq),
            seq: message.seq,
            // The exact text members received, so a replay posts the same bytes.
            frame: JSON.stringify(message),
            [TABLE.ttlAttribute]: Math.floor(message.ts / 1000) + retentionSeconds,
          },
        },
      },
    ];
    if (message.seq > limit) requests.push({ DeleteRequest: { Key: keys.historyMessage(message.room, message.seq - limit) } });
    await batchWrite(this.db, this.tableName, requests, this.retry);
  }

  /** The retained messages with `afterSeq < seq <= upToSeq`, oldest first, following the Query's pages. */
  async since(room: string, afterSeq: number, upToSeq: number = MAX_HISTORY_SEQ): Promise<RoomMessage[]> {
    const from = afterSeq + 1;
    const to = Math.min(upToSeq, MAX_HISTORY_SEQ);
    if (this.settings.limit === 0 || from > to) return [];
    const messages: RoomMessage[] = [];
    for await (const item of this.items(room, from, to, true)) {
      if (!isExpired(item[TABLE.ttlAttribute], this.nowSeconds())) messages.push(parseStored(item));
    }
    return messages;
  }

  /**
   * The newest `limit` retained messages with `seq < beforeSeq` (any seq when absent), oldest first.
   * Read newest first, so when their serialized frames together would pass `maxBytes` the oldest
   * are the ones left out (and the Query stops reading there).
   */
  async before(room: string, beforeSeq: number | undefined, limit: number, maxBytes = Infinity): Promise<HistoryPage> {
    const to = beforeSeq === undefined ? MAX_HISTORY_SEQ : Math.min(beforeSeq - 1, MAX_HISTORY_SEQ);
    const newestFirst: RoomMessage[] = [];
    let trimmed = false;
    if (this.settings.limit === 0 || limit < 1 || to < 1) return { messages: [], trimmed };
    let bytes = 0;
    for await (const item of this.items(room, 1, to, false, limit)) {
      // Older messages expired before this one (TTL follows seq), so none of them would be served either.
      if (isExpired(item[TABLE.ttlAttribute], this.nowSeconds())) break;
      const size = Buffer.byteLength(String(item.frame));
      if (bytes + size > maxBytes) {
        trimmed = true;
        break;
      }
      bytes += size;
      newestFirst.push(parseStored(item));
      if (newestFirst.length === limit) break;
    }
    return { messages: newestFirst.reverse(), trimmed };
  }

  /** The message items with `from <= seq <= to`, in seq order or reversed, one Query page after another. */
  private async *items(
    room: string,
    from: number,
    to: number,
    oldestFirst: boolean,
    pageSize?: number,
  ): AsyncGenerator<Record<string, unknown>> {
    let startKey: QueryCommandInput['ExclusiveStartKey'];
    do {
      const query = new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.historyPartition(room), ':from': historySortKey(from), ':to': historySortKey(to) },
        ScanIndexForward: oldestFirst,
        ConsistentRead: true,
        Limit: pageSize,
        ExclusiveStartKey: startKey,
      });
      const page = await this.send(() => this.db.send(query));
      for (const item of page.Items ?? []) yield item;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private send<T>(operation: () => Promise<T>): Promise<T> {
    return withRetry(operation, this.retry);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

function parseStored(item: Record<string, unknown>): RoomMessage {
  if (typeof item.frame !== 'string') {
    throw new Error(`History item ${String(item.pk)}/${String(item.sk)} has no "frame" string; it was not written by RoomHistory.append.`);
  }
  return JSON.parse(item.frame) as RoomMessage;
}
