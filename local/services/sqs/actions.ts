/**
 * SQS's actions, one entry each in a table: what IAM action and resource each is authorized as,
 * and what it does to the queues. Inputs and outputs are shaped as the JSON protocol carries them
 * (`{ QueueUrl, MessageBody, ... }`); json-protocol.ts and query-protocol.ts translate the wire.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../../protocol/clock';
import { stripUndefined } from '../../../protocol/values';
import type { WebSocketAppSpec } from '../../assembly/app-spec';
import { pseudoParameters } from '../../assembly/intrinsics';
import type { IamAuthority } from '../../iam/authority';
import type { Principal } from '../../iam/principals';
import { SQS_ERRORS, SqsError } from './errors';
import { SQS_LIMITS } from './limits';
import { checkBody, md5Hex, md5OfAttributes, messageSize, readMessageAttributes, type AttributeValue } from './message';
import type { OutgoingMessage, Queue, StoredMessage } from './queue';
import { QueueDirectory } from './queues';
import { MESSAGE_SYSTEM_ATTRIBUTE_NAMES, selectMessageAttributes, selectSystemAttributes } from './received';

export type ActionInput = Readonly<Record<string, unknown>>;
export type ActionOutput = Record<string, unknown>;

/** One call of an action: its input, who signed it, and a signal that ends a long poll when the caller leaves. */
export interface ActionCall {
  readonly input: ActionInput;
  readonly principal: Principal;
  readonly signal?: AbortSignal;
}

interface ActionContext {
  readonly queues: QueueDirectory;
  readonly clock: Clock;
  readonly app: Pick<WebSocketAppSpec, 'region' | 'accountId'>;
  /** When the service started: every queue's CreatedTimestamp. */
  readonly createdAt: number;
  /** Long polls waiting now, ended (with no messages) when the service stops. */
  readonly polls: Set<() => void>;
}

interface ActionDefinition {
  /** The IAM action it is authorized as: the batch actions are their single action's. */
  readonly iamAction: string;
  /** The ARN it acts on; `*` for actions on no one queue. */
  resource(input: ActionInput, context: ActionContext): string;
  run(call: ActionCall, context: ActionContext): ActionOutput | Promise<ActionOutput>;
}

/** The queue attributes GetQueueAttributes knows (others are InvalidAttributeName). */
const QUEUE_ATTRIBUTE_NAMES = [
  'All',
  'Policy',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'ApproximateNumberOfMessagesDelayed',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
];

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]+$/;
const LIST_QUEUES_DEFAULT_MAX = 1000;

const queueUrlResource = (input: ActionInput, context: ActionContext) => {
  const [name, account] = QueueDirectory.nameOfUrl(requiredString(input, 'QueueUrl'));
  return queueArn(context, account, name);
};

const ACTIONS: Readonly<Record<string, ActionDefinition>> = {
  SendMessage: {
    iamAction: 'sqs:SendMessage',
    resource: queueUrlResource,
    run({ input, principal }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const message = outgoing(input, principal, context);
      const result = queue.send(message);
      return sendResultOf(message, result);
    },
  },
  SendMessageBatch: {
    iamAction: 'sqs:SendMessage',
    resource: queueUrlResource,
    run({ input, principal }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
      const prepared = entries.map((entry) => {
        try {
          return { id: String(entry.Id), message: outgoing(entry, principal, context) };
        } catch (err: unknown) {
          return { id: String(entry.Id), error: asSqsError(err) };
        }
      });
      const bytes = prepared.reduce((sum, p) => sum + (p.message ? messageSize(p.message.body, p.message.messageAttributes) : 0), 0);
      if (bytes > SQS_LIMITS.maxBatchBytes) throw SQS_ERRORS.batchRequestTooLong(bytes, SQS_LIMITS.maxBatchBytes);
      return batchResult(prepared, ({ message }) => sendResultOf(message!, queue.send(message!)));
    },
  },
  ReceiveMessage: {
    iamAction: 'sqs:ReceiveMessage',
    resource: queueUrlResource,
    run({ input, signal }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const max = integerIn(input, 'MaxNumberOfMessages', 1, SQS_LIMITS.maxReceiveMessages, 1);
      const wait = integerIn(input, 'WaitTimeSeconds', 0, SQS_LIMITS.maxWaitSeconds, queue.spec.receiveMessageWaitSeconds);
      const visibility = integerIn(
        input,
        'VisibilityTimeout',
        0,
        SQS_LIMITS.maxVisibilityTimeoutSeconds,
        queue.spec.visibilityTimeoutSeconds,
      );
      const systemNames = [...stringList(input.AttributeNames), ...stringList(input.MessageSystemAttributeNames)];
      const attributeNames = stringList(input.MessageAttributeNames);
      for (const name of systemNames) {
        if (
          name !== 'All' &&
          !(MESSAGE_SYSTEM_ATTRIBUTE_NAMES as readonly string[]).includes(name) &&
          !QUEUE_ATTRIBUTE_NAMES.includes(name)
        ) {
          throw SQS_ERRORS.invalidAttributeName(name);
        }
      }
      const answer = (messages: StoredMessage[]): ActionOutput =>
        messages.length === 0 ? {} : { Messages: messages.map((m) => receivedMessage(m, systemNames, attributeNames)) };
      const taken = queue.receive(max, visibility);
      if (taken.length > 0 || wait === 0 || signal?.aborted) return answer(taken);
      return longPoll(queue, context, wait, signal, () => queue.receive(max, visibility), answer);
    },
  },
  DeleteMessage: {
    iamAction: 'sqs:DeleteMessage',
    resource: queueUrlResource,
    run({ input }, context) {
      context.queues.byUrl(requiredString(input, 'QueueUrl')).delete(requiredString(input, 'ReceiptHandle'));
      return {};
    },
  },
  DeleteMessageBatch: {
    iamAction: 'sqs:DeleteMessage',
    resource: queueUrlResource,
    run({ input }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const entries = batchEntries(input, 'DeleteMessageBatchRequestEntry').map((entry) => ({ id: String(entry.Id), entry }));
      return batchResult(entries, ({ entry }) => {
        queue.delete(requiredString(entry, 'ReceiptHandle'));
        return {};
      });
    },
  },
  ChangeMessageVisibility: {
    iamAction: 'sqs:ChangeMessageVisibility',
    resource: queueUrlResource,
    run({ input }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      queue.changeVisibility(requiredString(input, 'ReceiptHandle'), requiredInteger(input, 'VisibilityTimeout'));
      return {};
    },
  },
  ChangeMessageVisibilityBatch: {
    iamAction: 'sqs:ChangeMessageVisibility',
    resource: queueUrlResource,
    run({ input }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const entries = batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry').map((entry) => ({ id: String(entry.Id), entry }));
      return batchResult(entries, ({ entry }) => {
        queue.changeVisibility(requiredString(entry, 'ReceiptHandle'), requiredInteger(entry, 'VisibilityTimeout'));
        return {};
      });
    },
  },
  GetQueueUrl: {
    iamAction: 'sqs:GetQueueUrl',
    resource: (input, context) =>
      queueArn(context, optionalString(input, 'QueueOwnerAWSAccountId') ?? context.app.accountId, requiredString(input, 'QueueName')),
    run({ input }, context) {
      const queue = context.queues.byName(requiredString(input, 'QueueName'), optionalString(input, 'QueueOwnerAWSAccountId'));
      return { QueueUrl: queue.spec.queueUrl };
    },
  },
  GetQueueAttributes: {
    iamAction: 'sqs:GetQueueAttributes',
    resource: queueUrlResource,
    run({ input }, context) {
      const queue = context.queues.byUrl(requiredString(input, 'QueueUrl'));
      const names = stringList(input.AttributeNames);
      for (const name of names) if (!QUEUE_ATTRIBUTE_NAMES.includes(name)) throw SQS_ERRORS.invalidAttributeName(name);
      const all = queueAttributes(queue, context);
      const chosen = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
      return Object.keys(chosen).length === 0 ? {} : { Attributes: chosen };
    },
  },
  PurgeQueue: {
    iamAction: 'sqs:PurgeQueue',
    resource: queueUrlResource,
    run({ input }, context) {
      context.queues.byUrl(requiredString(input, 'QueueUrl')).purge();
      return {};
    },
  },
  ListQueues: {
    iamAction: 'sqs:ListQueues',
    resource: () => '*',
    run({ input }, context) {
      const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
      const paged = input.MaxResults !== undefined || input.NextToken !== undefined;
      const max = integerIn(input, 'MaxResults', 1, LIST_QUEUES_DEFAULT_MAX, LIST_QUEUES_DEFAULT_MAX);
      const start = Number(Buffer.from(optionalString(input, 'NextToken') ?? '', 'base64').toString() || 0);
      const urls = context.queues
        .all()
        .filter((q) => q.spec.queueName.startsWith(prefix))
        .map((q) => q.spec.queueUrl);
      const page = urls.slice(start, start + max);
      const output: ActionOutput = page.length === 0 ? {} : { QueueUrls: page };
      if (paged && start + max < urls.length) output.NextToken = Buffer.from(String(start + max)).toString('base64');
      return output;
    },
  },
};

/** Runs the SQS actions on the app's queues, as the caller's IAM policies allow. */
export class SqsActions {
  private readonly context: ActionContext;

  constructor(
    queues: QueueDirectory,
    private readonly iam: IamAuthority,
    clock: Clock,
    app: Pick<WebSocketAppSpec, 'region' | 'accountId'>,
  ) {
    this.context = { queues, clock, app, createdAt: clock.now(), polls: new Set() };
  }

  /** Whether `operation` is an SQS action this service runs. */
  static knows(operation: string): boolean {
    return Object.hasOwn(ACTIONS, operation);
  }

  /** Runs one action; throws SqsError for every refusal, as SQS answers it. */
  async run(operation: string, call: ActionCall): Promise<ActionOutput> {
    if (!Object.hasOwn(ACTIONS, operation)) {
      throw SQS_ERRORS.unsupportedOperation(
        `The Switchboard emulator does not run the SQS action ${operation}; it runs ${Object.keys(ACTIONS).join(', ')}. Queues come from the app's template.`,
      );
    }
    const action = ACTIONS[operation];
    const resource = action.resource(call.input, this.context);
    const decision = this.iam.authorize(call.principal, action.iamAction, resource);
    if (!decision.allowed) {
      // SQS writes the action in lower case in its denials ("not authorized to perform: sqs:sendmessage").
      throw SQS_ERRORS.accessDenied(decision.message.split(action.iamAction).join(action.iamAction.toLowerCase()));
    }
    return action.run(call, this.context);
  }

  /** Ends every waiting long poll with no messages. */
  stop(): void {
    for (const end of [...this.context.polls]) end();
  }
}

/**
 * Waits up to `waitSeconds` for `take` to find messages, retrying whenever the queue says some
 * may have come; ends early, empty, when the caller leaves or the service stops.
 */
function longPoll(
  queue: Queue,
  context: ActionContext,
  waitSeconds: number,
  signal: AbortSignal | undefined,
  take: () => StoredMessage[],
  answer: (messages: StoredMessage[]) => ActionOutput,
): Promise<ActionOutput> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (messages: StoredMessage[]) => {
      if (done) return;
      done = true;
      unsubscribe();
      context.clock.clearTimeout(timer);
      signal?.removeEventListener('abort', leave);
      context.polls.delete(leave);
      // Answered now: the stored messages change with the queue.
      resolve(answer(messages));
    };
    const leave = () => finish([]);
    const unsubscribe = queue.subscribe(() => {
      if (done) return;
      const taken = take();
      if (taken.length > 0) finish(taken);
    });
    const timer = context.clock.setTimeout(leave, waitSeconds * 1000);
    signal?.addEventListener('abort', leave);
    context.polls.add(leave);
  });
}

/** A message to send, from a SendMessage input or a batch entry, checked as SQS checks it. */
function outgoing(input: ActionInput, principal: Principal, context: ActionContext): OutgoingMessage {
  const body = requiredString(input, 'MessageBody');
  checkBody(body);
  const messageAttributes = readMessageAttributes(input.MessageAttributes);
  const systemAttributes = readMessageAttributes(input.MessageSystemAttributes, 'system');
  for (const name of Object.keys(systemAttributes)) {
    if (name !== 'AWSTraceHeader')
      throw SQS_ERRORS.invalidParameterValue(`Message system attribute name '${name}' is invalid: only AWSTraceHeader can be sent.`);
  }
  return {
    body,
    md5OfBody: md5Hex(body),
    messageAttributes,
    md5OfMessageAttributes: md5OfAttributes(messageAttributes),
    systemAttributes,
    md5OfSystemAttributes: md5OfAttributes(systemAttributes),
    delaySeconds: optionalInteger(input, 'DelaySeconds'),
    groupId: optionalString(input, 'MessageGroupId'),
    deduplicationId: optionalString(input, 'MessageDeduplicationId'),
    senderId: senderIdOf(principal, context),
  };
}

function sendResultOf(message: OutgoingMessage, result: { messageId: string; sequenceNumber?: string }): ActionOutput {
  return stripUndefined({
    MD5OfMessageBody: message.md5OfBody,
    MD5OfMessageAttributes: message.md5OfMessageAttributes,
    MD5OfMessageSystemAttributes: message.md5OfSystemAttributes,
    MessageId: result.messageId,
    SequenceNumber: result.sequenceNumber,
  });
}

function receivedMessage(message: StoredMessage, systemNames: readonly string[], attributeNames: readonly string[]): ActionOutput {
  const attributes = selectSystemAttributes(message, systemNames);
  const chosen = selectMessageAttributes(message.messageAttributes, attributeNames);
  return stripUndefined({
    MessageId: message.messageId,
    ReceiptHandle: message.receipt,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
    // The digest of the attributes returned, which is what SDKs that check it compute.
    MD5OfMessageAttributes: md5OfAttributes(chosen),
    MessageAttributes: Object.keys(chosen).length > 0 ? wireAttributes(chosen) : undefined,
  });
}

/** Message attributes as the JSON protocol writes them: binary values in base64. */
export function wireAttributes(attributes: Readonly<Record<string, AttributeValue>>): Record<string, ActionOutput> {
  const out: Record<string, ActionOutput> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = value.binaryValue
      ? { BinaryValue: value.binaryValue.toString('base64'), DataType: value.dataType }
      : { StringValue: value.stringValue, DataType: value.dataType };
  }
  return out;
}

function queueAttributes(queue: Queue, context: ActionContext): Record<string, string> {
  const { spec } = queue;
  const counts = queue.counts();
  const created = String(Math.floor(context.createdAt / 1000));
  const attributes: Record<string, string> = {
    QueueArn: spec.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inflight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: created,
    LastModifiedTimestamp: created,
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
    MaximumMessageSize: String(spec.maximumMessageSize),
    MessageRetentionPeriod: String(spec.messageRetentionSeconds),
    DelaySeconds: String(spec.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(spec.receiveMessageWaitSeconds),
    SqsManagedSseEnabled: 'false',
  };
  if (spec.redrivePolicy) attributes.RedrivePolicy = JSON.stringify(spec.redrivePolicy);
  if (spec.fifo) {
    attributes.FifoQueue = 'true';
    attributes.ContentBasedDeduplication = String(spec.contentBasedDeduplication);
    attributes.DeduplicationScope = spec.deduplicationScope;
    attributes.FifoThroughputLimit = spec.fifoThroughputLimit;
  }
  return attributes;
}

/** A batch's entries, checked as a whole: 1 to 10, each with a distinct, well-formed Id. */
function batchEntries(input: ActionInput, entryName: string): ActionInput[] {
  const entries = input.Entries;
  if (entries === undefined) throw SQS_ERRORS.missingParameter('Entries');
  if (!Array.isArray(entries)) throw SQS_ERRORS.malformedRequest('Entries must be a list');
  if (entries.length === 0) {
    const error = SQS_ERRORS.emptyBatchRequest();
    throw new SqsError(error.jsonType, error.queryCode, error.status, `There should be at least one ${entryName} in the request.`);
  }
  if (entries.length > SQS_LIMITS.maxBatchEntries)
    throw SQS_ERRORS.tooManyEntriesInBatchRequest(entries.length, SQS_LIMITS.maxBatchEntries);
  const seen = new Set<string>();
  for (const entry of entries as ActionInput[]) {
    const id = typeof entry?.Id === 'string' ? entry.Id : '';
    if (!BATCH_ENTRY_ID.test(id) || id.length > SQS_LIMITS.batchEntryIdMaxLength) throw SQS_ERRORS.invalidBatchEntryId(id);
    if (seen.has(id)) throw SQS_ERRORS.batchEntryIdsNotDistinct(id);
    seen.add(id);
  }
  return entries as ActionInput[];
}

/** Runs each entry; an entry's refusal is reported in Failed, as SQS reports it, and the others go on. */
function batchResult<T extends { id: string; error?: SqsError }>(entries: T[], run: (entry: T) => ActionOutput): ActionOutput {
  const successful: ActionOutput[] = [];
  const failed: ActionOutput[] = [];
  for (const entry of entries) {
    try {
      if (entry.error) throw entry.error;
      successful.push({ Id: entry.id, ...run(entry) });
    } catch (err: unknown) {
      const error = asSqsError(err);
      failed.push({ Id: entry.id, SenderFault: error.fault === 'Sender', Code: error.queryCode, Message: error.message });
    }
  }
  return { Successful: successful, Failed: failed };
}

function asSqsError(err: unknown): SqsError {
  if (err instanceof SqsError) return err;
  throw err;
}

/** The ARN of a queue by name, existing or not: what IAM is asked about. */
function queueArn(context: ActionContext, accountId: string, name: string): string {
  const partition = pseudoParameters(context.app.region, accountId, '')['AWS::Partition'];
  return `arn:${partition}:sqs:${context.app.region}:${accountId}:${name}`;
}

/**
 * The SenderId SQS records: a role session's `<role id>:<session name>` (the session named after
 * the function, as Lambda names it), or the account for any other caller (the developer's own calls;
 * the fake shared credentials file's keys, which only get this far with `--iam off`).
 */
function senderIdOf(principal: Principal, context: ActionContext): string {
  if (principal.kind !== 'function') return context.app.accountId;
  const digest = createHash('sha256')
    .update(principal.roleArn ?? principal.sessionArn)
    .digest('hex')
    .toUpperCase();
  return `AROA${digest.slice(0, 17)}:${principal.functionName}`;
}

function requiredString(input: ActionInput, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === '') throw SQS_ERRORS.missingParameter(name);
  if (typeof value !== 'string') throw SQS_ERRORS.invalidValue(name, JSON.stringify(value), 'must be a string.');
  return value;
}

function optionalString(input: ActionInput, name: string): string | undefined {
  const value = input[name];
  return value === undefined || value === null ? undefined : requiredString(input, name);
}

function optionalInteger(input: ActionInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw SQS_ERRORS.invalidValue(name, value, 'must be an integer.');
  return n;
}

function requiredInteger(input: ActionInput, name: string): number {
  const n = optionalInteger(input, name);
  if (n === undefined) throw SQS_ERRORS.missingParameter(name);
  return n;
}

/** An integer parameter from `min` to `max`, or `fallback` when absent. */
function integerIn(input: ActionInput, name: string, min: number, max: number, fallback: number): number {
  const n = optionalInteger(input, name) ?? fallback;
  if (n < min || n > max) throw SQS_ERRORS.invalidValue(name, n, `Must be between ${min} and ${max}, if provided.`);
  return n;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
