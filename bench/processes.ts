/**
 * The processes a benchmark starts: the emulator as users start it (the real CLI), a plain `ws`
 * echo server, and the client script. Each runs in its own process group and is killed when the
 * bench ends, whether it succeeds, fails or is interrupted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { LOCAL_PATHS, TOKEN_QUERY_PARAMETER } from '../protocol';
import { CHECKPOINT } from './client-protocol';

const CLI = path.join(__dirname, '..', 'local', 'bin', 'switchboard-local.js');
const PLAIN_ECHO_SERVER = path.join(__dirname, 'plain-echo-server.ts');
const CLIENT = path.join(__dirname, 'client.ts');
/** How long a server may take to print where it listens. */
const READY_TIMEOUT_MS = 60_000;

const running = new Set<ChildProcess>();

/** Kills every process this bench started that is still running (their whole process groups). */
function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of running) {
    try {
      process.kill(-child.pid!, signal);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

let cleanupInstalled = false;

/** On the first spawn: kill what is left when this process ends, however it ends. */
function killAllOnExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // 'exit' runs on success, on process.exit after a failure, and after an uncaught error; the
  // signals are turned into exits so the same handler runs.
  process.once('exit', () => killAll());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

/**
 * Runs `command` with its soft file limit raised to the hard one first (`ulimit -n $(ulimit -Hn)`,
 * then exec, so the process keeps its pid): for processes that hold thousands of sockets.
 */
function withRaisedFileLimit(command: string, args: string[]): [string, string[]] {
  return ['sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', command, ...args]];
}

/** The hard limit on open files of a process started from here (what {@link withRaisedFileLimit} raises to). */
export function hardFileLimit(): number {
  const raw = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return raw === 'unlimited' ? Infinity : Number(raw);
}

function track(command: string, args: string[], stdin: 'pipe' | 'ignore' = 'ignore', raiseFileLimit = false): ChildProcess {
  killAllOnExit();
  const [file, argv] = raiseFileLimit ? withRaisedFileLimit(command, args) : [command, args];
  const child = spawn(file, argv, { stdio: [stdin, 'pipe', 'inherit'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects if it exits first. */
function readyLine(child: ChildProcess, name: string, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not say where it listens within 60 s:\n${output}`)), READY_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
    };
    child.once('exit', onExit);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        // Later output is the caller's to read (or to drop: the stream keeps flowing).
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
  });
}

/** A server process the bench started. */
export interface ServerProcess {
  /** Where clients connect, with a token when the app's `$connect` needs one. */
  readonly url: string;
  /** What it printed up to being ready: for the emulator, its banner (endpoints, queues). */
  readonly banner: string;
  readonly child: ChildProcess;
  /** Stops it the way a user would (SIGTERM), and waits for it to exit. */
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    return exited.finally(() => clearTimeout(timer));
  };
}

/** How {@link startSwitchboardLocal} runs the emulator, beyond its flags. */
export interface SwitchboardLocalOptions {
  /** Pass --quiet (print only the banner and errors). @default true */
  readonly quiet?: boolean;
  /** Raise its soft file limit to the hard one, for a run that holds many connections. @default false */
  readonly raiseFileLimit?: boolean;
  /** Gets each line it prints after the banner (its log, when not quiet). @default the lines are dropped */
  readonly onLine?: (line: string) => void;
}

/**
 * Starts `switchboard-local --assembly DIR --port 0 --quiet` as `npx switchboard-local` does, reads
 * the WebSocket URL from its banner and, when it runs a local issuer, gets a token from it over
 * HTTP as a user's client would. `nodeArgs` go to node (e.g. --cpu-prof), `cliArgs` to the CLI (e.g. --aws-like).
 */
export async function startSwitchboardLocal(
  assemblyDir: string,
  nodeArgs: string[] = [],
  cliArgs: string[] = [],
  options: SwitchboardLocalOptions = {},
): Promise<ServerProcess> {
  const quiet = options.quiet ?? true;
  const child = track(
    process.execPath,
    [...nodeArgs, CLI, '--assembly', assemblyDir, '--port', '0', ...(quiet ? ['--quiet'] : []), ...cliArgs],
    'ignore',
    options.raiseFileLimit,
  );
  const [banner, wsUrl] = await readyLine(child, 'switchboard-local', /^[\s\S]*?WebSocket\s+(ws:\/\/\S+)[\s\S]*Try: /);
  const { onLine } = options;
  if (onLine) createInterface({ input: child.stdout! }).on('line', onLine);
  let url = wsUrl;
  if (/^\s+Issuer\s/m.test(banner)) {
    const origin = new URL(wsUrl);
    const tokenUrl = `http://${origin.host}${LOCAL_PATHS.token}?user=bench`;
    const response = await fetch(tokenUrl);
    if (!response.ok) throw new Error(`GET ${tokenUrl} answered ${response.status}: ${await response.text()}`);
    const { token } = (await response.json()) as { token: string };
    url = `${wsUrl}?${TOKEN_QUERY_PARAMETER}=${encodeURIComponent(token)}`;
  }
  return { url, banner, child, stop: stopper(child) };
}

/** A process the bench talks to in lines: its stdout's lines go to `onLine`, and `send` writes one to its stdin. */
export interface LineProcess {
  readonly child: ChildProcess;
  send(line: string): void;
  /** Resolves with its exit code when it exits. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs a bench script (`node --import tsx SCRIPT JOB`) with its file limit raised, talking to it
 * in lines: for bench/bigroom-members.ts, which holds thousands of connections.
 */
export function startLineProcess(script: string, job: object, onLine: (line: string) => void, nodeArgs: string[] = []): LineProcess {
  const child = track(process.execPath, [...nodeArgs, '--import', 'tsx', script, JSON.stringify(job)], 'pipe', true);
  createInterface({ input: child.stdout! }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, send: (line) => child.stdin!.write(line), exited };
}

/** Starts bench/plain-echo-server.ts: a `ws` server that sends every message back. */
export async function startPlainEcho(): Promise<ServerProcess> {
  const child = track(process.execPath, ['--import', 'tsx', PLAIN_ECHO_SERVER]);
  const [banner, url] = await readyLine(child, 'the plain ws echo server', /listening (ws:\/\/\S+)/);
  return { url, banner, child, stop: stopper(child) };
}

/**
 * Runs bench/client.ts with one job and resolves with the JSON it prints last. At each of the
 * client's checkpoints, `onCheckpoint` runs before the client goes on.
 */
export async function runClientProcess<T>(job: object, onCheckpoint: (name: string) => void = () => undefined): Promise<T> {
  const child = track(process.execPath, ['--import', 'tsx', CLIENT, JSON.stringify(job)], 'pipe');
  let last = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith(`${CHECKPOINT} `)) {
      last = line;
      return;
    }
    onCheckpoint(line.slice(CHECKPOINT.length + 1));
    child.stdin!.write('go\n');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // The job's URL carries a token: never in the output.
  if (code !== 0) throw new Error(`The bench client failed (exit ${code}) on ${JSON.stringify(job).replace(/token=[^"&]+/g, 'token=…')}`);
  return JSON.parse(last) as T;
}

/** CPU time a server process used so far, in seconds: its main thread, and all its other threads. */
export interface CpuTime {
  readonly mainThread: number;
  readonly otherThreads: number;
}

/** Clock ticks per second of /proc's utime and stime on Linux. */
const CLOCK_TICKS = 100;

/**
 * The CPU time of `pid` and its descendants (the CLI restarts itself as a child when the
 * environment holds AWS credential variables), split by thread: the main thread runs the
 * gateway, routing and DynamoDB; the others are mostly the functions' worker threads. Linux only
 * (/proc); undefined elsewhere.
 */
export function cpuTime(pid: number): CpuTime | undefined {
  if (!existsSync(`/proc/${pid}/task`)) return undefined;
  const children = childrenByParent();
  let mainThread = 0;
  let otherThreads = 0;
  const visit = (p: number) => {
    for (const task of readdirSync(`/proc/${p}/task`)) {
      // utime and stime are fields 14 and 15 of stat; index 11 and 12 after the command name.
      const f = statFields(`/proc/${p}/task/${task}/stat`);
      const seconds = (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      if (Number(task) === p) mainThread += seconds;
      else otherThreads += seconds;
    }
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return { mainThread, otherThreads };
}

/** The fields of a /proc stat file after the command name. */
function statFields(statFile: string): string[] {
  return readFileSync(statFile, 'utf8').split(') ')[1].split(' ');
}

/** Every process's children, from /proc. */
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(`/proc/${entry}/stat`)[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process exited while we listed /proc.
    }
  }
  return children;
}

/**
 * The resident memory of `pid` and its descendants (the CLI may restart itself as a child), in
 * bytes. Linux only (/proc); undefined elsewhere.
 */
export function residentBytes(pid: number): number | undefined {
  if (!existsSync(`/proc/${pid}/status`)) return undefined;
  const children = childrenByParent();
  let total = 0;
  const visit = (p: number) => {
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      // It exited since.
    }
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return total;
}
