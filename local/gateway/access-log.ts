/** The gateway's log: one line per handshake, invocation or close, in fixed columns. */

/** e.g. `MESSAGE    sendmessage  BFaT_fALIAMCKug= 200 1.2ms`: what happened, on which route, to which connection. */
export function accessLogLine(kind: string, routeKey: string, connectionId: string, detail: string): string {
  return `${kind.padEnd(10)} ${routeKey.padEnd(12)} ${connectionId} ${detail}`;
}
