/**
 * Identifiers and timestamps shaped like AWS's: those API Gateway puts in WebSocket events, and
 * the ids of the resources the emulator stands in for (APIs, user pools, app clients).
 */
import { createHash, randomBytes } from 'node:crypto';

/**
 * A connection, request or message id: 16 base64-like characters ending in '=',
 * like API Gateway's `BFaT_fALIAMCKug=` (11 random bytes, base64url, one pad).
 */
export function newEventId(): string {
  if (poolOffset + 11 > pool.length) {
    pool = randomBytes(11 * 256); // one system call per 256 ids: ids are made per message
    poolOffset = 0;
  }
  poolOffset += 11;
  return `${pool.toString('base64url', poolOffset - 11, poolOffset)}=`;
}
let pool = Buffer.alloc(0);
let poolOffset = 0;

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of `alphabet` derived from `seed`: the same seed always gives the same id. */
function stableId(seed: string, alphabet: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[digest[i] % alphabet.length];
  return id;
}

/** A 10-character lowercase API id, stable for one stack and API so URLs survive restarts. */
export function localApiId(stackName: string, apiLogicalId: string): string {
  return stableId(`${stackName}/${apiLogicalId}`, LOWER_ALPHANUMERIC, 10);
}

/**
 * A Cognito user pool id as AWS makes them, `<region>_<9 letters and digits>` (e.g.
 * `us-east-1_AbC123xYz`), stable for one stack and pool, so tokens and configured ids survive restarts.
 */
export function localUserPoolId(region: string, stackName: string, poolLogicalId: string): string {
  return `${region}_${stableId(`${stackName}/${poolLogicalId}`, ALPHANUMERIC, 9)}`;
}

/** A Cognito app client id as AWS makes them: 26 lowercase letters and digits, stable for one stack and client. */
export function localUserPoolClientId(stackName: string, clientLogicalId: string): string {
  return stableId(`${stackName}/${clientLogicalId}`, LOWER_ALPHANUMERIC, 26);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format, always UTC: `11/Nov/2024:13:45:46 +0000`. */
export function formatRequestTime(epochMs: number): string {
  // Every event carries one, and it changes once a second: the last one is kept.
  const second = Math.floor(epochMs / 1000);
  if (second === lastSecond) return lastRequestTime;
  const d = new Date(second * 1000);
  lastRequestTime =
    `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`;
  lastSecond = second;
  return lastRequestTime;
}
let lastSecond = NaN;
let lastRequestTime = '';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** An X-Ray style trace header value, as API Gateway adds to CONNECT events. */
export function newTraceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/**
 * The X-Ray trace header Lambda gives each invocation (`_X_AMZN_TRACE_ID`):
 * `Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>`, sampled when the
 * function's tracing is Active. https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
 */
export function newLambdaTraceHeader(epochMs: number, sampled: boolean): string {
  // 20 random bytes per invocation: drawn from a pool, one system call per 256 headers, as newEventId.
  if (tracePoolOffset + 20 > tracePool.length) {
    tracePool = randomBytes(20 * 256);
    tracePoolOffset = 0;
  }
  const at = tracePoolOffset;
  tracePoolOffset += 20;
  const seconds = Math.floor(epochMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${seconds}-${tracePool.toString('hex', at, at + 12)};Parent=${tracePool.toString('hex', at + 12, at + 20)};Sampled=${sampled ? 1 : 0}`;
}
let tracePool = Buffer.alloc(0);
let tracePoolOffset = 0;
