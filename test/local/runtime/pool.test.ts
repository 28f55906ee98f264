/**
 * A function's pool of execution environments, with real workers. Time on the pool's side (the
 * invocations' timeouts, the init limit, the reclaim check) is a ManualClock the tests advance; a
 * test that must wait for a worker waits for what the worker does (a result, a line it writes, a
 * file it creates), never for a length of time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { FunctionSpec } from '../../../local/assembly/assembly';
import type { DispatchSettings } from '../../../local/runtime/dispatch';
import type { InvokeResult } from '../../../local/runtime/invocation';
import { FunctionPool } from '../../../local/runtime/pool';
import { ManualClock } from '../../support/manual-clock';
import { created, FunctionFolders, hasSettled, OutputLines, SDK_FOLDER } from './function-fixtures';

let folders: FunctionFolders;
const pools: FunctionPool[] = [];

beforeAll(() => {
  folders = new FunctionFolders();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.stop()));
  folders.remove();
});

interface PoolSetup {
  readonly spec?: Partial<FunctionSpec>;
  readonly maxConcurrency?: number;
  readonly dispatch?: Partial<DispatchSettings>;
  /** @default the system clock */
  readonly clock?: ManualClock;
  readonly output?: OutputLines;
  /** More environment variables for the function. @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/** A function whose asset folder holds `files`, run the way the emulator runs it. */
function functionWith(name: string, handler: string, files: Record<string, string>, setup: PoolSetup = {}): FunctionPool {
  const pool = new FunctionPool(
    folders.spec(name, handler, files, setup.spec),
    { NODE_PATH: SDK_FOLDER, AWS_REGION: 'us-east-1', ...setup.env },
    {
      region: 'us-east-1',
      accountId: '123456789012',
      maxConcurrency: setup.maxConcurrency,
      dispatch: setup.dispatch,
      clock: setup.clock,
      onOutput: setup.output?.onOutput,
    },
  );
  pools.push(pool);
  return pool;
}

// AWS's own samples import SDK v3 from ES modules and bundle nothing: the runtime provides it.
const IMPORTS_SDK = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const handler = async () => ({ statusCode: 200, body: typeof DynamoDBClient });`;

const TIMED_OUT = { ok: false, error: { errorType: 'Sandbox.Timedout' } };

describe('a function pool', () => {
  test('an .mjs handler imports the runtime-provided SDK v3', async () => {
    const result = await functionWith('esm-mjs', 'index.handler', { 'index.mjs': IMPORTS_SDK }).invoke({});
    expect(result).toMatchObject({ ok: true, result: { statusCode: 200, body: 'function' } });
  });

  test('a .js handler under "type": "module" imports it too', async () => {
    const pool = functionWith('esm-js', 'src/app.handler', { 'package.json': '{"type":"module"}', 'src/app.js': IMPORTS_SDK });
    expect(await pool.invoke({})).toMatchObject({ ok: true, result: { body: 'function' } });
  });

  test('a CommonJS handler requires it through NODE_PATH', async () => {
    const pool = functionWith('cjs', 'index.handler', {
      'index.js': `const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
exports.handler = async () => ({ statusCode: 200, body: typeof DynamoDBClient });`,
    });
    expect(await pool.invoke({})).toMatchObject({ ok: true, result: { body: 'function' } });
  });

  test.each([
    ['ES module', 'index.mjs', "import { SNSClient } from '@aws-sdk/client-sns'; export const handler = async () => typeof SNSClient;"],
    ['CommonJS', 'index.js', "const { SNSClient } = require('@aws-sdk/client-sns'); exports.handler = async () => typeof SNSClient;"],
  ])('a %s handler importing an SDK client the emulator lacks gets an error naming the package', async (_kind, file, source) => {
    const result = await functionWith(`missing-${file}`, 'index.handler', { [file]: source }).invoke({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorType).toBe('Runtime.ImportModuleError');
    expect(result.error.errorMessage).toContain("Cannot find package '@aws-sdk/client-sns'");
    expect(result.error.errorMessage).toContain("Lambda's nodejs24.x runtime provides it; this emulator does not install SDK packages");
  });

  test('a package that is nowhere keeps its own error', async () => {
    const result = await functionWith('missing-other', 'index.handler', {
      'index.mjs': "import 'left-pad-not-installed'; export const handler = async () => 1;",
    }).invoke({});
    expect(result).toMatchObject({
      ok: false,
      error: { errorMessage: expect.stringContaining("Cannot find package 'left-pad-not-installed'") },
    });
  });

  test('each invocation has its own X-Ray trace header in _X_AMZN_TRACE_ID, sampled when tracing is Active', async () => {
    const source = `export const handler = async () => process.env._X_AMZN_TRACE_ID;`;
    const header = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=([01])$/;
    const passThrough = functionWith('trace-passthrough', 'index.handler', { 'index.mjs': source });
    const active = functionWith('trace-active', 'index.handler', { 'index.mjs': source }, { spec: { activeTracing: true } });
    const headers: string[] = [];
    for (const pool of [passThrough, passThrough, active]) {
      const result = await pool.invoke({});
      expect(result).toMatchObject({ ok: true, result: expect.stringMatching(header) });
      if (result.ok) headers.push(String(result.result));
    }
    expect(headers.map((h) => header.exec(h)?.[1])).toEqual(['0', '0', '1']);
    // A new trace per invocation, as Lambda sets it before each one, in the same warm environment.
    expect(new Set(headers).size).toBe(3);
  });

  test("the X-Ray SDK traces an SDK client's calls with it: no 'Missing AWS Lambda trace data' line", async () => {
    const output = new OutputLines();
    const pool = functionWith(
      'xray',
      'index.handler',
      {
        // The X-Ray SDK's Lambda mode (LAMBDA_TASK_ROOT set, as Lambda sets it) reads the header on each traced call.
        'index.js': `const AWSXRay = require('aws-xray-sdk-core');
const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');
const client = AWSXRay.captureAWSv3Client(new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
exports.handler = async () => {
  // No local DynamoDB in this pool: the call is refused at once, after the X-Ray SDK has opened its subsegment.
  const error = await client.send(new ListTablesCommand({})).then(() => 'none', (err) => err.name);
  console.log('call done');
  return { error, traceId: AWSXRay.getSegment().trace_id, header: process.env._X_AMZN_TRACE_ID };
};`,
      },
      {
        spec: { activeTracing: true },
        output,
        // Lambda sets both; the daemon address is a port nothing listens on, so no segment leaves this machine's loopback.
        env: { LAMBDA_TASK_ROOT: folders.file('xray'), AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9' },
      },
    );
    const result = await pool.invoke({});
    await output.written('call done');
    expect(result).toMatchObject({ ok: true, result: { error: 'NotEmulatedError' } });
    const { traceId, header } = (result as { result: { traceId: string; header: string } }).result;
    expect(header).toContain(`Root=${traceId};`);
    expect(output.lines().filter((line) => line.includes('Missing AWS Lambda trace data'))).toEqual([]);
  });

  test('the event reaches the handler as JSON, as Lambda passes it', async () => {
    const pool = functionWith('json-event', 'index.handler', {
      'index.mjs': `export const handler = async (event) => ({ keys: Object.keys(event), at: typeof event.at, at_value: event.at });`,
    });
    const result = await pool.invoke({ kept: 1, dropped: undefined, at: new Date(0) });
    expect(result).toMatchObject({ ok: true, result: { keys: ['kept', 'at'], at: 'string', at_value: '1970-01-01T00:00:00.000Z' } });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => pool.invoke(circular)).toThrow(/circular/i);
  });

  test('the result comes back as JSON, as the Lambda runtime sends it; one JSON cannot carry fails the invocation', async () => {
    const pool = functionWith('json-result', 'index.handler', {
      'index.mjs': `export const handler = async (event) => {
  if (event.kind === 'object') return { at: new Date(0), gone: undefined, method() {} };
  if (event.kind === 'function') return () => 1;
  if (event.kind === 'bigint') return { n: 1n };
  if (event.kind === 'circular') { const c = {}; c.self = c; return c; }
};`,
    });
    expect(await pool.invoke({ kind: 'object' })).toMatchObject({ ok: true, result: { at: '1970-01-01T00:00:00.000Z' } });
    expect(((await pool.invoke({ kind: 'object' })) as { result: object }).result).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(await pool.invoke({ kind: 'none' })).toMatchObject({ ok: true, result: null });
    expect(await pool.invoke({ kind: 'function' })).toMatchObject({ ok: true, result: null });
    for (const kind of ['bigint', 'circular']) {
      expect(await pool.invoke({ kind })).toMatchObject({
        ok: false,
        error: { errorType: 'Runtime.JSONStringifyError', errorMessage: 'Unable to stringify response body' },
      });
    }
  });

  test('an init that never finishes fails the invocation waiting for it at the init limit, and the next gets a new environment', async () => {
    const clock = new ManualClock();
    const output = new OutputLines();
    const pool = functionWith(
      'init-hangs',
      'index.handler',
      {
        'index.mjs': `import { existsSync, writeFileSync } from 'node:fs';
const marker = new URL('./first-init-started', import.meta.url);
// The first environment's init never ends; the next one's does.
if (!existsSync(marker)) {
  writeFileSync(marker, '');
  console.log('init hangs');
  await new Promise(() => setInterval(() => {}, 1000));
}
export const handler = async () => 'served';`,
      },
      { clock, output },
    );
    const first = pool.invoke({});
    await output.written('init hangs');
    // The limit by default: Lambda's 10 s, plus the function's timeout (10 s).
    clock.advance(19_999);
    expect(await hasSettled(first)).toBe(false);
    clock.advance(1);
    expect(await first).toMatchObject({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: "the function's init did not finish in 20.00 seconds" },
    });
    expect(await pool.invoke({})).toMatchObject({ ok: true, result: 'served' });
  });

  test('a function the emulator cannot run answers every invocation with an error saying why', async () => {
    const pool = functionWith(
      'python',
      'app.handler',
      {},
      { spec: { runtime: 'python3.13', unsupported: 'runtime "python3.13" is not a Node.js runtime' } },
    );
    expect(await pool.invoke({})).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.Unsupported', errorMessage: 'runtime "python3.13" is not a Node.js runtime' },
    });
  });

  // Invocations may wait in a busy environment's own queue (dispatch.ts, DISPATCH): Lambda's rules must still hold.
  describe('with every environment busy', () => {
    /**
     * Runs `ms` (300 by default), or hangs after writing `hanging <tag>`. Reports when the context
     * says it times out (its remaining time read before the time, so never early) and when it ended.
     */
    const SLOW = `let running = 0;
let served = 0;
export const handler = async (event, context) => {
  const deadline = context.getRemainingTimeInMillis() + Date.now();
  running++;
  const overlapped = running > 1;
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 300));
  if (event.hang) {
    console.log('hanging ' + event.hang);
    await new Promise(() => {});
  }
  running--;
  return { n: served++, overlapped, deadline, endedAt: Date.now() };
};`;
    type SlowResult = { n: number; overlapped: boolean; deadline: number; endedAt: number };
    const slowResult = (r: InvokeResult) => (r.ok ? (r.result as SlowResult) : r.error);

    /** Invocations queue in the busy environment's own worker and stay there (none is taken back, as the clock stands still). */
    const QUEUE_IN_WORKER: Partial<DispatchSettings> = { shortRunMs: Infinity, reclaimAfterMs: 60_000 };

    test('an environment serves its invocations one at a time, in arrival order, each timed from its own start', async () => {
      const pool = functionWith(
        'one-at-a-time',
        'index.handler',
        { 'index.mjs': SLOW },
        {
          spec: { timeoutSeconds: 1 },
          maxConcurrency: 1,
          dispatch: QUEUE_IN_WORKER,
          clock: new ManualClock(),
        },
      );
      const results = (await Promise.all([pool.invoke({}), pool.invoke({}), pool.invoke({})])).map(slowResult);
      expect(results).toEqual([0, 1, 2].map((n) => ({ n, overlapped: false, deadline: expect.any(Number), endedAt: expect.any(Number) })));
      // Each started after the one before it ended (300 ms after it started), and its second of
      // timeout counts from then: from their arrival, together, the later ones would have less.
      const [first, second, third] = results as SlowResult[];
      expect(second.deadline).toBeGreaterThanOrEqual(first.endedAt + 1000);
      expect(third.deadline).toBeGreaterThanOrEqual(second.endedAt + 1000);
    });

    // Which environment served an invocation, and whether another ran in it at the same time.
    // Each run appends its request id to the file `tally` names, so a test can see an invocation run twice.
    // One with `hold` writes the file `started` names, then waits until the file `release` names
    // exists: for I/O, or running synchronous code, so that its worker's event loop answers nothing.
    const TAGGED = `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const environment = Math.random().toString(36).slice(2);
let running = 0;
export const handler = async (event, context) => {
  if (event.tally) appendFileSync(event.tally, context.awsRequestId + '\\n');
  running++;
  const overlapped = running > 1;
  if (event.ms) await new Promise((resolve) => setTimeout(resolve, event.ms));
  if (event.started) writeFileSync(event.started, '');
  if (event.hold === 'io') while (!existsSync(event.release)) await new Promise((resolve) => setTimeout(resolve, 5));
  if (event.hold === 'sync') while (!existsSync(event.release));
  running--;
  return { environment, overlapped };
};`;
    const resultOf = (r: InvokeResult) => (r.ok ? (r.result as { environment: string; overlapped: boolean }) : r.error);
    const environmentOf = (r: InvokeResult) => (resultOf(r) as { environment: string }).environment;

    test('short invocations queue in a running environment, one at a time, instead of waking an idle one', async () => {
      // Every function counts as short here, and none is taken back.
      const pool = functionWith(
        'short-queue',
        'index.handler',
        { 'index.mjs': TAGGED },
        {
          maxConcurrency: 4,
          dispatch: QUEUE_IN_WORKER,
          clock: new ManualClock(),
        },
      );
      const first = environmentOf(await pool.invoke({}));
      const burst = (await Promise.all(Array.from({ length: 10 }, () => pool.invoke({ ms: 5 })))).map(resultOf);
      expect(burst).toEqual(Array.from({ length: 10 }, () => ({ environment: first, overlapped: false })));
    });

    test.each([
      ['waits for I/O', 'io'],
      ['runs synchronous code, so its worker answers nothing', 'sync'],
    ])('an invocation queued behind one that %s is taken back, runs once, in another environment', async (_kind, hold) => {
      const clock = new ManualClock();
      const pool = functionWith(
        `reclaimed-${hold}`,
        'index.handler',
        { 'index.mjs': TAGGED },
        {
          maxConcurrency: 2,
          dispatch: { shortRunMs: Infinity, reclaimAfterMs: 50 },
          clock,
        },
      );
      const [tally, started, release] = ['tally', 'started', 'release'].map((file) => folders.file(`${file}-${hold}`));
      const warm = environmentOf(await pool.invoke({}));
      // The quick ones queue behind the held one (short functions do)...
      const held = pool.invoke({ hold, started, release, tally });
      const quick = [pool.invoke({ tally }), pool.invoke({ tally })];
      await created(started);
      // ...until it has run for reclaimAfterMs: then they are taken back, and run in another
      // environment while the held one still holds its own.
      clock.advance(50);
      for (const q of await Promise.all(quick)) {
        expect(resultOf(q)).toEqual({ environment: expect.any(String), overlapped: false });
        expect(environmentOf(q)).not.toBe(warm);
      }
      writeFileSync(release, '');
      expect(environmentOf(await held)).toBe(warm);
      // The held one's worker, once free, skips the two it gave up: each invocation ran exactly once.
      const later = await Promise.all([pool.invoke({ tally }), pool.invoke({ tally })]);
      const ran = readFileSync(tally, 'utf8').trim().split('\n').sort();
      expect(ran).toEqual([await held, ...(await Promise.all(quick)), ...later].map((r) => r.requestId).sort());
    });

    test('an invocation waiting behind one that times out runs in a new environment, with its whole timeout', async () => {
      const clock = new ManualClock();
      const output = new OutputLines();
      const pool = functionWith(
        'behind-a-timeout',
        'index.handler',
        { 'index.mjs': SLOW },
        {
          spec: { timeoutSeconds: 1 },
          maxConcurrency: 1,
          dispatch: QUEUE_IN_WORKER,
          clock,
          output,
        },
      );
      const [hung, next] = [pool.invoke({ hang: 'behind' }), pool.invoke({})];
      // It hangs after running 300 ms, with the next one queued behind it.
      await output.written('hanging behind');
      const timedOutAt = Date.now();
      clock.advance(1000);
      expect(await hung).toMatchObject(TIMED_OUT);
      // n 0: a fresh environment's first invocation (the timed-out one's environment was terminated),
      // its second of timeout counted from its start there, not from when it was first sent.
      const result = await next;
      expect(slowResult(result)).toEqual({ n: 0, overlapped: false, deadline: expect.any(Number), endedAt: expect.any(Number) });
      expect((slowResult(result) as SlowResult).deadline).toBeGreaterThanOrEqual(timedOutAt + 1000);
    });

    test('each invocation times out a whole timeout after its own start, however long after the previous one it comes', async () => {
      const clock = new ManualClock();
      const pool = functionWith(
        'timed-each',
        'index.handler',
        { 'index.mjs': SLOW },
        {
          spec: { timeoutSeconds: 1 },
          maxConcurrency: 1,
          dispatch: QUEUE_IN_WORKER,
          clock,
        },
      );
      expect(await pool.invoke({ ms: 0 })).toMatchObject({ ok: true, result: { n: 0 } });
      // Its environment's timer, armed for the first, fires with nothing running.
      clock.advance(1200);
      const late = pool.invoke({ hang: 'late' });
      clock.advance(999);
      expect(await hasSettled(late)).toBe(false);
      clock.advance(1);
      expect(await late).toMatchObject({ ...TIMED_OUT, durationMs: 1000 });
      // One that starts while the previous one's timeout still counts gets its own whole second too.
      expect(await pool.invoke({ ms: 0 })).toMatchObject({ ok: true, result: { n: 0 } });
      clock.advance(500);
      const soon = pool.invoke({ hang: 'soon' });
      clock.advance(999);
      expect(await hasSettled(soon)).toBe(false);
      clock.advance(1);
      expect(await soon).toMatchObject({ ...TIMED_OUT, durationMs: 1000 });
    });

    describe('results that wait in shared memory while the next invocation runs (outcome-ring.ts)', () => {
      /**
       * Writes the file `started` names, if any; waits for I/O until the file `waitFor` names exists;
       * runs synchronous code for `blockMs`, then until the file `blockUntil` names exists.
       */
      const NEXT = `import { existsSync, writeFileSync } from 'node:fs';
export const handler = async (event) => {
  if (event.waitFor) while (!existsSync(event.waitFor)) await new Promise((resolve) => setTimeout(resolve, 5));
  for (const until = Date.now() + (event.blockMs ?? 0); Date.now() < until; );
  if (event.started) writeFileSync(event.started, '');
  if (event.blockUntil) while (!existsSync(event.blockUntil));
  if (event.exit) process.exit(4);
  return { n: event.n, pad: 'x'.repeat(event.pad ?? 0) };
};`;
      /**
       * Short invocations, so results wait in shared memory; nothing waiting is taken back unless
       * the clock is advanced. Warm: invocations queue only in an environment that is ready.
       */
      const pool = async (name: string, clock: ManualClock, timeoutSeconds = 10, reclaimAfterMs = 60_000) => {
        const p = functionWith(
          name,
          'index.handler',
          { 'index.mjs': NEXT },
          {
            spec: { timeoutSeconds },
            maxConcurrency: 1,
            dispatch: { shortRunMs: Infinity, reclaimAfterMs },
            clock,
          },
        );
        expect(await p.invoke({ n: 0 })).toMatchObject({ ok: true });
        return p;
      };

      test('every result reaches its own invocation, in any mix of shared memory and messages', async () => {
        const p = await pool('outcomes-many', new ManualClock());
        // Some results are too long for a slot and travel as messages, overtaking or trailing the others.
        const results = await Promise.all(
          Array.from({ length: 8 }, async (_, client) => {
            const mine: unknown[] = [];
            for (let i = 0; i < 150; i++) {
              const n = client * 1000 + i;
              const r = await p.invoke({ n, pad: i % 7 === 0 ? 3000 : 0 });
              mine.push(r.ok ? (r.result as { n: number }).n : r.error);
            }
            return mine;
          }),
        );
        results.forEach((mine, client) => expect(mine).toEqual(Array.from({ length: 150 }, (_, i) => client * 1000 + i)));
      });

      test('a result does not wait for the next invocation’s I/O', async () => {
        const p = await pool('outcomes-io', new ManualClock());
        const release = folders.file('release-outcomes-io');
        const [first, second] = [p.invoke({ n: 1 }), p.invoke({ n: 2, waitFor: release })];
        // The second waits for I/O until the first has settled: were the first's result to wait for
        // the second's, neither would.
        expect(await first).toMatchObject({ ok: true, result: { n: 1 } });
        writeFileSync(release, '');
        expect(await second).toMatchObject({ ok: true, result: { n: 2 } });
      });

      test('a result does not wait for the next invocation’s synchronous code', async () => {
        const clock = new ManualClock();
        const p = await pool('outcomes-sync', clock, 10, 5);
        const [started, release] = [folders.file('started-outcomes-sync'), folders.file('release-outcomes-sync')];
        const [first, second] = [p.invoke({ n: 1 }), p.invoke({ n: 2, started, blockUntil: release })];
        try {
          // The second runs synchronous code: its worker sends nothing, the first's result waits in shared memory...
          await created(started);
          // ...where the check for invocations stuck behind a slow one reads it.
          clock.advance(5);
          expect(await hasSettled(first)).toBe(true);
          expect(await first).toMatchObject({ ok: true, result: { n: 1 } });
        } finally {
          writeFileSync(release, '');
        }
        expect(await second).toMatchObject({ ok: true, result: { n: 2 } });
      });

      test('a result stays the result when the next invocation times out, whose timeout counts from its real start', async () => {
        const clock = new ManualClock();
        const p = await pool('outcomes-timeout', clock, 1);
        const [started, release] = [folders.file('started-outcomes-timeout'), folders.file('release-outcomes-timeout')];
        try {
          const [first, second] = [p.invoke({ n: 1 }), p.invoke({ n: 2, blockMs: 300, started, blockUntil: release })];
          // The second runs synchronous code, started at least 300 ms before its sign, while the first's result waits in shared memory.
          await created(started);
          // The first's timeout: its result is read before anything times out.
          clock.advance(1000);
          expect(await first).toMatchObject({ ok: true, result: { n: 1 } });
          // The second's second of timeout started when the first's result was written, at least 300 ms before it
          // was read (less a millisecond or two: the worker's and this thread's clocks are read apart), so it has
          // ended by 1800 ms; counted from the read, it would run until 2000 ms.
          clock.advance(800);
          expect(await hasSettled(second)).toBe(true);
          expect(await second).toMatchObject(TIMED_OUT);
        } finally {
          writeFileSync(release, '');
        }
      });

      test('a result stays the result when the worker exits during the next invocation', async () => {
        const p = await pool('outcomes-exit', new ManualClock());
        const [first, second] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2, exit: true })]);
        expect(first).toMatchObject({ ok: true, result: { n: 1 } });
        expect(second).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
      });
    });

    test('an environment arms no timer per invocation: one timeout timer serves those that follow one another', async () => {
      const clock = new ManualClock();
      const pool = functionWith('one-timer', 'index.handler', { 'index.mjs': SLOW }, { spec: { timeoutSeconds: 7 }, clock });
      expect(await pool.invoke({ ms: 1 })).toMatchObject({ ok: true });
      const timers = jest.spyOn(clock, 'setTimeout');
      for (let i = 0; i < 20; i++) expect(await pool.invoke({ ms: 1 })).toMatchObject({ ok: true });
      expect(timers).not.toHaveBeenCalled();
    });

    test('an invocation waiting behind one whose environment crashes runs in a new environment', async () => {
      const pool = functionWith(
        'behind-a-crash',
        'index.handler',
        {
          'index.mjs': `let served = 0;
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (event.crash) process.exit(3);
  return { n: served++ };
};`,
        },
        { maxConcurrency: 1, dispatch: QUEUE_IN_WORKER, clock: new ManualClock() },
      );
      const [crashed, next] = await Promise.all([pool.invoke({ crash: true }), pool.invoke({})]);
      expect(crashed).toMatchObject({
        ok: false,
        error: { errorType: 'Runtime.ExitError', errorMessage: expect.stringContaining('code 3') },
      });
      expect(next).toMatchObject({ ok: true, result: { n: 0 } });
    });
  });
});
