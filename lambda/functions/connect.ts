import { makeHandler } from '../handlers/connect';
import { telemetry } from './environment';
import { connectionStore } from './services';

/** The `$connect` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ store: connectionStore(), telemetry: telemetry() });
