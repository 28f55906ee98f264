/**
 * Keeps the developer's AWS credentials away from functions run locally: a fake shared config
 * and credentials file (fake keys for every profile name the developer uses) in an
 * emulator-owned HOME, and a CLI re-exec without credential variables, so that even
 * /proc/self/environ, which worker threads share with the emulator, holds none.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHARED_FILE_CREDENTIALS } from '../iam/principals';

/** Names SDKs accept for a profile section; anything else is skipped rather than written. */
const PROFILE_NAME = /^[\w.@+-]+$/;

/**
 * The profile names (never their values) in the shared config and credentials files that
 * `env` and `home` point at: `[name]` in credentials, `[default]` and `[profile name]` in config.
 */
export function awsProfileNames(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const names = new Set<string>();
  const sections = (file: string | undefined): string[] => {
    if (!file || !existsSync(file)) return [];
    try {
      return [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*([^\]\r\n]+?)\s*\]/gm)].map((m) => m[1]);
    } catch {
      return []; // unreadable: nothing to mirror
    }
  };
  for (const name of sections(env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'))) names.add(name);
  for (const section of sections(env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'))) {
    const profile = /^profile\s+(.+)$/.exec(section)?.[1] ?? (section === 'default' ? 'default' : undefined);
    if (profile) names.add(profile.trim());
  }
  for (const name of [env.AWS_PROFILE, env.AWS_DEFAULT_PROFILE]) if (name) names.add(name);
  return [...names].filter((name) => PROFILE_NAME.test(name));
}

/** An emulator-owned home folder whose ~/.aws holds only fake credentials. */
export interface FakeAwsHome {
  readonly dir: string;
  /** HOME and the SDKs' config and credentials file variables, pointing into `dir`. */
  readonly environment: Readonly<Record<string, string>>;
  remove(): void;
}

/**
 * Writes the fake home: `default` and each of `profileNames` with the fake keys and `region`. The
 * keys are the file's own (SHARED_FILE_CREDENTIALS), which IAM refuses: Lambda has no such file.
 */
export function writeFakeAwsHome(region: string, profileNames: Iterable<string>): FakeAwsHome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-home-'));
  const awsDir = path.join(dir, '.aws');
  mkdirSync(awsDir);
  const names = ['default', ...new Set([...profileNames].filter((n) => n !== 'default' && PROFILE_NAME.test(n)))];
  const header = '# Written by the Switchboard emulator: fake keys, so functions run locally never use real ones.\n';
  const credentialsFile = path.join(awsDir, 'credentials');
  const configFile = path.join(awsDir, 'config');
  writeFileSync(
    credentialsFile,
    header +
      names
        .map(
          (n) =>
            `[${n}]\naws_access_key_id = ${SHARED_FILE_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${SHARED_FILE_CREDENTIALS.secretAccessKey}\n`,
        )
        .join(''),
  );
  writeFileSync(configFile, header + names.map((n) => `[${n === 'default' ? n : `profile ${n}`}]\nregion = ${region}\n`).join(''));
  return {
    dir,
    environment: {
      HOME: dir,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: configFile,
      // The SDKs' last resort; the function's network guard also refuses the metadata addresses.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * AWS variables that hold no secret: the region, profile names, file locations the emulator reads
 * profile names from, and SDK settings. Functions get none of them either way (their environment
 * is built from a fixed list); keeping them only spares a restart.
 */
const KEPT_AWS_VARIABLES = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CA_BUNDLE',
  'AWS_SDK_LOAD_CONFIG',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  'AWS_NODEJS_CONNECTION_REUSE_ENABLED',
]);

/** Marks the re-executed emulator, so it never re-executes again. */
const SCRUBBED_MARK = 'SWITCHBOARD_LOCAL_SCRUBBED';

/** The variables of `env` that hold or lead to credentials: every AWS_* but the names kept above. */
export function credentialVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((name) => /^AWS_/i.test(name) && !KEPT_AWS_VARIABLES.has(name.toUpperCase()));
}

/** The CLI's arguments for running an assembly already synthesized: the synth's context flags dropped, --assembly added. */
export function argsForAssembly(argv: readonly string[], assemblyDir: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '--context') i++;
    else if (!argv[i].startsWith('--context=')) out.push(argv[i]);
  }
  return [...out, '--assembly', assemblyDir];
}

/**
 * When this process's environment holds credential variables, runs the same command again
 * without them (and waits for it), so the emulator's initial environment, which worker threads
 * can read at /proc/self/environ, holds none. Resolves with the child's exit code, or undefined
 * when no re-exec is needed and the caller should go on.
 */
export function reexecWithoutCredentials(args: readonly string[]): Promise<number> | undefined {
  if (process.env[SCRUBBED_MARK] === '1') {
    stopWithParent();
    return undefined;
  }
  const drop = credentialVariables(process.env);
  if (drop.length === 0) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, [SCRUBBED_MARK]: '1' };
  for (const name of drop) delete env[name];
  // Its own process group, so a terminal's Ctrl-C reaches this process only and is passed on once
  // (the emulator treats a second SIGINT as "do not wait"); the IPC channel tells it when we are gone.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: process.platform !== 'win32',
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
    child.on('error', (err) => {
      process.stderr.write(`switchboard-local: could not restart without AWS credential variables: ${err.message}\n`);
      resolve(1);
    });
  });
}

/** In the re-executed emulator: stop as on SIGTERM when the process that started it goes away. */
function stopWithParent(): void {
  if (!process.channel) return;
  process.channel.unref();
  const stop = () => process.kill(process.pid, 'SIGTERM');
  if (process.connected) process.once('disconnect', stop);
  else stop();
}
