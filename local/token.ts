/**
 * `npm run -s token -- --user alice [--ttl 1h] [--data-dir DIR]`: prints a token the running
 * emulator's authorizer accepts, signed with the emulator's local issuer key (kept in DIR, or
 * `.switchboard/` without --data-dir) for the issuer and audience of its latest start.
 */
import { parseFlags, UsageError } from './flags';
import { checkUserName, DEFAULT_TOKEN_TTL_SECONDS, LocalIssuer, localIssuerDirFor, parseTtl } from './local-issuer';

export const TOKEN_USAGE = `Usage: npm run -s token -- --user NAME [--ttl 1h] [--data-dir DIR]

Prints an ID token for NAME from the local emulator's issuer (its stand-in for Cognito).
Connect with: npx wscat -c "ws://127.0.0.1:3001/dev?token=$(npm run -s token -- --user alice)"

  --user NAME      who the token is for (1-64 characters of A-Z a-z 0-9 _ . @ + -)
  --ttl DURATION   lifetime, e.g. 90s, 15m, 1h, 1d (default: 1h, at most 1d)
  --data-dir DIR   the emulator's --data-dir, if it was started with one (default: .switchboard)
`;

interface TokenArgs {
  user?: string;
  ttlSeconds: number;
  dataDir?: string;
  help: boolean;
}

function parseTokenArgs(argv: readonly string[]): TokenArgs {
  const { values, switches } = parseFlags(argv, { values: ['user', 'ttl', 'data-dir'], switches: ['help'] });
  const ttl = values.get('ttl');
  let ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
  if (ttl !== undefined) {
    try {
      ttlSeconds = parseTtl(ttl);
    } catch (err: unknown) {
      throw new UsageError(`--ttl: ${(err as Error).message}`);
    }
  }
  return { user: values.get('user'), ttlSeconds, dataDir: values.get('data-dir'), help: switches.has('help') };
}

/** Prints the token; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  try {
    const args = parseTokenArgs(argv);
    if (args.help) {
      out(TOKEN_USAGE);
      return 0;
    }
    if (args.user === undefined) throw new Error('--user NAME is required (see --help)');
    checkUserName(args.user);
    const keyDir = localIssuerDirFor(args.dataDir);
    const state = await LocalIssuer.readState(keyDir);
    if (!state || !(await LocalIssuer.hasKey(keyDir))) {
      throw new Error(
        `no local issuer in ${keyDir}: start the emulator first (npm start${args.dataDir ? ` -- --data-dir ${args.dataDir}` : ''}); it makes the key there`,
      );
    }
    const issuer = await LocalIssuer.open(keyDir);
    out(`${await issuer.mint(state, { user: args.user, ttlSeconds: args.ttlSeconds })}\n`);
    return 0;
  } catch (error: unknown) {
    err(`token: ${(error as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
