/**
 * SQS's query protocol, which aws-sdk v2 before 2.1491 (the one Lambda's nodejs16.x and older
 * runtimes shipped) and the AWS CLI v1 of that time send: form parameters `Action=SendMessage&
 * QueueUrl=...&MessageAttribute.1.Name=...`, flattened lists numbered from 1, and XML answers
 * (`<SendMessageResponse><SendMessageResult>...`). Parameters are read into the JSON protocol's
 * shape, and JSON-shaped outputs written back as the query protocol's XML, so the actions serve both.
 */
import type { ServerResponse } from 'node:http';
import type { ActionInput, ActionOutput } from './actions';
import { SQS_ERRORS, type SqsError } from './errors';

const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Query lists and maps and the JSON members they become: `Entries` from `SendMessageBatchRequestEntry.N`, ... */
const LISTS: Readonly<Record<string, string>> = {
  SendMessageBatchRequestEntry: 'Entries',
  DeleteMessageBatchRequestEntry: 'Entries',
  ChangeMessageVisibilityBatchRequestEntry: 'Entries',
  AttributeName: 'AttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
};
const MAPS: Readonly<Record<string, string>> = {
  MessageAttribute: 'MessageAttributes',
  MessageSystemAttribute: 'MessageSystemAttributes',
  Attribute: 'Attributes',
};

/** Whether a request is in the query protocol: its form or query string names an Action. */
export function queryParameters(url: URL, contentType: string | undefined, body: Buffer): URLSearchParams | undefined {
  const form = (contentType ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : undefined;
  if (form?.has('Action')) return form;
  return url.searchParams.has('Action') ? url.searchParams : undefined;
}

/**
 * The action and its input in the JSON protocol's shape. The query protocol sends the QueueUrl
 * as a parameter or as the request's path (SDK v2 posts to the queue's URL), so the path fills in
 * a missing one.
 */
export function readQueryRequest(parameters: URLSearchParams, url: URL): { action: string; input: ActionInput } {
  const tree: Record<string, unknown> = {};
  for (const [key, value] of parameters) {
    if (key === 'Action' || key === 'Version') continue;
    setPath(tree, key.split('.'), value);
  }
  const input = normalize(tree) as Record<string, unknown>;
  if (input.QueueUrl === undefined && url.pathname.split('/').filter(Boolean).length === 2) input.QueueUrl = url.pathname;
  return { action: parameters.get('Action')!, input };
}

export function writeQueryResult(res: ServerResponse, requestId: string, action: string, output: ActionOutput): void {
  const result =
    Object.keys(output).length === 0 && !Object.hasOwn(RESULT_LISTS, action)
      ? ''
      : `<${action}Result>${toXml(action, output)}</${action}Result>`;
  send(
    res,
    200,
    `<?xml version="1.0"?><${action}Response xmlns="${XML_NAMESPACE}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export function writeQueryError(res: ServerResponse, requestId: string, error: SqsError): void {
  send(
    res,
    error.status,
    `<?xml version="1.0"?><ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.fault}</Type><Code>${escapeXml(error.queryCode)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

/** A request with no Action the query protocol can read. */
export function missingAction(): SqsError {
  return SQS_ERRORS.missingParameter('Action');
}

function send(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

/** `a.1.b` = v as tree.a[0].b = v; numbered segments are list positions from 1. */
function setPath(tree: Record<string, unknown>, segments: string[], value: string): void {
  let node: Record<string, unknown> | unknown[] = tree;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const key: string | number = /^\d+$/.test(segment) ? Number(segment) - 1 : segment;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    const nextIsIndex = /^\d+$/.test(segments[i + 1]);
    container[key] ??= nextIsIndex ? [] : {};
    node = container[key] as Record<string, unknown> | unknown[];
  });
}

/** The tree with the query protocol's flattened lists and Name/Value maps renamed and reshaped as the JSON protocol's. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (Object.hasOwn(LISTS, key)) {
      out[LISTS[key]] = Array.isArray(child) ? normalize(child) : [child];
    } else if (Object.hasOwn(MAPS, key) && Array.isArray(child)) {
      const map: Record<string, unknown> = {};
      for (const pair of child as Array<{ Name?: unknown; Value?: unknown } | undefined>) {
        if (pair && typeof pair.Name === 'string') map[pair.Name] = normalize(pair.Value);
      }
      out[MAPS[key]] = map;
    } else {
      out[key] = normalize(child);
    }
  }
  return out;
}

/** The element each list of an action's result is written as, one element per item (flattened). */
const RESULT_LISTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  SendMessageBatch: { Successful: 'SendMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  DeleteMessageBatch: { Successful: 'DeleteMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  ChangeMessageVisibilityBatch: { Successful: 'ChangeMessageVisibilityBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  ReceiveMessage: { Messages: 'Message' },
  ListQueues: { QueueUrls: 'QueueUrl' },
};
const RESULT_MAPS: Readonly<Record<string, string>> = { Attributes: 'Attribute', MessageAttributes: 'MessageAttribute' };

function toXml(action: string, output: ActionOutput): string {
  const lists = RESULT_LISTS[action] ?? {};
  let xml = '';
  for (const [key, value] of Object.entries(output)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      const element = lists[key] ?? key;
      for (const item of value)
        xml += `<${element}>${item !== null && typeof item === 'object' ? toXml(action, item as ActionOutput) : escapeXml(scalarText(item))}</${element}>`;
    } else if (Object.hasOwn(RESULT_MAPS, key) && value !== null && typeof value === 'object') {
      const element = RESULT_MAPS[key];
      for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
        const inner = entry !== null && typeof entry === 'object' ? toXml(action, entry as ActionOutput) : escapeXml(scalarText(entry));
        xml += `<${element}><Name>${escapeXml(name)}</Name><Value>${inner}</Value></${element}>`;
      }
    } else if (value !== null && typeof value === 'object') {
      xml += `<${key}>${toXml(action, value as ActionOutput)}</${key}>`;
    } else {
      xml += `<${key}>${escapeXml(scalarText(value))}</${key}>`;
    }
  }
  return xml;
}

/** A scalar output value as XML text: numbers and booleans as JSON writes them. */
function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** XML text: markup characters escaped, and carriage returns too, which XML parsers would otherwise turn into line feeds. */
function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => XML_ESCAPES[c]);
}
const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};
