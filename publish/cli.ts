/**
 * `npx switchboard-local publish --room R --data D [--from NAME] TARGET` (or, in Switchboard's
 * repository, `npm run -s publish -- ...`): publishes one message to a room
 * from the command line, through the same publish() a backend uses, to a running emulator
 * (--emulator), a deployed stack (--stack) or a named function (--function).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS } from '../protocol/local-endpoints';
import { emulatorOrigin } from '../cli-kit/emulator-url';
import { parseFlags, UsageError } from '../cli-kit/flags';
import { LOCAL_PATHS, type PublishedConfig } from '../protocol/local-endpoints';
import { PUBLISH_FUNCTION_ENV, PUBLISH_FUNCTION_OUTPUT } from './contract';
import { publish, PublishError, regionOfArn, type PublishRequest, type PublishResult } from './publish';

export const PUBLISH_USAGE = `Usage: npx switchboard-local publish --room ROOM --data TEXT [--from NAME] [TARGET]

Publishes one message to every member of a Switchboard room, as a backend does with publish():
members receive it as a room message with "from": "server" (or NAME), "publisher": true and the
room's next seq.

  --room ROOM       the room, e.g. lobby, or user.<sub> for all of one user's connections
  --data TEXT       the message (a string; use --data=--text for one that starts with --)
  --from NAME       the sender members see (default: server): 1-64 characters, no control characters

TARGET, one of (default: the function named by ${PUBLISH_FUNCTION_ENV}):
  --emulator URL    a running switchboard-local, e.g. http://127.0.0.1:3001 (its config names the function)
  --stack NAME      a deployed stack: the function in its ${PUBLISH_FUNCTION_OUTPUT} output
  --function NAME   the publish function's name or ARN
  --region REGION   AWS region for --stack and --function (default: the AWS SDK's, e.g. AWS_REGION)

AWS credentials for --stack and --function come from the usual places (environment, profile, SSO).
`;

/** What the command line asks for. */
export interface PublishArgs {
  readonly request: PublishRequest;
  readonly target:
    | { readonly kind: 'emulator'; readonly url: string }
    | { readonly kind: 'stack'; readonly stackName: string; readonly region?: string }
    | { readonly kind: 'function'; readonly functionName: string; readonly region?: string };
}

/** Parses argv (without node and the script); throws UsageError naming what is wrong. */
export function parsePublishArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): PublishArgs | 'help' {
  const { values, switches } = parseFlags(argv, {
    values: ['room', 'data', 'from', 'emulator', 'stack', 'function', 'region'],
    switches: ['help'],
  });
  if (switches.has('help')) return 'help';
  const room = values.get('room');
  const data = values.get('data');
  if (room === undefined) throw new UsageError('--room ROOM is required (see --help)');
  if (data === undefined) throw new UsageError('--data TEXT is required (see --help)');
  const from = values.get('from');
  const request: PublishRequest = from === undefined ? { room, data } : { room, data, from };
  const targets = ['emulator', 'stack', 'function'].filter((flag) => values.has(flag));
  if (targets.length > 1) {
    throw new UsageError(
      `give one target, not ${targets.map((t) => `--${t}`).join(' and ')}: --emulator URL, --stack NAME or --function NAME`,
    );
  }
  const region = values.get('region');
  const emulator = values.get('emulator');
  if (emulator !== undefined) {
    if (region !== undefined) throw new UsageError('--region applies to --stack and --function; the emulator has its own');
    return { request, target: { kind: 'emulator', url: emulatorOrigin('emulator', emulator) } };
  }
  const stackName = values.get('stack');
  if (stackName !== undefined) return { request, target: { kind: 'stack', stackName, region } };
  const functionName = values.get('function') ?? env[PUBLISH_FUNCTION_ENV];
  if (!functionName) {
    throw new UsageError(
      `say where to publish: --emulator URL, --stack NAME or --function NAME (or set ${PUBLISH_FUNCTION_ENV}); see --help`,
    );
  }
  return { request, target: { kind: 'function', functionName, region } };
}

/** What the command needs from outside, so tests can give their own. */
export interface PublishCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Reads the emulator's published configuration. @default GET with fetch */
  readonly fetchConfig?: (url: string) => Promise<unknown>;
}

/** The emulator's configuration: where its Lambda API is and which function publishes. */
async function emulatorTarget(
  origin: string,
  fetchConfig: (url: string) => Promise<unknown>,
): Promise<{ endpoint: string; functionName: string }> {
  const configUrl = `${origin}${LOCAL_PATHS.config}`;
  let config: Partial<PublishedConfig>;
  try {
    config = (await fetchConfig(configUrl)) as Partial<PublishedConfig>;
  } catch (err: unknown) {
    throw new Error(`cannot read ${configUrl}: ${(err as Error).message}. Is switchboard-local running there?`, { cause: err });
  }
  if (typeof config?.publishFunctionName !== 'string') {
    throw new Error(
      `the emulator at ${origin} serves no publish function: its app has no ${PUBLISH_FUNCTION_OUTPUT} output and no PublishHandler function`,
    );
  }
  return { endpoint: typeof config.lambdaEndpoint === 'string' ? config.lambdaEndpoint : origin, functionName: config.publishFunctionName };
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** The publish function's name from a stack's outputs. */
async function stackFunction(stackName: string, region: string | undefined): Promise<string> {
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Stacks?.[0]?.Outputs ?? [];
    const name = outputs.find((o) => o.OutputKey === PUBLISH_FUNCTION_OUTPUT)?.OutputValue;
    if (!name) {
      const keys = outputs.map((o) => o.OutputKey).join(', ') || 'none';
      throw new Error(
        `stack ${stackName} has no ${PUBLISH_FUNCTION_OUTPUT} output (its outputs: ${keys}); deploy a Switchboard version with publish, or pass --function NAME`,
      );
    }
    return name;
  } finally {
    cfn.destroy();
  }
}

/** Publishes and prints one line; resolves with the exit code (0 published, 1 failed, 2 usage). */
export async function main(argv: readonly string[], deps: PublishCliDeps): Promise<number> {
  let args: PublishArgs | 'help';
  try {
    args = parsePublishArgs(argv, deps.env);
  } catch (error: unknown) {
    if (!(error instanceof UsageError)) throw error;
    deps.err(`publish: ${error.message}\n`);
    return 2;
  }
  if (args === 'help') {
    deps.out(PUBLISH_USAGE);
    return 0;
  }
  let client: LambdaClient | undefined;
  try {
    const { target } = args;
    let result: PublishResult;
    if (target.kind === 'emulator') {
      const { endpoint, functionName } = await emulatorTarget(target.url, deps.fetchConfig ?? fetchJson);
      // The emulator checks no signature; the SDK insists on some credentials and a region.
      client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      result = await publish(args.request, { client, functionName });
    } else {
      const functionName = target.kind === 'stack' ? await stackFunction(target.stackName, target.region) : target.functionName;
      const region = target.region ?? regionOfArn(functionName);
      client = new LambdaClient(region ? { region } : {});
      result = await publish(args.request, { client, functionName });
    }
    deps.out(
      result.queued
        ? `Published to ${result.room} as seq ${result.seq}: queued for the fan-out workers, which deliver it to the room's members.\n`
        : `Published to ${result.room} as seq ${result.seq}: delivered ${result.delivered}, failed ${result.failed}.\n`,
    );
    return 0;
  } catch (error: unknown) {
    deps.err(`publish: ${describeFailure(error)}\n`);
    return 1;
  } finally {
    client?.destroy();
  }
}

/** One line about what went wrong: the publish function's code, or the AWS error's name and message. */
function describeFailure(error: unknown): string {
  if (error instanceof PublishError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/** Runs the command in this process, on its environment and streams: `npm run publish` and `switchboard-local publish`. */
export function runPublishCommand(argv: readonly string[]): Promise<number> {
  // The SDK's Node 20 end-of-support notice would bury the one line this command prints.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return main(argv, {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}

if (require.main === module) {
  void runPublishCommand(process.argv.slice(2)).then((code) => process.exit(code));
}
