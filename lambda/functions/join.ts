import { makeHandler } from '../handlers/join';
import { frameLimiter, joinLimits, telemetry } from './environment';
import { roomDeps, roomHistory } from './services';

/** The `join` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  ...roomDeps(telemetry()),
  history: roomHistory(),
  limits: joinLimits(),
  frameLimiter: frameLimiter(),
});
