import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../contract/table-design';
import type { RateLimit } from '../../protocol/token-bucket';
import { updateIf } from './dynamo-errors';
import { tableRetry, withRetry, type RetryOptions, type TableAccessOptions } from './retry';

/** What a claim on the shared bucket got: tokens, or how long until there is one. */
export interface Claim {
  readonly granted: number;
  readonly retryAfterMs: number;
}

/** Compare-and-set attempts before a claim that keeps losing the race waits a little. */
const CLAIM_ATTEMPTS = 5;

/**
 * The fan-out workers' one token bucket, `fanoutPostsPerSecond` with a tenth of a second's burst,
 * on one table item (`GOVERNOR` / `POSTS`). Workers claim tokens in chunks with a compare-and-set,
 * so at 5,000 posts a second in chunks of 50 the item takes 100 writes a second, far below an
 * item's 1,000: the rate holds across every worker, however many run, without a call per post.
 */
export class SharedPostBucket {
  private readonly retry: RetryOptions;
  private readonly now: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly limit: RateLimit,
    options: TableAccessOptions = {},
  ) {
    this.retry = tableRetry(options.retry);
    this.now = options.now ?? Date.now;
  }

  /**
   * Takes `wanted` tokens, or none and how long until the bucket has them: a drained bucket is
   * claimed a whole chunk at a time, never a token per claim, so the item's writes stay at the
   * rate over the chunk however hard the workers press.
   */
  async claim(wanted: number): Promise<Claim> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const read = await withRetry(
        () => this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.postGovernor(), ConsistentRead: true })),
        this.retry,
      );
      const before =
        typeof read.Item?.tokens === 'number' && typeof read.Item.at === 'number'
          ? { tokens: read.Item.tokens, at: read.Item.at }
          : undefined;
      const now = this.now();
      const at = before === undefined ? now : Math.max(before.at, now);
      const tokens =
        before === undefined
          ? this.limit.burst
          : Math.min(this.limit.burst, before.tokens + ((at - before.at) * this.limit.perSecond) / 1000);
      const granted = Math.min(wanted, this.limit.burst);
      if (tokens < granted) return { granted: 0, retryAfterMs: Math.max(1, Math.ceil(((granted - tokens) * 1000) / this.limit.perSecond)) };
      if (await this.save(before, { tokens: tokens - granted, at })) return { granted, retryAfterMs: 0 };
    }
    return { granted: 0, retryAfterMs: Math.max(1, Math.ceil(1000 / this.limit.perSecond)) };
  }

  private async save(before: { tokens: number; at: number } | undefined, next: { tokens: number; at: number }): Promise<boolean> {
    return updateIf(
      this.db,
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.postGovernor(),
        UpdateExpression: 'SET tokens = :tokens, #at = :at',
        ConditionExpression: before === undefined ? 'attribute_not_exists(pk)' : 'tokens = :beforeTokens AND #at = :beforeAt',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: {
          ':tokens': next.tokens,
          ':at': next.at,
          ...(before === undefined ? {} : { ':beforeTokens': before.tokens, ':beforeAt': before.at }),
        },
      }),
      this.retry,
    );
  }
}

/**
 * Paces one fan-out worker's posts by the shared bucket: it spends tokens it claimed in chunks, and
 * claims the next chunk (one claim at a time, however many posts wait) when they run out. A 429
 * from API Gateway is still possible (other APIs share the quota) and is retried with backoff by
 * the Notifier. Tokens a worker claimed and did not spend before its job ended are spent by its
 * next job, or lost with its environment: the rate errs low, never high.
 */
export class PostGovernor {
  private tokens = 0;
  private claiming: Promise<void> | undefined;

  constructor(
    private readonly bucket: Pick<SharedPostBucket, 'claim'>,
    private readonly chunk: number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** Resolves when one more post may go out. */
  async take(): Promise<void> {
    for (;;) {
      if (this.tokens >= 1) {
        this.tokens--;
        return;
      }
      this.claiming ??= this.refill().finally(() => (this.claiming = undefined));
      await this.claiming;
    }
  }

  private async refill(): Promise<void> {
    const claim = await this.bucket.claim(this.chunk);
    this.tokens += claim.granted;
    if (claim.granted === 0) await this.sleep(claim.retryAfterMs);
  }
}

/** The shared bucket of `postsPerSecond`, with a tenth of a second's burst, and the chunk a worker claims at once. */
export function governorLimit(postsPerSecond: number): { limit: RateLimit; chunk: number } {
  const burst = Math.max(1, Math.floor(postsPerSecond / 10));
  return { limit: { perSecond: postsPerSecond, burst }, chunk: Math.max(1, Math.min(50, Math.floor(burst / 2))) };
}
