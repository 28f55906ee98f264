import { OUTCOME_SLOT_BYTES, OUTCOME_SLOTS, OutcomeReader, OutcomeWriter, outcomeMemory } from '../../../local/runtime/outcome-ring';

function drained(reader: OutcomeReader): Array<[number, string, number]> {
  const out: Array<[number, string, number]> = [];
  reader.drain((id, json, endedAt) => out.push([id, json, endedAt]));
  return out;
}

describe('outcome ring (results in shared memory)', () => {
  test('hands over results oldest first, each once, with the time its invocation ended', () => {
    const memory = outcomeMemory();
    const writer = new OutcomeWriter(memory);
    const reader = new OutcomeReader(memory);
    expect(writer.tryWrite(7, '{"statusCode":200,"body":"é€😀"}', 1_700_000_000_123.5)).toBe(true);
    expect(writer.tryWrite(8, 'null', 1_700_000_000_124)).toBe(true);
    expect(drained(reader)).toEqual([
      [7, '{"statusCode":200,"body":"é€😀"}', 1_700_000_000_123.5],
      [8, 'null', 1_700_000_000_124],
    ]);
    expect(drained(reader)).toEqual([]);
  });

  test('refuses a result when every slot is unread, and takes one again once they are read', () => {
    const memory = outcomeMemory();
    const writer = new OutcomeWriter(memory);
    const reader = new OutcomeReader(memory);
    for (let id = 0; id < OUTCOME_SLOTS; id++) expect(writer.tryWrite(id, `{"n":${id}}`, 0)).toBe(true);
    expect(writer.tryWrite(999, '{}', 0)).toBe(false);
    expect(drained(reader).map(([id]) => id)).toEqual(Array.from({ length: OUTCOME_SLOTS }, (_, id) => id));
    expect(writer.tryWrite(1000, '{}', 0)).toBe(true);
    expect(drained(reader)).toEqual([[1000, '{}', 0]]);
  });

  test('refuses a result longer than a slot, counting UTF-8 bytes, and keeps one that just fits whole', () => {
    const memory = outcomeMemory();
    const writer = new OutcomeWriter(memory);
    const reader = new OutcomeReader(memory);
    const room = OUTCOME_SLOT_BYTES - 16;
    expect(writer.tryWrite(1, 'x'.repeat(room + 1), 0)).toBe(false);
    // Three bytes each in UTF-8: this many fit, one more does not.
    const fits = '€'.repeat(Math.floor(room / 3));
    expect(writer.tryWrite(2, fits + '€', 0)).toBe(false);
    expect(writer.tryWrite(3, fits, 0)).toBe(true);
    expect(drained(reader)).toEqual([[3, fits, 0]]);
  });

  test('keeps working when its 32-bit counters wrap', () => {
    const memory = outcomeMemory();
    new Int32Array(memory, 0, 2).fill(0x7fffffff - 1);
    const writer = new OutcomeWriter(memory);
    const reader = new OutcomeReader(memory);
    for (let round = 0; round < 3; round++) {
      for (let id = 0; id < 5; id++) expect(writer.tryWrite(round * 10 + id, String(id), 0)).toBe(true);
      expect(drained(reader).map(([id]) => id)).toEqual([0, 1, 2, 3, 4].map((id) => round * 10 + id));
    }
    expect(new Int32Array(memory, 0, 2)[0]).toBeLessThan(0);
  });
});
