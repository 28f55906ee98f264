import * as fs from 'node:fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AUTH_ENV, DEFAULT_DISPLAY_NAME_CLAIMS } from '../../contract/auth';
import { METRIC } from '../../contract/metrics';
import { ROUTES } from '../../lib/routes';
import { SwitchboardAuth } from '../../lib/switchboard-auth';
import { synthSwitchboard } from './synth';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function synth(context: Record<string, unknown> = {}) {
  const result = synthSwitchboard(context);
  outdirs.push(result.outdir);
  return { ...result, template: Template.fromStack(result.stack) };
}

function authorizerEnvironment(template: Template): Record<string, unknown> {
  const fns = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [AUTH_ENV.issuer]: Match.anyValue() } } },
  });
  expect(Object.keys(fns)).toHaveLength(1);
  return (Object.values(fns)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
    .Variables;
}

/** The alarms on the authorizer's key fetch failures, by logical id. */
function keyFetchAlarms(template: Template): Record<string, unknown> {
  return template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: METRIC.authorizerKeyFetchFailures } });
}

/** The parts of cdk's validation-report.json read here. */
interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    suppressedViolations: Array<{ ruleName: string; reason: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

function nagSuppressions(outdir: string): Array<{ ruleName: string; constructPath: string; reason: string }> {
  const report = JSON.parse(fs.readFileSync(`${outdir}/validation-report.json`, 'utf8')) as ValidationReport;
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag).toMatchObject({ conclusion: 'success', violations: [] });
  return (nag?.suppressedViolations ?? []).flatMap((v) =>
    v.violatingConstructs.map((c) => ({ ruleName: v.ruleName, constructPath: c.constructPath, reason: v.reason })),
  );
}

describe('authentication, default provider (Cognito)', () => {
  // GIVEN the app with no auth configuration.
  const { template, outdir } = synth();

  it('puts a REQUEST authorizer reading the token query parameter on $connect', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
      AuthorizerUri: Match.objectLike({
        'Fn::Join': [
          '',
          Match.arrayWith([
            Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^SwitchboardAuthAuthorizerHandlerFunction'), 'Arn'] }),
          ]),
        ],
      }),
    });
    // No cache setting: API Gateway supports authorizer result caching for HTTP APIs only.
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: Match.absent() });
  });

  it('attaches it to $connect only', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route') as Record<
      string,
      { Properties: { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown } }
    >;
    expect(Object.keys(routes)).toHaveLength(ROUTES.length);
    for (const route of Object.values(routes)) {
      if (route.Properties.RouteKey === '$connect') {
        expect(route.Properties).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: expect.stringMatching(/ConnectAuthorizer/) },
        });
      } else {
        expect(route.Properties.AuthorizationType).toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    }
  });

  it('lets API Gateway, and only this API\u2019s authorizer, invoke the authorizer function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SwitchboardAuthAuthorizerHandlerFunction'), 'Arn'] },
      SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/authorizers/'])] }),
    });
  });

  it('creates a user pool without self sign-up, with a strong password policy, and a public app client', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      UserPoolId: { Ref: Match.stringLikeRegexp('^SwitchboardAuthUserPool') },
    });
  });

  it('verifies tokens against the pool\u2019s issuer, JWKS and app client, with RS256 and no result cache', () => {
    const env = authorizerEnvironment(template);
    const pool = { Ref: expect.stringMatching(/^SwitchboardAuthUserPool[0-9A-F]+$/) };
    const issuerParts = ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', pool];
    expect(env[AUTH_ENV.issuer]).toEqual({ 'Fn::Join': ['', issuerParts] });
    expect(env[AUTH_ENV.jwksUrl]).toEqual({ 'Fn::Join': ['', [...issuerParts, '/.well-known/jwks.json']] });
    expect(env[AUTH_ENV.audience]).toEqual({ Ref: expect.stringMatching(/^SwitchboardAuthUserPoolAppClient/) });
    expect(env).toMatchObject({
      [AUTH_ENV.profile]: 'cognito',
      [AUTH_ENV.allowedAlgorithms]: 'RS256',
      [AUTH_ENV.resultCacheTtlSeconds]: '0',
    });
    // No maximum token age unless one is configured: a token is good until its exp.
    expect(env[AUTH_ENV.maxTokenAgeSeconds]).toBeUndefined();
    // Display names from the default claims.
    expect(JSON.parse(env[AUTH_ENV.displayNameClaims] as string)).toEqual(DEFAULT_DISPLAY_NAME_CLAIMS);
  });

  it('alarms on the first failure to get the signing keys, the metric the authorizer counts', () => {
    const alarms = keyFetchAlarms(template);
    expect(Object.keys(alarms)).toEqual([expect.stringMatching(/^MonitoringAuthorizerKeyFetchFailures/)]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Switchboard',
      MetricName: 'AuthorizerKeyFetchFailures',
      Dimensions: [{ Name: 'service', Value: 'switchboard' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp("could not get the issuer's signing keys"),
    });
  });

  it('exports the user pool and app client ids', () => {
    template.hasOutput('UserPoolId', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardAuthUserPool') } });
    template.hasOutput('UserPoolClientId', { Value: { Ref: Match.stringLikeRegexp('^SwitchboardAuthUserPoolAppClient') } });
  });

  it('acknowledges APIG4 only on the routes that cannot carry an authorizer', () => {
    const apig4 = nagSuppressions(outdir).filter((s) => s.ruleName === 'AwsSolutions-APIG4');
    const routeKeys = apig4.map((s) => /\/Api\/(.+)-Route\//.exec(s.constructPath)?.[1]).sort();
    expect(routeKeys).toEqual(
      ROUTES.map((r) => r.routeKey)
        .filter((k) => k !== '$connect')
        .sort(),
    );
  });
});

describe('authentication, provider none', () => {
  const { stack, template, outdir } = synth({ authProvider: 'none' });

  it('has no authorizer, no user pool and no key fetch alarm', () => {
    expect(keyFetchAlarms(template)).toEqual({});
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'NONE' });
    expect(template.findOutputs('UserPoolId')).toEqual({});
  });

  it('warns at synth that anyone can connect', () => {
    Annotations.fromStack(stack).hasWarning(
      '/Switchboard/Switchboard/Auth',
      Match.stringLikeRegexp('Authentication is off .*anyone who knows the URL can connect'),
    );
  });

  it('acknowledges APIG4 on $connect as a deliberate opt-out', () => {
    const connect = nagSuppressions(outdir).filter(
      (s) => s.ruleName === 'AwsSolutions-APIG4' && s.constructPath.includes('$connect-Route'),
    );
    expect(connect).toHaveLength(1);
    expect(connect[0].reason).toContain('turned off on purpose');
  });
});

describe('authentication, provider oidc', () => {
  const oidc = {
    authProvider: 'oidc',
    oidcIssuer: 'https://login.example.com/',
    oidcJwksUrl: 'https://login.example.com/.well-known/jwks.json',
    oidcAudience: 'api://switchboard',
  };

  it('verifies tokens against the given issuer, JWKS and audience, with the given algorithms and cache', () => {
    const { template } = synth({
      ...oidc,
      allowedAlgorithms: 'RS256,ES256',
      authResultCacheTtlSeconds: '60',
      authMaxTokenAgeSeconds: '900',
      displayNameClaims: 'nickname, name',
    });
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    expect(authorizerEnvironment(template)).toMatchObject({
      [AUTH_ENV.profile]: 'oidc',
      [AUTH_ENV.issuer]: 'https://login.example.com/',
      [AUTH_ENV.jwksUrl]: 'https://login.example.com/.well-known/jwks.json',
      [AUTH_ENV.audience]: 'api://switchboard',
      [AUTH_ENV.allowedAlgorithms]: 'RS256,ES256',
      [AUTH_ENV.resultCacheTtlSeconds]: '60',
      [AUTH_ENV.maxTokenAgeSeconds]: '900',
      [AUTH_ENV.displayNameClaims]: '["nickname","name"]',
    });
    expect(Object.keys(keyFetchAlarms(template))).toHaveLength(1);
  });

  it.each([
    [{ authProvider: 'oidc', oidcIssuer: 'https://login.example.com/' }, 'provider "oidc" needs oidcJwksUrl, oidcAudience'],
    [{ ...oidc, oidcJwksUrl: 'http://login.example.com/keys' }, 'oidcJwksUrl "http://login.example.com/keys" must be an https:// URL'],
    [{ oidcIssuer: 'https://login.example.com/' }, 'oidcIssuer apply only to provider "oidc"; the provider is "cognito"'],
    [{ authProvider: 'none', oidcAudience: 'x' }, 'oidcAudience apply only to provider "oidc"; the provider is "none"'],
    [{ authProvider: 'saml' }, 'Context value authProvider must be one of cognito, oidc, none; got "saml"'],
    [{ allowedAlgorithms: 'RS256,none' }, 'allowedAlgorithms: Algorithm "none" is not allowed'],
    [{ authResultCacheTtlSeconds: '7200' }, 'resultCacheTtl must be a whole number of seconds from 0 to 3600; got 7200'],
    [
      { authMaxTokenAgeSeconds: '30' },
      'Context value authMaxTokenAgeSeconds must be a whole number of seconds from 60 to 86400 (one day); got 30',
    ],
    [
      { authMaxTokenAgeSeconds: '-5' },
      'Context value authMaxTokenAgeSeconds must be a whole number of seconds from 60 to 86400 (one day); got -5',
    ],
    [{ authMaxTokenAgeSeconds: 'an hour' }, 'Context value authMaxTokenAgeSeconds must be a number; got "an hour"'],
    [{ displayNameClaims: 'name,given name' }, 'Context value displayNameClaims: "given name" is not a token claim name'],
  ])('rejects %p at synth with a clear message', (context, message) => {
    expect(() => synthSwitchboard(context)).toThrow(message);
  });

  it('names the construct in its errors when composed directly', () => {
    expect(() => new SwitchboardAuth(new Stack(new App(), 'S'), 'Auth', { provider: 'oidc' })).toThrow(
      /^SwitchboardAuth S\/Auth: provider "oidc" needs oidcIssuer/,
    );
  });

  it.each([
    [Duration.millis(1500), 'got 1.5'],
    [Duration.days(2), 'got 172800'],
  ])('rejects maxTokenAge %s at synth, naming the prop and the range', (maxTokenAge, got) => {
    expect(() => new SwitchboardAuth(new Stack(new App(), 'S'), 'Auth', { maxTokenAge })).toThrow(
      `SwitchboardAuth S/Auth: maxTokenAge must be a whole number of seconds from 60 to 86400 (one day); ${got}.`,
    );
  });
});
