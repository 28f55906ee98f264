/** The one rule for "this machine only", for listen addresses, Host headers and peers. */

/**
 * Whether a host name or address is loopback: `localhost` (and `*.localhost`), `127.0.0.0/8`,
 * `::1`, and IPv4-mapped `::ffff:127.x.x.x`. Accepts a bare name or address, `host:port`,
 * and `[v6]:port` as a Host header carries it.
 */
export function isLoopback(hostOrAddress: string | undefined): boolean {
  if (hostOrAddress === undefined) return false;
  const host = stripPort(hostOrAddress.trim().toLowerCase());
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function stripPort(value: string): string {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(1, end);
  }
  // One colon: host:port. More than one: a bare IPv6 address.
  const colons = value.split(':').length - 1;
  return colons === 1 ? value.slice(0, value.indexOf(':')) : value;
}
