import { makeHandler } from '../handlers/publish';
import { telemetry } from './environment';
import { roomDeps, roomHistory } from './services';

/** The Publish function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ ...roomDeps(telemetry()), history: roomHistory(), now: Date.now });
