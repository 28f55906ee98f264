import { makeHandler } from '../handlers/disconnect';
import { telemetry } from './environment';
import { roomDeps } from './services';

/** The `$disconnect` function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler(roomDeps(telemetry()));
