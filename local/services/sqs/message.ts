/**
 * What a message is made of, as SQS checks and hashes it: the body's allowed characters, message
 * attributes (names, types, values), the size that counts against MaximumMessageSize, and the MD5
 * digests SQS answers with, which the SDKs compare with what they sent or received.
 */
import { createHash } from 'node:crypto';
import { SQS_ERRORS } from './errors';

/** One message attribute as stored: its type (`String`, `Number`, `Binary`, each maybe with `.label`) and value. */
export interface AttributeValue {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Buffer;
}

export type MessageAttributes = Readonly<Record<string, AttributeValue>>;

/** How many attributes a message may carry. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

const MAX_ATTRIBUTE_NAME_LENGTH = 256;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,256})?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** XML 1.0's characters: what a message body and string attribute values may hold. */
const DISALLOWED_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED_TEXT = '#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Checks a body: at least one character, XML characters only (InvalidMessageContents otherwise). */
export function checkBody(body: string): void {
  if (body.length === 0) {
    throw SQS_ERRORS.invalidParameterValue('The request must contain the parameter MessageBody.');
  }
  const bad = DISALLOWED_CHARACTER.exec(body);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
    throw SQS_ERRORS.invalidMessageContents(
      `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is ${ALLOWED_TEXT}`,
    );
  }
}

/**
 * Reads and checks message attributes given as the JSON protocol writes them
 * (`{ name: { DataType, StringValue | BinaryValue } }`, binary values base64, or Buffers from the
 * query protocol's reader). `kind` names them in errors: user attributes or system attributes.
 */
export function readMessageAttributes(raw: unknown, kind: 'message' | 'system' = 'message'): Record<string, AttributeValue> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw SQS_ERRORS.malformedRequest(`MessageAttributes must be a map of attribute names to values`);
  const label = kind === 'message' ? 'Message (user) attribute' : 'Message system attribute';
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw SQS_ERRORS.invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of entries) {
    checkAttributeName(name, label);
    const v = (value ?? {}) as { DataType?: unknown; StringValue?: unknown; BinaryValue?: unknown };
    const dataType = typeof v.DataType === 'string' ? v.DataType : '';
    if (!DATA_TYPE.test(dataType)) {
      throw SQS_ERRORS.invalidParameterValue(
        `${label} '${name}' must contain a supported type: String, Number or Binary, optionally followed by a custom label (got "${dataType}").`,
      );
    }
    const base = dataType.split('.')[0];
    if (base === 'Binary') {
      const binary = v.BinaryValue;
      const bytes = Buffer.isBuffer(binary) ? binary : typeof binary === 'string' ? Buffer.from(binary, 'base64') : undefined;
      if (bytes === undefined || bytes.length === 0) {
        throw SQS_ERRORS.invalidParameterValue(
          `${label} '${name}' must contain a non-empty value of message attribute type '${dataType}'.`,
        );
      }
      out[name] = { dataType, binaryValue: bytes };
      continue;
    }
    const text = v.StringValue;
    if (typeof text !== 'string' || text.length === 0) {
      throw SQS_ERRORS.invalidParameterValue(`${label} '${name}' must contain a non-empty value of message attribute type '${dataType}'.`);
    }
    if (base === 'Number' && !NUMBER.test(text.trim())) {
      throw SQS_ERRORS.invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    if (DISALLOWED_CHARACTER.test(text)) {
      throw SQS_ERRORS.invalidParameterValue(`${label} '${name}' contains characters outside the allowed set: ${ALLOWED_TEXT}.`);
    }
    out[name] = { dataType, stringValue: text };
  }
  return out;
}

function checkAttributeName(name: string, label: string): void {
  const problem =
    name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH
      ? `must be 1 to ${MAX_ATTRIBUTE_NAME_LENGTH} characters long`
      : !ATTRIBUTE_NAME.test(name)
        ? 'can contain only alphanumeric characters, hyphens (-), underscores (_) and periods (.)'
        : /^(aws\.|amazon\.)/i.test(name)
          ? 'must not start with the reserved prefixes AWS. or Amazon.'
          : name.startsWith('.') || name.endsWith('.') || name.includes('..')
            ? 'must not start or end with a period, nor have two periods in a row'
            : undefined;
  if (problem) throw SQS_ERRORS.invalidParameterValue(`${label} name '${name}' is invalid: it ${problem}.`);
}

/** The bytes a message counts against MaximumMessageSize: its body and each attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.dataType, 'utf8');
    size += value.binaryValue ? value.binaryValue.length : Buffer.byteLength(value.stringValue ?? '', 'utf8');
  }
  return size;
}

/**
 * MD5OfMessageAttributes, as SQS computes it
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation):
 * attributes sorted by name; for each, the name, the type, a transport byte (1 string, 2 binary)
 * and the value, every string and value preceded by its length as 4 bytes, big-endian. Undefined
 * when there are none.
 */
export function md5OfAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of names) {
    const value = attributes[name];
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.dataType, 'utf8'));
    if (value.binaryValue) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(value.binaryValue);
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.stringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
