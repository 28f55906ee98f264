/** The gateway's log: one line per handshake, invocation or close, in fixed columns. */

/** Widths of the first two columns: what happened, and on which route. */
const KIND_WIDTH = 10;
const ROUTE_WIDTH = 12;

/** e.g. `OPEN                    BFaT_fALIAMCKug= 101`: what happened, on which route, to which connection. */
export function accessLogLine(kind: string, routeKey: string, connectionId: string, detail: string): string {
  return `${kind.padEnd(KIND_WIDTH)} ${routeKey.padEnd(ROUTE_WIDTH)} ${connectionId} ${detail}`;
}

/** One integration call, e.g. `MESSAGE    sendmessage  BFaT_fALIAMCKug= 200 1.2ms`; one template, as it is made for every message. */
export function invocationLogLine(kind: string, routeKey: string, connectionId: string, status: number, durationMs: number): string {
  return `${kind.padEnd(KIND_WIDTH)} ${routeKey.padEnd(ROUTE_WIDTH)} ${connectionId} ${status} ${durationMs.toFixed(1)}ms`;
}
