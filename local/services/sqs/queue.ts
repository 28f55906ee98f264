/**
 * One SQS queue's messages and the rules SQS keeps for them, on an injected clock.
 *
 * A message is in one state at a time: `delayed` (DelaySeconds not over yet), `visible` (a receive
 * may take it), `inflight` (received; invisible until deleted or its visibility timeout ends) or
 * `deleted` (gone: deleted, purged, expired or moved to the dead-letter queue). Delayed and
 * in-flight messages wait in a heap by the time they become visible; the heap is read whenever the
 * queue is used, and a timer on the clock is armed only while someone waits for messages (long
 * polls, Lambda's pollers).
 *
 * Standard queues hand out visible messages about in the order sent. FIFO queues keep each message
 * group in order and hand out no message of a group while another of it is in flight; a group
 * whose first message is visible and that has none in flight is "ready", and ready groups are
 * served in turn. FIFO sends are deduplicated for 5 minutes, by queue or by message group.
 * Messages received `maxReceiveCount` times move to the dead-letter queue on their next receive.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../../protocol/clock';
import type { QueueSpec } from '../../assembly/app-spec';
import { Deque } from './deque';
import { SQS_ERRORS } from './errors';
import { SQS_LIMITS } from './limits';
import { messageSize, type MessageAttributes } from './message';
import { TimeHeap } from './time-heap';

export type MessageState = 'delayed' | 'visible' | 'inflight' | 'deleted';

/** A message as the queue keeps it. Its state and the fields below it change as it is received. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfMessageAttributes?: string;
  /** AWSTraceHeader, the one system attribute a sender may set. */
  readonly systemAttributes: MessageAttributes;
  readonly md5OfSystemAttributes?: string;
  readonly sentTimestamp: number;
  readonly senderId: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  /** The queue this message was moved from, when it is in a dead-letter queue. */
  readonly deadLetterQueueSourceArn?: string;
  /** When its retention period started: when it was sent (or, in a FIFO queue, moved to it as a dead letter). */
  readonly retentionStart: number;
  state: MessageState;
  /** When a delayed or in-flight message becomes visible. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** The receipt handle of its latest receive: the one that deletes it. */
  receipt?: string;
  /** Changes with each state change and visibility change, so heap entries made before are ignored. */
  epoch: number;
}

/** A message to send, already checked by the action (body characters, attribute names and types). */
export interface OutgoingMessage {
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: MessageAttributes;
  readonly md5OfMessageAttributes?: string;
  readonly systemAttributes: MessageAttributes;
  readonly md5OfSystemAttributes?: string;
  readonly delaySeconds?: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly senderId: string;
}

export interface SendResult {
  readonly messageId: string;
  readonly sequenceNumber?: string;
}

/** How many messages are in each state, as GetQueueAttributes reports them. */
export interface QueueCounts {
  readonly visible: number;
  readonly inflight: number;
  readonly delayed: number;
}

interface MessageGroup {
  readonly id: string;
  /** Its messages in the order sent; those in flight come first. Deleted ones are dropped from the front. */
  readonly messages: Deque<StoredMessage>;
  inflight: number;
  /** Whether it waits in the ready groups. */
  queued: boolean;
}

/** FIFO sequence numbers: 20 digits, increasing, not consecutive (as SQS's). */
const SEQUENCE_BASE = 18_000_000_000_000_000_000n;
const SEQUENCE_STEP = 65_536n;
/** A receipt handle starts as SQS's do; what follows names the message and the receive. */
const RECEIPT_PREFIX = 'AQEB';
const GROUP_OR_DEDUPLICATION_ID = /^[\x21-\x7E]+$/;

export class Queue {
  private readonly byId = new Map<string, StoredMessage>();
  private readonly timed = new TimeHeap<{ message: StoredMessage; epoch: number }>();
  private readonly count: Record<MessageState, number> = { delayed: 0, visible: 0, inflight: 0, deleted: 0 };
  /** Standard queues: visible messages in about the order they became visible (entries of other states are skipped). */
  private readonly visible = new Deque<StoredMessage>();
  /** FIFO queues: every group with messages, and the ready ones in turn. */
  private readonly groups = new Map<string, MessageGroup>();
  private readonly readyGroups = new Deque<MessageGroup>();
  /** FIFO: deduplication ids sent in the last 5 minutes, oldest first. */
  private readonly deduplication = new Map<string, { result: SendResult; expiresAt: number }>();
  private sequence = 0n;
  private receipts = 0;
  private readonly receiptSalt = randomBytes(6).toString('hex');
  private lastPurge = -Infinity;
  private readonly listeners = new Set<() => void>();
  private notifyPending = false;
  private timer?: { readonly handle: unknown; readonly at: number };
  private deadLetterQueue?: Queue;

  constructor(
    readonly spec: QueueSpec,
    private readonly clock: Clock,
  ) {}

  /** The queue its redrive policy names; set once every queue exists. */
  linkDeadLetterQueue(queue: Queue): void {
    this.deadLetterQueue = queue;
  }

  /** Adds a message; a FIFO duplicate within the deduplication interval answers as the first one did and adds nothing. */
  send(message: OutgoingMessage): SendResult {
    const now = this.clock.now();
    const { spec } = this;
    const size = messageSize(message.body, message.messageAttributes);
    if (size > spec.maximumMessageSize) {
      throw SQS_ERRORS.invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${spec.maximumMessageSize} bytes.`,
      );
    }
    const delay = message.delaySeconds;
    if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0 && delay <= SQS_LIMITS.maxDelaySeconds)) {
      throw SQS_ERRORS.invalidValue('DelaySeconds', delay, `must be an integer from 0 to ${SQS_LIMITS.maxDelaySeconds}.`);
    }
    checkId('MessageGroupId', message.groupId);
    checkId('MessageDeduplicationId', message.deduplicationId);
    let deduplicationId: string | undefined;
    if (spec.fifo) {
      if (message.groupId === undefined) throw SQS_ERRORS.missingParameter('MessageGroupId');
      if (delay !== undefined && delay !== 0) {
        throw SQS_ERRORS.invalidValue('DelaySeconds', delay, 'The request include parameter that is not valid for this queue type.');
      }
      deduplicationId = message.deduplicationId ?? (spec.contentBasedDeduplication ? sha256Hex(message.body) : undefined);
      if (deduplicationId === undefined) {
        throw SQS_ERRORS.invalidParameterValue(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      const key = spec.deduplicationScope === 'messageGroup' ? `${message.groupId}\u0000${deduplicationId}` : deduplicationId;
      this.forgetOldDeduplicationIds(now);
      const earlier = this.deduplication.get(key);
      if (earlier) return earlier.result;
      this.sequence += 1n;
      const result = { messageId: randomUUID(), sequenceNumber: (SEQUENCE_BASE + this.sequence * SEQUENCE_STEP).toString() };
      this.deduplication.set(key, { result, expiresAt: now + SQS_LIMITS.deduplicationIntervalMs });
      this.add(message, result, deduplicationId, now, now + spec.delaySeconds * 1000);
      return result;
    }
    if (message.deduplicationId !== undefined) {
      throw SQS_ERRORS.invalidValue(
        'MessageDeduplicationId',
        message.deduplicationId,
        'The request include parameter that is not valid for this queue type.',
      );
    }
    const result = { messageId: randomUUID() };
    this.add(message, result, undefined, now, now + (delay ?? spec.delaySeconds) * 1000);
    return result;
  }

  /**
   * Takes up to `max` visible messages (FIFO: in order per group, from groups with none in flight)
   * and makes them in flight for `visibilityTimeoutSeconds` (the queue's by default). Returns the
   * stored messages; read them before the next call, as they change with the queue.
   */
  receive(max: number, visibilityTimeoutSeconds = this.spec.visibilityTimeoutSeconds): StoredMessage[] {
    const now = this.clock.now();
    this.promote(now);
    const taken: StoredMessage[] = [];
    const visibleUntil = now + visibilityTimeoutSeconds * 1000;
    if (!this.spec.fifo) {
      while (taken.length < max) {
        const message = this.visible.shift();
        if (!message) break;
        if (message.state !== 'visible') continue;
        if (this.expired(message, now)) this.forget(message);
        else if (this.redriveDue(message)) this.moveToDeadLetterQueue(message);
        else taken.push(this.deliver(message, now, visibleUntil));
      }
    } else {
      while (taken.length < max && this.readyGroups.length > 0) {
        const group = this.readyGroups.shift()!;
        group.queued = false;
        if (group.inflight > 0) continue;
        for (let i = 0; taken.length < max; i++) {
          const message = group.messages.at(i);
          if (!message) break;
          if (message.state === 'deleted') continue;
          if (message.state !== 'visible') break;
          if (this.expired(message, now)) this.forget(message);
          else if (this.redriveDue(message)) this.moveToDeadLetterQueue(message);
          else taken.push(this.deliver(message, now, visibleUntil));
        }
        this.groupChanged(group);
      }
    }
    if (taken.length > 0) this.armTimer();
    return taken;
  }

  /**
   * Deletes the message a receipt handle was given for. A handle of an earlier receive deletes
   * nothing and succeeds in a standard queue; a FIFO queue refuses it, and a handle whose message
   * is no longer in flight, as expired. A message already gone is deleted again, successfully.
   */
  delete(receiptHandle: string): void {
    const now = this.clock.now();
    this.promote(now);
    const message = this.byId.get(this.messageIdOf(receiptHandle));
    if (!message) return;
    const current = message.receipt === receiptHandle;
    if (this.spec.fifo && (!current || message.state !== 'inflight')) {
      throw SQS_ERRORS.invalidValue('ReceiptHandle', receiptHandle, 'The receipt handle has expired.');
    }
    if (current) this.remove(message);
  }

  /** Sets how long an in-flight message stays invisible, from now. */
  changeVisibility(receiptHandle: string, seconds: number): void {
    if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= SQS_LIMITS.maxVisibilityTimeoutSeconds)) {
      throw SQS_ERRORS.invalidValue(
        'VisibilityTimeout',
        seconds,
        `must be an integer from 0 to ${SQS_LIMITS.maxVisibilityTimeoutSeconds}.`,
      );
    }
    const now = this.clock.now();
    this.promote(now);
    const message = this.byId.get(this.messageIdOf(receiptHandle));
    if (!message || message.receipt !== receiptHandle) {
      throw SQS_ERRORS.invalidValue(
        'ReceiptHandle',
        receiptHandle,
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    if (message.state !== 'inflight') throw SQS_ERRORS.messageNotInflight();
    message.epoch++;
    message.visibleAt = now + seconds * 1000;
    this.timed.push(message.visibleAt, { message, epoch: message.epoch });
    this.promote(now);
    this.armTimer();
  }

  /** Deletes every message; once a minute at most. */
  purge(): void {
    const now = this.clock.now();
    if (now - this.lastPurge < SQS_LIMITS.purgeIntervalMs) throw SQS_ERRORS.purgeQueueInProgress(this.spec.queueUrl);
    this.lastPurge = now;
    for (const message of this.byId.values()) message.state = 'deleted';
    this.byId.clear();
    this.timed.clear();
    this.visible.clear();
    this.groups.clear();
    this.readyGroups.clear();
    this.count.delayed = this.count.visible = this.count.inflight = 0;
    this.armTimer();
  }

  /** How many messages are in each state, expired ones dropped first. */
  counts(): QueueCounts {
    const now = this.clock.now();
    this.promote(now);
    const touched = new Set<MessageGroup>();
    for (const message of this.byId.values()) {
      if (message.state !== 'inflight' && this.expired(message, now)) {
        this.forget(message);
        if (message.groupId !== undefined && this.spec.fifo) touched.add(this.groups.get(message.groupId)!);
      }
    }
    for (const group of touched) this.groupChanged(group);
    return { visible: this.count.visible, inflight: this.count.inflight, delayed: this.count.delayed };
  }

  /** Whether a receive now would find a message. */
  hasReceivable(): boolean {
    this.promote(this.clock.now());
    if (!this.spec.fifo) return this.count.visible > 0;
    for (const group of this.readyGroups) if (group.inflight === 0 && this.head(group)?.state === 'visible') return true;
    return false;
  }

  /** Whether any message is in the queue, in any state. */
  get isEmpty(): boolean {
    return this.byId.size === 0;
  }

  /**
   * Calls `listener` (after the current call stack) whenever messages may have become receivable:
   * sent, delay over, visibility timeout over, a FIFO group freed. Returns the unsubscribe.
   */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    this.armTimer();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.disarmTimer();
    };
  }

  /** Stops its timer; messages stay. */
  stop(): void {
    this.listeners.clear();
    this.disarmTimer();
  }

  /** Takes a message moved here from the queue `sourceArn` as a dead letter, as it was. */
  private acceptDeadLetter(source: StoredMessage, sourceArn: string, now: number): void {
    const message: StoredMessage = {
      ...source,
      deadLetterQueueSourceArn: sourceArn,
      // SQS keeps a standard message's original enqueue time; a FIFO dead letter's retention starts anew.
      retentionStart: this.spec.fifo ? now : source.retentionStart,
      state: 'visible',
      visibleAt: now,
      receipt: undefined,
      epoch: 0,
    };
    this.count.visible++;
    this.byId.set(message.messageId, message);
    this.enqueueVisible(message);
  }

  private add(message: OutgoingMessage, result: SendResult, deduplicationId: string | undefined, now: number, visibleAt: number): void {
    const stored: StoredMessage = {
      messageId: result.messageId,
      body: message.body,
      md5OfBody: message.md5OfBody,
      messageAttributes: message.messageAttributes,
      md5OfMessageAttributes: message.md5OfMessageAttributes,
      systemAttributes: message.systemAttributes,
      md5OfSystemAttributes: message.md5OfSystemAttributes,
      sentTimestamp: now,
      senderId: message.senderId,
      groupId: message.groupId,
      deduplicationId,
      sequenceNumber: result.sequenceNumber,
      retentionStart: now,
      state: visibleAt > now ? 'delayed' : 'visible',
      visibleAt,
      receiveCount: 0,
      epoch: 0,
    };
    this.count[stored.state]++;
    this.byId.set(stored.messageId, stored);
    if (stored.state === 'delayed') {
      this.timed.push(visibleAt, { message: stored, epoch: 0 });
      if (this.spec.fifo) this.groupOf(stored).messages.push(stored);
      this.armTimer();
    } else {
      this.enqueueVisible(stored);
    }
  }

  /** A message just visible: standard queues line it up, FIFO queues keep it in its group. */
  private enqueueVisible(message: StoredMessage): void {
    if (!this.spec.fifo) this.visible.push(message);
    else {
      const group = this.groupOf(message);
      group.messages.push(message);
      this.groupChanged(group);
    }
    this.notify();
  }

  private groupOf(message: StoredMessage): MessageGroup {
    const id = message.groupId!;
    let group = this.groups.get(id);
    if (!group) {
      group = { id, messages: new Deque(), inflight: 0, queued: false };
      this.groups.set(id, group);
    }
    return group;
  }

  /** Its first message not deleted (deleted ones are dropped from the front). */
  private head(group: MessageGroup): StoredMessage | undefined {
    while (group.messages.peek()?.state === 'deleted') group.messages.shift();
    return group.messages.peek();
  }

  /** After a group's messages changed: line it up when ready, drop it when empty. */
  private groupChanged(group: MessageGroup): void {
    const head = this.head(group);
    if (!head && group.inflight === 0) {
      this.groups.delete(group.id);
      return;
    }
    if (!group.queued && group.inflight === 0 && head?.state === 'visible') {
      group.queued = true;
      this.readyGroups.push(group);
      this.notify();
    }
  }

  private deliver(message: StoredMessage, now: number, visibleUntil: number): StoredMessage {
    message.receiveCount++;
    message.firstReceiveTimestamp ??= now;
    message.receipt = `${RECEIPT_PREFIX}${Buffer.from(`${message.messageId}#${++this.receipts}#${this.receiptSalt}`).toString('base64')}`;
    this.setState(message, 'inflight');
    message.visibleAt = visibleUntil;
    this.timed.push(visibleUntil, { message, epoch: message.epoch });
    if (this.spec.fifo) this.groups.get(message.groupId!)!.inflight++;
    return message;
  }

  /** Delayed and in-flight messages whose time has come become visible. */
  private promote(now: number): void {
    for (;;) {
      const due = this.timed.popDue(now);
      if (!due) return;
      const { message, epoch } = due;
      if (epoch !== message.epoch || (message.state !== 'delayed' && message.state !== 'inflight')) continue;
      const wasInflight = message.state === 'inflight';
      this.setState(message, 'visible');
      if (!this.spec.fifo) {
        this.visible.push(message);
        this.notify();
      } else {
        const group = this.groups.get(message.groupId!)!;
        if (wasInflight) group.inflight--;
        this.groupChanged(group);
      }
    }
  }

  private redriveDue(message: StoredMessage): boolean {
    return this.deadLetterQueue !== undefined && message.receiveCount >= this.spec.redrivePolicy!.maxReceiveCount;
  }

  private moveToDeadLetterQueue(message: StoredMessage): void {
    this.forget(message);
    this.deadLetterQueue!.acceptDeadLetter(message, this.spec.arn, this.clock.now());
  }

  private expired(message: StoredMessage, now: number): boolean {
    return now >= message.retentionStart + this.spec.messageRetentionSeconds * 1000;
  }

  /** Deletes a message and updates its group. */
  private remove(message: StoredMessage): void {
    this.forget(message);
    if (this.spec.fifo) this.groupChanged(this.groups.get(message.groupId!)!);
  }

  /** Marks a message deleted; its group is left to the caller (groupChanged). */
  private forget(message: StoredMessage): void {
    if (message.state === 'inflight' && this.spec.fifo) this.groups.get(message.groupId!)!.inflight--;
    this.setState(message, 'deleted');
    this.byId.delete(message.messageId);
  }

  private setState(message: StoredMessage, state: MessageState): void {
    this.count[message.state]--;
    this.count[state]++;
    message.state = state;
    message.epoch++;
  }

  private forgetOldDeduplicationIds(now: number): void {
    for (const [key, entry] of this.deduplication) {
      if (entry.expiresAt > now) return;
      this.deduplication.delete(key);
    }
  }

  /** The message id a receipt handle names; ReceiptHandleIsInvalid for anything that is not a handle this service gave out. */
  private messageIdOf(receiptHandle: string): string {
    const decoded = receiptHandle.startsWith(RECEIPT_PREFIX)
      ? Buffer.from(receiptHandle.slice(RECEIPT_PREFIX.length), 'base64').toString()
      : '';
    const [messageId, serial, salt] = decoded.split('#');
    if (!messageId || !/^\d+$/.test(serial ?? '') || salt === undefined) throw SQS_ERRORS.receiptHandleIsInvalid(receiptHandle);
    return messageId;
  }

  /** Calls the listeners once, after the current call stack: a listener may receive at once. */
  private notify(): void {
    if (this.notifyPending || this.listeners.size === 0) return;
    this.notifyPending = true;
    queueMicrotask(() => {
      this.notifyPending = false;
      for (const listener of [...this.listeners]) listener();
    });
  }

  /** While anyone listens, a timer wakes the queue when its earliest delayed or in-flight message falls due. */
  private armTimer(): void {
    if (this.listeners.size === 0) return;
    const at = this.timed.nextAt();
    if (at === undefined || (this.timer && this.timer.at <= at)) return;
    this.disarmTimer();
    const handle = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.promote(this.clock.now());
        this.armTimer();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.timer = { handle, at };
  }

  private disarmTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** MessageGroupId and MessageDeduplicationId: 1 to 128 printable ASCII characters (letters, digits, punctuation). */
function checkId(parameter: string, value: string | undefined): void {
  if (value === undefined) return;
  if (value.length === 0 || value.length > SQS_LIMITS.maxGroupOrDeduplicationIdLength || !GROUP_OR_DEDUPLICATION_ID.test(value)) {
    throw SQS_ERRORS.invalidValue(
      parameter,
      value,
      `must be 1 to ${SQS_LIMITS.maxGroupOrDeduplicationIdLength} characters: letters, digits and punctuation.`,
    );
  }
}
