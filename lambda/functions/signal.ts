import { makeHandler } from '../handlers/signal';
import { frameLimiter, telemetry } from './environment';
import { roomDeps } from './services';

/** The `signal` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ ...roomDeps(telemetry()), frameLimiter: frameLimiter() });
