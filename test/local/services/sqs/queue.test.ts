/**
 * One queue's rules on a manual clock: visibility, delay, retention, redrive to the dead-letter
 * queue, FIFO order and group blocking, deduplication; and, over random runs, that no message is
 * handed out while another receiver holds it, FIFO groups stay in order, and none is lost.
 */
import fc from 'fast-check';
import type { QueueSpec } from '../../../../local/assembly/app-spec';
import { SQS_QUEUE_DEFAULTS } from '../../../../local/assembly/resources/sqs';
import { SqsError } from '../../../../local/services/sqs/errors';
import { md5Hex } from '../../../../local/services/sqs/message';
import { Queue, type OutgoingMessage } from '../../../../local/services/sqs/queue';
import { ManualClock } from '../../../support/manual-clock';

const START = 1_700_000_000_000;

function queueSpec(name: string, overrides: Partial<QueueSpec> = {}): QueueSpec {
  return {
    logicalId: name,
    queueName: name,
    queueUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`,
    arn: `arn:aws:sqs:us-east-1:123456789012:${name}`,
    fifo: name.endsWith('.fifo'),
    ...SQS_QUEUE_DEFAULTS,
    contentBasedDeduplication: false,
    deduplicationScope: 'queue',
    fifoThroughputLimit: 'perQueue',
    ...overrides,
  };
}

function message(body: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { body, md5OfBody: md5Hex(body), messageAttributes: {}, systemAttributes: {}, senderId: '123456789012', ...extra };
}

const bodies = (messages: Array<{ body: string }>) => messages.map((m) => m.body);

/** What a call throws, as SQS's error code. */
function errorOf(call: () => unknown): string {
  try {
    call();
  } catch (err: unknown) {
    if (err instanceof SqsError) return `${err.queryCode}: ${err.message}`;
    throw err;
  }
  throw new Error('expected an SqsError, nothing was thrown');
}

let clock: ManualClock;
beforeEach(() => {
  clock = new ManualClock(START);
});

describe('a standard queue', () => {
  test('a received message is invisible to other receives until its visibility timeout ends, then returns with its receive count', () => {
    const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 30 }), clock);
    queue.send(message('a'));

    const [first] = queue.receive(10);
    expect(first).toMatchObject({ body: 'a', receiveCount: 1 });
    expect(queue.receive(10)).toEqual([]);
    clock.advance(29_999);
    expect(queue.receive(10)).toEqual([]);
    clock.advance(1);
    const [again] = queue.receive(10);
    expect(again).toMatchObject({ body: 'a', receiveCount: 2, firstReceiveTimestamp: START });
    expect(queue.counts()).toEqual({ visible: 0, inflight: 1, delayed: 0 });
  });

  test('the latest receipt handle deletes; an earlier one succeeds and deletes nothing', () => {
    const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 1 }), clock);
    queue.send(message('a'));
    const oldHandle = queue.receive(1)[0].receipt!;
    clock.advance(1000);
    const newHandle = queue.receive(1)[0].receipt!;

    queue.delete(oldHandle);
    expect(queue.counts().inflight).toBe(1);
    queue.delete(newHandle);
    expect(queue.isEmpty).toBe(true);
    // Deleting again succeeds, as in SQS.
    expect(() => queue.delete(newHandle)).not.toThrow();
  });

  test('a handle the service never gave out is ReceiptHandleIsInvalid', () => {
    const queue = new Queue(queueSpec('jobs'), clock);
    expect(errorOf(() => queue.delete('not-a-handle'))).toBe(
      'ReceiptHandleIsInvalid: The input receipt handle "not-a-handle" is not a valid receipt handle.',
    );
  });

  test('ChangeMessageVisibility sets the remaining time; 0 makes it visible at once; a visible message is not in flight', () => {
    const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 30 }), clock);
    queue.send(message('a'));
    const handle = queue.receive(1)[0].receipt!;

    queue.changeVisibility(handle, 100);
    clock.advance(99_000);
    expect(queue.receive(1)).toEqual([]);
    queue.changeVisibility(handle, 0);
    const again = queue.receive(1)[0];
    expect(again.body).toBe('a');
    expect(errorOf(() => queue.changeVisibility(handle, 5))).toMatch(
      /^InvalidParameterValue: .*Message does not exist or is not available/,
    );
    queue.changeVisibility(again.receipt!, 0);
    expect(errorOf(() => queue.changeVisibility(again.receipt!, 5))).toMatch(/^AWS\.SimpleQueueService\.MessageNotInflight/);
    expect(errorOf(() => queue.changeVisibility(again.receipt!, 43_201))).toMatch(
      /^InvalidParameterValue: Value 43201 for parameter VisibilityTimeout/,
    );
  });

  test('per-message and queue delays hold a message back; the message delay wins', () => {
    const queue = new Queue(queueSpec('jobs', { delaySeconds: 10 }), clock);
    queue.send(message('queue-delay'));
    queue.send(message('own-delay', { delaySeconds: 2 }));
    queue.send(message('no-delay', { delaySeconds: 0 }));

    expect(bodies(queue.receive(10))).toEqual(['no-delay']);
    expect(queue.counts()).toEqual({ visible: 0, inflight: 1, delayed: 2 });
    clock.advance(2000);
    expect(bodies(queue.receive(10))).toEqual(['own-delay']);
    clock.advance(8000);
    expect(bodies(queue.receive(10))).toEqual(['queue-delay']);
    expect(errorOf(() => queue.send(message('x', { delaySeconds: 901 })))).toMatch(
      /^InvalidParameterValue: Value 901 for parameter DelaySeconds/,
    );
  });

  test('messages older than the retention period are gone', () => {
    const queue = new Queue(queueSpec('jobs', { messageRetentionSeconds: 60 }), clock);
    queue.send(message('old'));
    clock.advance(30_000);
    queue.send(message('new'));
    clock.advance(30_000);

    expect(queue.counts().visible).toBe(1);
    expect(bodies(queue.receive(10))).toEqual(['new']);
  });

  test('after maxReceiveCount receives a message moves to the dead-letter queue, keeping its id, body and sent time', () => {
    const dlq = new Queue(queueSpec('jobs-dlq'), clock);
    const queue = new Queue(
      queueSpec('jobs', { visibilityTimeoutSeconds: 1, redrivePolicy: { deadLetterTargetArn: dlq.spec.arn, maxReceiveCount: 2 } }),
      clock,
    );
    queue.linkDeadLetterQueue(dlq);
    const { messageId } = queue.send(message('poison'));

    expect(queue.receive(1)).toHaveLength(1);
    clock.advance(1000);
    expect(queue.receive(1)).toHaveLength(1);
    clock.advance(1000);
    expect(queue.receive(1)).toEqual([]);
    expect(queue.isEmpty).toBe(true);
    const [dead] = dlq.receive(1);
    expect(dead).toMatchObject({ messageId, body: 'poison', sentTimestamp: START, deadLetterQueueSourceArn: queue.spec.arn });
  });

  test('a message bigger than MaximumMessageSize (body and attributes) is refused', () => {
    const queue = new Queue(queueSpec('jobs', { maximumMessageSize: 1024 }), clock);
    const attributes = { k: { dataType: 'String', stringValue: 'v' } };
    // 1020 + "k" + "String" + "v" = 1028 bytes.
    expect(errorOf(() => queue.send(message('x'.repeat(1020), { messageAttributes: attributes })))).toBe(
      'InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    );
    expect(() => queue.send(message('x'.repeat(1024)))).not.toThrow();
  });

  test('a listener hears of a sent message and of a visibility timeout ending, after the call that caused it', async () => {
    const queue = new Queue(queueSpec('jobs', { visibilityTimeoutSeconds: 5 }), clock);
    let heard = 0;
    queue.subscribe(() => heard++);
    queue.send(message('a'));
    expect(heard).toBe(0);
    await Promise.resolve();
    expect(heard).toBe(1);
    queue.receive(1);
    expect(clock.pendingDelays()).toEqual([5000]);
    clock.advance(5000);
    await Promise.resolve();
    expect(heard).toBe(2);
    expect(queue.hasReceivable()).toBe(true);
  });

  test('PurgeQueue deletes every message, once a minute', () => {
    const queue = new Queue(queueSpec('jobs'), clock);
    queue.send(message('a'));
    queue.receive(1);
    queue.send(message('b'));

    queue.purge();
    expect(queue.isEmpty).toBe(true);
    expect(errorOf(() => queue.purge())).toMatch(/^AWS\.SimpleQueueService\.PurgeQueueInProgress/);
    clock.advance(60_000);
    expect(() => queue.purge()).not.toThrow();
  });
});

describe('a FIFO queue', () => {
  const fifo = (overrides: Partial<QueueSpec> = {}) =>
    new Queue(queueSpec('rooms.fifo', { contentBasedDeduplication: true, ...overrides }), clock);

  test('messages of a group come in the order sent; groups are served in turn', () => {
    const queue = fifo();
    for (const [group, body] of [
      ['g1', 'a1'],
      ['g2', 'b1'],
      ['g1', 'a2'],
      ['g2', 'b2'],
      ['g1', 'a3'],
    ]) {
      queue.send(message(body, { groupId: group }));
    }
    expect(bodies(queue.receive(10))).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  test('no message of a group is handed out while another of it is in flight; other groups go on', () => {
    const queue = fifo();
    for (const body of ['a1', 'a2']) queue.send(message(body, { groupId: 'g1' }));
    queue.send(message('b1', { groupId: 'g2' }));

    const [a1] = queue.receive(1);
    expect(a1.body).toBe('a1');
    expect(bodies(queue.receive(10))).toEqual(['b1']);
    expect(queue.receive(10)).toEqual([]);
    queue.delete(a1.receipt!);
    expect(bodies(queue.receive(10))).toEqual(['a2']);
  });

  test('a message whose visibility timeout ends comes back before the rest of its group', () => {
    const queue = fifo({ visibilityTimeoutSeconds: 10 });
    for (const body of ['a1', 'a2', 'a3']) queue.send(message(body, { groupId: 'g' }));
    const [first, second] = queue.receive(2);
    const firstHandle = first.receipt!;
    queue.delete(second.receipt!);

    clock.advance(10_000);
    expect(bodies(queue.receive(10))).toEqual(['a1', 'a3']);
    // Its old handle has expired: a FIFO queue refuses it.
    expect(errorOf(() => queue.delete(firstHandle))).toBe(
      `InvalidParameterValue: Value ${firstHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
    );
  });

  test('a deduplication id is remembered for 5 minutes: a duplicate is answered as the first and not added', () => {
    const queue = fifo({ contentBasedDeduplication: false });
    const first = queue.send(message('a', { groupId: 'g', deduplicationId: 'd1' }));
    clock.advance(299_999);
    expect(queue.send(message('a again', { groupId: 'g', deduplicationId: 'd1' }))).toEqual(first);
    expect(queue.counts().visible).toBe(1);
    clock.advance(1);
    const later = queue.send(message('a later', { groupId: 'g', deduplicationId: 'd1' }));
    expect(later.messageId).not.toBe(first.messageId);
    expect(BigInt(later.sequenceNumber!)).toBeGreaterThan(BigInt(first.sequenceNumber!));
    expect(later.sequenceNumber).toMatch(/^\d{20}$/);
  });

  test('content-based deduplication hashes the body; scope messageGroup keeps ids apart per group', () => {
    const byContent = fifo();
    byContent.send(message('same', { groupId: 'g1' }));
    byContent.send(message('same', { groupId: 'g2' }));
    expect(byContent.counts().visible).toBe(1);

    const perGroup = fifo({ deduplicationScope: 'messageGroup', fifoThroughputLimit: 'perMessageGroupId' });
    perGroup.send(message('same', { groupId: 'g1' }));
    perGroup.send(message('same', { groupId: 'g2' }));
    perGroup.send(message('same', { groupId: 'g2' }));
    expect(bodies(perGroup.receive(10))).toEqual(['same', 'same']);
  });

  test('a group id is required, a deduplication id unless deduplication is by content, and per-message delays are refused', () => {
    const queue = fifo({ contentBasedDeduplication: false });
    expect(errorOf(() => queue.send(message('a', { deduplicationId: 'd' })))).toBe(
      'MissingParameter: The request must contain the parameter MessageGroupId.',
    );
    expect(errorOf(() => queue.send(message('a', { groupId: 'g' })))).toMatch(
      /^InvalidParameterValue: The queue should either have ContentBasedDeduplication enabled/,
    );
    expect(errorOf(() => queue.send(message('a', { groupId: 'g', deduplicationId: 'd', delaySeconds: 5 })))).toMatch(
      /^InvalidParameterValue: Value 5 for parameter DelaySeconds is invalid/,
    );
    expect(errorOf(() => queue.send(message('a', { groupId: 'g'.repeat(129), deduplicationId: 'd' })))).toMatch(
      /parameter MessageGroupId is invalid/,
    );
  });

  test('a queue delay holds each group back in order', () => {
    const queue = fifo({ delaySeconds: 5 });
    queue.send(message('a1', { groupId: 'g' }));
    clock.advance(1000);
    queue.send(message('a2', { groupId: 'g' }));
    expect(queue.receive(10)).toEqual([]);
    clock.advance(4000);
    expect(bodies(queue.receive(10))).toEqual(['a1']);
  });

  test('a dead letter moves to the FIFO dead-letter queue in its group, with a fresh retention period', () => {
    const dlq = fifo();
    const queue = new Queue(
      queueSpec('src.fifo', {
        contentBasedDeduplication: true,
        visibilityTimeoutSeconds: 1,
        redrivePolicy: { deadLetterTargetArn: dlq.spec.arn, maxReceiveCount: 1 },
      }),
      clock,
    );
    queue.linkDeadLetterQueue(dlq);
    queue.send(message('poison', { groupId: 'g' }));
    queue.send(message('next', { groupId: 'g' }));
    queue.receive(1);
    clock.advance(1000);

    expect(bodies(queue.receive(1))).toEqual(['next']);
    expect(dlq.receive(1)[0]).toMatchObject({ body: 'poison', groupId: 'g', retentionStart: START + 1000 });
  });
});

describe('over random runs', () => {
  type Step =
    | { kind: 'send'; group: number }
    | { kind: 'receive'; max: number; visibility: number }
    | { kind: 'delete'; pick: number }
    | { kind: 'changeVisibility'; pick: number; visibility: number }
    | { kind: 'advance'; ms: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('send' as const), group: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('receive' as const), max: fc.integer({ min: 1, max: 10 }), visibility: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('changeVisibility' as const), pick: fc.nat(), visibility: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2500 }) }),
  );

  test.each([
    ['standard', 'jobs'],
    ['FIFO', 'jobs.fifo'],
  ])('a %s queue never hands out a message another receiver holds, keeps FIFO groups in order, and loses none', (_kind, name) => {
    let reachedRedelivery = false;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), (steps) => {
        clock = new ManualClock(START);
        const queue = new Queue(queueSpec(name, { contentBasedDeduplication: true }), clock);
        const fifo = queue.spec.fifo;
        let sent = 0;
        const sentOrder: string[] = [];
        const groupOf = new Map<string, string>();
        const heldUntil = new Map<string, number>();
        const latestReceipt = new Map<string, string>();
        const deleted = new Set<string>();
        const held: Array<{ id: string; receipt: string }> = [];
        for (const s of steps) {
          if (s.kind === 'send') {
            const groupId = `g${s.group}`;
            const { messageId } = queue.send(message(`m${sent++}`, { groupId: fifo ? groupId : undefined }));
            sentOrder.push(messageId);
            groupOf.set(messageId, groupId);
          } else if (s.kind === 'receive') {
            const batch = queue.receive(s.max, s.visibility);
            const inBatch = new Set<string>();
            for (const m of batch) {
              // Never while a receive before this one still holds it.
              expect(clock.now()).toBeGreaterThanOrEqual(heldUntil.get(m.messageId) ?? -Infinity);
              expect(deleted.has(m.messageId)).toBe(false);
              if (heldUntil.has(m.messageId)) reachedRedelivery = true;
              if (fifo) {
                // Every earlier message of its group is deleted, or handed out just before it in this batch.
                const earlier = sentOrder
                  .slice(0, sentOrder.indexOf(m.messageId))
                  .filter((id) => groupOf.get(id) === groupOf.get(m.messageId));
                for (const id of earlier) expect(deleted.has(id) || inBatch.has(id)).toBe(true);
                // And no other message of its group is held by an earlier receive.
                for (const [id, until] of heldUntil) {
                  if (id !== m.messageId && !inBatch.has(id) && !deleted.has(id) && groupOf.get(id) === groupOf.get(m.messageId)) {
                    expect(until).toBeLessThanOrEqual(clock.now());
                  }
                }
              }
              inBatch.add(m.messageId);
              heldUntil.set(m.messageId, clock.now() + s.visibility * 1000);
              latestReceipt.set(m.messageId, m.receipt!);
              held.push({ id: m.messageId, receipt: m.receipt! });
            }
          } else if (s.kind === 'delete' && held.length > 0) {
            const [{ id, receipt }] = held.splice(s.pick % held.length, 1);
            const latest = latestReceipt.get(id) === receipt;
            const inFlight = clock.now() < (heldUntil.get(id) ?? -Infinity);
            // A FIFO queue refuses a handle that is not the latest, or whose message is no longer in flight.
            if (fifo && !deleted.has(id) && !(latest && inFlight)) {
              expect(() => queue.delete(receipt)).toThrow(SqsError);
            } else {
              queue.delete(receipt);
              // Only the latest handle deletes; a standard queue's earlier one succeeds and deletes nothing.
              if (latest) deleted.add(id);
            }
          } else if (s.kind === 'changeVisibility' && held.length > 0) {
            const { id, receipt } = held[s.pick % held.length];
            const inFlight = clock.now() < (heldUntil.get(id) ?? -Infinity);
            if (deleted.has(id) || latestReceipt.get(id) !== receipt || !inFlight) {
              expect(() => queue.changeVisibility(receipt, s.visibility)).toThrow(SqsError);
            } else {
              queue.changeVisibility(receipt, s.visibility);
              heldUntil.set(id, clock.now() + s.visibility * 1000);
            }
          } else if (s.kind === 'advance') {
            clock.advance(s.ms);
          }
        }
        // Nothing lost: once every hold has ended, every message not deleted can be received.
        clock.advance(10_000);
        const rest = new Set<string>();
        for (let batch = queue.receive(10, 1); batch.length > 0; batch = queue.receive(10, 1)) {
          for (const m of batch) {
            rest.add(m.messageId);
            queue.delete(m.receipt!);
          }
        }
        expect([...rest].sort()).toEqual(sentOrder.filter((id) => !deleted.has(id)).sort());
      }),
      { numRuns: 300 },
    );
    // The runs did reach the case that matters: a message received again after its hold ended.
    expect(reachedRedelivery).toBe(true);
  });
});
