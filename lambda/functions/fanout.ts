import { FANOUT_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { positiveIntEnv, positiveNumberEnv } from '../core/config';
import { PostGovernor } from '../core/post-governor';
import { sleep } from '../core/retry';
import { makeHandler } from '../handlers/fanout';
import { telemetry } from './environment';
import { roomDeps } from './services';

const deps = roomDeps(telemetry());
// This environment's share of the workers' posts per second: one of at most FANOUT_WORKERS at once.
const governor = new PostGovernor(
  positiveNumberEnv(ENV.fanoutPostsPerSecond, FANOUT_DEFAULTS.fanoutPostsPerSecond),
  positiveIntEnv(ENV.fanoutWorkers, FANOUT_DEFAULTS.fanoutWorkers),
  Date.now,
  sleep,
);

/** The fan-out worker's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ ...deps, routing: { ...deps.routing, governor }, now: Date.now });
