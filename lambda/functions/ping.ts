import { makeHandler } from '../handlers/ping';
import { frameLimiter, telemetry } from './environment';

/** The `ping` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ frameLimiter: frameLimiter(), telemetry: telemetry() });
