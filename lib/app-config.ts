import { Duration, type App } from 'aws-cdk-lib';
import {
  checkDisplayNameClaims,
  checkMaxTokenAgeSeconds,
  CONTEXT_KEYS,
  HISTORY_DEFAULTS,
  historySettingsProblem,
  RATE_LIMIT_DEFAULTS,
  type RoomRule,
  STACK_DEFAULTS,
} from '../contract';
import { emailProblem } from './alarm-topic';
import { hostNameProblem, zoneProblem } from './custom-domain';
import { AUTH_PROVIDERS, type AuthProvider } from './switchboard-auth';
import type { RateLimitProps, SwitchboardApiProps } from './switchboard-api';
import type { CustomDomainAttributes } from './switchboard-stack';

export interface AppConfig {
  stackName: string;
  api: SwitchboardApiProps;
  alarmEmail?: string;
  customDomain?: CustomDomainAttributes;
}

/** An ACM certificate's ARN, in any partition. */
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
/** A Route 53 hosted zone id, as the console shows it (no /hostedzone/ prefix). */
const HOSTED_ZONE_ID = /^[A-Z0-9]{1,32}$/;

export function readAppConfig(app: App): AppConfig {
  const get = (key: string): unknown => app.node.tryGetContext(key);
  const number = (key: string): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (typeof raw === 'boolean' || raw === '' || !Number.isFinite(value)) {
      throw new Error(`Context value ${key} must be a number; got ${JSON.stringify(raw)}.`);
    }
    return value;
  };
  /** A rate limit from its two keys; either alone keeps the other's default. */
  const rateLimit = (perSecondKey: string, burstKey: string, defaults: RateLimitProps): RateLimitProps | undefined => {
    const perSecond = number(perSecondKey);
    const burst = number(burstKey);
    if (perSecond === undefined && burst === undefined) return undefined;
    return { perSecond: perSecond ?? defaults.perSecond, burst: burst ?? defaults.burst };
  };
  const rate = number(CONTEXT_KEYS.throttleRateLimit);
  const burst = number(CONTEXT_KEYS.throttleBurstLimit);
  if ((rate === undefined) !== (burst === undefined)) {
    throw new Error(`Set both ${CONTEXT_KEYS.throttleRateLimit} and ${CONTEXT_KEYS.throttleBurstLimit}, or neither.`);
  }
  const string = (key: string): string | undefined => {
    const raw = get(key);
    if (raw === undefined || typeof raw === 'string') return raw;
    if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
    throw new Error(`Context value ${key} must be a string; got ${JSON.stringify(raw)}.`);
  };
  const stageName = string(CONTEXT_KEYS.stageName);
  const stackName = string(CONTEXT_KEYS.stackName);
  const provider = string(CONTEXT_KEYS.authProvider);
  if (provider !== undefined && !(AUTH_PROVIDERS as readonly string[]).includes(provider)) {
    throw new Error(
      `Context value ${CONTEXT_KEYS.authProvider} must be one of ${AUTH_PROVIDERS.join(', ')}; got ${JSON.stringify(provider)}.`,
    );
  }
  const algorithms = string(CONTEXT_KEYS.allowedAlgorithms);
  const cacheTtl = number(CONTEXT_KEYS.authResultCacheTtlSeconds);
  const maxTokenAge = number(CONTEXT_KEYS.authMaxTokenAgeSeconds);
  // Checked here too, so that a negative value gets this message rather than Duration's.
  if (maxTokenAge !== undefined) checkMaxTokenAgeSeconds(maxTokenAge, `Context value ${CONTEXT_KEYS.authMaxTokenAgeSeconds}`);
  const historyLimit = number(CONTEXT_KEYS.historyLimit);
  const historyRetentionSeconds = number(CONTEXT_KEYS.historyRetentionSeconds);
  // Checked here too, so that the message names the context keys (and a negative value is not Duration's error).
  const historyProblem = historySettingsProblem(
    { limit: historyLimit ?? HISTORY_DEFAULTS.limit, retentionSeconds: historyRetentionSeconds ?? HISTORY_DEFAULTS.retentionSeconds },
    { limit: `Context value ${CONTEXT_KEYS.historyLimit}`, retention: `Context value ${CONTEXT_KEYS.historyRetentionSeconds}` },
  );
  if (historyProblem !== undefined) throw new Error(historyProblem);
  // A JSON string from the command line (-c roomRules='[...]'), or an array in cdk.json; the rules
  // themselves are checked by SwitchboardApi, which names the bad rule.
  const rawRules = get(CONTEXT_KEYS.roomRules);
  let roomRules: unknown = rawRules;
  if (typeof rawRules === 'string') {
    try {
      roomRules = JSON.parse(rawRules);
    } catch {
      throw new Error(
        `Context value ${CONTEXT_KEYS.roomRules} must be a JSON list of rules such as '[{"pattern":"public.*"}]'; got ${JSON.stringify(rawRules)}.`,
      );
    }
  }
  if (roomRules !== undefined && !Array.isArray(roomRules)) {
    throw new Error(
      `Context value ${CONTEXT_KEYS.roomRules} must be a list of { pattern, claims?, presence? }; got ${JSON.stringify(rawRules)}.`,
    );
  }
  // Comma-separated from the command line (-c displayNameClaims=name,email; empty for none), or a list in cdk.json.
  const rawNameClaims = get(CONTEXT_KEYS.displayNameClaims);
  const displayNameClaims =
    typeof rawNameClaims === 'string'
      ? rawNameClaims
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c.length > 0)
      : rawNameClaims;
  if (displayNameClaims !== undefined) checkDisplayNameClaims(displayNameClaims, `Context value ${CONTEXT_KEYS.displayNameClaims}`);
  const rawPresence = get(CONTEXT_KEYS.presence);
  if (rawPresence !== undefined && ![true, false, 'true', 'false'].includes(rawPresence as string | boolean)) {
    throw new Error(`Context value ${CONTEXT_KEYS.presence} must be true or false; got ${JSON.stringify(rawPresence)}.`);
  }
  const alarmEmail = string(CONTEXT_KEYS.alarmEmail);
  const emailWrong = alarmEmail === undefined ? undefined : emailProblem(alarmEmail, `Context value ${CONTEXT_KEYS.alarmEmail}`);
  if (emailWrong !== undefined) throw new Error(emailWrong);
  return {
    stackName: stackName ?? STACK_DEFAULTS.stackName,
    alarmEmail,
    customDomain: readCustomDomain(string),
    api: {
      stageName,
      throttle: rate === undefined || burst === undefined ? undefined : { rateLimit: rate, burstLimit: burst },
      maxRoomsPerConnection: number(CONTEXT_KEYS.maxRoomsPerConnection),
      maxRoomMembers: number(CONTEXT_KEYS.maxRoomMembers),
      fanoutConcurrency: number(CONTEXT_KEYS.fanoutConcurrency),
      inlineFanoutLimit: number(CONTEXT_KEYS.inlineFanoutLimit),
      fanoutShardSize: number(CONTEXT_KEYS.fanoutShardSize),
      fanoutPostsPerSecond: number(CONTEXT_KEYS.fanoutPostsPerSecond),
      fanoutWorkers: number(CONTEXT_KEYS.fanoutWorkers),
      roomMessagesPerSecondPerRoom: number(CONTEXT_KEYS.roomMessagesPerSecondPerRoom),
      presenceLimit: number(CONTEXT_KEYS.presenceLimit),
      roomMessageRateLimit: rateLimit(CONTEXT_KEYS.roomMessagesPerSecond, CONTEXT_KEYS.roomMessageBurst, RATE_LIMIT_DEFAULTS.roomMessages),
      frameRateLimit: rateLimit(CONTEXT_KEYS.framesPerSecond, CONTEXT_KEYS.frameBurst, RATE_LIMIT_DEFAULTS.frames),
      historyLimit,
      historyRetention: historyRetentionSeconds === undefined ? undefined : Duration.seconds(historyRetentionSeconds),
      roomRules: roomRules as RoomRule[] | undefined,
      presence: rawPresence === undefined ? undefined : rawPresence === true || rawPresence === 'true',
      auth: {
        provider: provider as AuthProvider | undefined,
        oidcIssuer: string(CONTEXT_KEYS.oidcIssuer),
        oidcJwksUrl: string(CONTEXT_KEYS.oidcJwksUrl),
        oidcAudience: string(CONTEXT_KEYS.oidcAudience),
        allowedAlgorithms: algorithms?.split(',').map((a) => a.trim()),
        resultCacheTtl: cacheTtl === undefined ? undefined : Duration.seconds(cacheTtl),
        maxTokenAge: maxTokenAge === undefined ? undefined : Duration.seconds(maxTokenAge),
        displayNameClaims,
      },
    },
  };
}

/** The custom domain from its context keys, each checked, and checked together: a domain needs a certificate, a zone its id and name. */
function readCustomDomain(string: (key: string) => string | undefined): CustomDomainAttributes | undefined {
  const domainName = string(CONTEXT_KEYS.domainName);
  const certificateArn = string(CONTEXT_KEYS.certificateArn);
  const hostedZoneId = string(CONTEXT_KEYS.hostedZoneId);
  const zoneName = string(CONTEXT_KEYS.hostedZoneName);
  const key = (name: string) => `Context value ${name}`;
  if (domainName === undefined) {
    const stray = [CONTEXT_KEYS.certificateArn, CONTEXT_KEYS.hostedZoneId, CONTEXT_KEYS.hostedZoneName].filter(
      (name) => string(name) !== undefined,
    );
    if (stray.length > 0) {
      throw new Error(
        `${stray.join(' and ')} ${stray.length > 1 ? 'are' : 'is'} set without ${CONTEXT_KEYS.domainName}; add -c ${CONTEXT_KEYS.domainName}=realtime.example.com or drop them.`,
      );
    }
    return undefined;
  }
  const nameWrong = hostNameProblem(domainName, key(CONTEXT_KEYS.domainName));
  if (nameWrong !== undefined) throw new Error(nameWrong);
  if (certificateArn === undefined) {
    throw new Error(
      `${key(CONTEXT_KEYS.domainName)} needs ${CONTEXT_KEYS.certificateArn}: -c ${CONTEXT_KEYS.certificateArn}=arn:aws:acm:<region>:<account>:certificate/<id>, an ACM certificate for ${domainName} in the stack's region.`,
    );
  }
  if (!CERTIFICATE_ARN.test(certificateArn)) {
    throw new Error(
      `${key(CONTEXT_KEYS.certificateArn)} must be an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<id>; got ${JSON.stringify(certificateArn)}.`,
    );
  }
  if ((hostedZoneId === undefined) !== (zoneName === undefined)) {
    throw new Error(
      `Set both ${CONTEXT_KEYS.hostedZoneId} and ${CONTEXT_KEYS.hostedZoneName} (the zone's id and its name, e.g. Z0123456789ABC and example.com), or neither.`,
    );
  }
  if (hostedZoneId === undefined || zoneName === undefined) return { domainName, certificateArn };
  if (!HOSTED_ZONE_ID.test(hostedZoneId)) {
    throw new Error(
      `${key(CONTEXT_KEYS.hostedZoneId)} must be a Route 53 hosted zone id such as Z0123456789ABC; got ${JSON.stringify(hostedZoneId)}.`,
    );
  }
  const outside = zoneProblem(domainName, zoneName, key(CONTEXT_KEYS.domainName));
  if (outside !== undefined) throw new Error(outside);
  return { domainName, certificateArn, hostedZone: { hostedZoneId, zoneName } };
}
