import { guestName, LOCAL_PATHS, type PublishedConfig } from '../../protocol';

/** Where the page connects, and with which token. */
export interface PageConnection {
  websocketUrl: string;
  /** Fetches a fresh token; the client calls it before every (re)connection. */
  token?: () => Promise<string>;
}

/** What arrived from the server, unchecked: {@link PublishedConfig} once validated. */
type UncheckedConfig = { readonly [K in keyof PublishedConfig]?: unknown } | null | undefined;

/**
 * Finds the WebSocket URL: the `?ws=` query parameter wins, else the config the
 * page's own origin publishes. With a `tokenUrl` in that config, tokens come from there.
 */
export async function resolveConnection(pageUrl: string, fetchJson: (url: string) => Promise<unknown>): Promise<PageConnection> {
  const page = new URL(pageUrl);
  const override = page.searchParams.get('ws');
  if (override) return { websocketUrl: override };

  const configUrl = new URL(LOCAL_PATHS.config, page).toString();
  const config = (await fetchJson(configUrl)) as UncheckedConfig;
  if (typeof config?.websocketUrl !== 'string') {
    throw new Error(`${LOCAL_PATHS.config} has no "websocketUrl" string; expected {"websocketUrl":"ws://host:port/stage"}.`);
  }
  if (config.tokenUrl === undefined) return { websocketUrl: config.websocketUrl };
  if (typeof config.tokenUrl !== 'string') {
    throw new Error(`${LOCAL_PATHS.config} has a "tokenUrl" that is not a string.`);
  }
  // One guest name per page, kept across reconnects, so the sender others see stays the same.
  const tokenUrl = new URL(config.tokenUrl, page);
  if (!tokenUrl.searchParams.has('user')) tokenUrl.searchParams.set('user', guestName());
  const token = async (): Promise<string> => {
    const issued = (await fetchJson(tokenUrl.toString())) as { token?: unknown };
    if (typeof issued?.token !== 'string') throw new Error(`${tokenUrl} returned no "token" string; expected {"token":"..."}.`);
    return issued.token;
  };
  return { websocketUrl: config.websocketUrl, token };
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
