/**
 * `switchboard-local` run as users run it (local/bin/switchboard-local.js, a process of its own),
 * for fixture apps that must run unchanged through the real CLI.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../local/bin/switchboard-local.js');

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed to stdout so far: the banner, then the log. */
  stdout(): string;
  /** The banner as printed at start. */
  readonly banner: string;
  /** The WebSocket URL the banner names. */
  readonly url: string;
  /** The http URL of the service with this endpoint prefix (e.g. `cognito-idp`), as the banner names it. */
  serviceEndpoint(prefix: string): string;
  /** Resolves once stdout has a line matching `pattern` (the log is line by line). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Stops it with SIGINT, as Ctrl-C does; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the CLI with `args` and resolves once its banner is out (its last line is the Try line). */
export function startCli(args: readonly string[]): Promise<CliProcess> {
  const child = spawn(process.execPath, [BIN, ...args]);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of [...listeners]) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const waitForLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stdout.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        listeners.delete(check);
        resolve(line);
      };
      listeners.add(check);
      check();
      void exited.then((code) => {
        if (!listeners.has(check)) return;
        listeners.delete(check);
        reject(new Error(`switchboard-local exited ${code} before printing ${pattern}:\n${stdout}\n${stderr}`));
      });
    });
  return waitForLine(/^ {2}Try: /).then(() => {
    const banner = stdout;
    return {
      child,
      stdout: () => stdout,
      banner,
      url: /WebSocket\s+(ws:\/\/\S+)/.exec(banner)![1],
      serviceEndpoint(prefix: string) {
        // The line of the service functions reach under `<prefix>.<region>.amazonaws.com`.
        const match = new RegExp(`^ {2}\\S+\\s+(http://\\S+) \\(\\w+; functions reach it as ${prefix.replace(/[-]/g, '\\-')}\\.`, 'm').exec(
          banner,
        );
        if (!match) throw new Error(`the banner names no ${prefix} endpoint:\n${banner}`);
        return match[1];
      },
      waitForLine,
      async stop() {
        if (child.exitCode === null) child.kill('SIGINT');
        return exited;
      },
    };
  });
}
