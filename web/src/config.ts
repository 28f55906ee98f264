import { guestName, LOCAL_PATHS, type PublishedConfig } from '../../protocol';
import { cognitoEndpoint, type SignInTarget } from './sign-in';

/** How the page gets the token it connects with. */
export type PageAuth =
  /** No token: a stage without an authorizer. */
  | { readonly kind: 'none' }
  /** A user name and password, through Cognito's InitiateAuth (or the emulator's stand-in). */
  | {
      readonly kind: 'sign-in';
      readonly target: SignInTarget;
      /** The emulator's guest token endpoint, offered beside the form; never on a deployed stage. */
      readonly guestTokenUrl?: string;
    }
  /** The emulator's guest token, without a form (an emulator that publishes no sign-in endpoint). */
  | { readonly kind: 'guest'; readonly tokenUrl: string };

/** Where the page connects, and how it gets its token. */
export interface PageConnection {
  readonly websocketUrl: string;
  readonly auth: PageAuth;
}

/** The page's query parameters. */
export const PAGE_PARAMETERS = {
  /** The WebSocket URL (`wss://…/stage`): overrides any config JSON. */
  websocketUrl: 'ws',
  /** With `ws`: the user pool's app client id, for the sign-in form. */
  clientId: 'clientId',
  /** With `clientId`: the user pool's region. */
  region: 'region',
  /** A config JSON ({@link PublishedConfig}) on the page's origin, to read instead of the default one. */
  config: 'config',
} as const;

/** What arrived from the server, unchecked: {@link PublishedConfig} once validated. */
type UncheckedConfig = { readonly [K in keyof PublishedConfig]?: unknown } | null | undefined;

/**
 * Finds where to connect and how to sign in: `?ws=` (with `clientId` and `region` for a stage
 * with Cognito) wins; else the config JSON named by `?config=`, else the one the page's own
 * origin publishes (the emulator does, and a hosted page can ship one).
 */
export async function resolveConnection(pageUrl: string, fetchJson: (url: string) => Promise<unknown>): Promise<PageConnection> {
  const page = new URL(pageUrl);
  const param = (name: string) => page.searchParams.get(name) ?? undefined;
  const override = param(PAGE_PARAMETERS.websocketUrl);
  if (override) return { websocketUrl: checkWebSocketUrl(override, `?${PAGE_PARAMETERS.websocketUrl}=`), auth: authFromParameters(param) };

  const configUrl = new URL(param(PAGE_PARAMETERS.config) ?? LOCAL_PATHS.config, page).toString();
  // A config names where the password goes: only one its own site serves may, not one a link points at.
  if (new URL(configUrl).origin !== page.origin) {
    throw new Error(`?${PAGE_PARAMETERS.config}= must name a file on this page's origin (${page.origin}); got ${configUrl}.`);
  }
  const config = (await fetchJson(configUrl)) as UncheckedConfig;
  if (typeof config?.websocketUrl !== 'string') {
    throw new Error(`${configUrl} has no "websocketUrl" string; expected {"websocketUrl":"ws://host:port/stage"}.`);
  }
  const websocketUrl = checkWebSocketUrl(config.websocketUrl, `${configUrl} "websocketUrl"`);
  if (config.tokenUrl !== undefined && typeof config.tokenUrl !== 'string') {
    throw new Error(`${configUrl} has a "tokenUrl" that is not a string.`);
  }
  const tokenUrl = config.tokenUrl === undefined ? undefined : new URL(config.tokenUrl, configUrl).toString();
  if (config.cognito !== undefined) {
    const target = signInTargetFrom(config.cognito, configUrl);
    return { websocketUrl, auth: tokenUrl ? { kind: 'sign-in', target, guestTokenUrl: tokenUrl } : { kind: 'sign-in', target } };
  }
  return { websocketUrl, auth: tokenUrl ? { kind: 'guest', tokenUrl } : { kind: 'none' } };
}

/** `?clientId=&region=` beside `?ws=`: the sign-in form against Cognito in that region; neither: no token. */
function authFromParameters(param: (name: string) => string | undefined): PageAuth {
  const clientId = param(PAGE_PARAMETERS.clientId);
  const region = param(PAGE_PARAMETERS.region);
  if (clientId === undefined && region === undefined) return { kind: 'none' };
  if (clientId === undefined || region === undefined) {
    throw new Error(
      `To sign in, give both ?${PAGE_PARAMETERS.clientId}= (the stack's UserPoolClientId output) and ?${PAGE_PARAMETERS.region}= (its region); got only ${clientId === undefined ? 'region' : 'clientId'}.`,
    );
  }
  return { kind: 'sign-in', target: { endpoint: cognitoEndpoint(region), clientId } };
}

/** A config's `cognito`: `clientId`, and `endpoint` (resolved against the config's URL) or else `region`. */
function signInTargetFrom(value: unknown, configUrl: string): SignInTarget {
  const cognito = (typeof value === 'object' && value !== null ? value : {}) as {
    endpoint?: unknown;
    clientId?: unknown;
    region?: unknown;
  };
  if (typeof cognito.clientId !== 'string' || cognito.clientId === '') {
    throw new Error(`${configUrl} has a "cognito" without a "clientId" string; expected {"clientId":"…","region":"…"}.`);
  }
  if (typeof cognito.endpoint === 'string')
    return { endpoint: new URL(cognito.endpoint, configUrl).toString(), clientId: cognito.clientId };
  if (typeof cognito.region === 'string') return { endpoint: cognitoEndpoint(cognito.region), clientId: cognito.clientId };
  throw new Error(
    `${configUrl} has a "cognito" with neither "endpoint" nor "region"; expected e.g. {"clientId":"…","region":"eu-west-1"}.`,
  );
}

function checkWebSocketUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${where} "${value}" is not a URL; expected ws://host:port/stage or wss://…/stage.`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`${where} "${value}" is not a WebSocket URL; expected ws://host:port/stage or wss://…/stage.`);
  }
  return value;
}

/**
 * Gets the emulator's guest tokens: one guest name per page, kept across renewals, so the user id
 * others see stays the same.
 */
export function guestTokenSource(tokenUrl: string, fetchJson: (url: string) => Promise<unknown>): () => Promise<string> {
  const url = new URL(tokenUrl);
  if (!url.searchParams.has('user')) url.searchParams.set('user', guestName());
  return async () => {
    const issued = (await fetchJson(url.toString())) as { token?: unknown };
    if (typeof issued?.token !== 'string') throw new Error(`${url} returned no "token" string; expected {"token":"..."}.`);
    return issued.token;
  };
}

/** GETs JSON, with errors that say which URL failed and how. */
export async function fetchJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  } catch (err: unknown) {
    throw new Error(`Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!response.ok) {
    throw new Error(
      `${url} answered HTTP ${response.status}. Serve this page with the emulator (npm start), or add ?ws=wss://your-api/stage to the address.`,
    );
  }
  return response.json();
}
