import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { withRetry, type RetryOptions } from './retry';

/** DynamoDB allows 25 requests per BatchWriteItem. */
export const BATCH_WRITE_LIMIT = 25;

/** One request of a BatchWriteItem, as the document client takes it. */
export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * One BatchWriteItem of at most {@link BATCH_WRITE_LIMIT} requests, re-sending UnprocessedItems with
 * backoff (as DynamoDB asks) until none remain or the attempts run out.
 */
export async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  retry: RetryOptions,
): Promise<void> {
  if (requests.length > BATCH_WRITE_LIMIT) {
    throw new Error(`A BatchWriteItem takes at most ${BATCH_WRITE_LIMIT} requests; got ${requests.length}. Split them first.`);
  }
  let pending: Record<string, unknown>[] = [...requests];
  await withRetry(
    async () => {
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      const unprocessed = result.UnprocessedItems?.[tableName] ?? [];
      if (unprocessed.length > 0) {
        pending = unprocessed;
        throw new UnprocessedItemsError(unprocessed.length);
      }
    },
    { ...retry, isRetryable: (err) => err instanceof UnprocessedItemsError || retry.isRetryable(err) },
  );
}

export class UnprocessedItemsError extends Error {
  constructor(readonly count: number) {
    super(`DynamoDB left ${count} item(s) unprocessed after repeated BatchWriteItem attempts.`);
    this.name = 'UnprocessedItemsError';
  }
}
