import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { withRetry, type RetryOptions } from './retry';

/** Whether a DynamoDB call failed only because its condition did not hold. */
export function isConditionalCheckFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** Sends a conditional UpdateItem with retries: true when it was applied, false when its condition did not hold. */
export async function updateIf(db: DynamoDBDocumentClient, command: UpdateCommand, retry: RetryOptions): Promise<boolean> {
  try {
    await withRetry(() => db.send(command), retry);
    return true;
  } catch (err: unknown) {
    if (isConditionalCheckFailure(err)) return false;
    throw err;
  }
}
