/**
 * Where `npm run verify` points: an emulator it starts itself (--local), a URL and tokens (--url),
 * or a deployed stack's outputs file and a Cognito user (--outputs). Each becomes a Target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS } from '../protocol/local-endpoints';
import { UsageError } from '../cli-kit/flags';
import { LOCAL_PASSWORD, LOCAL_PATHS, type PublishedConfig } from '../protocol';
import { publish } from '../publish/publish';
import { PUBLISH_FUNCTION_OUTPUT } from '../publish/contract';
import type { Target } from './checks';
import { within } from './probe';

/** A target ready to check, and how to let go of what was started for it. */
export interface ResolvedTarget extends Target {
  /** What is being checked, for the report's first line. */
  readonly description: string;
  stop(): Promise<void>;
}

const ROOT = path.join(__dirname, '..');

/**
 * Signs in with Cognito's InitiateAuth (USER_PASSWORD_AUTH) through the AWS SDK, as an app's
 * sign-in form does, and returns the ID token. The same call reaches the emulator's local issuer.
 */
export async function signIn(options: {
  readonly region: string;
  readonly clientId: string;
  readonly user: string;
  readonly password: string;
  /** @default Cognito's own endpoint for the region */
  readonly endpoint?: string;
}): Promise<string> {
  const client = new CognitoIdentityProviderClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  try {
    const out = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: options.clientId,
        AuthParameters: { USERNAME: options.user, PASSWORD: options.password },
      }),
    );
    if (out.ChallengeName) {
      throw new UsageError(
        `user ${options.user} must answer the ${out.ChallengeName} challenge first` +
          (out.ChallengeName === 'NEW_PASSWORD_REQUIRED'
            ? '; give the user a permanent password: aws cognito-idp admin-set-user-password --user-pool-id POOL --username USER --password PASS --permanent'
            : ''),
      );
    }
    const token = out.AuthenticationResult?.IdToken;
    if (!token) throw new UsageError(`signing in ${options.user} returned no IdToken`);
    return token;
  } catch (err: unknown) {
    if (err instanceof UsageError) throw err;
    const { name, message } = err as Error;
    throw new UsageError(`signing in ${options.user} (app client ${options.clientId}) failed: ${name}: ${message}`);
  } finally {
    client.destroy();
  }
}

/** `--url` with tokens given on the command line. */
export function urlTarget(url: string, tokens: readonly string[]): ResolvedTarget {
  if (!/^wss?:\/\//.test(url))
    throw new UsageError(`--url must be a ws:// or wss:// URL such as wss://abc123.execute-api.us-east-1.amazonaws.com/dev; got "${url}"`);
  return {
    description: url,
    url,
    tokens,
    publishSkipped: 'not given IAM credentials: publish is checked with --local, or --outputs with --publish',
    stop: async () => undefined,
  };
}

/** The outputs of one stack in a `cdk deploy --outputs-file` file. */
export function stackOutputs(file: string, outputs: unknown, stack: string | undefined): { name: string; values: Record<string, string> } {
  const stacks = Object.entries((outputs ?? {}) as Record<string, Record<string, string>>).filter(
    ([, v]) => typeof v?.WebSocketUrl === 'string',
  );
  if (stack !== undefined) {
    const found = stacks.find(([name]) => name === stack);
    if (!found)
      throw new UsageError(
        `${file} has no stack "${stack}" with a WebSocketUrl output; it has ${stacks.map(([n]) => n).join(', ') || 'none'}`,
      );
    return { name: found[0], values: found[1] };
  }
  if (stacks.length !== 1) {
    throw new UsageError(
      stacks.length === 0
        ? `${file} has no stack with a WebSocketUrl output: write it with npx cdk deploy --outputs-file ${file}`
        : `${file} has several stacks (${stacks.map(([n]) => n).join(', ')}): pick one with --stack NAME`,
    );
  }
  return { name: stacks[0][0], values: stacks[0][1] };
}

/** The region of a deployed stack, from its user pool id (`us-east-1_AbC`) or its API's host name. */
export function regionOf(values: Record<string, string>): string | undefined {
  return (
    /^([a-z]{2}(?:-[a-z]+)+-\d)_/.exec(values.UserPoolId ?? '')?.[1] ?? /\.execute-api\.([a-z0-9-]+)\./.exec(values.WebSocketUrl ?? '')?.[1]
  );
}

export interface OutputsOptions {
  readonly file: string;
  readonly stack?: string;
  readonly users: ReadonlyArray<{ readonly user: string; readonly password: string }>;
  readonly region?: string;
  /** Invoke the publish function with the AWS credentials at hand. */
  readonly publish: boolean;
}

/** `--outputs`: a deployed stack, signed in to its user pool with the SDK. */
export async function outputsTarget(options: OutputsOptions): Promise<ResolvedTarget> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(options.file, 'utf8'));
  } catch (err: unknown) {
    throw new UsageError(
      `--outputs ${options.file}: ${(err as Error).message}; write it with npx cdk deploy --outputs-file ${options.file}`,
    );
  }
  const { name, values } = stackOutputs(options.file, parsed, options.stack);
  const region = options.region ?? regionOf(values);
  if (!region) throw new UsageError(`cannot tell the region of stack ${name} from its outputs: pass --region`);
  const clientId = values.UserPoolClientId;
  let tokens: string[] = [];
  if (clientId) {
    if (options.users.length === 0) throw new UsageError(`stack ${name} signs users in with Cognito: pass --user NAME --password PASS`);
    tokens = [];
    for (const u of options.users) tokens.push(await signIn({ region, clientId, ...u }));
  }
  const functionName = values[PUBLISH_FUNCTION_OUTPUT];
  const lambda = options.publish && functionName ? new LambdaClient({ region }) : undefined;
  return {
    description: `stack ${name} (${values.WebSocketUrl})`,
    url: values.WebSocketUrl,
    tokens,
    publish: lambda ? (request) => publish(request, { functionName, client: lambda }) : undefined,
    publishSkipped: !functionName
      ? `server does not support publish (stack ${name} has no ${PUBLISH_FUNCTION_OUTPUT} output)`
      : 'not asked to use IAM credentials: pass --publish to invoke the publish function with your AWS credentials',
    stop: async () => lambda?.destroy(),
  };
}

export interface LocalOptions {
  /** A synthesized assembly; @default the emulator synthesizes the app (or reuses its last synthesis) */
  readonly assemblyDir?: string;
  /** How long the emulator may take to start (a synth included). */
  readonly startTimeoutMs: number;
  /** How many users to sign in. */
  readonly users: number;
}

/** Starts switchboard-local as `npm start` does, on a free port with its own data dir, and waits for its banner. */
async function startLocalEmulator(options: LocalOptions, dataDir: string): Promise<{ child: ChildProcess; url: string; httpUrl: string }> {
  const args = [path.join(ROOT, 'local', 'bin', 'switchboard-local.js'), '--port', '0', '--quiet', '--data-dir', dataDir];
  if (options.assemblyDir) args.push('--assembly', options.assemblyDir);
  // In the folder it was run from, as `npx switchboard-local` there would: without --assembly the emulator synthesizes the app found there.
  const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${options.startTimeoutMs} ms`), options.startTimeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`the emulator ${why}:\n${output.trim().split('\n').slice(-15).join('\n')}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /^\s+WebSocket\s+(ws:\/\/\S+)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(`exited with code ${String(code)}`));
    child.once('error', (err) => fail(`could not be started: ${err.message}`));
  }).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  // Keep reading, so a full pipe never blocks the emulator.
  child.stdout.resume();
  child.stderr.resume();
  return { child, url, httpUrl: new URL(url).origin.replace(/^ws:/, 'http:') };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', () => resolve(true)));
  child.kill('SIGTERM');
  if (!(await within(exited, 10_000))) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * `--local`: the emulator, started here; users sign in through its Cognito-compatible endpoint
 * with the local password, as the chat page does; publish goes through its Lambda Invoke API.
 */
export async function localTarget(options: LocalOptions): Promise<ResolvedTarget> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-verify-'));
  let started: Awaited<ReturnType<typeof startLocalEmulator>> | undefined;
  let lambda: LambdaClient | undefined;
  const stop = async () => {
    lambda?.destroy();
    if (started) await stopChild(started.child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    started = await startLocalEmulator(options, dataDir);
    const response = await fetch(`${started.httpUrl}${LOCAL_PATHS.config}`);
    if (!response.ok) throw new Error(`${LOCAL_PATHS.config} answered ${response.status}`);
    const config = (await response.json()) as PublishedConfig;
    const tokens: string[] = [];
    if (config.cognito) {
      const endpoint = new URL(config.cognito.endpoint, started.httpUrl).toString();
      const suffix = Math.random().toString(16).slice(2, 8);
      for (let i = 1; i <= options.users; i++) {
        tokens.push(await signIn({ ...config.cognito, endpoint, user: `verify-${suffix}-${i}`, password: LOCAL_PASSWORD }));
      }
    }
    const { lambdaEndpoint, publishFunctionName } = config;
    if (lambdaEndpoint && publishFunctionName) {
      lambda = new LambdaClient({
        region: config.cognito?.region ?? 'us-east-1',
        endpoint: lambdaEndpoint,
        credentials: LOCAL_CREDENTIALS,
      });
    }
    const client = lambda;
    return {
      description: `the emulator at ${started.url} (started for this run)`,
      url: started.url,
      tokens,
      publish: client ? (request) => publish(request, { functionName: publishFunctionName, client }) : undefined,
      publishSkipped: !lambdaEndpoint
        ? 'server does not support publish (the emulator serves no Lambda Invoke API)'
        : 'server does not support publish (the app has no publish function)',
      stop,
    };
  } catch (err: unknown) {
    await stop();
    throw err;
  }
}
