/**
 * PutEvents as EventBridge checks it: the request (1 to 10 entries, at most 1 MB in all), then
 * each entry (its source, detail type and detail, and its bus), which succeeds with an event id
 * or fails with an error code of its own. Pure functions: the service authorizes and delivers.
 */
import { randomUUID } from 'node:crypto';
import type { EventBusSpec } from '../../assembly/app-spec';
import { AwsJsonError } from '../json-protocol';
import type { BusEvent } from './target-input';

/**
 * PutEvents' quotas: 10 entries a request, and since January 2026 1 MB for an entry and for the
 * request (AWS Compute Blog, 2026-01-29, "More room to build: serverless services now support
 * payloads up to 1 MB"; it was 256 KB).
 */
export const PUT_EVENTS_LIMITS = { entries: 10, requestBytes: 1024 * 1024 } as const;

/** The bus every account has, which entries without EventBusName go to. */
const DEFAULT_BUS = 'default';

/** One entry's result, in the request's order. */
export type EntryResult = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** An accepted entry: the event and the bus it is on. */
export interface AcceptedEvent {
  readonly bus: EventBusSpec;
  readonly event: BusEvent;
}

export interface CheckedPutEvents {
  readonly results: readonly EntryResult[];
  readonly accepted: readonly AcceptedEvent[];
  /** The buses the accepted entries go to: IAM authorizes events:PutEvents on each. */
  readonly buses: readonly EventBusSpec[];
}

/** Where the events happen: the account and region of the emulated stack, and its buses. */
export interface EventsAccount {
  readonly accountId: string;
  readonly region: string;
  readonly eventBuses: readonly EventBusSpec[];
}

/**
 * Checks a PutEvents request; throws {@link AwsJsonError} (ValidationException) for a request
 * EventBridge refuses as a whole. `nowMs` is the events' time when an entry gives none.
 */
export function checkPutEvents(body: Record<string, unknown>, account: EventsAccount, nowMs: number): CheckedPutEvents {
  const entries = body.Entries;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new AwsJsonError(
      'ValidationException',
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > PUT_EVENTS_LIMITS.entries) {
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_LIMITS.entries}`,
    );
  }
  const size = entries.reduce<number>((total, entry) => total + entrySize(entry), 0);
  if (size > PUT_EVENTS_LIMITS.requestBytes) {
    throw new AwsJsonError(
      'ValidationException',
      `Total size of the entries in the request is over the limit (${size} bytes; at most ${PUT_EVENTS_LIMITS.requestBytes}).`,
    );
  }
  const results: EntryResult[] = [];
  const accepted: AcceptedEvent[] = [];
  for (const entry of entries as unknown[]) {
    const checked = checkEntry(isObject(entry) ? entry : {}, account, nowMs);
    if ('ErrorCode' in checked) results.push(checked);
    else {
      results.push({ EventId: checked.event.id });
      accepted.push(checked);
    }
  }
  return { results, accepted, buses: [...new Set(accepted.map((a) => a.bus))] };
}

/**
 * An entry's size as EventBridge counts it ("Calculating PutEvents event entry size"): 14 bytes
 * for a Time, and the UTF-8 bytes of Source, DetailType, Detail and each of Resources.
 */
export function entrySize(entry: unknown): number {
  if (!isObject(entry)) return 0;
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? (entry.Resources as unknown[]) : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce<number>((n, r) => n + bytes(r), 0)
  );
}

function checkEntry(
  entry: Record<string, unknown>,
  account: EventsAccount,
  nowMs: number,
): AcceptedEvent | { ErrorCode: string; ErrorMessage: string } {
  const invalid = (parameter: string) => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
  });
  const { Source, DetailType, Detail } = entry;
  if (typeof Source !== 'string' || Source === '') return invalid('Source');
  if (typeof DetailType !== 'string' || DetailType === '') return invalid('DetailType');
  if (typeof Detail !== 'string' || Detail === '') return invalid('Detail');
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    detail = undefined;
  }
  if (!isObject(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  // Sources starting with "aws." are AWS's own services'.
  if (Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  const busName = typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : DEFAULT_BUS;
  const bus = account.eventBuses.find((b) => b.name === busName || b.arn === busName);
  if (!bus) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  }
  const resources = Array.isArray(entry.Resources) ? (entry.Resources as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  return {
    bus,
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': DetailType,
      source: Source,
      account: account.accountId,
      time: eventTime(entry.Time, nowMs),
      region: account.region,
      resources,
      detail,
    },
  };
}

/** An entry's Time (the SDK sends epoch seconds) or now, as EventBridge writes it: ISO 8601 to the second. */
function eventTime(time: unknown, nowMs: number): string {
  const ms =
    typeof time === 'number' ? time * 1000 : typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? Date.parse(time) : nowMs;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
