import { makeHandler } from '../handlers/members';
import { frameLimiter, telemetry } from './environment';
import { connectionStore, presenceStore } from './services';

/** The `members` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({
  store: connectionStore(),
  presenceStore: presenceStore(),
  frameLimiter: frameLimiter(),
  telemetry: telemetry(),
});
