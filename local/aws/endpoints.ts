/**
 * Which AWS endpoints a function's request names, and which of them the emulator serves.
 * Pure functions, used by the worker's network guard (worker-network.ts) and by tests.
 */

/** The local services a function's AWS requests may reach, by the host names they answer in AWS. */
export interface LocalAwsServices {
  readonly region: string;
  /** AWS::URLSuffix: amazonaws.com, or amazonaws.com.cn in China. */
  readonly urlSuffix: string;
  /**
   * host:port (plain http) of each WebSocket API's local gateway, by API id: requests for the API's
   * own host, `<apiId>.execute-api.<region>.<suffix>` (its `@connections`), go there.
   */
  readonly apis: Readonly<Record<string, string>>;
  /**
   * host:port (plain http) of each emulated service, by its endpoint prefix, the first label of its
   * regional host name: `dynamodb`, `lambda`, `sqs`, `events`, `cognito-idp`.
   */
  readonly services: Readonly<Record<string, string>>;
}

/** Where a function's request goes: a local service, a refusal naming the AWS service, or out as asked. */
export type Destination =
  | { readonly kind: 'local'; readonly service: string; readonly target: string }
  | { readonly kind: 'refused'; readonly service: string; readonly host: string }
  | { readonly kind: 'other' };

/** Domains whose hosts are AWS service endpoints (commercial, China, dual-stack, Lambda function URLs). */
const AWS_DOMAINS = ['amazonaws.com', 'amazonaws.com.cn', 'api.aws', 'on.aws'];

/** EC2 instance metadata (IPv4 and IPv6) and ECS container credentials: where SDKs look for role credentials. */
const METADATA_ADDRESSES: Readonly<Record<string, string>> = {
  '169.254.169.254': 'EC2 instance metadata',
  'fd00:ec2::254': 'EC2 instance metadata',
  '169.254.170.2': 'ECS container credentials',
};

const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/** A host without brackets, port or trailing dot, in lower case. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  if (h.split(':').length === 2) h = h.slice(0, h.indexOf(':'));
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** The AWS domain a host belongs to, if any. */
function awsDomainOf(host: string): string | undefined {
  return AWS_DOMAINS.filter((d) => host === d || host.endsWith(`.${d}`)).sort((a, b) => b.length - a.length)[0];
}

/**
 * The service an AWS host name belongs to, e.g. `sns` for sns.us-east-1.amazonaws.com,
 * `s3` for bucket.s3.eu-west-1.amazonaws.com, `sso` for portal.sso.us-east-1.amazonaws.com;
 * undefined for a host that is not an AWS endpoint.
 */
export function awsServiceOf(hostOrAddress: string): string | undefined {
  const host = normalizeHost(hostOrAddress);
  if (host in METADATA_ADDRESSES) return METADATA_ADDRESSES[host];
  const domain = awsDomainOf(host);
  if (!domain) return undefined;
  const labels = host
    .slice(0, Math.max(0, host.length - domain.length - 1))
    .split('.')
    .filter(Boolean);
  if (labels.length === 0) return domain;
  const regionAt = labels.findIndex((label) => REGION.test(label));
  const service = regionAt > 0 ? labels[regionAt - 1] : labels[labels.length - 1];
  return service.replace(/-fips$/, '');
}

/**
 * The API's own host name, `<apiId>.execute-api.<region>.amazonaws.com`, which API Gateway puts in
 * `requestContext.domainName`: handlers build their callback URL from it (`https://${domainName}/${stage}`),
 * and the function's network guard routes that host to the local gateway.
 */
export function apiDomainName(api: { readonly apiId: string; readonly region: string; readonly urlSuffix: string }): string {
  return `${api.apiId}.execute-api.${api.region}.${api.urlSuffix}`;
}

/** Where a request for `hostOrAddress` goes when a function makes it. */
export function destinationOf(hostOrAddress: string, local: LocalAwsServices): Destination {
  const host = normalizeHost(hostOrAddress);
  const service = awsServiceOf(host);
  if (service === undefined) return { kind: 'other' };
  const regional = `${local.region}.${local.urlSuffix}`;
  const executeApi = /^([a-z0-9]+)\.execute-api\./.exec(host);
  if (executeApi && host === apiDomainName({ apiId: executeApi[1], region: local.region, urlSuffix: local.urlSuffix })) {
    const gateway = local.apis[executeApi[1]];
    if (gateway !== undefined) return { kind: 'local', service: 'execute-api', target: gateway };
  }
  // The account-based DynamoDB endpoint (<account>.ddb.<region>...) that newer SDKs choose when credentials name an account.
  const prefix = /^\d{12}\.ddb\./.test(host) && host.slice(host.indexOf('.ddb.') + 5) === regional ? 'dynamodb' : service;
  const inRegion = prefix !== service || host === `${service}.${regional}` || host === `${service}.${local.region}.api.aws`;
  const target = inRegion ? local.services[prefix] : undefined;
  if (target !== undefined) return { kind: 'local', service: prefix, target };
  return { kind: 'refused', service, host };
}

/** The error a function gets for a request to an AWS endpoint the emulator does not serve. */
export function notEmulatedMessage(service: string, host: string, local: LocalAwsServices): string {
  const served = [
    ...Object.keys(local.apis).map((apiId) => `the WebSocket API's @connections (${apiDomainName({ ...local, apiId })})`),
    ...Object.keys(local.services)
      .sort()
      .map((prefix) => `${prefix} (${prefix}.${local.region}.${local.urlSuffix})`),
  ];
  return (
    `the Switchboard emulator does not emulate ${service} (${host}); functions run locally never reach AWS. ` +
    `Served locally: ${served.join(', ') || 'nothing'}.`
  );
}
