import { LOCAL_PASSWORD } from '../../protocol';
import { type Clock, systemClock } from '../../protocol/clock';
import { connect } from '../../client';
import { wireChat } from './chat';
import { type PageAuth, fetchJson, guestTokenSource, resolveConnection } from './config';
import { initiateAuth } from './sign-in';
import { statusClass, statusText } from './status';
import { TokenCache } from './token-cache';
import { ChatView } from './view';

/** Finds the server, gets a token (signing in when the stage asks for it), connects, and wires the chat. */
async function main(): Promise<void> {
  const clock = systemClock;
  const view = new ChatView(document);
  let connection;
  try {
    connection = await resolveConnection(location.href, fetchJson);
  } catch (err: unknown) {
    view.setStatus('closed', 'Not connected');
    view.addError('CONFIG', err instanceof Error ? err.message : String(err));
    return;
  }
  const { websocketUrl, auth } = connection;

  const tokens = tokenCacheFor(auth, websocketUrl, view, clock);
  if (tokens) {
    try {
      await tokens.get();
    } catch (err: unknown) {
      view.setStatus('closed', 'Not connected');
      view.addError('TOKEN', err instanceof Error ? err.message : String(err));
      return;
    }
  } else {
    view.setIdentity(undefined);
  }

  const client = connect(websocketUrl, { token: tokens ? () => tokens.get() : undefined, clock });
  wireChat(client, view, { websocketUrl, clock, selfId: () => tokens?.identity?.userId });
}

/**
 * The page's token source for its kind of authentication: the sign-in form (against Cognito or
 * the emulator's stand-in, with a guest option locally), the emulator's guest tokens, or none.
 */
function tokenCacheFor(auth: PageAuth, websocketUrl: string, view: ChatView, clock: Clock): TokenCache | undefined {
  if (auth.kind === 'none') return undefined;
  const onIdentity = view.setIdentity.bind(view);
  if (auth.kind === 'guest') return new TokenCache(guestTokenSource(auth.tokenUrl, fetchJson), clock, undefined, onIdentity);
  const guest = auth.guestTokenUrl === undefined ? undefined : guestTokenSource(auth.guestTokenUrl, fetchJson);
  // Once the person chose to be a guest, renewals fetch guest tokens without asking again.
  let asGuest = false;
  const signIn = async (): Promise<string> => {
    if (asGuest && guest) return guest();
    let error: string | undefined;
    const signingIn = { state: 'signing-in' } as const;
    view.setStatus(statusClass(signingIn), statusText(signingIn, clock.now()));
    for (;;) {
      const choice = await view.askSignIn({
        websocketUrl,
        guest: guest !== undefined,
        // Only the emulator offers guests, and its one password is no secret.
        hint: guest ? `Local emulator: any user name, password "${LOCAL_PASSWORD}".` : undefined,
        error,
      });
      try {
        const token =
          choice.kind === 'guest' && guest
            ? await guest()
            : choice.kind === 'password'
              ? (await initiateAuth(auth.target, choice)).idToken
              : undefined;
        if (token !== undefined) {
          asGuest = choice.kind === 'guest';
          view.hideSignIn();
          return token;
        }
      } catch (err: unknown) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
  };
  return new TokenCache(signIn, clock, undefined, onIdentity);
}

void main();
