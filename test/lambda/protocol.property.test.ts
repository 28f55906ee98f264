import fc from 'fast-check';
import { ping } from '../../lambda/core/actions';
import { LIMITS, messageAck, parseClientFrame, serialize, type ServerFrame } from '../../protocol';
import { encodedSize } from '../../protocol/parse';

/**
 * Whatever bytes a client sends, the parser returns a valid frame or an error
 * frame: it never throws, and no reply it leads to exceeds API Gateway's
 * 128 KB message limit.
 */
const replySize = (frame: ServerFrame) => Buffer.byteLength(serialize(frame), 'utf8');

function replyFor(body: string): ServerFrame {
  const parsed = parseClientFrame(body);
  if (!parsed.ok) return parsed.error;
  switch (parsed.frame.action) {
    case 'message':
      return messageAck(parsed.frame.data, { id: parsed.frame.id, delivered: 1_000_000, failed: 1_000_000 });
    case 'join':
      return { event: 'joined', room: parsed.frame.room, seq: Number.MAX_SAFE_INTEGER, replay: 1000, id: parsed.frame.id };
    case 'leave':
      return { event: 'left', room: parsed.frame.room, id: parsed.frame.id };
    case 'ping':
      return ping(parsed.frame);
    // Their pages are bounded by their own tests (room-messages.test.ts for history); here, the envelope.
    case 'members':
      return { event: 'members', room: parsed.frame.room, members: [], id: parsed.frame.id };
    case 'history':
      return { event: 'history', room: parsed.frame.room, messages: [], id: parsed.frame.id };
    case 'signal':
      return { event: 'signal', room: parsed.frame.room, type: parsed.frame.type, delivered: 1_000_000, id: parsed.frame.id };
  }
}

function checkReply(body: string): void {
  const reply = replyFor(body);
  expect(['message', 'joined', 'left', 'pong', 'error', 'members', 'history', 'signal']).toContain(reply.event);
  expect(replySize(reply)).toBeLessThanOrEqual(LIMITS.maxMessageBytes);
  if (reply.event === 'error') expect(reply.error.message.length).toBeGreaterThan(10);
}

const action = fc.oneof(fc.constantFrom('message', 'join', 'leave', 'ping', 'signal'), fc.string(), fc.integer(), fc.constant(null));
const anyValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const roomName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.string({ maxLength: 80 }));
const frameLike = fc.record(
  {
    action,
    data: fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), anyValue),
    room: fc.oneof(roomName, anyValue),
    id: fc.oneof(fc.string({ maxLength: 80 }), anyValue),
    type: fc.oneof(roomName, anyValue),
  },
  { requiredKeys: [] },
);

describe('parseClientFrame, property-based', () => {
  it('handles any string without throwing', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 5000 }), checkReply), { numRuns: 2000 });
  });

  it('handles any bytes decoded as text without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => checkReply(Buffer.from(bytes).toString('utf8'))),
      { numRuns: 1000 },
    );
  });

  it('handles any JSON value without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => checkReply(JSON.stringify(value) ?? '')),
      { numRuns: 2000 },
    );
  });

  it('handles frame-shaped objects, valid or not, without throwing', () => {
    fc.assert(
      fc.property(frameLike, (frame) => checkReply(JSON.stringify(frame))),
      { numRuns: 3000 },
    );
  });

  it('keeps replies under 128 KB for data at the size limit, whatever it is made of', () => {
    // Characters that expand most when JSON-encoded: control characters (6 bytes) and 4-byte UTF-8.
    const heavyChar = fc.constantFrom('\u0000', '\u001f', '"', '\\', '😀', '\u2028', 'é', 'a', '\ud800');
    fc.assert(
      fc.property(fc.array(heavyChar, { minLength: 5000, maxLength: 40_000 }), (chars) =>
        checkReply(JSON.stringify({ action: 'message', data: chars.join(''), id: 'x'.repeat(64) })),
      ),
      { numRuns: 50 },
    );
  });
});

describe('encodedSize, property-based', () => {
  it('is the UTF-8 length of the string as JSON, without its quotes, for any string (lone surrogates and escapes included)', () => {
    const expected = (value: string) => Buffer.byteLength(JSON.stringify(value), 'utf8') - 2;
    for (const value of ['', 'Hello', 'é', '€', '😀', '\ud800', '\udc00x', '"\\\n\u0001']) expect(encodedSize(value)).toBe(expected(value));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => encodedSize(value) === expected(value)),
      { numRuns: 5000 },
    );
  });
});
