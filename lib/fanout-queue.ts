import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FanoutQueueProps {
  /** The fan-out worker's timeout: a job stays hidden six times that long once received, as Lambda advises for SQS. */
  readonly workerTimeout: Duration;
}

/** SQS moves a job to the dead-letter queue once it has been received this many times without being deleted. */
export const FANOUT_MAX_RECEIVES = 3;

/**
 * The fan-out queue: one job per shard of each room frame sent to a room beyond the inline limit
 * (lambda/core/fanout-queue.ts). FIFO, so each shard's jobs are handed out one at a time in the
 * order they were sent (message group = room and shard), and every member gets a room's messages
 * in `seq` order; high-throughput FIFO (deduplication and throughput per message group), so a big
 * room's many groups are not held to one queue's 300 messages/s. A job received three times
 * without being done goes to the dead-letter queue, which keeps it 14 days.
 */
export class FanoutQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FanoutQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    this.queue = new sqs.Queue(this, 'Jobs', {
      fifo: true,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      // A job older than this is of a message members have long given up on (and history holds it).
      retentionPeriod: Duration.hours(1),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: FANOUT_MAX_RECEIVES },
    });
  }
}
