/**
 * `switchboard-local`: runs a synthesized CDK app's WebSocket API on this machine.
 * Without --assembly it synthesizes the CDK app in the current folder first. Its subcommands
 * `token` and `publish` work with a running emulator, so a project that installed the package
 * has them too, with no scripts of its own.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'node:net';
import { AssemblyError } from '../assembly/assembly-error';
import { argsForAssembly, reexecWithoutCredentials } from '../runtime/credential-isolation';
import { cachedAssembly, type CachedAssembly } from '../assembly/cache';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator';
import { API_GATEWAY_LIMITS, LOCAL_PATHS } from '../../protocol';
import { integerFlag, parseFlags, UsageError } from '../../cli-kit/flags';
import { localIssuerDirFor } from '../issuer/issuer';
import { isLoopback } from '../http/loopback';
import { parseFaultRates } from '../gateway/management';
import { systemClock } from '../../protocol/clock';
import { watchApp } from './watch';
import { main as tokenMain } from './token';
import { runPublishCommand } from '../../publish/cli';

export const USAGE = `Usage: switchboard-local [flags]
       switchboard-local token --user NAME [--url URL]           (token --help)
       switchboard-local publish --room R --data D --emulator URL (publish --help)

Runs an AWS CDK app's API Gateway WebSocket API locally: routes, Lambda functions,
authorizers, the @connections API and DynamoDB tables (dynalite). \`token\` prints a
token the running emulator accepts; \`publish\` publishes to one of its rooms.

  --assembly DIR       an already synthesized cloud assembly (default: synthesize the app in this
                       folder, or reuse its last synthesis when no source changed)
  -c, --context K=V    context for the synth, as cdk synth -c (repeatable)
  --watch              re-synthesize when the app's sources change and reload its functions;
                       open connections stay open (not with --assembly)
  --stack NAME         which stack to run (default: the one stack with a WebSocket API)
  --port N             gateway port; 0 picks a free one (default: 3001)
  --host HOST          address to listen on (default: 127.0.0.1)
  --dynamodb-port N    DynamoDB (dynalite) port (default: any free port)
  --data-dir DIR       keep tables on disk across restarts (default: in memory), and the
                       local issuer's signing key (default: .switchboard/)
  --idle-timeout S     idle connection timeout in seconds (default: ${API_GATEWAY_LIMITS.idleTimeoutSeconds})
  --max-duration S     maximum connection duration in seconds (default: ${API_GATEWAY_LIMITS.maxConnectionSeconds})
  --web DIR            serve a static site from DIR at http://HOST:PORT/
  --fault-rate SPEC    fail that fraction of PostToConnection calls, e.g. 410:0.1,429:0.05,500:0.05
  --quiet              print only the banner and errors
  --help               show this help
`;

export interface CliOptions extends Omit<EmulatorOptions, 'assemblyDir'> {
  readonly assemblyDir?: string;
  /** Context for the synth (`-c key=value`). */
  readonly context: Readonly<Record<string, string>>;
  /** Re-synthesize on source changes and reload the functions. */
  readonly watch: boolean;
  readonly quiet: boolean;
  readonly help: boolean;
}

/** The subcommands, each another command's own entry point (`npm run token`, `npm run publish` in this repository). */
const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  token: (argv) => tokenMain(argv),
  publish: (argv) => runPublishCommand(argv),
};

/** The subcommand `argv` names (its first word), if any, and the rest of its arguments. */
export function subcommandOf(argv: readonly string[]): { name: string; argv: readonly string[] } | undefined {
  const [first, ...rest] = argv;
  return first !== undefined && Object.hasOwn(SUBCOMMANDS, first) ? { name: first, argv: rest } : undefined;
}

const VALUE_FLAGS = ['assembly', 'stack', 'port', 'host', 'dynamodb-port', 'data-dir', 'idle-timeout', 'max-duration', 'web', 'fault-rate'];

/** Parses argv (without node and script); throws UsageError naming the bad flag. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const { values, lists, switches } = parseFlags(argv, {
    values: VALUE_FLAGS,
    switches: ['watch', 'quiet', 'help'],
    repeatable: ['context'],
    aliases: { c: 'context' },
  });
  const context: Record<string, string> = {};
  for (const pair of lists.get('context') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`-c/--context takes key=value, as cdk synth -c does; got "${pair}"`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const quiet = switches.has('quiet');
  const help = switches.has('help');
  const dir = (flag: string) => {
    const value = values.get(flag);
    if (value === undefined) return undefined;
    return path.resolve(value);
  };
  const web = dir('web');
  if (web && !existsSync(web)) throw new UsageError(`--web ${web} does not exist`);
  const assemblyDir = dir('assembly');
  if (assemblyDir && !existsSync(assemblyDir)) throw new UsageError(`--assembly ${assemblyDir} does not exist`);
  if (assemblyDir && Object.keys(context).length > 0) {
    throw new UsageError(
      '-c/--context applies to the synth; with --assembly nothing is synthesized (synthesize with cdk synth -c instead)',
    );
  }
  const watch = switches.has('watch');
  if (assemblyDir && watch)
    throw new UsageError('--watch re-synthesizes the app in this folder; with --assembly there is nothing to re-synthesize');
  let faultRates;
  if (values.has('fault-rate')) {
    try {
      faultRates = parseFaultRates(values.get('fault-rate')!);
    } catch (err: unknown) {
      throw new UsageError(`--fault-rate: ${(err as Error).message}`);
    }
  }
  const get = <T>(flag: string, parse: (v: string) => T): T | undefined => {
    const value = values.get(flag);
    return value === undefined ? undefined : parse(value);
  };
  return {
    assemblyDir,
    context,
    stack: values.get('stack'),
    port: get('port', (v) => integerFlag('port', v, 0, 65535)) ?? 3001,
    host: values.get('host') ?? '127.0.0.1',
    dynamodbPort: get('dynamodb-port', (v) => integerFlag('dynamodb-port', v, 0, 65535)) ?? 0,
    dataDir: dir('data-dir'),
    idleTimeoutSeconds: get('idle-timeout', (v) => integerFlag('idle-timeout', v, 1, 86400)),
    maxDurationSeconds: get('max-duration', (v) => integerFlag('max-duration', v, 1, 86400)),
    webDir: web,
    faultRates,
    watch,
    quiet,
    help,
  };
}

/**
 * The app's cloud assembly: `cdk synth` of the app in `cwd`, reused from the last start (or test
 * run) when no file it is made from has changed.
 */
async function synthesize(cwd: string, context: Readonly<Record<string, string>>, log: (line: string) => void): Promise<CachedAssembly> {
  if (!existsSync(path.join(cwd, 'cdk.json'))) {
    throw new UsageError(`no --assembly given and no cdk.json in ${cwd}: run from a CDK app folder or pass --assembly DIR`);
  }
  try {
    const assembly = await cachedAssembly({ cwd, context, verbose: true, log });
    if (!assembly.synthesized) log(`Using the app's last synthesis (${path.relative(cwd, assembly.dir)}): no source changed since.`);
    return assembly;
  } catch (err: unknown) {
    throw new UsageError(`${(err as Error).message}; fix the app or pass --assembly DIR`);
  }
}

/** Fails with EADDRINUSE now, before a synth of many seconds, when the port is taken. */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** The start banner: endpoints and the route table. */
export function banner(emu: Emulator, options: { dataDir?: string; webDir?: string; token?: string }): string {
  const { app } = emu;
  const fn = (id?: string) => (id ? (app.functions.get(id)?.logicalId ?? id) : '(no Lambda integration)');
  const lines = [
    `Switchboard local: stack ${app.stackName}, API ${app.apiName} (${app.apiId}), stage ${app.stage}, region ${app.region}`,
    `  WebSocket     ${emu.url}`,
    `  @connections  ${emu.managementEndpoint}`,
    `  DynamoDB      ${emu.dynamodbEndpoint} (${options.dataDir ? `data in ${options.dataDir}` : 'in memory'})`,
  ];
  lines.push(`  Lambda        ${emu.lambdaEndpoint} (Invoke API of the app's ${app.functions.size} functions; AWS_ENDPOINT_URL_LAMBDA)`);
  if (emu.publishFunctionName) {
    lines.push(
      `  Publish       function ${emu.publishFunctionName}: npx switchboard-local publish --emulator ${emu.httpUrl} --room lobby --data hello`,
    );
  }
  if (options.webDir) lines.push(`  Web           ${emu.httpUrl}/ (from ${options.webDir})`);
  for (const t of app.tables) {
    lines.push(`  Table         ${t.tableName}${t.ttlAttribute ? ` (TTL on ${t.ttlAttribute}: expired items deleted every minute)` : ''}`);
  }
  lines.push(...emu.serviceBannerLines());
  if (emu.localIssuer) {
    lines.push(
      `  Issuer        ${emu.localIssuer.issuer} (local stand-in for the Cognito user pool)`,
      `  Tokens        npx switchboard-local token --user NAME --url ${emu.httpUrl}, or GET ${emu.httpUrl}${LOCAL_PATHS.token}?user=NAME`,
    );
  }
  lines.push(`  Routes        selected by ${app.routeSelectionExpression}`);
  const width = Math.max(...[...app.routes.keys()].map((k) => k.length), 8);
  for (const route of app.routes.values()) {
    const marks = [
      route.authorizer ? `authorizer ${route.authorizer.name} (${route.authorizer.identitySources.join(', ')})` : '',
      route.hasRouteResponse ? 'route response' : '',
    ].filter(Boolean);
    lines.push(`    ${route.routeKey.padEnd(width)} -> ${fn(route.functionLogicalId)}${marks.length ? `  [${marks.join('; ')}]` : ''}`);
  }
  // Quoted, so the shell leaves the query string alone.
  lines.push(`  Try: npx wscat -c ${options.token ? `"${emu.url}?token=${options.token}"` : emu.url}`, '');
  return lines.join('\n');
}

/** Runs the CLI; resolves with the exit code once the emulator has stopped (or the subcommand is done). */
export async function main(argv: readonly string[]): Promise<number> {
  const subcommand = subcommandOf(argv);
  if (subcommand) return SUBCOMMANDS[subcommand.name](subcommand.argv);
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (err: unknown) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`switchboard-local: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = options.quiet ? () => undefined : (line: string) => console.log(line);
  let emu: Emulator;
  let served: CachedAssembly | undefined;
  try {
    await checkPortFree(options.host ?? '127.0.0.1', options.port ?? 3001);
    const synthesized = options.assemblyDir ? undefined : await synthesize(process.cwd(), options.context, log);
    const assemblyDir = options.assemblyDir ?? synthesized!.dir;
    // Synthesized with the developer's credentials; functions run in a process started without them.
    // Under --watch that process synthesizes again (a cache hit now, and every re-synth later).
    const restarted = reexecWithoutCredentials(options.assemblyDir || options.watch ? argv : argsForAssembly(argv, assemblyDir));
    if (restarted) return await restarted;
    if (synthesized && options.watch) served = synthesized;
    emu = await startEmulator({ ...options, assemblyDir, log, localIssuerDir: localIssuerDirFor(options.dataDir) });
  } catch (err: unknown) {
    const code = (err as { code?: string }).code;
    if (err instanceof UsageError || err instanceof AssemblyError) {
      process.stderr.write(`switchboard-local: ${err.message}\n`);
    } else if (code === 'EADDRINUSE') {
      process.stderr.write(`switchboard-local: ${(err as Error).message}: that port is in use; pass --port N (0 picks a free one)\n`);
    } else {
      process.stderr.write(`switchboard-local: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    return 1;
  }
  // A local token (1 h) for the banner's wscat line, for the sample user alice.
  const token = emu.localIssuer ? await emu.localIssuer.mint('alice') : undefined;
  process.stdout.write(banner(emu, { ...options, token }));
  if (!isLoopback(options.host ?? '127.0.0.1')) {
    // Nothing here checks signatures: anyone who can reach the port can post to, read and close
    // connections through @connections.
    process.stderr.write(
      `switchboard-local: warning: listening on ${options.host}; the @connections API is unauthenticated locally, so anyone who can reach this port can use it.\n`,
    );
  }
  const watcher = served
    ? watchApp({
        cwd: process.cwd(),
        served,
        assemble: () => cachedAssembly({ cwd: process.cwd(), context: options.context, verbose: true, log }),
        reload: (dir) => emu.reload(dir),
        // A failed synth reaches the terminal even under --quiet.
        log: (line) => process.stderr.write(`switchboard-local: ${line}\n`),
        clock: systemClock,
      })
    : undefined;
  if (watcher) log("Watching the app's sources: a change re-synthesizes it and reloads its functions.");
  return new Promise((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) process.exit(130); // a second Ctrl-C does not wait
      stopping = true;
      log(`${signal}: closing connections and stopping`);
      watcher?.close();
      emu.stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`switchboard-local: shutdown failed: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
