/**
 * AWS::Cognito::UserPool and its app clients (AWS::Cognito::UserPoolClient): named as Cognito names
 * them, so a function's `USER_POOL_ID` (a `Ref`) is `us-east-1_AbC123xYz`, the pool's issuer URL is
 * `https://cognito-idp.<region>.amazonaws.com/<pool id>`, and verifiers that check ids accept them.
 */
import type { PasswordPolicySpec, UserPoolClientSpec } from '../app-spec';
import { localUserPoolClientId, localUserPoolId } from '../../aws/ids';
import { refTarget } from '../template';
import { regionalArn, type ResourceReader, type StackIdentity, type StackReading, type StackResource } from './reader';

const USER_POOL = 'AWS::Cognito::UserPool';
const USER_POOL_CLIENT = 'AWS::Cognito::UserPoolClient';

/**
 * What Cognito uses when a template leaves them out (AWS::Cognito::UserPoolClient and
 * AWS::Cognito::UserPool PasswordPolicy in the CloudFormation reference): a client without
 * ExplicitAuthFlows allows SRP, custom and refresh-token sign-ins, not USER_PASSWORD_AUTH.
 */
const COGNITO_DEFAULTS = {
  authFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
  tokenValiditySeconds: 3600,
  tokenValidityUnit: 'hours',
  passwordPolicy: { minimumLength: 8, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: true },
} as const;

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** `cognito-idp.<region>.amazonaws.com/<pool id>`: the pool's ProviderName, and its issuer URL without the scheme. */
function providerName(resource: { physicalId: string }, stack: StackIdentity): string {
  return `cognito-idp.${stack.region}.${stack.urlSuffix}/${resource.physicalId}`;
}

export const userPoolReader: ResourceReader = {
  types: [USER_POOL],
  physicalId: (resource, stack) => localUserPoolId(stack.region, stack.stackName, resource.logicalId),
  attributes: {
    Arn: (resource, stack) => regionalArn(stack, 'cognito-idp', `userpool/${resource.physicalId}`),
    ProviderName: providerName,
    // The issuer URL, as templates use it for JWT authorizers (`IssuerUrl: !GetAtt Pool.ProviderURL`).
    ProviderURL: (resource, stack) => `https://${providerName(resource, stack)}`,
    UserPoolId: (resource) => resource.physicalId,
  },
  contribute(resources, reading) {
    const clients = reading.resourcesOfType(USER_POOL_CLIENT);
    for (const pool of resources) {
      const properties = reading.resolveValue(pool.properties) as PoolProperties;
      reading.spec.userPools.push({
        logicalId: pool.logicalId,
        poolId: reading.physicalId(pool.logicalId),
        arn: regionalArn(reading.stack, 'cognito-idp', `userpool/${reading.physicalId(pool.logicalId)}`),
        clients: clients.filter((client) => refTarget(client.properties.UserPoolId) === pool.logicalId).map((c) => clientSpec(c, reading)),
        passwordPolicy: passwordPolicy(properties.Policies?.PasswordPolicy),
        caseSensitive: properties.UsernameConfiguration?.CaseSensitive !== false,
      });
    }
  },
};

/** Read with its pool (see userPoolReader). */
export const userPoolClientReader: ResourceReader = {
  types: [USER_POOL_CLIENT],
  physicalId: (resource, stack) => localUserPoolClientId(stack.stackName, resource.logicalId),
  attributes: {
    ClientId: (resource) => resource.physicalId,
    Name: (resource) => (typeof resource.properties.ClientName === 'string' ? resource.properties.ClientName : resource.logicalId),
  },
};

interface PoolProperties {
  readonly Policies?: { readonly PasswordPolicy?: Record<string, unknown> };
  readonly UsernameConfiguration?: { readonly CaseSensitive?: unknown };
}

function passwordPolicy(policy: Record<string, unknown> | undefined): PasswordPolicySpec {
  if (policy === undefined) return COGNITO_DEFAULTS.passwordPolicy;
  // Given a policy, each check it leaves out is off, as in CloudFormation.
  return {
    minimumLength: typeof policy.MinimumLength === 'number' ? policy.MinimumLength : COGNITO_DEFAULTS.passwordPolicy.minimumLength,
    requireUppercase: policy.RequireUppercase === true,
    requireLowercase: policy.RequireLowercase === true,
    requireNumbers: policy.RequireNumbers === true,
    requireSymbols: policy.RequireSymbols === true,
  };
}

function clientSpec(client: StackResource, reading: StackReading): UserPoolClientSpec {
  const properties = reading.resolveValue(client.properties) as {
    ExplicitAuthFlows?: unknown;
    GenerateSecret?: unknown;
    IdTokenValidity?: unknown;
    AccessTokenValidity?: unknown;
    TokenValidityUnits?: { IdToken?: unknown; AccessToken?: unknown };
  };
  const flows = Array.isArray(properties.ExplicitAuthFlows) ? properties.ExplicitAuthFlows.map(String) : [];
  const seconds = (value: unknown, unit: unknown) =>
    typeof value === 'number'
      ? value * (SECONDS_PER_UNIT[typeof unit === 'string' ? unit : COGNITO_DEFAULTS.tokenValidityUnit] ?? 3600)
      : COGNITO_DEFAULTS.tokenValiditySeconds;
  return {
    logicalId: client.logicalId,
    clientId: reading.physicalId(client.logicalId),
    authFlows: flows.length > 0 ? flows : COGNITO_DEFAULTS.authFlows,
    hasSecret: properties.GenerateSecret === true,
    idTokenSeconds: seconds(properties.IdTokenValidity, properties.TokenValidityUnits?.IdToken),
    accessTokenSeconds: seconds(properties.AccessTokenValidity, properties.TokenValidityUnits?.AccessToken),
  };
}
