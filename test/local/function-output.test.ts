/**
 * Where function output goes: each line to the log, an EMF line as a short metrics summary; under
 * quiet nowhere (the workers drop it rather than send it), while the functions still answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator } from '../../local/emulator';
import { writeHandAssembly } from './fixtures/hand-assembly';
import { connect } from './helpers';

jest.setTimeout(30_000);

/** What Powertools Metrics prints for one metric. */
const EMF_LINE = JSON.stringify({
  _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'Hand', Dimensions: [[]], Metrics: [{ Name: 'Echoes', Unit: 'Count' }] }] },
  Echoes: 1,
});

/** A handler that logs a line and a metric, then echoes. */
const LOGGING_HANDLER = `exports.handler = async (event) => {
  console.log('handled ' + event.body);
  console.log(${JSON.stringify(EMF_LINE)});
  return { statusCode: 200, body: 'echo:' + event.body };
};
`;

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-output-test-'));
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** The emulator's log lines and the reply of one echo; the output travels with the result, so it is logged before the reply is sent. */
async function echoOnce(quiet: boolean): Promise<{ log: string[]; reply: string }> {
  const assemblyDir = writeHandAssembly(tmp);
  writeFileSync(path.join(assemblyDir, 'asset.hand', 'index.js'), LOGGING_HANDLER);
  const log: string[] = [];
  const emu = await startEmulator({ assemblyDir, port: 0, quiet, log: (line) => log.push(line) });
  try {
    const client = await connect(emu.url);
    client.ws.send('hi');
    const reply = await client.next();
    client.ws.close();
    await client.closed;
    return { log, reply };
  } finally {
    await emu.stop();
  }
}

test('function output reaches the log, an EMF line as a metrics summary', async () => {
  const { log, reply } = await echoOnce(false);

  expect(reply).toBe('echo:hi');
  expect(log).toContain('  [EchoFn] handled hi');
  expect(log).toContain('  [EchoFn] metrics (Hand): Echoes=1');
});

test('quiet: no function output reaches the log, and the function still answers', async () => {
  const { log, reply } = await echoOnce(true);

  expect(reply).toBe('echo:hi');
  expect(log.filter((line) => line.includes('[EchoFn]'))).toEqual([]);
});
