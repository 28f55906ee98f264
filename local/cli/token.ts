/**
 * `npx switchboard-local token --user alice [--ttl 1h] [--data-dir DIR | --url URL]` (or, in
 * Switchboard's repository, `npm run -s token -- ...`): prints a token the running emulator's
 * authorizer accepts. Signed here with the emulator's local issuer key (kept in DIR, or in the
 * app's state folder without --data-dir: local/machine/folders.ts) for the issuer and audience of
 * the latest start in this folder; or, with
 * --url, asked of the running emulator's token endpoint, which works from any folder.
 */
import { emulatorOrigin } from '../../cli-kit/emulator-url';
import { parseFlags, UsageError } from '../../cli-kit/flags';
import { checkUserName, DEFAULT_TOKEN_TTL_SECONDS, LocalIssuer, localIssuerDirFor, parseTtl } from '../issuer/issuer';
import { LOCAL_PATHS } from '../../protocol/local-endpoints';

export const TOKEN_USAGE = `Usage: npx switchboard-local token --user NAME [--ttl 1h] [--data-dir DIR | --url URL]

Prints an ID token for NAME from the local emulator's issuer (its stand-in for Cognito).
Connect with: npx wscat -c "ws://127.0.0.1:3001/dev?token=$(npx switchboard-local token --user alice)"

  --user NAME      who the token is for (1-64 characters of A-Z a-z 0-9 _ . @ + -)
  --ttl DURATION   lifetime, e.g. 90s, 15m, 1h, 1d (default: 1h, at most 1d)
  --data-dir DIR   the emulator's --data-dir, if it was started with one (default: the key
                   of the emulator started last in this folder)
  --url URL        ask the running emulator at URL instead, e.g. http://127.0.0.1:3001 (from any folder)
`;

interface TokenArgs {
  user?: string;
  ttlSeconds: number;
  dataDir?: string;
  /** The running emulator's origin, with --url. */
  url?: string;
  help: boolean;
}

function parseTokenArgs(argv: readonly string[]): TokenArgs {
  const { values, switches } = parseFlags(argv, { values: ['user', 'ttl', 'data-dir', 'url'], switches: ['help'] });
  const ttl = values.get('ttl');
  let ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
  if (ttl !== undefined) {
    try {
      ttlSeconds = parseTtl(ttl);
    } catch (err: unknown) {
      throw new UsageError(`--ttl: ${(err as Error).message}`);
    }
  }
  const url = values.get('url');
  if (url !== undefined && values.has('data-dir')) {
    throw new UsageError('give --data-dir or --url, not both: with --url the running emulator signs the token with its own key');
  }
  return {
    user: values.get('user'),
    ttlSeconds,
    dataDir: values.get('data-dir'),
    url: url === undefined ? undefined : emulatorOrigin('url', url),
    help: switches.has('help'),
  };
}

/** Fetches `url` (for --url): the platform's fetch, or a test's. */
export type TokenFetch = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Prints the token; resolves with the exit code (0 printed, 2 usage or failure). */
export async function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
  get: TokenFetch = (url) => fetch(url),
): Promise<number> {
  try {
    const args = parseTokenArgs(argv);
    if (args.help) {
      out(TOKEN_USAGE);
      return 0;
    }
    if (args.user === undefined) throw new Error('--user NAME is required (see --help)');
    checkUserName(args.user);
    const token =
      args.url === undefined
        ? await mintFromKey(args.user, args.ttlSeconds, args.dataDir)
        : await askEmulator(args.url, args.user, args.ttlSeconds, get);
    out(`${token}\n`);
    return 0;
  } catch (error: unknown) {
    err(`token: ${(error as Error).message}\n`);
    return 2;
  }
}

/** Signs with the key the emulator keeps in its data folder. */
async function mintFromKey(user: string, ttlSeconds: number, dataDir: string | undefined): Promise<string> {
  const keyDir = localIssuerDirFor(dataDir);
  const state = await LocalIssuer.readState(keyDir);
  if (!state || !(await LocalIssuer.hasKey(keyDir))) {
    throw new Error(
      dataDir
        ? `no local issuer in ${keyDir}: start the emulator first (npx switchboard-local --data-dir ${dataDir}; it makes the key there), or pass --url with its http URL`
        : `no local issuer for this folder (looked in ${keyDir}): start the emulator here first (npx switchboard-local; it makes the key there), or pass --url with its http URL`,
    );
  }
  const issuer = await LocalIssuer.open(keyDir);
  return issuer.mint(state, { user, ttlSeconds });
}

/** Asks the running emulator's token endpoint (loopback clients only). */
async function askEmulator(origin: string, user: string, ttlSeconds: number, get: TokenFetch): Promise<string> {
  const url = `${origin}${LOCAL_PATHS.token}?${new URLSearchParams({ user, ttl: `${ttlSeconds}s` }).toString()}`;
  let res: Awaited<ReturnType<TokenFetch>>;
  try {
    res = await get(url);
  } catch (error: unknown) {
    throw new Error(`cannot reach ${url}: ${(error as Error).message}. Is switchboard-local running there?`, { cause: error });
  }
  const body = (await res.json().catch(() => undefined)) as { token?: unknown; message?: unknown } | undefined;
  if (res.ok && typeof body?.token === 'string') return body.token;
  throw new Error(`${url} answered ${res.status}${typeof body?.message === 'string' ? ` (${body.message})` : ''}, not a token`);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
