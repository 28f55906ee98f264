import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, parseArgs } from '../../../local/cli/cli';
import { startEmulator, type Emulator, type ReloadResult } from '../../../local/emulator';
import { UsageError } from '../../../cli-kit/flags';
import { watchApp, watchSynthInputs, type AppWatcher } from '../../../local/cli/watch';
import { ManualClock } from '../../support/manual-clock';
import { writeHandAssembly } from '../fixtures/hand-assembly';
import { connect, waitFor } from '../helpers';

let tmp: string;
let emu: Emulator;
let watcher: AppWatcher | undefined;
const log: string[] = [];
const functionOutput = new EventEmitter();

/** The hand-made app with its echo handler answering `prefix + body`. */
function handAssembly(name: string, prefix: string): string {
  const dir = writeHandAssembly(path.join(tmp, name));
  writeFileSync(
    path.join(dir, 'asset.hand', 'index.js'),
    `exports.handler = async (event) => ({ statusCode: 200, body: '${prefix}' + event.body });\n`,
  );
  return dir;
}

/** A watcher whose source changes the test makes by calling the returned `change`. */
function watchWith(
  clock: ManualClock,
  assemble: () => { dir: string; key: string } | Promise<{ dir: string; key: string }>,
  reload: (dir: string) => Promise<ReloadResult> = (dir) => emu.reload(dir),
  served = { dir: emu.app.assemblyDir, key: 'v1' },
) {
  let onChange: () => void = () => undefined;
  const w = watchApp({
    cwd: tmp,
    served,
    assemble: async () => assemble(),
    reload,
    log: (line) => log.push(line),
    clock,
    watchInputs: (cb) => {
      onChange = cb;
      return () => undefined;
    },
  });
  watcher = w;
  return { change: () => onChange(), watcher: w };
}

beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-watch-'));
  log.length = 0;
  emu = await startEmulator({
    assemblyDir: handAssembly('v1', 'echo:'),
    port: 0,
    log: (line) => log.push(line),
    functionLog: (_id, line) => functionOutput.emit('line', line),
  });
});

afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await emu?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('--watch reloads the functions without dropping connections', () => {
  test('a connection opened before a reload stays open and its next message runs the new code', async () => {
    // GIVEN a client talking to the first version
    const client = await connect(emu.url);
    client.ws.send('a');
    expect(await client.next()).toBe('echo:a');
    const clock = new ManualClock();
    const v2 = handAssembly('v2', 'v2:');
    const { change, watcher: w } = watchWith(clock, () => ({ dir: v2, key: 'v2' }));

    // WHEN a source changes and the debounce passes
    change();
    clock.advance(300);
    await w.idle();

    // THEN the same connection gets the new handler's answer
    client.ws.send('b');
    expect(await client.next()).toBe('v2:b');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    expect(log).toContainEqual(expect.stringMatching(/^reloaded 1 functions in \d+ ms$/));
    expect(emu.app.assemblyDir).toBe(v2);
    client.ws.close();
  });

  test('the old code keeps serving while a re-synth runs (the synth never blocks the gateway)', async () => {
    const client = await connect(emu.url);
    const clock = new ManualClock();
    const v2 = handAssembly('v2', 'v2:');
    let finishSynth: (assembly: { dir: string; key: string }) => void = () => undefined;
    const synthRunning = new Promise<{ dir: string; key: string }>((resolve) => (finishSynth = resolve));
    const { change, watcher: w } = watchWith(clock, () => synthRunning);

    change();
    clock.advance(300);
    // The synth has started and not finished: the connection is still served, by the old code.
    client.ws.send('during');
    expect(await client.next()).toBe('echo:during');

    finishSynth({ dir: v2, key: 'v2' });
    await w.idle();
    client.ws.send('after');
    expect(await client.next()).toBe('v2:after');
    client.ws.close();
  });

  test('a failing re-synth logs the error and keeps the old code serving', async () => {
    const client = await connect(emu.url);
    const clock = new ManualClock();
    const { change, watcher: w } = watchWith(clock, () => {
      throw new Error('cdk synth failed (exit 1)');
    });

    change();
    clock.advance(300);
    await w.idle();

    expect(log).toContain('watch: cdk synth failed (exit 1); still serving the last good app');
    client.ws.send('c');
    expect(await client.next()).toBe('echo:c');
    client.ws.close();
  });

  test('a change that needs a restart (a route added) is reported and the old app keeps serving', async () => {
    const client = await connect(emu.url);
    const v2 = handAssembly('v2', 'v2:');
    const templateFile = path.join(v2, 'Hand.template.json');
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    template.Resources.ConnectRoute = {
      ...template.Resources.DefaultRoute,
      Properties: { ...template.Resources.DefaultRoute.Properties, RouteKey: '$connect' },
    };
    writeFileSync(templateFile, JSON.stringify(template));

    const result = await emu.reload(v2);

    expect(result).toEqual({ restartNeeded: 'the routes changed' });
    expect(log).toContainEqual(expect.stringMatching(/^reload: the routes changed since the start; restart switchboard-local/));
    client.ws.send('d');
    expect(await client.next()).toBe('echo:d');
    client.ws.close();
  });

  test('an invocation running during a reload finishes on the old code', async () => {
    const slow = handAssembly('slow', 'old:');
    writeFileSync(
      path.join(slow, 'asset.hand', 'index.js'),
      "exports.handler = async (event) => { console.log('started ' + event.body); await new Promise((r) => setTimeout(r, 200)); return { statusCode: 200, body: 'old:' + event.body }; };\n",
    );
    await emu.reload(slow);
    const client = await connect(emu.url);
    const started = waitFor<string>(functionOutput, 'line', (line) => line.includes('started e'));
    client.ws.send('e');
    await started;

    await emu.reload(handAssembly('v2', 'v2:'));
    client.ws.send('f');

    expect([await client.next(), await client.next()].sort()).toEqual(['old:e', 'v2:f']);
    client.ws.close();
  });
});

describe('the watcher', () => {
  test('debounce coalesces a burst of changes into one synth and one reload', async () => {
    const clock = new ManualClock();
    let synths = 0;
    const reloads: string[] = [];
    const { change, watcher: w } = watchWith(
      clock,
      () => ({ dir: `dir${++synths}`, key: `k${synths}` }),
      async (dir) => {
        reloads.push(dir);
        return { functions: 1, ms: 0 };
      },
    );

    for (let i = 0; i < 5; i++) {
      change();
      clock.advance(100);
    }
    expect(synths).toBe(0);
    clock.advance(200);
    await w.idle();

    expect(synths).toBe(1);
    expect(reloads).toEqual(['dir1']);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('an unchanged assembly key reloads nothing', async () => {
    const clock = new ManualClock();
    const reloads: string[] = [];
    const { change, watcher: w } = watchWith(
      clock,
      () => ({ dir: 'other', key: 'v1' }),
      async (dir) => {
        reloads.push(dir);
        return { functions: 1, ms: 0 };
      },
    );
    change();
    clock.advance(300);
    await w.idle();
    expect(reloads).toEqual([]);
  });

  test('after a change that needs a restart, the running assembly stays the served one', async () => {
    const clock = new ManualClock();
    const reloads: string[] = [];
    const { change, watcher: w } = watchWith(
      clock,
      () => ({ dir: 'needs-restart', key: 'v2' }),
      async (dir) => {
        reloads.push(dir);
        return { restartNeeded: 'the routes changed' };
      },
    );
    for (let i = 0; i < 2; i++) {
      change();
      clock.advance(300);
      await w.idle();
    }
    // Not taken as served: the next change still compares against the running v1, and says so again.
    expect(reloads).toEqual(['needs-restart', 'needs-restart']);
  });

  test('fs.watch reports changes under the synth inputs, not under node_modules', async () => {
    const app = path.join(tmp, 'app');
    mkdirSync(path.join(app, 'lib', 'deep', 'node_modules'), { recursive: true });
    writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'true', watch: { include: ['lib/**'] } }));
    const changes: string[] = [];
    let wake: () => void = () => undefined;
    const stop = watchSynthInputs(
      app,
      (changed) => {
        changes.push(changed);
        if (changed === path.join('lib', 'deep', 'stack.ts')) wake();
      },
      (line) => log.push(line),
    );
    try {
      writeFileSync(path.join(app, 'lib', 'deep', 'node_modules', 'x.js'), '1');
      await new Promise<void>((resolve) => {
        wake = resolve;
        writeFileSync(path.join(app, 'lib', 'deep', 'stack.ts'), 'export {};');
      });
      // Events arrive in order: one for node_modules/x.js would have come first.
      expect(changes.filter((c) => c.includes('node_modules'))).toEqual([]);
    } finally {
      stop();
    }
  });
});

describe('--watch flag', () => {
  test('is parsed, and with --assembly is a usage error (exit 2)', async () => {
    expect(parseArgs(['--watch']).watch).toBe(true);
    expect(parseArgs([]).watch).toBe(false);
    const dir = writeHandAssembly(path.join(tmp, 'flag'));
    expect(() => parseArgs(['--watch', '--assembly', dir])).toThrow(UsageError);
    expect(() => parseArgs(['--watch', '--assembly', dir])).toThrow('with --assembly there is nothing to re-synthesize');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--watch', '--assembly', dir])).toBe(2);
      expect(stderr).toHaveBeenCalledTimes(1);
    } finally {
      stderr.mockRestore();
    }
  });
});
