import { ACTIONS, LIMITS, messageAck, parseClientFrame, type ParseResult } from '../../protocol';

function errorOf(result: ParseResult) {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.frame)}`);
  return result.error;
}

describe('parseClientFrame', () => {
  it.each([
    ['{"action":"message","data":"Hello"}', { action: 'message', data: 'Hello' }],
    ['{"action":"message","data":"Hi","room":"lobby","id":"m1"}', { action: 'message', data: 'Hi', room: 'lobby', id: 'm1' }],
    ['{"action":"join","room":"a.b_c-1"}', { action: 'join', room: 'a.b_c-1' }],
    ['{"action":"leave","room":"lobby","id":"x"}', { action: 'leave', room: 'lobby', id: 'x' }],
    ['{"action":"ping"}', { action: 'ping' }],
    ['{"action":"ping","extra":true}', { action: 'ping' }],
  ])('accepts %s', (body, frame) => {
    expect(parseClientFrame(body)).toEqual({ ok: true, frame });
  });

  it.each([
    ['undefined body', undefined, 'BAD_REQUEST', /empty/],
    ['empty body', '', 'BAD_REQUEST', /empty/],
    ['invalid JSON', '{"action":', 'BAD_REQUEST', /not valid JSON/],
    ['a JSON array', '[1,2]', 'BAD_REQUEST', /an array; expected a JSON object/],
    ['a JSON string', '"hello"', 'BAD_REQUEST', /a string of 5 characters; expected a JSON object/],
    ['null', 'null', 'BAD_REQUEST', /null/],
    ['a missing action', '{"data":"x"}', 'BAD_REQUEST', /no "action"; expected one of message, join, leave, ping/],
    ['a non-string action', '{"action":5}', 'BAD_REQUEST', /"action" must be a string; got a number/],
    ['an unknown action', '{"action":"dance"}', 'UNKNOWN_ACTION', /Unknown action "dance"/],
    ['a missing data', '{"action":"message"}', 'BAD_REQUEST', /"data" must be a string; got nothing\./],
    ['a numeric data', '{"action":"message","data":42}', 'BAD_REQUEST', /"data" must be a string; got a number/],
    ['an object data', '{"action":"message","data":{}}', 'BAD_REQUEST', /got an object/],
    ['a missing room on join', '{"action":"join"}', 'BAD_REQUEST', /"room" is required/],
    ['a bad room name', '{"action":"join","room":"no spaces"}', 'BAD_REQUEST', /"room" must be 1-64 characters/],
    ['an empty room name', '{"action":"leave","room":""}', 'BAD_REQUEST', /"room" must be 1-64 characters/],
    ['a too long room name', `{"action":"join","room":"${'r'.repeat(65)}"}`, 'BAD_REQUEST', /1-64 characters/],
    ['a numeric room on message', '{"action":"message","data":"x","room":7}', 'BAD_REQUEST', /"room" must be/],
    ['a numeric id', '{"action":"ping","id":7}', 'BAD_REQUEST', /"id" must be a string of at most 64/],
    ['a too long id', `{"action":"ping","id":"${'i'.repeat(65)}"}`, 'BAD_REQUEST', /"id" must be a string of at most 64/],
  ])('rejects %s', (_name, body, code, message) => {
    const error = errorOf(parseClientFrame(body));
    expect(error.event).toBe('error');
    expect(error.error.code).toBe(code);
    expect(error.error.message).toMatch(message);
  });

  it('echoes a valid id in the error', () => {
    expect(errorOf(parseClientFrame('{"action":"join","id":"req-7"}')).id).toBe('req-7');
    expect(errorOf(parseClientFrame('{"action":"nope","id":"req-8"}'))).toEqual({
      event: 'error',
      error: { code: 'UNKNOWN_ACTION', message: expect.any(String) },
      id: 'req-8',
    });
  });

  it('accepts data at the limit and rejects one byte more', () => {
    const atLimit = 'a'.repeat(LIMITS.maxDataBytes);
    expect(parseClientFrame(JSON.stringify({ action: 'message', data: atLimit })).ok).toBe(true);
    const error = errorOf(parseClientFrame(JSON.stringify({ action: 'message', data: `${atLimit}a` })));
    expect(error.error.message).toMatch(/32257 bytes; the limit is 32256 bytes/);
  });

  it('keeps the largest valid frame within API Gateway\u2019s 32 KB frame limit', () => {
    const largest = { action: 'message', data: 'a'.repeat(LIMITS.maxDataBytes), room: 'r'.repeat(64), id: 'i'.repeat(64) };
    expect(parseClientFrame(JSON.stringify(largest)).ok).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(largest))).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
  });

  it('measures data as it travels, so escapes cannot inflate a reply past 128 KB', () => {
    // 10,000 NUL characters are 10 KB of string but 60 KB as JSON ("\u0000" each).
    const error = errorOf(parseClientFrame(JSON.stringify({ action: 'message', data: '\u0000'.repeat(10_000) })));
    expect(error.error.code).toBe('BAD_REQUEST');
  });

  it('never echoes a long unknown action back in full', () => {
    const error = errorOf(parseClientFrame(JSON.stringify({ action: 'x'.repeat(10_000) })));
    expect(error.error.message.length).toBeLessThan(200);
  });

  it('lists every action in its hints', () => {
    const error = errorOf(parseClientFrame('{}'));
    for (const action of ACTIONS) expect(error.error.message).toContain(action);
  });
});

describe('messageAck', () => {
  it('answers like the NestJS gateway', () => {
    expect(messageAck('Hello')).toEqual({ event: 'message', data: 'Received: Hello' });
  });
  it('adds only the fields that are set', () => {
    expect(messageAck('Hi', { id: 'a', delivered: 2, failed: undefined })).toEqual({
      event: 'message',
      data: 'Received: Hi',
      id: 'a',
      delivered: 2,
    });
  });
});
