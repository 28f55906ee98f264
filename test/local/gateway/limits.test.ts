import { authorizerDecision } from '../../../local/gateway/authorizer';
import { clientCloseCause, FrameSizeGuard } from '../../../local/gateway/limits';
import { parseFaultRates, pickFault } from '../../../local/gateway/management';
import type { InvokeResult } from '../../../local/runtime/runtime';

/** A masked client frame header for a payload of `length` bytes. */
function frameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, 0x80 | length, 1, 2, 3, 4]);
  if (length < 65536) {
    const b = Buffer.from([0x81, 0x80 | 126, 0, 0, 1, 2, 3, 4]);
    b.writeUInt16BE(length, 2);
    return b;
  }
  const b = Buffer.alloc(14);
  b[0] = 0x81;
  b[1] = 0x80 | 127;
  b.writeBigUInt64BE(BigInt(length), 2);
  return b;
}

describe('FrameSizeGuard', () => {
  test('passes frames up to the limit, across chunk boundaries', () => {
    const guard = new FrameSizeGuard(32 * 1024);
    const frame = Buffer.concat([frameHeader(32 * 1024), Buffer.alloc(32 * 1024)]);
    const twice = Buffer.concat([frame, frame, frameHeader(10), Buffer.alloc(10)]);
    for (let i = 0; i < twice.length; i += 7) expect(guard.oversized(twice.subarray(i, i + 7))).toBe(false);
  });

  test('finds a frame over the limit behind small ones in the same chunk, wherever the bytes are split', () => {
    const small = Buffer.concat([frameHeader(5), Buffer.alloc(5)]);
    const medium = Buffer.concat([frameHeader(300), Buffer.alloc(300)]);
    const stream = Buffer.concat([small, medium, small, frameHeader(70_000)]);
    for (let split = 1; split < stream.length; split++) {
      const guard = new FrameSizeGuard(32 * 1024);
      const first = guard.oversized(stream.subarray(0, split));
      expect(first || guard.oversized(stream.subarray(split))).toBe(true);
      // Never before the big frame's header is complete.
      expect(first).toBe(split >= stream.length);
    }
    const whole = new FrameSizeGuard(32 * 1024);
    expect(whole.oversized(Buffer.concat([small, medium, small]))).toBe(false);
    expect(whole.oversized(frameHeader(70_000))).toBe(true);
  });

  test('reports a frame over the limit as soon as its header arrives', () => {
    expect(new FrameSizeGuard(32 * 1024).oversized(frameHeader(32 * 1024 + 1))).toBe(true);
    expect(new FrameSizeGuard(32 * 1024).oversized(frameHeader(200_000))).toBe(true);
  });
});

describe('close causes', () => {
  test('reasons as API Gateway reports them', () => {
    expect(clientCloseCause(1005, '')).toEqual({ code: 1005, reason: 'Client-side close frame status not set' });
    expect(clientCloseCause(1000, '')).toEqual({ code: 1000, reason: 'Connection Closed Normally' });
    expect(clientCloseCause(4000, 'custom')).toEqual({ code: 4000, reason: 'custom' });
    expect(clientCloseCause(1006, '').code).toBe(1006);
  });
});

describe('fault rates', () => {
  test('parse and pick', () => {
    const rates = parseFaultRates('410:0.1,429:0.05,500:0.05');
    expect(rates).toEqual({ 410: 0.1, 429: 0.05, 500: 0.05 });
    expect(pickFault(rates, () => 0.05)).toBe(410);
    expect(pickFault(rates, () => 0.12)).toBe(429);
    expect(pickFault(rates, () => 0.17)).toBe(500);
    expect(pickFault(rates, () => 0.5)).toBeUndefined();
  });

  test('bad specs name the bad part', () => {
    expect(() => parseFaultRates('410:2')).toThrow('bad fault rate "410:2"');
    expect(() => parseFaultRates('999:0.1')).toThrow('bad fault rate "999:0.1"');
    expect(() => parseFaultRates('410:0.6,429:0.6')).toThrow('at most 1');
  });
});

describe('authorizer decisions', () => {
  const arn = 'arn:aws:execute-api:us-east-1:1:api/dev/$connect';
  const ok = (result: unknown): InvokeResult => ({ ok: true, requestId: 'r', durationMs: 1, result });
  const policy = (Effect: string, Resource = arn) => ({
    principalId: 'p',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect, Resource }] },
    context: { n: 1, b: true, s: 'x' },
  });

  test('Allow passes principalId and stringified context', () => {
    expect(authorizerDecision(ok(policy('Allow')), arn)).toEqual({ allow: true, principalId: 'p', context: { n: '1', b: 'true', s: 'x' } });
    expect(authorizerDecision(ok(policy('Allow', 'arn:aws:execute-api:us-east-1:1:api/*')), arn).allow).toBe(true);
  });

  test('Deny and an Allow for another resource are 403', () => {
    expect(authorizerDecision(ok(policy('Deny')), arn)).toMatchObject({ allow: false, status: 403 });
    expect(authorizerDecision(ok(policy('Allow', 'arn:aws:execute-api:us-east-1:1:other/*')), arn)).toMatchObject({ status: 403 });
  });

  test('an Unauthorized error is 401, other failures 500', () => {
    const failed = (errorMessage: string): InvokeResult => ({
      ok: false,
      requestId: 'r',
      durationMs: 1,
      error: { errorType: 'Error', errorMessage, trace: [] },
    });
    expect(authorizerDecision(failed('Unauthorized'), arn)).toMatchObject({ status: 401 });
    expect(authorizerDecision(failed('boom'), arn)).toMatchObject({ status: 500 });
    expect(authorizerDecision(ok({ principalId: 'p' }), arn)).toMatchObject({ status: 500 });
  });
});
