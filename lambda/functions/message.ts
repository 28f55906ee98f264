import { makeHandler } from '../handlers/message';
import { frameLimiter, roomMessageRateLimit, telemetry } from './environment';
import { messageDedup, roomDeps, roomHistory } from './services';

/** The `message` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  ...roomDeps(telemetry()),
  history: roomHistory(),
  dedup: messageDedup(),
  roomMessageRateLimit: roomMessageRateLimit(),
  frameLimiter: frameLimiter(),
  now: Date.now,
});
