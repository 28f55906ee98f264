import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { METRIC } from '../../contract/metrics';
import { parseFanoutJob } from '../core/fanout-queue';
import { broadcastCounter, measureMs, withTelemetry, type LambdaHandler } from '../core/telemetry';
import { roomFanout, type RoomDeps } from './room-deps';

export interface FanoutWorkerDeps extends RoomDeps {
  /** The time, ms since the epoch: FanoutLatency counts from a job's `ts` to now. */
  readonly now: () => number;
}

/**
 * The fan-out worker: not a route. Lambda's event source mapping hands it jobs from the fan-out
 * queue (lambda/core/fanout-queue.ts), one shard of one room frame each; it posts the frame to the
 * shard's members, paced by its share of `fanoutPostsPerSecond`, and prunes the gone ones as any
 * fan-out does.
 *
 * A job that did not reach every member (a post failed after its retries, time ran out, the table
 * failed) is reported in `batchItemFailures`, so SQS hands it out again after its visibility
 * timeout, and after the third receive moves it to the dead-letter queue, whose message names its
 * room, shard and seq: nothing is dropped silently. A retry posts the whole shard again, so members
 * reached the first time get the frame twice; the typed client drops a `seq` it has, and
 * docs/protocol.md tells raw clients. Jobs of one message group come in order, so once one fails,
 * the later ones of its group in the batch are reported too, and none overtakes it.
 */
export function makeHandler(deps: FanoutWorkerDeps): LambdaHandler<SQSEvent, SQSBatchResponse> {
  const { fanoutConcurrency, now, telemetry } = deps;
  const { logger, metrics } = telemetry;
  const { fanout } = roomFanout(deps, broadcastCounter(metrics));
  const work = async (event: SQSEvent, context: { getRemainingTimeInMillis(): number }): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    const failedGroups = new Set<string>();
    const retries: string[] = [];
    for (const record of event.Records) {
      const group = record.attributes.MessageGroupId ?? '';
      const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
      const fail = (reason: string, detail: Record<string, unknown>) => {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        failedGroups.add(group);
        logger.error(reason, { messageId: record.messageId, receiveCount: receives, ...detail });
        retries.push(record.receiptHandle);
      };
      if (failedGroups.has(group)) {
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      let job;
      try {
        job = parseFanoutJob(record.body);
      } catch (err: unknown) {
        // Retried, it would fail the same way: it reaches the dead-letter queue, where someone reads why.
        fail('Fan-out job unreadable', { error: err });
        continue;
      }
      const where = { room: job.room, shard: job.shard, shards: job.shards, ...(job.seq === undefined ? {} : { seq: job.seq }) };
      try {
        const result = await fanout.deliverShard(job, {
          concurrency: fanoutConcurrency,
          remainingMs: () => context.getRemainingTimeInMillis(),
        });
        measureMs(metrics, METRIC.fanoutLatency, Math.max(0, now() - job.ts));
        if (result.failed > 0) fail('Fan-out shard not delivered to every member; SQS will hand it out again', { ...where, ...result });
      } catch (err: unknown) {
        fail('Fan-out shard failed; SQS will hand it out again', { ...where, error: err });
      }
    }
    // The failed jobs come back in seconds, not after the queue's visibility timeout.
    const queue = deps.routing?.queue;
    if (queue) {
      await Promise.all(
        retries.map((handle) =>
          queue
            .retrySoon(handle, receivesOf(event, handle))
            .catch((err: unknown) =>
              logger.warn('Could not hand a failed fan-out job out sooner; its visibility timeout will', { error: err as Error }),
            ),
        ),
      );
    }
    return { batchItemFailures };
  };
  return withTelemetry(work, telemetry, { logKeys: () => ({}), failure: 'Fan-out worker failed' });
}

function receivesOf(event: SQSEvent, receiptHandle: string): number {
  const record = event.Records.find((r) => r.receiptHandle === receiptHandle);
  return Number(record?.attributes.ApproximateReceiveCount ?? '1');
}
