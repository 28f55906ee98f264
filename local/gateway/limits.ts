/**
 * How the emulator enforces API Gateway's limits: close codes and the frame-size guard. The
 * limits themselves are in protocol/limits.ts.
 */

/** A close code and the `disconnectReason` API Gateway reports for it. */
export interface CloseCause {
  readonly code: number;
  readonly reason: string;
}

export const CLOSE = {
  /** Idle timeout, maximum duration and shutdown. */
  goingAway: { code: 1001, reason: 'Going away' },
  /** DeleteConnection from the management API. */
  deleted: { code: 1000, reason: 'Connection Closed Normally' },
  tooBig: { code: 1009, reason: 'Message too big' },
  binary: { code: 1003, reason: 'Binary frames are not supported' },
} as const satisfies Record<string, CloseCause>;

/** The disconnect cause for a close the client started (or an abrupt drop). */
export function clientCloseCause(code: number, reason: string): CloseCause {
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { code, reason: 'Connection Closed Abnormally' };
  if (code === 1000 && reason === '') return { code, reason: 'Connection Closed Normally' };
  return { code, reason };
}

/**
 * Watches the raw bytes a client sends and reports a frame whose payload exceeds the frame
 * limit; the ws library only enforces a whole-message limit.
 */
export class FrameSizeGuard {
  private header = Buffer.alloc(0);
  private skip = 0;

  constructor(private readonly limit: number) {}

  /** Feeds socket bytes; true when a frame over the limit has started. */
  oversized(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
        continue;
      }
      // A header is parsed where it lies in the chunk; only one split across chunks is copied.
      if (this.header.length === 0) {
        const parsed = parseFrameHeader(chunk, offset);
        if (parsed) {
          if (parsed.payloadLength > this.limit) return true;
          offset += parsed.headerLength;
          this.skip = parsed.payloadLength;
          continue;
        }
      }
      const take = Math.min(14 - this.header.length, chunk.length - offset);
      const header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
      const parsed = parseFrameHeader(header, 0);
      if (!parsed) {
        this.header = header;
        offset += take;
        continue;
      }
      if (parsed.payloadLength > this.limit) return true;
      offset += parsed.headerLength - this.header.length;
      this.header = Buffer.alloc(0);
      this.skip = parsed.payloadLength;
    }
    return false;
  }
}

/** The header of the frame that starts at `start` in `buf`; undefined while it is incomplete. */
function parseFrameHeader(buf: Buffer, start: number): { headerLength: number; payloadLength: number } | undefined {
  const available = buf.length - start;
  if (available < 2) return undefined;
  const masked = (buf[start + 1] & 0x80) !== 0;
  let length = buf[start + 1] & 0x7f;
  let headerLength = 2;
  if (length === 126) {
    if (available < 4) return undefined;
    length = buf.readUInt16BE(start + 2);
    headerLength = 4;
  } else if (length === 127) {
    if (available < 10) return undefined;
    length = Number(buf.readBigUInt64BE(start + 2));
    headerLength = 10;
  }
  if (masked) headerLength += 4;
  if (available < headerLength) return undefined;
  return { headerLength, payloadLength: length };
}
