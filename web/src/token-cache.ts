import type { Clock } from '../../protocol/clock';
import { type Identity, identityFromToken } from './identity';

/**
 * Keeps the page's token in memory and hands it to every (re)connection until it is about to
 * expire; only then does it get a new one (a sign-in, or the emulator's guest token). So a
 * reconnect while the server is down costs no sign-in and no token request, and reports no token
 * error: the connection attempt itself fails, and the page says the server is unreachable.
 *
 * Memory, not sessionStorage: any script on the page's origin can read sessionStorage, and
 * a token there outlives the page's own code. The price is signing in again after a reload.
 */
export class TokenCache {
  private current: { token: string; identity: Identity } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(
    /** Gets a new token: signs in, or asks the emulator for a guest token. */
    private readonly obtain: () => Promise<string>,
    private readonly clock: Pick<Clock, 'now'>,
    /** Renew this long before `exp`, so a token does not expire between here and the authorizer. @default 60000 */
    private readonly renewBeforeMs = 60_000,
    /** Told of each new identity (the first sign-in, and a different user after a renewal). */
    private readonly onIdentity: (identity: Identity) => void = () => undefined,
  ) {}

  /** The identity of the token held, if any. */
  get identity(): Identity | undefined {
    return this.current?.identity;
  }

  /** A token valid for at least `renewBeforeMs` more; concurrent callers share one renewal. */
  async get(): Promise<string> {
    const held = this.current;
    if (held && (held.identity.expiresAt === undefined || held.identity.expiresAt - this.renewBeforeMs > this.clock.now()))
      return held.token;
    this.inFlight ??= this.renew().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async renew(): Promise<string> {
    const token = await this.obtain();
    const identity = identityFromToken(token);
    const changed = this.current?.identity.userId !== identity.userId;
    this.current = { token, identity };
    if (changed) this.onIdentity(identity);
    return token;
  }
}
