/**
 * `switchboard-verify` (the package's bin; `npm run verify --` in this repository): the black-box suite against the emulator (--local), a URL (--url) or a
 * deployed stack (--outputs). Prints a table of checks and latencies; exits 1 on any failure.
 */
import * as path from 'node:path';
import { integerFlag, parseFlags, UsageError } from '../cli-kit/flags';
import { CHECKS, MAX_SAMPLES, runSuite } from './checks';
import { formatReport } from './report';
import { localTarget, outputsTarget, urlTarget, type ResolvedTarget } from './targets';

export const VERIFY_USAGE = `Usage: switchboard-verify TARGET [options]
       (in the Switchboard repository: npm run verify -- TARGET [options])

Checks a Switchboard stage through its public protocol: echo, errors, limits, rooms and fan-out,
authentication, and, where the server has them, user rooms, members, presence, history, resume
and publish. Safe on a production stage: rooms are named verify.<random>, traffic is bounded and
every connection is closed. Exits 1 when a check fails.

TARGET, one of:
  --local                 start the emulator (a free port, a temporary data dir) and sign in
                          through its Cognito-compatible endpoint
  --url WSS_URL           a running stage; with --token T (and --token2 T2 for two-user checks)
  --outputs FILE          a deployed stack: the file of npx cdk deploy --outputs-file FILE;
                          with --user U --password P (and --user2/--password2 for two-user checks)

Options:
  --stack NAME            the stack in the outputs file (when it has several)
  --region REGION         the stack's region (default: from its outputs)
  --publish               with --outputs: invoke the publish function with your AWS credentials
  --assembly DIR          with --local: serve this synthesized assembly
  --timeout-ms N          longest wait for any one answer (default: 5000)
  --samples N             round trips per action for the latency figures (default: 20, at most ${MAX_SAMPLES})
  --room-prefix P         rooms are named P<random> (default: verify.); for stages with room rules
  --skip NAME             do not run the named check (repeatable); checks: ${CHECKS.map((c) => c.name).join('; ')}
  --help                  show this help
`;

export interface VerifyArgs {
  readonly target: () => Promise<ResolvedTarget>;
  readonly timeoutMs: number;
  readonly samples: number;
  readonly roomPrefix: string;
  readonly skip: ReadonlySet<string>;
}

/** Parses argv (without node and the script); throws UsageError naming what is wrong. */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs | 'help' {
  const { values, lists, switches } = parseFlags(argv, {
    values: [
      'url',
      'token',
      'token2',
      'outputs',
      'stack',
      'region',
      'user',
      'password',
      'user2',
      'password2',
      'assembly',
      'timeout-ms',
      'samples',
      'room-prefix',
    ],
    switches: ['local', 'publish', 'help'],
    repeatable: ['skip'],
  });
  if (switches.has('help')) return 'help';
  const targets = ['local', 'url', 'outputs'].filter((t) => values.has(t) || switches.has(t));
  if (targets.length !== 1) {
    throw new UsageError(
      `give one target: --local, --url WSS_URL or --outputs FILE${targets.length > 1 ? `, not ${targets.map((t) => `--${t}`).join(' and ')}` : ''} (see --help)`,
    );
  }
  const allowed: Record<string, readonly string[]> = {
    local: ['assembly'],
    url: ['url', 'token', 'token2'],
    outputs: ['outputs', 'stack', 'region', 'user', 'password', 'user2', 'password2', 'publish'],
  };
  const general = ['timeout-ms', 'samples', 'room-prefix', 'skip', 'local'];
  for (const flag of [...values.keys(), ...switches, ...lists.keys()]) {
    if (!general.includes(flag) && !allowed[targets[0]].includes(flag))
      throw new UsageError(`--${flag} does not apply to --${targets[0]} (see --help)`);
  }
  const pair = (user: string, password: string) => {
    const [u, p] = [values.get(user), values.get(password)];
    if ((u === undefined) !== (p === undefined)) throw new UsageError(`--${user} and --${password} go together`);
    return u === undefined ? [] : [{ user: u, password: p! }];
  };
  const names = new Set(CHECKS.map((c) => c.name));
  const skip = new Set(lists.get('skip') ?? []);
  for (const name of skip) if (!names.has(name)) throw new UsageError(`--skip "${name}" is not a check; checks: ${[...names].join('; ')}`);
  const timeoutMs = values.has('timeout-ms') ? integerFlag('timeout-ms', values.get('timeout-ms')!, 100, 120_000) : 5000;
  let target: () => Promise<ResolvedTarget>;
  if (targets[0] === 'local') {
    const assembly = values.get('assembly');
    // The emulator runs from the package's folder: a relative path means one from here.
    const assemblyDir = assembly === undefined ? undefined : path.resolve(assembly);
    target = () => localTarget({ assemblyDir, startTimeoutMs: 180_000, users: 2 });
  } else if (targets[0] === 'url') {
    if (values.has('token2') && !values.has('token')) throw new UsageError('--token2 needs --token');
    const tokens = [values.get('token'), values.get('token2')].filter((t): t is string => t !== undefined);
    const resolved = urlTarget(values.get('url')!, tokens);
    target = () => Promise.resolve(resolved);
  } else {
    const users = [...pair('user', 'password'), ...pair('user2', 'password2')];
    if (values.has('user2') && !values.has('user')) throw new UsageError('--user2 needs --user');
    target = () =>
      outputsTarget({
        file: values.get('outputs')!,
        stack: values.get('stack'),
        region: values.get('region'),
        users,
        publish: switches.has('publish'),
      });
  }
  return {
    target,
    timeoutMs,
    samples: values.has('samples') ? integerFlag('samples', values.get('samples')!, 1, MAX_SAMPLES) : 20,
    roomPrefix: values.get('room-prefix') ?? 'verify.',
    skip,
  };
}

/** Runs the CLI; resolves with the exit code: 0 all passed (or skipped), 1 a check failed, 2 the target could not be set up. */
export async function main(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  let args: VerifyArgs | 'help';
  let target: ResolvedTarget;
  try {
    args = parseVerifyArgs(argv);
    if (args === 'help') {
      out(VERIFY_USAGE);
      return 0;
    }
    target = await args.target();
  } catch (err: unknown) {
    process.stderr.write(`verify: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  try {
    const result = await runSuite(target, {
      timeoutMs: args.timeoutMs,
      samples: args.samples,
      roomPrefix: args.roomPrefix,
      skip: args.skip,
    });
    out(formatReport(target.description, result.checks, result.latencies));
    return result.checks.some((c) => c.outcome === 'fail') ? 1 : 0;
  } finally {
    await target.stop();
  }
}

// Node 20's notice that future SDK releases need Node 22 says nothing about the stage being checked.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
