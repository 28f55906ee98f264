import { TOKEN_QUERY_PARAMETER } from '../protocol';

/** The parts of the WebSocket API the client uses: the browser's WebSocket and `ws` both fit. */
export interface SocketLike {
  readonly protocol: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the TCP connection without a closing handshake. */
  terminate?(): void;
}

export type SocketFactory = new (url: string, protocols?: string | string[]) => SocketLike;

/**
 * The platform WebSocket where there is one (browsers, Node 22+), else `ws`.
 * `ws` is required lazily: browser bundlers resolve it to its tiny browser stub,
 * which is never called because browsers have a global WebSocket.
 */
export function platformWebSocket(): SocketFactory {
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global === 'function') return global as SocketFactory;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily, so only Node without a global WebSocket loads ws
  return require('ws') as SocketFactory;
}

/** Appends the auth token as the token query parameter, keeping any other parameters. */
export function urlWithToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  const parsed = new URL(url);
  parsed.searchParams.set(TOKEN_QUERY_PARAMETER, token);
  return parsed.toString();
}
