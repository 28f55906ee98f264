import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FunctionSpec } from '../../../local/assembly/assembly';
import type { DispatchSettings } from '../../../local/runtime/dispatch';
import type { InvokeResult } from '../../../local/runtime/invocation';
import { FunctionPool } from '../../../local/runtime/pool';

/** Where the emulator finds the runtime-provided SDK: this project's own node_modules. */
const SDK_FOLDER = path.resolve(__dirname, '../../../node_modules');

let tmp: string;
const pools: FunctionPool[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-runtime-'));
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.stop()));
  rmSync(tmp, { recursive: true, force: true });
});

/** A function whose asset folder holds `files`, run the way the emulator runs it. */
function functionWith(
  name: string,
  handler: string,
  files: Record<string, string>,
  extra: Partial<FunctionSpec> = {},
  maxConcurrency?: number,
  dispatch?: Partial<DispatchSettings>,
  initTimeoutMs?: number,
): FunctionPool {
  const codeDir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(codeDir, file)), { recursive: true });
    writeFileSync(path.join(codeDir, file), text);
  }
  const spec: FunctionSpec = {
    logicalId: name,
    functionName: name,
    codeDir,
    handler,
    runtime: 'nodejs24.x',
    timeoutSeconds: 10,
    memorySize: 128,
    environment: {},
    ...extra,
  };
  const pool = new FunctionPool(
    spec,
    { NODE_PATH: SDK_FOLDER, AWS_REGION: 'us-east-1' },
    { region: 'us-east-1', accountId: '123456789012', maxConcurrency, dispatch, initTimeoutMs },
  );
  pools.push(pool);
  return pool;
}

// AWS's own samples import SDK v3 from ES modules and bundle nothing: the runtime provides it.
const IMPORTS_SDK = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const handler = async () => ({ statusCode: 200, body: typeof DynamoDBClient });`;

describe('function runtime', () => {
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
  ])('a %s handler importing an SDK client this project lacks gets an error naming the package', async (_kind, file, source) => {
    const result = await functionWith(`missing-${file}`, 'index.handler', { [file]: source }).invoke({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorType).toBe('Runtime.ImportModuleError');
    expect(result.error.errorMessage).toContain("Cannot find package '@aws-sdk/client-sns'");
    expect(result.error.errorMessage).toContain('npm install --save-dev @aws-sdk/client-sns');
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

  test('an init that never finishes fails the invocation waiting for it, and the next gets a new environment', async () => {
    const pool = functionWith(
      'init-hangs',
      'index.handler',
      {
        'index.mjs': `import { existsSync, writeFileSync } from 'node:fs';
const marker = new URL('./first-init-started', import.meta.url);
// The first environment's init never ends; the next one's does.
if (!existsSync(marker)) { writeFileSync(marker, ''); await new Promise(() => setInterval(() => {}, 1000)); }
export const handler = async () => 'served';`,
      },
      {},
      undefined,
      undefined,
      300,
    );
    expect(await pool.invoke({})).toMatchObject({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: "the function's init did not finish in 0.30 seconds" },
    });
    expect(await pool.invoke({})).toMatchObject({ ok: true, result: 'served' });
  });

  test('a function the emulator cannot run answers every invocation with an error saying why', async () => {
    const pool = functionWith(
      'python',
      'app.handler',
      {},
      { runtime: 'python3.13', unsupported: 'runtime "python3.13" is not a Node.js runtime' },
    );
    expect(await pool.invoke({})).toMatchObject({
      ok: false,
      error: { errorType: 'Runtime.Unsupported', errorMessage: 'runtime "python3.13" is not a Node.js runtime' },
    });
  });

  // Invocations may wait in a busy environment's own queue (runtime.ts, DISPATCH): Lambda's rules must still hold.
  describe('with every environment busy', () => {
    const SLOW = `let running = 0;
let served = 0;
export const handler = async (event, context) => {
  running++;
  const overlapped = running > 1;
  const remainingAtStart = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, event.hang ? 60000 : 300));
  running--;
  return { n: served++, overlapped, remainingAtStart };
};`;

    /** Invocations queue in the busy environment's own worker and stay there (none is taken back). */
    const QUEUE_IN_WORKER: Partial<DispatchSettings> = { shortRunMs: Infinity, reclaimAfterMs: 60_000 };

    test('an environment serves its invocations one at a time, in arrival order, each timed from its own start', async () => {
      const pool = functionWith('one-at-a-time', 'index.handler', { 'index.mjs': SLOW }, { timeoutSeconds: 1 }, 1, QUEUE_IN_WORKER);
      const results = await Promise.all([pool.invoke({}), pool.invoke({}), pool.invoke({})]);
      expect(results.map((r) => (r.ok ? r.result : r.error))).toEqual([
        { n: 0, overlapped: false, remainingAtStart: expect.any(Number) },
        { n: 1, overlapped: false, remainingAtStart: expect.any(Number) },
        { n: 2, overlapped: false, remainingAtStart: expect.any(Number) },
      ]);
      // The third waited 600 ms for the other two; its second of timeout starts when it does.
      for (const r of results) expect((r as { result: { remainingAtStart: number } }).result.remainingAtStart).toBeGreaterThan(850);
    });

    // Which environment served an invocation, and whether another ran in it at the same time.
    // Each run appends its request id to the file TALLY names, so a test can see an invocation run twice.
    const TAGGED = `import { appendFileSync } from 'node:fs';
const environment = Math.random().toString(36).slice(2);
let running = 0;
export const handler = async (event, context) => {
  if (event.tally) appendFileSync(event.tally, context.awsRequestId + '\\n');
  running++;
  const overlapped = running > 1;
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
  // Synchronous work: the worker's event loop answers nothing until it ends.
  for (const until = Date.now() + (event.blockMs ?? 0); Date.now() < until; );
  running--;
  return { environment, overlapped };
};`;
    const resultOf = (r: InvokeResult) => (r.ok ? (r.result as { environment: string; overlapped: boolean }) : r.error);

    test('short invocations queue in a running environment, one at a time, instead of waking an idle one', async () => {
      // Every function counts as short here, and none is taken back, so the test does not hang on this machine's speed.
      const pool = functionWith('short-queue', 'index.handler', { 'index.mjs': TAGGED }, {}, 4, {
        shortRunMs: Infinity,
        reclaimAfterMs: 60_000,
      });
      const first = resultOf(await pool.invoke({}));
      const burst = (await Promise.all(Array.from({ length: 10 }, () => pool.invoke({ ms: 5 })))).map(resultOf);
      expect(burst).toEqual(
        Array.from({ length: 10 }, () => ({ environment: (first as { environment: string }).environment, overlapped: false })),
      );
    });

    test.each([
      ['waits for I/O', { ms: 3000 }],
      ['runs synchronous code, so its worker answers nothing', { blockMs: 3000 }],
    ])('an invocation queued behind one that %s is taken back, runs once, in another environment', async (_kind, slowEvent) => {
      const pool = functionWith(`reclaimed-${Object.keys(slowEvent)[0]}`, 'index.handler', { 'index.mjs': TAGGED }, {}, 2, {
        shortRunMs: Infinity,
        reclaimAfterMs: 50,
      });
      const tally = path.join(tmp, `tally-${Object.keys(slowEvent)[0]}`);
      await pool.invoke({});
      // The quick ones queue behind the slow one (short functions do), then are taken back when it runs past 50 ms.
      const [slow, ...quick] = await Promise.all([pool.invoke({ ...slowEvent, tally }), pool.invoke({ tally }), pool.invoke({ tally })]);
      expect(slow.ok).toBe(true);
      for (const q of quick) {
        expect(resultOf(q)).toEqual({ environment: expect.any(String), overlapped: false });
        expect((resultOf(q) as { environment: string }).environment).not.toBe((resultOf(slow) as { environment: string }).environment);
        expect(q.durationMs).toBeLessThan(2000);
      }
      // The slow one's worker, once free, skips the two it gave up: each invocation ran exactly once.
      const later = await Promise.all([pool.invoke({ tally }), pool.invoke({ tally })]);
      const ran = readFileSync(tally, 'utf8').trim().split('\n').sort();
      expect(ran).toEqual([slow, ...quick, ...later].map((r) => r.requestId).sort());
    });

    test('an invocation waiting behind one that times out runs in a new environment, with its whole timeout', async () => {
      const pool = functionWith('behind-a-timeout', 'index.handler', { 'index.mjs': SLOW }, { timeoutSeconds: 1 }, 1, QUEUE_IN_WORKER);
      const [hung, next] = await Promise.all([pool.invoke({ hang: true }), pool.invoke({})]);
      expect(hung).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
      // n 0: a fresh environment's first invocation (the timed-out one's environment was terminated).
      expect(next).toMatchObject({ ok: true, result: { n: 0, overlapped: false } });
      expect((next as { result: { remainingAtStart: number } }).result.remainingAtStart).toBeGreaterThan(850);
    });

    test('each invocation times out a whole timeout after its own start, however long after the previous one it comes', async () => {
      const pool = functionWith('timed-each', 'index.handler', { 'index.mjs': SLOW }, { timeoutSeconds: 1 }, 1, QUEUE_IN_WORKER);
      expect(await pool.invoke({})).toMatchObject({ ok: true, result: { n: 0 } });
      // Its environment's timer, armed for the first, has fired by now, with nothing running.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const late = await pool.invoke({ hang: true });
      expect(late).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
      expect(late.durationMs).toBeGreaterThanOrEqual(950);
      // One that starts while the previous one's timeout still counts gets its own whole second too.
      expect(await pool.invoke({})).toMatchObject({ ok: true, result: { n: 0 } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const soon = await pool.invoke({ hang: true });
      expect(soon).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
      expect(soon.durationMs).toBeGreaterThanOrEqual(950);
    });

    describe('results that wait in shared memory while the next invocation runs (outcome-ring.ts)', () => {
      const NEXT = `export const handler = async (event) => {
  if (event.waitMs) await new Promise((resolve) => setTimeout(resolve, event.waitMs));
  for (const until = Date.now() + (event.blockMs ?? 0); Date.now() < until; );
  if (event.exit) process.exit(4);
  return { n: event.n, pad: 'x'.repeat(event.pad ?? 0) };
};`;
      /**
       * Short invocations, so results wait in shared memory; nothing waiting is taken back unless
       * `reclaimAfterMs` says so. Warm: invocations queue only in an environment that is ready.
       */
      const pool = async (name: string, reclaimAfterMs = 60_000, timeoutSeconds = 10) => {
        const p = functionWith(name, 'index.handler', { 'index.mjs': NEXT }, { timeoutSeconds }, 1, {
          shortRunMs: Infinity,
          reclaimAfterMs,
        });
        expect(await p.invoke({ n: 0 })).toMatchObject({ ok: true });
        return p;
      };

      test('every result reaches its own invocation, in any mix of shared memory and messages', async () => {
        const p = await pool('outcomes-many');
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
        const p = await pool('outcomes-io');
        const [first, second] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2, waitMs: 600 })]);
        expect([first.ok, second.ok]).toEqual([true, true]);
        expect(first.durationMs).toBeLessThan(300);
      });

      test('a result does not wait for the next invocation’s synchronous code', async () => {
        const p = await pool('outcomes-sync', 5);
        const [first, second] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2, blockMs: 800 })]);
        expect([first.ok, second.ok]).toEqual([true, true]);
        expect(first.durationMs).toBeLessThan(400);
      });

      test('a result stays the result when the next invocation times out', async () => {
        const p = await pool('outcomes-timeout', 60_000, 1);
        const [first, second] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2, blockMs: 1800 })]);
        expect(first).toMatchObject({ ok: true, result: { n: 1 } });
        expect(second).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout' } });
      });

      test('a result stays the result when the worker exits during the next invocation', async () => {
        const p = await pool('outcomes-exit');
        const [first, second] = await Promise.all([p.invoke({ n: 1 }), p.invoke({ n: 2, exit: true })]);
        expect(first).toMatchObject({ ok: true, result: { n: 1 } });
        expect(second).toMatchObject({ ok: false, error: { errorType: 'Runtime.ExitError' } });
      });
    });

    test('an environment re-arms one timeout timer for its invocations instead of making one each', async () => {
      const pool = functionWith('one-timer', 'index.handler', { 'index.mjs': SLOW.replace('300', '1') }, { timeoutSeconds: 7 });
      expect(await pool.invoke({})).toMatchObject({ ok: true });
      const timers = jest.spyOn(global, 'setTimeout');
      try {
        for (let i = 0; i < 20; i++) expect(await pool.invoke({})).toMatchObject({ ok: true });
        // Timers of about the function's timeout: none made while the environment was already timing its invocations.
        expect(timers.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 6000)).toEqual([]);
      } finally {
        timers.mockRestore();
      }
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
        {},
        1,
        QUEUE_IN_WORKER,
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
