import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  ENV,
  FANOUT_DEFAULTS,
  HISTORY_DEFAULTS,
  MAX_ROOM_MEMBERS,
  historySettingsProblem,
  parseRoomRules,
  RATE_LIMIT_DEFAULTS,
  RATE_LIMIT_ENV,
  ROOM_DEFAULTS,
  type RoomRule,
  STACK_DEFAULTS,
} from '../contract';
import { outputPrefixProblem } from './api-outputs';
import { ConfigError } from './config-error';
import { type CustomDomainProps, hostNameProblem, zoneProblem } from './custom-domain';
import { PUBLISH_FUNCTION_DEFINITION, ROUTES, type RouteDefinition } from './routes';
import type { ExtraRoute, RateLimitProps, SwitchboardApiProps, ThrottleProps } from './switchboard-api-props';

/** SwitchboardApiProps with every default applied and every value checked. */
export interface ApiSettings {
  readonly stageName: string;
  readonly throttle: ThrottleProps;
  readonly logRetention: logs.RetentionDays;
  /** The functions' timeout; undefined: SwitchboardFunction's default. */
  readonly functionTimeout?: Duration;
  /** The functions' runtime; undefined: SwitchboardFunction's default. */
  readonly runtime?: lambda.Runtime;
  readonly roomRules: RoomRule[];
  /** The value of each variable SwitchboardApi can set on its functions beyond the table and callback URL, by name. */
  readonly functionConfig: Readonly<Record<string, string>>;
  /** Switchboard's routes and the extra ones. */
  readonly routes: ReadonlyArray<RouteDefinition & { readonly entry?: string }>;
  /** Whether the API makes its alarms and dashboard. */
  readonly monitoring: boolean;
  /** The start of its outputs' names; undefined: no outputs. */
  readonly outputPrefix?: string;
  /** Its custom domain, if any. */
  readonly domain?: Omit<CustomDomainProps, 'stage'>;
  /** Fan-out workers at once (the event source mapping's maximum concurrency). */
  readonly fanoutWorkers: number;
}

const STAGE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Resolves and checks the props of SwitchboardApi `id`; a wrong value throws a ConfigError naming it and what is expected. */
export function apiSettings(id: string, props: SwitchboardApiProps): ApiSettings {
  const stageName = props.stageName ?? STACK_DEFAULTS.stageName;
  const throttle = props.throttle ?? STACK_DEFAULTS.throttle;
  const maxRooms = props.maxRoomsPerConnection ?? ROOM_DEFAULTS.maxRoomsPerConnection;
  const fanoutConcurrency = props.fanoutConcurrency ?? ROOM_DEFAULTS.fanoutConcurrency;
  const maxRoomMembers = props.maxRoomMembers ?? ROOM_DEFAULTS.maxRoomMembers;
  const roomMessageRateLimit = props.roomMessageRateLimit ?? RATE_LIMIT_DEFAULTS.roomMessages;
  const frameRateLimit = props.frameRateLimit ?? RATE_LIMIT_DEFAULTS.frames;
  validateProps(id, { stageName, throttle, maxRooms, maxRoomMembers, fanoutConcurrency });
  const fanout = fanoutSettings(id, props);
  validateRateLimits(id, roomMessageRateLimit, frameRateLimit);
  const history = {
    limit: props.historyLimit ?? HISTORY_DEFAULTS.limit,
    // Not integral: a fraction of a second gets the range message below, not Duration's own.
    retentionSeconds: props.historyRetention?.toSeconds({ integral: false }) ?? HISTORY_DEFAULTS.retentionSeconds,
  };
  const historyProblem = historySettingsProblem(history, {
    limit: `SwitchboardApi ${id}: historyLimit`,
    retention: `SwitchboardApi ${id}: historyRetention`,
  });
  if (historyProblem !== undefined) throw new ConfigError(historyProblem);
  let roomRules: RoomRule[];
  try {
    roomRules = parseRoomRules(props.roomRules ?? []);
  } catch (err: unknown) {
    throw new ConfigError(`SwitchboardApi ${id}: ${(err as Error).message}`);
  }
  const functionConfig = {
    [ENV.maxRoomsPerConnection]: maxRooms,
    [ENV.maxRoomMembers]: maxRoomMembers,
    [ENV.fanoutConcurrency]: fanoutConcurrency,
    [RATE_LIMIT_ENV.roomMessages.perSecond]: roomMessageRateLimit.perSecond,
    [RATE_LIMIT_ENV.roomMessages.burst]: roomMessageRateLimit.burst,
    [RATE_LIMIT_ENV.frames.perSecond]: frameRateLimit.perSecond,
    [RATE_LIMIT_ENV.frames.burst]: frameRateLimit.burst,
    [ENV.historyLimit]: history.limit,
    [ENV.historyRetentionSeconds]: history.retentionSeconds,
    [ENV.roomRules]: JSON.stringify(roomRules),
    [ENV.presence]: props.presence ?? ROOM_DEFAULTS.presence,
    [ENV.inlineFanoutLimit]: fanout.inlineFanoutLimit,
    [ENV.fanoutShardSize]: fanout.fanoutShardSize,
    [ENV.fanoutPostsPerSecond]: fanout.fanoutPostsPerSecond,
    [ENV.roomMessagesPerSecondPerRoom]: fanout.roomMessagesPerSecondPerRoom,
    [ENV.presenceLimit]: fanout.presenceLimit,
  };
  return {
    stageName,
    throttle,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    functionTimeout: props.functionTimeout,
    runtime: props.runtime,
    roomRules,
    functionConfig: Object.fromEntries(Object.entries(functionConfig).map(([name, value]) => [name, String(value)])),
    routes: [...ROUTES, ...extraRouteDefinitions(id, props.extraRoutes ?? [])],
    ...presentationSettings(id, props),
    fanoutWorkers: fanout.fanoutWorkers,
  };
}

/** The fan-out props, defaulted and checked: each in the range AWS and the design allow. */
function fanoutSettings(id: string, props: SwitchboardApiProps) {
  const settings = {
    inlineFanoutLimit: props.inlineFanoutLimit ?? FANOUT_DEFAULTS.inlineFanoutLimit,
    fanoutShardSize: props.fanoutShardSize ?? FANOUT_DEFAULTS.fanoutShardSize,
    fanoutPostsPerSecond: props.fanoutPostsPerSecond ?? FANOUT_DEFAULTS.fanoutPostsPerSecond,
    fanoutWorkers: props.fanoutWorkers ?? FANOUT_DEFAULTS.fanoutWorkers,
    roomMessagesPerSecondPerRoom: props.roomMessagesPerSecondPerRoom ?? FANOUT_DEFAULTS.roomMessagesPerSecondPerRoom,
    presenceLimit: props.presenceLimit ?? ROOM_DEFAULTS.presenceLimit,
  };
  const perRoom = settings.roomMessagesPerSecondPerRoom;
  if (!Number.isFinite(perRoom) || perRoom <= 0 || perRoom > 10_000) {
    throw new ConfigError(`SwitchboardApi ${id}: roomMessagesPerSecondPerRoom must be a number above 0 and at most 10000; got ${perRoom}.`);
  }
  const check = (name: Exclude<keyof typeof settings, 'roomMessagesPerSecondPerRoom'>, min: number, max: number, why: string) => {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`SwitchboardApi ${id}: ${name} must be an integer from ${min} to ${max} (${why}); got ${value}.`);
    }
  };
  check('inlineFanoutLimit', 0, 10_000, '0 sends every room through the fan-out queue');
  check('fanoutShardSize', 10, 10_000, 'the members one fan-out worker posts to per job');
  check('fanoutPostsPerSecond', 1, 100_000, "a share of the account's @connections quota, 10,000 requests/s by default");
  // Lambda's limits on an SQS event source mapping's MaximumConcurrency.
  check('fanoutWorkers', 2, 1000, "Lambda's range for an SQS event source's maximum concurrency");
  check('presenceLimit', 1, 10_000, 'above it a room gets occupancy counts instead of presence events');
  return settings;
}

/** Monitoring, outputs and the custom domain: how the API shows itself; a prop without the one it needs is refused. */
function presentationSettings(id: string, props: SwitchboardApiProps): Pick<ApiSettings, 'monitoring' | 'outputPrefix' | 'domain'> {
  const error = (what: string) => new ConfigError(`SwitchboardApi ${id}: ${what}`);
  const monitoring = props.monitoring ?? true;
  if (!monitoring && props.alarmTopic !== undefined) {
    throw error('alarmTopic is set but monitoring is false, so there are no alarms to notify; drop alarmTopic or turn monitoring on.');
  }
  const outputs = props.outputs ?? true;
  if (!outputs && props.outputPrefix !== undefined) {
    throw error(`outputPrefix ${JSON.stringify(props.outputPrefix)} is set but outputs is false; drop one of them.`);
  }
  const prefixProblem = props.outputPrefix === undefined ? undefined : outputPrefixProblem(props.outputPrefix, 'outputPrefix');
  if (prefixProblem !== undefined) throw error(prefixProblem);
  const outputPrefix = outputs ? (props.outputPrefix ?? '') : undefined;
  const { domainName, certificate, hostedZone } = props;
  if (domainName === undefined) {
    if (certificate !== undefined)
      throw error('certificate is set without domainName; give the domainName it is for, or drop certificate.');
    if (hostedZone !== undefined)
      throw error('hostedZone is set without domainName; give the domainName to add to it, or drop hostedZone.');
    return { monitoring, outputPrefix };
  }
  const nameProblem = hostNameProblem(domainName, 'domainName');
  if (nameProblem !== undefined) throw error(nameProblem);
  if (certificate === undefined) {
    throw error(
      `domainName ${JSON.stringify(domainName)} needs a certificate: an ACM certificate for that name in the stack's region (e.g. acm.Certificate.fromCertificateArn(...)).`,
    );
  }
  const zoneMismatch = hostedZone === undefined ? undefined : zoneProblem(domainName, hostedZone.zoneName, 'domainName');
  if (zoneMismatch !== undefined) throw error(zoneMismatch);
  return { monitoring, outputPrefix, domain: { domainName, certificate, hostedZone } };
}

function validateProps(
  id: string,
  p: { stageName: string; throttle: ThrottleProps; maxRooms: number; maxRoomMembers: number; fanoutConcurrency: number },
): void {
  const fail = (what: string) => {
    throw new ConfigError(`SwitchboardApi ${id}: ${what}`);
  };
  if (!STAGE_NAME.test(p.stageName)) fail(`stageName "${p.stageName}" must be 1-128 characters of A-Z a-z 0-9 _ -.`);
  if (!(p.throttle.rateLimit > 0))
    fail(`throttle.rateLimit must be a positive number of requests per second; got ${p.throttle.rateLimit}.`);
  if (!Number.isInteger(p.throttle.burstLimit) || p.throttle.burstLimit < 0) {
    fail(`throttle.burstLimit must be a non-negative integer; got ${p.throttle.burstLimit}.`);
  }
  if (!Number.isInteger(p.maxRooms) || p.maxRooms < 1 || p.maxRooms > 1000) {
    fail(`maxRoomsPerConnection must be an integer from 1 to 1000; got ${p.maxRooms}.`);
  }
  if (!Number.isInteger(p.maxRoomMembers) || p.maxRoomMembers < 2 || p.maxRoomMembers > MAX_ROOM_MEMBERS) {
    fail(`maxRoomMembers must be an integer from 2 to ${MAX_ROOM_MEMBERS}; got ${p.maxRoomMembers}.`);
  }
  if (!Number.isInteger(p.fanoutConcurrency) || p.fanoutConcurrency < 1 || p.fanoutConcurrency > 256) {
    fail(`fanoutConcurrency must be an integer from 1 to 256; got ${p.fanoutConcurrency}.`);
  }
}

/** Extra routes as route definitions; a route key or construct id already taken is refused, naming it. */
function extraRouteDefinitions(id: string, extra: readonly ExtraRoute[]): Array<RouteDefinition & { readonly entry: string }> {
  const keys = new Set(ROUTES.map((r) => r.routeKey));
  const ids = new Set([...ROUTES.map((r) => r.id), PUBLISH_FUNCTION_DEFINITION.id]);
  return extra.map((route) => {
    if (keys.has(route.routeKey)) {
      throw new ConfigError(
        `SwitchboardApi ${id}: extraRoutes has route key "${route.routeKey}", which is already a route; choose another action name.`,
      );
    }
    if (ids.has(route.id)) {
      throw new ConfigError(`SwitchboardApi ${id}: extraRoutes has id "${route.id}", which is already taken; choose another id.`);
    }
    keys.add(route.routeKey);
    ids.add(route.id);
    return { ...route, handler: path.parse(route.entry).name };
  });
}

function validateRateLimits(id: string, roomMessages: RateLimitProps, frames: RateLimitProps): void {
  const check = (name: string, limit: RateLimitProps) => {
    if (!Number.isFinite(limit.perSecond) || limit.perSecond <= 0 || limit.perSecond > 10_000) {
      throw new ConfigError(`SwitchboardApi ${id}: ${name}.perSecond must be a number above 0 and at most 10000; got ${limit.perSecond}.`);
    }
    if (!Number.isInteger(limit.burst) || limit.burst < 1 || limit.burst > 100_000) {
      throw new ConfigError(`SwitchboardApi ${id}: ${name}.burst must be an integer from 1 to 100000; got ${limit.burst}.`);
    }
  };
  check('roomMessageRateLimit', roomMessages);
  check('frameRateLimit', frames);
  // Every room message is also a frame: a looser room limit would never be reached.
  if (roomMessages.perSecond > frames.perSecond || roomMessages.burst > frames.burst) {
    throw new ConfigError(
      `SwitchboardApi ${id}: roomMessageRateLimit (${roomMessages.perSecond}/s, burst ${roomMessages.burst}) exceeds frameRateLimit (${frames.perSecond}/s, burst ${frames.burst}); every room message is also a frame, so raise frameRateLimit too.`,
    );
  }
}
