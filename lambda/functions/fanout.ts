import { FANOUT_DEFAULTS } from '../../contract/defaults';
import { ENV } from '../../contract/environment';
import { positiveNumberEnv } from '../core/config';
import { governorLimit, PostGovernor } from '../core/post-governor';
import { sleep } from '../core/retry';
import { makeHandler } from '../handlers/fanout';
import { telemetry } from './environment';
import { postBucket, roomDeps } from './services';

const deps = roomDeps(telemetry());
// All workers' posts per second together, from one bucket in the table that each claims chunks of.
const { limit, chunk } = governorLimit(positiveNumberEnv(ENV.fanoutPostsPerSecond, FANOUT_DEFAULTS.fanoutPostsPerSecond));
const governor = new PostGovernor(postBucket(limit), chunk, sleep);

/** The fan-out worker's entry: its handler, with what it needs built from the environment at cold start. */
export const handler = makeHandler({ ...deps, routing: { ...deps.routing, governor }, now: Date.now });
