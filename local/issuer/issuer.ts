/**
 * The key the emulator's Cognito user pools sign with: one RSA key, kept across restarts, and the
 * Cognito-shaped tokens it signs. The local Cognito (local/services/cognito-idp/) serves its JWKS
 * under each pool's issuer URL and signs sign-ins with it; the token command and the gateway's
 * token endpoint mint with it directly. Local only: anyone who can reach it can mint tokens.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { guestName, LOCAL_PATHS } from '../../protocol';
import { excerpt } from '../../protocol/values';
import { isLoopback } from '../http/loopback';
import { appStateDir } from '../machine/folders';

/** File names under the key folder. */
const KEY_FILE = 'switchboard-local-issuer-key.json';
const STATE_FILE = 'switchboard-local-issuer.json';
/** Cognito signs with RS256, and verifiers such as aws-jwt-verify accept nothing else from it. */
export const SIGNING_ALGORITHM = 'RS256';
const ALG = SIGNING_ALGORITHM;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** A user name as Cognito accepts it, kept short. */
const USER_NAME = /^[A-Za-z0-9_.@+-]{1,64}$/;

/** What the token command (`switchboard-local token`) needs to mint a token the running emulator accepts. */
export interface IssuerState {
  readonly issuer: string;
  readonly audience: string;
}

export interface MintOptions {
  /** The user name, in `cognito:username` (`username` in an access token); the `sub` is {@link localSubject} of it. */
  readonly user: string;
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /**
   * `id`: an ID token (the app client in `aud`); `access`: an access token (the app client in
   * `client_id`, no `aud`), as Cognito issues them. The authorizer accepts both.
   * @default 'id'
   */
  readonly tokenUse?: 'id' | 'access';
  /** The app client the token is for. @default the state's audience */
  readonly clientId?: string;
  /** The user's groups, in `cognito:groups` as Cognito puts them (for room rules that name it). @default none */
  readonly groups?: readonly string[];
  /** The `sub`: Cognito gives each user a UUID. @default `local-<user>`, the same on every start */
  readonly subject?: string;
  /** More claims: an ID token's user attributes (`email`, ...) and Cognito's `event_id`, `origin_jti`. @default none */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** `iat` and `auth_time`, in seconds since the epoch. @default now */
  readonly issuedAt?: number;
}

/** The namespace of {@link localSubject}'s name-based UUIDs: any fixed UUID would do; this one is Switchboard's. */
const SUBJECT_NAMESPACE = Buffer.from('7c1f9a52d0b44e6c9f3a2b8e5d61c0aa', 'hex');

/**
 * A local user's `sub`: a UUID, as Cognito's are, so nothing that shows ids passes locally and
 * fails on a real stage; derived from the user name (RFC 4122 version 5), so it is the same
 * across restarts and machines.
 */
export function localSubject(user: string): string {
  const hash = createHash('sha1').update(SUBJECT_NAMESPACE).update(user, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checks a user name for a token; throws saying what is expected. */
export function checkUserName(user: string): void {
  if (!USER_NAME.test(user)) throw new Error(`user "${excerpt(user)}" must be 1-64 characters of A-Z a-z 0-9 _ . @ + -`);
}

/** Parses a token lifetime such as 90, 90s, 15m, 1h or 1d into seconds (at most a day). */
export function parseTtl(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(seconds >= 1 && seconds <= 86400)) throw new Error(`ttl "${value}" must be a duration such as 90s, 15m, 1h or 1d (at most 1d)`);
  return seconds;
}

/** The signing key and the tokens it signs. */
export class LocalIssuer {
  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicJwk: JWK,
    /** The folder that keeps the key and the state file; undefined when in memory. */
    readonly keyDir: string | undefined,
  ) {}

  /** Loads the key kept in `keyDir`, or makes one (and keeps it there); in memory without a folder. */
  static async open(keyDir?: string): Promise<LocalIssuer> {
    if (keyDir) {
      const file = path.join(keyDir, KEY_FILE);
      const saved = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (saved !== undefined) {
        const jwk = JSON.parse(saved) as JWK;
        return new LocalIssuer((await importJWK(jwk, ALG)) as KeyLike, publicPart(jwk), keyDir);
      }
    }
    const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `local-${randomBytes(6).toString('hex')}`, alg: ALG, use: 'sig' };
    if (keyDir) {
      await mkdir(keyDir, { recursive: true });
      const file = path.join(keyDir, KEY_FILE);
      await writeFile(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    return new LocalIssuer(privateKey, publicPart(jwk), keyDir);
  }

  /** The JWKS the authorizer fetches: the public key only. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /** A Cognito-shaped ID token (or access token) for `user`, as the user pool's app client would receive it. */
  async mint(state: IssuerState, options: MintOptions): Promise<string> {
    checkUserName(options.user);
    const now = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const clientId = options.clientId ?? state.audience;
    const claims =
      options.tokenUse === 'access'
        ? { token_use: 'access', client_id: clientId, username: options.user, scope: 'aws.cognito.signin.user.admin', auth_time: now }
        : { token_use: 'id', 'cognito:username': options.user, auth_time: now };
    const groups = options.groups && options.groups.length > 0 ? { 'cognito:groups': [...options.groups] } : {};
    const jwt = new SignJWT({ ...options.claims, ...claims, ...groups, jti: randomUUID() })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid, typ: 'JWT' })
      .setIssuer(state.issuer)
      .setSubject(options.subject ?? localSubject(options.user))
      .setIssuedAt(now)
      .setExpirationTime(now + (options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS));
    return (options.tokenUse === 'access' ? jwt : jwt.setAudience(clientId)).sign(this.privateKey);
  }

  /** Records where the running emulator's issuer is, for the token command. */
  async saveState(state: IssuerState): Promise<void> {
    if (this.keyDir) await writeFile(path.join(this.keyDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  }

  /** The state the last emulator start saved in `keyDir`. */
  static async readState(keyDir: string): Promise<IssuerState | undefined> {
    const text = await readFile(path.join(keyDir, STATE_FILE), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as IssuerState);
  }

  /** Whether a key has been made in `keyDir`. */
  static async hasKey(keyDir: string): Promise<boolean> {
    return readFile(path.join(keyDir, KEY_FILE)).then(
      () => true,
      () => false,
    );
  }
}

function publicPart(jwk: JWK): JWK {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

/**
 * `GET /.switchboard/token?user=NAME[&ttl=1h]`, on the gateway, for the chat page and scripts:
 * a token for NAME (a guest name without `user`), for clients on this machine only. False when the
 * path is another.
 */
export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  issuer: LocalIssuer,
  state: IssuerState,
): Promise<boolean> {
  if (url.pathname !== LOCAL_PATHS.token || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    return true;
  };
  if (!isLoopback(req.socket.remoteAddress)) {
    return send(403, { message: 'The local token endpoint answers only clients on this machine.' });
  }
  const user = url.searchParams.get('user') ?? guestName();
  try {
    const ttlSeconds = parseTtl(url.searchParams.get('ttl') ?? String(DEFAULT_TOKEN_TTL_SECONDS));
    return send(200, { token: await issuer.mint(state, { user, ttlSeconds }), user, expiresIn: ttlSeconds });
  } catch (err: unknown) {
    return send(400, { message: (err as Error).message });
  }
}

/**
 * Where the CLI keeps the key: in the data dir when there is one, else in the app's state folder
 * on this machine (appStateDir), outside the app's folder: a private key never sits beside the
 * app's sources, where a commit, a package or a Docker build context could take it along.
 */
export function localIssuerDirFor(dataDir: string | undefined, cwd: string = process.cwd()): string {
  return dataDir ?? appStateDir(cwd);
}
