import { makeHandler } from '../handlers/message';
import { frameLimiter, roomMessageRateLimit, telemetry } from './environment';
import { roomDeps, roomHistory } from './services';

/** The `message` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  ...roomDeps(telemetry()),
  history: roomHistory(),
  roomMessageRateLimit: roomMessageRateLimit(),
  frameLimiter: frameLimiter(),
  now: Date.now,
});
