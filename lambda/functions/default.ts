import { makeHandler } from '../handlers/default';
import { frameLimiter, telemetry } from './environment';

/** The `$default` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ frameLimiter: frameLimiter(), telemetry: telemetry() });
