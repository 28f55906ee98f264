/**
 * AWS::SQS::Queue: the queues the local SQS service holds, with AWS's defaults for every attribute
 * the template leaves out. AWS::SQS::QueuePolicy is named (so intrinsics that mention it resolve)
 * and otherwise not read yet: resource policies are evaluated by IAM.
 */
import { createHash } from 'node:crypto';
import type { QueueSpec } from '../app-spec';
import { literalName, regionalArn, type ResourceReader, type StackIdentity, type StackResource } from './reader';

export const SQS_QUEUE = 'AWS::SQS::Queue';

/**
 * What SQS uses for an attribute the template does not set (CreateQueue's documentation in
 * @aws-sdk/client-sqs 3.1169: MaximumMessageSize's default became 1 MiB, 1,048,576 bytes, in 2025).
 */
export const SQS_QUEUE_DEFAULTS = {
  visibilityTimeoutSeconds: 30,
  messageRetentionSeconds: 345_600,
  delaySeconds: 0,
  receiveMessageWaitSeconds: 0,
  maximumMessageSize: 1_048_576,
} as const;

/** A queue name's limit, `.fifo` included. */
const QUEUE_NAME_MAX_LENGTH = 80;
const FIFO_SUFFIX = '.fifo';

export const queueReader: ResourceReader = {
  types: [SQS_QUEUE],
  physicalId: (resource, stack) => literalName(resource.properties.QueueName) ?? generatedQueueName(resource, stack),
  // CloudFormation's Ref of a queue is its URL.
  ref: (resource, stack) => queueUrl(stack, resource.physicalId),
  attributes: {
    Arn: (resource, stack) => regionalArn(stack, 'sqs', resource.physicalId),
    QueueName: (resource) => resource.physicalId,
    QueueUrl: (resource, stack) => queueUrl(stack, resource.physicalId),
  },
  contribute(resources, reading) {
    for (const resource of resources) {
      const props = reading.resolveValue(resource.properties) as Record<string, unknown>;
      const queueName = reading.physicalId(resource.logicalId);
      const fifo = isTrue(props.FifoQueue);
      if (fifo !== queueName.endsWith(FIFO_SUFFIX)) {
        reading.spec.warnings.push(
          `queue ${resource.logicalId}: a FIFO queue's name must end in "${FIFO_SUFFIX}" and only a FIFO queue's may (QueueName "${queueName}", FifoQueue ${String(fifo)}); AWS would refuse to create it`,
        );
      }
      const redrive = redrivePolicyOf(props.RedrivePolicy);
      const spec: QueueSpec = {
        logicalId: resource.logicalId,
        queueName,
        queueUrl: queueUrl(reading.stack, queueName),
        arn: regionalArn(reading.stack, 'sqs', queueName),
        fifo,
        visibilityTimeoutSeconds: numberOr(props.VisibilityTimeout, SQS_QUEUE_DEFAULTS.visibilityTimeoutSeconds),
        messageRetentionSeconds: numberOr(props.MessageRetentionPeriod, SQS_QUEUE_DEFAULTS.messageRetentionSeconds),
        delaySeconds: numberOr(props.DelaySeconds, SQS_QUEUE_DEFAULTS.delaySeconds),
        receiveMessageWaitSeconds: numberOr(props.ReceiveMessageWaitTimeSeconds, SQS_QUEUE_DEFAULTS.receiveMessageWaitSeconds),
        maximumMessageSize: numberOr(props.MaximumMessageSize, SQS_QUEUE_DEFAULTS.maximumMessageSize),
        contentBasedDeduplication: isTrue(props.ContentBasedDeduplication),
        deduplicationScope: props.DeduplicationScope === 'messageGroup' ? 'messageGroup' : 'queue',
        fifoThroughputLimit: props.FifoThroughputLimit === 'perMessageGroupId' ? 'perMessageGroupId' : 'perQueue',
        ...(redrive && { redrivePolicy: redrive }),
      };
      reading.spec.queues.push(spec);
    }
    // A dead-letter queue must exist and be of the same type as its source (AWS refuses either mistake).
    for (const queue of reading.spec.queues) {
      if (!queue.redrivePolicy) continue;
      const target = reading.spec.queues.find((q) => q.arn === queue.redrivePolicy!.deadLetterTargetArn);
      if (!target) {
        reading.spec.warnings.push(
          `queue ${queue.logicalId}: its dead-letter queue ${queue.redrivePolicy.deadLetterTargetArn} is not a queue of this stack; messages will not be moved`,
        );
      } else if (target.fifo !== queue.fifo) {
        reading.spec.warnings.push(
          `queue ${queue.logicalId}: its dead-letter queue ${target.queueName} must be ${queue.fifo ? 'a FIFO' : 'a standard'} queue, as it is; AWS would refuse this redrive policy`,
        );
      }
    }
  },
};

/** Named only: its policy statements are IAM's to read. */
export const queuePolicyReader: ResourceReader = { types: ['AWS::SQS::QueuePolicy'] };

/** `https://sqs.<region>.<url suffix>/<account>/<name>`, the URL SQS gives a queue (and what the SDK sends requests to). */
export function queueUrl(stack: Pick<StackIdentity, 'region' | 'urlSuffix' | 'accountId'>, queueName: string): string {
  return `https://sqs.${stack.region}.${stack.urlSuffix}/${stack.accountId}/${queueName}`;
}

/**
 * The name CloudFormation gives a queue whose template names none: `<stack>-<logical id>-<12
 * characters>`, `.fifo` added for a FIFO queue, at most 80 characters. CloudFormation's 12 are
 * random; here they come from the stack and logical id, so the name survives restarts.
 */
function generatedQueueName(resource: StackResource, stack: StackIdentity): string {
  const suffix = isTrue(resource.properties.FifoQueue) ? FIFO_SUFFIX : '';
  const digest = createHash('sha256').update(`${stack.stackName}/${resource.logicalId}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let unique = '';
  for (let i = 0; i < 12; i++) unique += alphabet[digest[i] % alphabet.length];
  const prefix = `${stack.stackName}-${resource.logicalId}`.slice(0, QUEUE_NAME_MAX_LENGTH - unique.length - 1 - suffix.length);
  return `${prefix}-${unique}${suffix}`;
}

/** RedrivePolicy, an object in templates (CloudFormation also takes it as a JSON string). */
function redrivePolicyOf(value: unknown): QueueSpec['redrivePolicy'] {
  let policy = value;
  if (typeof value === 'string') {
    try {
      policy = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!policy || typeof policy !== 'object') return undefined;
  const { deadLetterTargetArn, maxReceiveCount } = policy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof deadLetterTargetArn !== 'string') return undefined;
  return { deadLetterTargetArn, maxReceiveCount: numberOr(maxReceiveCount, 10) };
}

/** Template booleans come as true or "true". */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Template numbers come as numbers or strings. */
function numberOr(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}
