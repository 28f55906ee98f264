import { makeHandler } from '../handlers/history';
import { frameLimiter, telemetry } from './environment';
import { connectionStore, roomHistory } from './services';

/** The `history` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  store: connectionStore(),
  history: roomHistory(),
  frameLimiter: frameLimiter(),
  telemetry: telemetry(),
});
