/** The connection as the page shows it: one status line, whatever happens underneath. */
export type ConnectionStatus =
  | { readonly state: 'signing-in' }
  | { readonly state: 'connecting'; readonly url: string }
  | { readonly state: 'open'; readonly url: string }
  /** A reconnect is due at `retryAt` (ms since the epoch). `attempt` counts from 1 since the last open. */
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly retryAt: number; readonly reason: string }
  | { readonly state: 'closed'; readonly code: number };

/** The dot's colour class in the page: one of the CSS `data-state`s. */
export type StatusClass = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The status line's text at `now` (ms since the epoch): a countdown while reconnecting. */
export function statusText(status: ConnectionStatus, now: number): string {
  switch (status.state) {
    case 'signing-in':
      return 'Sign in to connect';
    case 'connecting':
      return `Connecting to ${status.url}…`;
    case 'open':
      return `Connected to ${status.url}`;
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((status.retryAt - now) / 1000));
      if (status.reason === 'max-age') return 'Renewing the connection…';
      // The client stays `reconnecting` while its attempt is under way.
      const when = seconds === 0 ? 'now…' : `in ${seconds}s`;
      // The first attempt after a drop may just be a blip; once an attempt has failed, the server is not there.
      if (status.attempt === 1 && status.reason === 'dropped') return `connection lost, reconnecting ${when}`;
      return `server unreachable, retrying ${when}`;
    }
    case 'closed':
      return `Disconnected (code ${status.code})`;
  }
}

export function statusClass(status: ConnectionStatus): StatusClass {
  return status.state === 'signing-in' ? 'closed' : status.state;
}
