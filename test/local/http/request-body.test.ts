import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { readBody } from '../../../local/http/request-body';

/** A request whose body arrives in these chunks. */
const request = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c))) as unknown as IncomingMessage;

describe('readBody', () => {
  it('joins the chunks of a body up to the limit, the limit included', async () => {
    await expect(readBody(request('ab', 'cd'), 4)).resolves.toEqual(Buffer.from('abcd'));
    await expect(readBody(request(), 4)).resolves.toEqual(Buffer.alloc(0));
  });

  it('is undefined for a body one byte over the limit, read to its end', async () => {
    const req = request('ab', 'cde');
    await expect(readBody(req, 4)).resolves.toBeUndefined();
    expect(req.readableEnded).toBe(true);
  });

  it('rejects with the stream error', async () => {
    const req = new Readable({ read() {} }) as unknown as IncomingMessage;
    const body = readBody(req, 4);
    req.destroy(new Error('socket hang up'));
    await expect(body).rejects.toThrow('socket hang up');
  });
});
