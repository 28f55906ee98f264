/**
 * Which of AWS's account quotas the emulator applies, and AWS's default values, which
 * `--aws-like` turns on together, so a laptop can show what a workload meets at its scale on AWS.
 * Each is off unless a flag (or `--aws-like`) turns it on; a flag given beside `--aws-like` wins.
 */
import { describeLatency, type LatencyRange } from './latency';
import { accountRequestLimit } from './request-quota';

/** The account's limits the emulator applies; an absent one is not applied. */
export interface AccountLimits {
  /** API Gateway's account request quota, in requests per second (the burst is half of it). */
  readonly accountRps?: number;
  /** How long each `@connections` call takes. */
  readonly postLatency?: LatencyRange;
  /** Lambda's account concurrency: executions in flight across all functions. */
  readonly lambdaConcurrency?: number;
}

/**
 * AWS's defaults: API Gateway's 10,000 requests per second (burst 5,000) per account and Region
 * (API Gateway quotas page), Lambda's 1,000 concurrent executions per account and Region (Lambda
 * quotas page), and a `@connections` call of 10-30 ms, what a PostToConnection from a function in
 * the same Region typically takes (AWS publishes no figure for it).
 */
export const AWS_DEFAULT_LIMITS: Required<AccountLimits> = {
  accountRps: 10_000,
  postLatency: { minMs: 10, maxMs: 30 },
  lambdaConcurrency: 1_000,
};

/** The limits to apply: those given, and with `awsLike` AWS's defaults for the others. */
export function accountLimits(options: AccountLimits & { readonly awsLike?: boolean }): AccountLimits {
  const defaults: AccountLimits = options.awsLike ? AWS_DEFAULT_LIMITS : {};
  return {
    accountRps: options.accountRps ?? defaults.accountRps,
    postLatency: options.postLatency ?? defaults.postLatency,
    lambdaConcurrency: options.lambdaConcurrency ?? defaults.lambdaConcurrency,
  };
}

/** The limits as the start banner names them, e.g. `account 10000 requests/s (burst 5000), ...`; undefined when none is on. */
export function describeLimits(limits: AccountLimits): string | undefined {
  const parts: string[] = [];
  if (limits.accountRps !== undefined) {
    parts.push(`API Gateway ${limits.accountRps} requests/s (burst ${accountRequestLimit(limits.accountRps).burst})`);
  }
  if (limits.postLatency !== undefined) parts.push(`@connections ${describeLatency(limits.postLatency)} a call`);
  if (limits.lambdaConcurrency !== undefined) parts.push(`Lambda ${limits.lambdaConcurrency} concurrent executions`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
