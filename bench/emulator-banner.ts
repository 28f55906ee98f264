/**
 * What a bench reads from switchboard-local's start banner (local/cli/cli.ts `banner`): where its
 * services listen and what the app's publish function is called. No side effects.
 */

export interface BannerFacts {
  readonly region: string;
  /** The Lambda Invoke API, for LambdaClient's `endpoint`. */
  readonly lambdaEndpoint: string;
  /** The publish function's name, when the app has one. */
  readonly publishFunction?: string;
  /** The local SQS, when the app has queues. */
  readonly sqsEndpoint?: string;
}

/** Reads the banner; throws naming what it lacks. */
export function readBanner(banner: string): BannerFacts {
  const region = /, region (\S+)/.exec(banner)?.[1];
  const lambdaEndpoint = /^\s+Lambda\s+(http:\/\/\S+)/m.exec(banner)?.[1];
  if (!region || !lambdaEndpoint) throw new Error(`switchboard-local's banner names no region or Lambda endpoint:\n${banner}`);
  return {
    region,
    lambdaEndpoint,
    publishFunction: /^\s+Publish\s+function ([^\s:]+)/m.exec(banner)?.[1],
    sqsEndpoint: /^\s+SQS\s+(http:\/\/\S+)/m.exec(banner)?.[1],
  };
}
