/** startEmulator's own duties, on a hand-made assembly: what a failed start leaves behind, and what waits for the gateway. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../local/emulator';
import { editHandTemplate, writeHandAssembly } from './fixtures/hand-assembly';
import { connect } from './helpers';

jest.setTimeout(30_000);

const quiet = { log: () => undefined, functionLog: () => undefined };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-emulator-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once `port` can be bound again, i.e. nothing listens on it; rejects with the bind error otherwise. */
async function bindable(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

describe('a start that fails after the store has started', () => {
  test('the gateway port is taken: the start fails with the bind error and the store is stopped', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    const dynamodbPort = await freePort();
    try {
      await expect(startEmulator({ assemblyDir: writeHandAssembly(path.join(tmp, 'busy')), port, dynamodbPort, ...quiet })).rejects.toThrow(
        'EADDRINUSE',
      );
      await expect(bindable(dynamodbPort)).resolves.toBeUndefined();
    } finally {
      busy.close();
    }
  });

  test('the gateway cannot serve the API: the store and the port are released', async () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'expression')), (template) => {
      template.Resources.Api.Properties!.RouteSelectionExpression = '$request.header.x';
    });
    const [port, dynamodbPort] = [await freePort(), await freePort()];

    await expect(startEmulator({ assemblyDir: dir, port, dynamodbPort, ...quiet })).rejects.toThrow(
      'unsupported route selection expression "$request.header.x"',
    );

    await expect(bindable(port)).resolves.toBeUndefined();
    await expect(bindable(dynamodbPort)).resolves.toBeUndefined();
  });
});

test('the URLs it returns name the bound port, and the gateway answers on it', async () => {
  const emu = await startEmulator({ assemblyDir: writeHandAssembly(path.join(tmp, 'urls')), port: 0, ...quiet });
  try {
    expect(emu.port).toBeGreaterThan(0);
    expect(emu.url).toBe(`ws://127.0.0.1:${emu.port}/v1`);
    expect(emu.lambdaEndpoint).toBe(`http://127.0.0.1:${emu.port}`);
    const client = await connect(emu.url);
    client.ws.send('hi');
    expect(await client.next()).toBe('echo:hi');
    client.ws.close();
  } finally {
    await emu.stop();
  }
});
