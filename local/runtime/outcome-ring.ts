/**
 * Results crossing from a worker to the runtime's thread in shared memory (see DISPATCH in
 * dispatch.ts). A worker that finishes an invocation while the next one waits in its queue writes
 * the result into a slot here and starts the next at once; the results of one turn of its event
 * loop then reach the runtime with one message, not one each. The runtime also reads the slots
 * on its own, while invocations wait, so a result is never stuck behind the next invocation's
 * synchronous code, nor lost with a worker that crashes or is ended after writing it.
 *
 * One writer (the worker), one reader (the runtime's thread). The memory starts with two
 * counters, results written and results read, each a 32-bit count that wraps; then the slots,
 * each an invocation id, a byte length, when the invocation ended (ms since the epoch, so that
 * the runtime can time the next one from its real start) and the result's JSON in UTF-8.
 */
export const OUTCOME_SLOTS = 64;
/** A result longer than a slot holds travels as a message instead. */
export const OUTCOME_SLOT_BYTES = 1024;

const WRITTEN = 0;
const READ = 1;
const COUNTERS_BYTES = 8;
const SLOT_HEADER_BYTES = 16;
const SLOT_TEXT_BYTES = OUTCOME_SLOT_BYTES - SLOT_HEADER_BYTES;

/** The shared memory for one worker's results. */
export function outcomeMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(COUNTERS_BYTES + OUTCOME_SLOTS * OUTCOME_SLOT_BYTES);
}

class OutcomeSlots {
  protected readonly counters: Int32Array;
  protected readonly ints: Int32Array;
  protected readonly floats: Float64Array;
  protected readonly bytes: Buffer;

  constructor(memory: SharedArrayBuffer) {
    this.counters = new Int32Array(memory, 0, 2);
    this.ints = new Int32Array(memory);
    this.floats = new Float64Array(memory);
    this.bytes = Buffer.from(memory);
  }

  /** Byte offset of the slot for the `count`th result (OUTCOME_SLOTS is a power of two, so this holds past the wrap). */
  protected slotOffset(count: number): number {
    return COUNTERS_BYTES + (count & (OUTCOME_SLOTS - 1)) * OUTCOME_SLOT_BYTES;
  }
}

/** The worker's side. */
export class OutcomeWriter extends OutcomeSlots {
  /** Writes one result; false when it cannot (too long for a slot, or no slot read yet): send it as a message. */
  tryWrite(id: number, resultJson: string, endedAtEpochMs: number): boolean {
    const written = this.counters[WRITTEN];
    if (((written - Atomics.load(this.counters, READ)) | 0) >= OUTCOME_SLOTS) return false;
    // At most 3 bytes per UTF-16 unit: only a string that might not fit is measured.
    if (resultJson.length * 3 > SLOT_TEXT_BYTES && Buffer.byteLength(resultJson, 'utf8') > SLOT_TEXT_BYTES) return false;
    const offset = this.slotOffset(written);
    this.ints[offset / 4] = id;
    this.ints[offset / 4 + 1] = this.bytes.write(resultJson, offset + SLOT_HEADER_BYTES, 'utf8');
    this.floats[offset / 8 + 1] = endedAtEpochMs;
    // Published after the slot is written: a reader that sees the count sees the slot.
    Atomics.store(this.counters, WRITTEN, (written + 1) | 0);
    return true;
  }
}

/** The runtime's side. */
export class OutcomeReader extends OutcomeSlots {
  /** Hands over every result not read yet, oldest first. */
  drain(onResult: (id: number, resultJson: string, endedAtEpochMs: number) => void): void {
    let read = this.counters[READ];
    const written = Atomics.load(this.counters, WRITTEN);
    while (read !== written) {
      const offset = this.slotOffset(read);
      const id = this.ints[offset / 4];
      const start = offset + SLOT_HEADER_BYTES;
      const resultJson = this.bytes.toString('utf8', start, start + this.ints[offset / 4 + 1]);
      const endedAt = this.floats[offset / 8 + 1];
      read = (read + 1) | 0;
      // Marked read before it is handled, so that a handler that throws cannot make it be handled twice.
      Atomics.store(this.counters, READ, read);
      onResult(id, resultJson, endedAt);
    }
  }
}
