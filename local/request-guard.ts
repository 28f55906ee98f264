/**
 * Who may use the emulator's unauthenticated HTTP endpoints (the token minter, the page's
 * configuration and `@connections`): programs on this machine, never a web page elsewhere.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './loopback';

/** Listen addresses that stand for every interface: no Host header may name them. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * Whether a request's Host header names this server: a loopback name or address, or the exact
 * address the server was told to listen on. Any other name (DNS rebinding points an attacker's
 * domain at 127.0.0.1) is refused.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (hostHeader === undefined || hostHeader === '') return false;
  if (isLoopback(hostHeader)) return true;
  if (WILDCARD_HOSTS.has(listenHost)) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(1, hostHeader.indexOf(']')) : hostHeader.replace(/:\d+$/, '');
  return name.toLowerCase() === listenHost.toLowerCase().replace(/^\[|\]$/g, '');
}

/**
 * Whether a browser sent this request on behalf of a page: browsers add `Origin` to every
 * cross-origin request (and to same-origin POSTs) and `Sec-Fetch-Site` to all of them. SDKs,
 * curl and wscat send neither.
 */
export function fromBrowser(headers: IncomingHttpHeaders): boolean {
  return headers.origin !== undefined || headers['sec-fetch-site'] !== undefined;
}
