/**
 * The real `switchboard-local` in a child process, as a user starts it: its banner read for the
 * endpoints it names, its output kept, and a stop by signal that resolves with the exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../../local/bin/switchboard-local.js');

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** The start banner, up to its `Try:` line. */
  readonly banner: string;
  /** The WebSocket URL, e.g. ws://127.0.0.1:PORT/dev. */
  readonly url: string;
  /** The gateway's origin, e.g. http://127.0.0.1:PORT: @connections (with the stage), the Lambda API, the issuer. */
  readonly httpUrl: string;
  readonly managementEndpoint: string;
  readonly dynamodbEndpoint: string;
  /** Everything it wrote to stdout so far. */
  stdout(): string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the CLI with `args` and resolves once its banner is out; rejects if it exits first. */
export async function startCli(args: readonly string[], cwd?: string): Promise<RunningCli> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const banner = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const end = out.indexOf('  Try: ');
      if (end < 0) return;
      child.stdout.off('data', onData);
      resolve(out.slice(0, out.indexOf('\n', end)));
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`switchboard-local exited (${code}) before its banner:\n${out}\n${err}`)));
  });
  const field = (label: string) => {
    const match = new RegExp(`^  ${label}\\s+(\\S+)`, 'm').exec(banner);
    if (!match) throw new Error(`the banner has no ${label} line:\n${banner}`);
    return match[1];
  };
  const url = field('WebSocket');
  return {
    child,
    banner,
    url,
    httpUrl: `http://${new URL(url).host}`,
    managementEndpoint: field('@connections'),
    dynamodbEndpoint: field('DynamoDB'),
    stdout: () => out,
    stderr: () => err,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
