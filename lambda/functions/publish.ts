import { makeHandler } from '../handlers/publish';
import { roomRate, telemetry } from './environment';
import { roomDeps, roomHistory } from './services';

const deps = roomDeps(telemetry());

/** The Publish function's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ ...deps, history: roomHistory(), roomRate: roomRate(deps.store), now: Date.now });
