/**
 * Lambda's poller for one SQS event source mapping, as Lambda runs it
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): it receives up to BatchSize
 * messages (waiting up to MaximumBatchingWindowInSeconds to fill a batch), invokes the function
 * with them as an SQS event, and deletes the batch when the function succeeds. When it fails, the
 * messages are left to their visibility timeout, to be received again (or moved to the dead-letter
 * queue). With ReportBatchItemFailures, the function names the records that failed and the rest
 * are deleted. At most MaximumConcurrency batches run at once. FIFO order comes from the queue,
 * which hands out no message of a group while another of it is in flight.
 */
import type { Clock } from '../../../protocol/clock';
import type { EventSourceMappingSpec } from '../../assembly/app-spec';
import type { InvokeResult } from '../../runtime/runtime';
import type { MessageAttributes } from '../sqs/message';
import type { Queue, StoredMessage } from '../sqs/queue';
import { systemAttributesOf } from '../sqs/received';
import { SqsError } from '../sqs/errors';
import { SQS_LIMITS } from '../sqs/limits';
import { INVOKE_LIMITS } from './invoke-api';

/**
 * Batches at once when the mapping sets no MaximumConcurrency. Lambda starts with five pollers
 * and scales on to 1,250 concurrent invocations; here it stays at five, as every invocation beyond
 * the function's execution environments would wait in the emulator while its messages' visibility
 * timeouts run.
 */
export const DEFAULT_POLLER_CONCURRENCY = 5;

/** One record of Lambda's SQS event. */
export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, unknown>>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: 'aws:sqs';
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsPollerOptions {
  readonly mapping: EventSourceMappingSpec;
  readonly queue: Queue;
  /** The function's name, for log lines. */
  readonly functionName: string;
  readonly region: string;
  readonly clock: Clock;
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
  readonly log: (line: string) => void;
}

/** A batch being filled. */
interface Batch {
  readonly records: SqsEventRecord[];
  /** The JSON size of its records, against Lambda's 6 MB synchronous payload. */
  bytes: number;
  /** When its first record was received: the batching window counts from then. */
  startedAt: number;
}

export class SqsPoller {
  private running = 0;
  private collecting?: Batch;
  private windowTimer?: unknown;
  private unsubscribe?: () => void;
  private state: 'stopped' | 'polling' = 'stopped';
  private pumping = false;
  private idleWaiters: Array<() => void> = [];
  private readonly limit: number;

  constructor(private readonly options: SqsPollerOptions) {
    this.limit = options.mapping.maximumConcurrency ?? DEFAULT_POLLER_CONCURRENCY;
  }

  /** Starts polling: at once for the messages already there, and whenever the queue has more. */
  start(): void {
    if (this.state === 'polling') return;
    this.state = 'polling';
    this.unsubscribe = this.options.queue.subscribe(() => this.pump());
    this.pump();
  }

  /** Whether it has nothing to do now: no batch running or being filled, and nothing in its queue to receive. */
  get idle(): boolean {
    if (this.running > 0 || this.collecting !== undefined) return false;
    return this.state !== 'polling' || !this.options.queue.hasReceivable();
  }

  /** Resolves once it is idle. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops polling; batches already invoked finish (their messages are settled as usual). */
  stop(): void {
    this.state = 'stopped';
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.windowTimer !== undefined) this.options.clock.clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    // Messages of a batch still being filled are left to their visibility timeout, as when Lambda's poller stops.
    this.collecting = undefined;
    this.checkIdle();
  }

  /** Receives and invokes while there are messages and room for another batch. */
  private pump(): void {
    if (this.state !== 'polling' || this.pumping) return;
    this.pumping = true;
    try {
      const { mapping, queue, clock } = this.options;
      while (this.state === 'polling' && this.running < this.limit) {
        const batch = this.collecting ?? { records: [], bytes: 0, startedAt: clock.now() };
        const want = Math.min(SQS_LIMITS.maxReceiveMessages, mapping.batchSize - batch.records.length);
        const taken = queue.receive(want);
        if (batch.records.length === 0) batch.startedAt = clock.now();
        for (const message of taken) {
          const record = this.record(message);
          batch.records.push(record);
          batch.bytes += JSON.stringify(record).length;
        }
        if (batch.records.length === 0) break;
        this.collecting = batch;
        const full = batch.records.length >= mapping.batchSize || batch.bytes >= INVOKE_LIMITS.syncPayloadBytes;
        const windowOver = clock.now() >= batch.startedAt + mapping.maximumBatchingWindowSeconds * 1000;
        if (full || windowOver) {
          this.flush();
          continue;
        }
        if (taken.length === want) continue;
        // The queue has no more now: wait for more messages, or for the batching window to end.
        this.armWindow(batch);
        break;
      }
    } finally {
      this.pumping = false;
    }
    this.checkIdle();
  }

  private armWindow(batch: Batch): void {
    if (this.windowTimer !== undefined) return;
    const { clock, mapping } = this.options;
    this.windowTimer = clock.setTimeout(
      () => {
        this.windowTimer = undefined;
        if (this.collecting === batch && this.state === 'polling') this.flush();
        this.pump();
      },
      Math.max(0, batch.startedAt + mapping.maximumBatchingWindowSeconds * 1000 - clock.now()),
    );
  }

  /** Invokes the function with the batch being filled. */
  private flush(): void {
    const batch = this.collecting!;
    this.collecting = undefined;
    if (this.windowTimer !== undefined) this.options.clock.clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.running++;
    const { mapping, invoke, log } = this.options;
    let invocation: Promise<InvokeResult>;
    try {
      invocation = invoke(mapping.functionLogicalId, { Records: batch.records });
    } catch (err: unknown) {
      invocation = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    void invocation
      .then(
        (result) => this.settle(batch, result),
        (err: unknown) => log(`SQS        ${this.where()} could not invoke: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        this.running--;
        this.pump();
        this.checkIdle();
      });
  }

  /** Deletes what succeeded; what failed waits for its visibility timeout. */
  private settle(batch: Batch, result: InvokeResult): void {
    // Stopped with the emulator: its queues go with it, and the runtime ended the invocation.
    if (this.state === 'stopped') return;
    const { mapping, log } = this.options;
    const count = `${batch.records.length} message${batch.records.length === 1 ? '' : 's'}`;
    const ms = `${result.durationMs.toFixed(1)}ms`;
    if (!result.ok) {
      log(
        `SQS        ${this.where()} ${count} failed: ${result.error.errorType}: ${result.error.errorMessage} ${ms}; they return after the visibility timeout`,
      );
      return;
    }
    const failed = mapping.reportBatchItemFailures ? failedRecords(result.result, batch.records) : new Set<string>();
    if (failed === 'all') {
      log(
        `SQS        ${this.where()} ${count}: the response's batchItemFailures is not a list of { itemIdentifier } naming messages of the batch, so the whole batch failed ${ms}`,
      );
      return;
    }
    for (const record of batch.records) if (!failed.has(record.messageId)) this.delete(record);
    log(`SQS        ${this.where()} ${count} ${failed.size === 0 ? 'ok' : `${failed.size} failed`} ${ms}`);
  }

  private delete(record: SqsEventRecord): void {
    try {
      this.options.queue.delete(record.receiptHandle);
    } catch (err: unknown) {
      // Its visibility timeout ended while the function ran (a FIFO queue refuses the old handle): it will be received again.
      if (!(err instanceof SqsError)) throw err;
      this.options.log(`SQS        ${this.where()} message ${record.messageId} not deleted: ${err.message}`);
    }
  }

  private record(message: StoredMessage): SqsEventRecord {
    const { queue, region } = this.options;
    return {
      messageId: message.messageId,
      receiptHandle: message.receipt!,
      body: message.body,
      attributes: systemAttributesOf(message),
      messageAttributes: eventAttributes(message.messageAttributes),
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes !== undefined && { md5OfMessageAttributes: message.md5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.spec.arn,
      awsRegion: region,
    };
  }

  private where(): string {
    return `${this.options.queue.spec.queueName} -> ${this.options.functionName}`;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * The messages a ReportBatchItemFailures response names as failed, or `all` when Lambda would
 * take the response as a failure of the whole batch: batchItemFailures that is not a list, or an
 * item without an itemIdentifier of the batch. No response, or none listed, is a full success.
 */
export function failedRecords(response: unknown, records: readonly SqsEventRecord[]): Set<string> | 'all' {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return 'all';
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const item of list as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

/** Message attributes as Lambda's SQS event writes them: camelCase, binary values in base64, the list members empty. */
function eventAttributes(attributes: MessageAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      ...(value.stringValue !== undefined && { stringValue: value.stringValue }),
      ...(value.binaryValue !== undefined && { binaryValue: value.binaryValue.toString('base64') }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.dataType,
    };
  }
  return out;
}
