import { makeHandler } from '../handlers/message';
import { frameLimiter, roomMessageRateLimit, roomRate, telemetry } from './environment';
import { messageDedup, roomDeps, roomHistory } from './services';

const deps = roomDeps(telemetry());

/** The `message` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  ...deps,
  history: roomHistory(),
  dedup: messageDedup(),
  roomMessageRateLimit: roomMessageRateLimit(),
  roomRate: roomRate(deps.store),
  frameLimiter: frameLimiter(),
  now: Date.now,
});
