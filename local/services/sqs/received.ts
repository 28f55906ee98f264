/**
 * How a received message is shown: its system attributes (SentTimestamp, ApproximateReceiveCount,
 * MessageGroupId, ...) as strings, and the message attributes a receive asked for. Used by
 * ReceiveMessage's answer and by the Lambda SQS event.
 */
import type { AttributeValue, MessageAttributes } from './message';
import type { StoredMessage } from './queue';

/** The system attributes a receive may ask for (`All` gives every one the message has). */
export const MESSAGE_SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

/** Every system attribute the message has, as SQS answers them (all strings). */
export function systemAttributesOf(message: StoredMessage): Record<string, string> {
  const attributes: Record<string, string> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
  };
  if (message.sequenceNumber !== undefined) attributes.SequenceNumber = message.sequenceNumber;
  if (message.deduplicationId !== undefined) attributes.MessageDeduplicationId = message.deduplicationId;
  if (message.groupId !== undefined) attributes.MessageGroupId = message.groupId;
  const trace = message.systemAttributes.AWSTraceHeader?.stringValue;
  if (trace !== undefined) attributes.AWSTraceHeader = trace;
  if (message.deadLetterQueueSourceArn !== undefined) attributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
  return attributes;
}

/** The system attributes named (`All` for every one); unnamed ones are left out. */
export function selectSystemAttributes(message: StoredMessage, names: readonly string[]): Record<string, string> {
  const all = systemAttributesOf(message);
  if (names.includes('All')) return all;
  const chosen: Record<string, string> = {};
  for (const name of names) if (Object.hasOwn(all, name)) chosen[name] = all[name];
  return chosen;
}

/** The message attributes a receive asked for: `All` or `.*`, exact names, or prefixes as `orders.*`. */
export function selectMessageAttributes(attributes: MessageAttributes, names: readonly string[]): Record<string, AttributeValue> {
  const chosen: Record<string, AttributeValue> = {};
  const every = names.includes('All') || names.includes('.*');
  const prefixes = names.filter((n) => n.endsWith('.*') && n !== '.*').map((n) => n.slice(0, -1));
  for (const [name, value] of Object.entries(attributes)) {
    if (every || names.includes(name) || prefixes.some((p) => name.startsWith(p))) chosen[name] = value;
  }
  return chosen;
}
