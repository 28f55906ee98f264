import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { fullJitterDelay } from '../../protocol/backoff';
import { forEachWithConcurrency } from './concurrency';
import { isTransientAwsError, withRetry, type RetryOptions } from './retry';

/**
 * One shard of one room frame to fan out: the body of one message on the fan-out queue (an SQS FIFO
 * queue). The fan-out worker (lambda/handlers/fanout.ts) reads shard `shard` of the room's layout of
 * `shards` and posts `frame` to each member but `exclude`.
 */
export interface FanoutJob {
  readonly room: string;
  readonly shard: number;
  readonly shards: number;
  /** The frame members get, serialized once by the sender. */
  readonly frame: string;
  /** The member not to post to: the sender, who got an ack. */
  readonly exclude?: string;
  /** The room message's `seq`, when the frame is one: it names the job for SQS's deduplication, and the DLQ's reader. */
  readonly seq?: number;
  /** When the frame was accepted, ms since the epoch: FanoutLatency counts from it. */
  readonly ts: number;
}

/** SendMessageBatch's limit: 10 entries a call. */
export const SEND_BATCH_LIMIT = 10;
/** The longest a failed job waits before it is handed out again, in seconds. */
export const RETRY_CAP_SECONDS = 20;
/** SendMessageBatch calls in flight at once. */
const SEND_CONCURRENCY = 8;

/**
 * The message group of a room's shard: SQS FIFO hands out a group's messages one at a time, in
 * order, so every member gets the room's frames in the order they were sent. Room names have no `#`.
 */
export function fanoutGroupId(room: string, shard: number): string {
  return `${room}#${shard}`;
}

/**
 * Sends fan-out jobs to the queue, 10 per SendMessageBatch, entries that failed sent again with
 * backoff. A job of a room message is deduplicated by SQS on its room, seq and shard (within a
 * group, for 5 minutes), so a send retried after a lost answer is not fanned out twice.
 */
export class FanoutQueue {
  private readonly retry: RetryOptions;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    options: { retry?: Partial<RetryOptions> } = {},
  ) {
    this.retry = { maxAttempts: 5, baseDelayMs: 25, maxDelayMs: 1000, isRetryable: isTransientAwsError, ...options.retry };
  }

  /**
   * Hands a failed job out again soon rather than after the queue's whole visibility timeout (six
   * times the worker's): in 1 to 2^receives seconds with full jitter, at most RETRY_CAP_SECONDS, so
   * a burst of 429s is not retried in step. Best effort: if this fails, the timeout still brings it back.
   */
  async retrySoon(receiptHandle: string, receives: number, random: () => number = Math.random): Promise<void> {
    const seconds = 1 + Math.floor(fullJitterDelay(receives, 1000, RETRY_CAP_SECONDS * 1000, random) / 1000);
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }),
    );
  }

  async enqueue(jobs: readonly FanoutJob[], remainingMs?: () => number): Promise<void> {
    const batches: SendMessageBatchRequestEntry[][] = [];
    const entries = jobs.map((job, index) => entryOf(job, index));
    for (let i = 0; i < entries.length; i += SEND_BATCH_LIMIT) batches.push(entries.slice(i, i + SEND_BATCH_LIMIT));
    await forEachWithConcurrency(batches, SEND_CONCURRENCY, (batch) => this.sendBatch(batch, remainingMs));
  }

  /** One batch, its failed entries sent again until none fail or the attempts run out; then it throws, naming why. */
  private async sendBatch(batch: SendMessageBatchRequestEntry[], remainingMs?: () => number): Promise<void> {
    let pending = batch;
    await withRetry(
      async () => {
        const result = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = result.Failed ?? [];
        if (failed.length === 0) return;
        const ids = new Set(failed.map((entry) => entry.Id));
        pending = pending.filter((entry) => ids.has(entry.Id));
        const first = failed[0];
        // A sender's fault (a bad entry) is not retried; SQS's own is.
        throw Object.assign(new Error(`The fan-out queue refused ${failed.length} job(s): ${first.Code} ${first.Message ?? ''}`.trim()), {
          name: first.SenderFault ? 'FanoutJobRefused' : 'InternalServerError',
        });
      },
      { ...this.retry, remainingMs },
    );
  }
}

function entryOf(job: FanoutJob, index: number): SendMessageBatchRequestEntry {
  return {
    Id: String(index),
    MessageBody: JSON.stringify(job),
    MessageGroupId: fanoutGroupId(job.room, job.shard),
    // Unique within the group: a room message by its seq; a presence event or signal has no seq, so a fresh id.
    MessageDeduplicationId: job.seq === undefined ? randomUUID() : `seq-${job.seq}`,
  };
}

/** Reads a job back from a queue message's body, or throws naming what is wrong with it. */
export function parseFanoutJob(body: string): FanoutJob {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error('A fan-out job is not JSON.');
  }
  const job = value as Partial<FanoutJob>;
  const shardsOk = Number.isInteger(job.shards) && job.shards! >= 1;
  if (
    typeof job.room !== 'string' ||
    !shardsOk ||
    !Number.isInteger(job.shard) ||
    job.shard! < 0 ||
    job.shard! >= job.shards! ||
    typeof job.frame !== 'string' ||
    typeof job.ts !== 'number' ||
    (job.exclude !== undefined && typeof job.exclude !== 'string') ||
    (job.seq !== undefined && !Number.isInteger(job.seq))
  ) {
    throw new Error('A fan-out job lacks room, shard (below shards), frame or ts.');
  }
  return job as FanoutJob;
}
