import type { RawData } from 'ws';

/** A `ws` message as UTF-8 text, whatever the socket's binaryType made of it. */
export function wsText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
