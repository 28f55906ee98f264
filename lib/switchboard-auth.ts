import { Annotations, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cognitoIssuerUrl, JWKS_PATH_UNDER_ISSUER, TOKEN_QUERY_PARAMETER } from '../protocol';
import {
  AUTH_ENV,
  checkAlgorithms,
  checkDisplayNameClaims,
  checkMaxTokenAgeSeconds,
  checkResultCacheTtlSeconds,
  DEFAULT_ALGORITHMS,
  DEFAULT_DISPLAY_NAME_CLAIMS,
  DEFAULT_RESULT_CACHE_TTL_SECONDS,
  type TokenProfile,
} from '../contract';
import { SwitchboardFunction } from './switchboard-function';

/** Who issues the tokens clients present on `$connect`. */
export type AuthProvider = 'cognito' | 'oidc' | 'none';

export const AUTH_PROVIDERS: readonly AuthProvider[] = ['cognito', 'oidc', 'none'];

/** The authorizer's identity source: browsers cannot set headers on a WebSocket, so the token is a query parameter. */
export const IDENTITY_SOURCE = `route.request.querystring.${TOKEN_QUERY_PARAMETER}`;

export interface SwitchboardAuthProps {
  /**
   * `cognito`: this construct creates a user pool and app client, and accepts
   * their ID and access tokens. `oidc`: any OpenID Connect issuer, given
   * `oidcIssuer`, `oidcJwksUrl` and `oidcAudience`. `none`: no authorizer;
   * anyone may connect (synth warns).
   * @default 'cognito'
   */
  readonly provider?: AuthProvider;
  /** The issuer's URL, exactly as tokens carry it in `iss` (provider `oidc` only). @default none */
  readonly oidcIssuer?: string;
  /** Where the issuer publishes its signing keys (provider `oidc` only). @default none */
  readonly oidcJwksUrl?: string;
  /** The audience (`aud`) tokens must be for (provider `oidc` only). @default none */
  readonly oidcAudience?: string;
  /** Signing algorithms accepted; asymmetric only, never `none`. @default ['RS256'] */
  readonly allowedAlgorithms?: string[];
  /**
   * Keep a verified token's result in the authorizer's memory this long (never
   * past the token's expiry). API Gateway has no authorizer result cache for
   * WebSocket APIs (`AuthorizerResultTtlInSeconds` is for HTTP APIs only), and
   * a connect is one-shot, so this is off unless clients reconnect often with
   * the same token.
   * @default Duration.seconds(0)
   */
  readonly resultCacheTtl?: Duration;
  /**
   * Deny tokens issued (`iat`) longer ago than this, and tokens without `iat`, even when they have
   * not expired: a bound on how long a leaked token is good for, whatever lifetime the issuer
   * gives its tokens. Whole seconds, from 1 minute to 1 day.
   * @default no limit beyond the token's own `exp`
   */
  readonly maxTokenAge?: Duration;
  /**
   * MFA for the user pool (provider `cognito`). OPTIONAL offers TOTP to users
   * who set it up; REQUIRED makes every user enrol at first sign-in.
   * @default cognito.Mfa.OPTIONAL
   */
  readonly mfa?: cognito.Mfa;
  /**
   * Cognito threat protection (the Plus feature plan, enforced), billed per
   * monthly active user (provider `cognito`).
   * @default false
   */
  readonly threatProtection?: boolean;
  /** What happens to the user pool (real user accounts) when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly userPoolRemovalPolicy?: RemovalPolicy;
  /** The authorizer function's timeout. @default 10 seconds */
  readonly functionTimeout?: Duration;
  /** The authorizer function's Lambda runtime. @default the newest Node.js runtime the installed aws-cdk-lib offers */
  readonly runtime?: lambda.Runtime;
  /** The authorizer function's log retention. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The token claims a user's display name is taken from, in order: the first that holds a valid
   * name (1-64 characters, no control or bidirectional-control characters) is passed on, and
   * members see it as `fromName`, in presence events and in `members`. Whatever a claim listed
   * here holds is shown to everyone in the user's rooms: leave `email` out to keep emails private.
   * An empty list turns display names off.
   * @default ['name', 'preferred_username', 'cognito:username', 'email']
   */
  readonly displayNameClaims?: readonly string[];
  /**
   * Token claims to pass on in the authorizer's context (as one JSON string, `claims`), for the
   * room rules to judge joins by. SwitchboardApi sets it from its `roomRules`.
   * @default none
   */
  readonly ruleClaims?: readonly string[];
}

/**
 * Authentication on `$connect`: a Lambda REQUEST authorizer that verifies a
 * JWT from the `token` query parameter against the issuer's JWKS, and for the
 * default provider the Cognito user pool that issues those tokens.
 */
export class SwitchboardAuth extends Construct {
  public readonly provider: AuthProvider;
  /** The authorizer to attach to `$connect`; undefined for provider `none`. */
  public readonly authorizer?: WebSocketLambdaAuthorizer;
  /** The authorizer's function; undefined for provider `none`. */
  public readonly function?: SwitchboardFunction;
  /** The user pool (provider `cognito`). */
  public readonly userPool?: cognito.UserPool;
  /** The app client whose tokens are accepted (provider `cognito`). */
  public readonly userPoolClient?: cognito.UserPoolClient;
  /** The `iss` tokens must carry; undefined for provider `none`. */
  public readonly issuer?: string;

  constructor(scope: Construct, id: string, props: SwitchboardAuthProps = {}) {
    super(scope, id);
    this.provider = props.provider ?? 'cognito';
    validate(scope, id, this.provider, props);
    if (this.provider === 'none') {
      Annotations.of(this).addWarning(
        'Authentication is off (authProvider "none"): anyone who knows the URL can connect. Use authProvider "cognito" (the default) or "oidc" to require a token on $connect.',
      );
      return;
    }

    let profile: TokenProfile;
    let jwksUrl: string;
    let audience: string;
    if (this.provider === 'cognito') {
      this.userPool = this.createUserPool(props);
      this.userPoolClient = this.userPool.addClient('AppClient', {
        // A public client (no secret): browsers and the CLI sign in with it.
        generateSecret: false,
        authFlows: { userPassword: true, userSrp: true },
        preventUserExistenceErrors: true,
        disableOAuth: true,
        idTokenValidity: Duration.hours(1),
        accessTokenValidity: Duration.hours(1),
      });
      const stack = Stack.of(this);
      // Built rather than read from the ProviderURL attribute, which has no scheme.
      this.issuer = cognitoIssuerUrl(stack.region, stack.urlSuffix, this.userPool.userPoolId);
      jwksUrl = `${this.issuer}${JWKS_PATH_UNDER_ISSUER}`;
      audience = this.userPoolClient.userPoolClientId;
      profile = 'cognito';
    } else {
      this.issuer = props.oidcIssuer!;
      jwksUrl = props.oidcJwksUrl!;
      audience = props.oidcAudience!;
      profile = 'oidc';
    }

    this.function = new SwitchboardFunction(this, 'AuthorizerHandler', {
      handler: 'authorizer',
      timeout: props.functionTimeout,
      runtime: props.runtime,
      logRetention: props.logRetention,
      environment: {
        [AUTH_ENV.profile]: profile,
        [AUTH_ENV.issuer]: this.issuer,
        [AUTH_ENV.jwksUrl]: jwksUrl,
        [AUTH_ENV.audience]: audience,
        [AUTH_ENV.allowedAlgorithms]: (props.allowedAlgorithms ?? DEFAULT_ALGORITHMS).join(','),
        [AUTH_ENV.resultCacheTtlSeconds]: String((props.resultCacheTtl ?? Duration.seconds(DEFAULT_RESULT_CACHE_TTL_SECONDS)).toSeconds()),
        ...(props.maxTokenAge ? { [AUTH_ENV.maxTokenAgeSeconds]: String(props.maxTokenAge.toSeconds()) } : {}),
        ...(props.ruleClaims && props.ruleClaims.length > 0 ? { [AUTH_ENV.ruleClaims]: JSON.stringify(props.ruleClaims) } : {}),
        [AUTH_ENV.displayNameClaims]: JSON.stringify(props.displayNameClaims ?? DEFAULT_DISPLAY_NAME_CLAIMS),
      },
    });
    this.authorizer = new WebSocketLambdaAuthorizer('ConnectAuthorizer', this.function.function, {
      identitySource: [IDENTITY_SOURCE],
    });
  }

  private createUserPool(props: SwitchboardAuthProps): cognito.UserPool {
    const mfa = props.mfa ?? cognito.Mfa.OPTIONAL;
    const pool = new cognito.UserPool(this, 'UserPool', {
      // Administrators create users; nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa,
      mfaSecondFactor: mfa === cognito.Mfa.OFF ? undefined : { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: props.threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: props.threatProtection ? cognito.StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      removalPolicy: props.userPoolRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (mfa !== cognito.Mfa.REQUIRED) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG2',
        reason:
          'MFA (TOTP) is optional by default so that administrators can create users and sign them in from the CLI; set the auth prop mfa to Mfa.REQUIRED to make every user enrol.',
      });
    }
    if (!props.threatProtection) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user; self sign-up is off and the password policy is strong. Set the auth prop threatProtection to true to enable it.',
      });
    }
    return pool;
  }
}

function validate(scope: Construct, id: string, provider: AuthProvider, props: SwitchboardAuthProps): void {
  const fail = (what: string): never => {
    throw new Error(`SwitchboardAuth ${scope.node.path ? `${scope.node.path}/` : ''}${id}: ${what}`);
  };
  if (!AUTH_PROVIDERS.includes(provider)) fail(`provider "${provider}" is not one of ${AUTH_PROVIDERS.join(', ')}.`);
  const oidcProps = { oidcIssuer: props.oidcIssuer, oidcJwksUrl: props.oidcJwksUrl, oidcAudience: props.oidcAudience };
  if (provider === 'oidc') {
    const missing = Object.entries(oidcProps)
      .filter(([, v]) => v === undefined || v === '')
      .map(([k]) => k);
    if (missing.length > 0)
      fail(`provider "oidc" needs ${missing.join(', ')}; set all three (the issuer URL, its JWKS URL and the audience).`);
    for (const key of ['oidcIssuer', 'oidcJwksUrl'] as const) {
      const value = props[key]!;
      if (!Token.isUnresolved(value) && !/^https:\/\/[^\s/]+/.test(value)) fail(`${key} "${value}" must be an https:// URL.`);
    }
  } else {
    const stray = Object.entries(oidcProps)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (stray.length > 0)
      fail(`${stray.join(', ')} apply only to provider "oidc"; the provider is "${provider}". Remove them or set the provider to "oidc".`);
  }
  if (provider === 'none') return;
  try {
    checkAlgorithms(props.allowedAlgorithms ?? DEFAULT_ALGORITHMS);
  } catch (err: unknown) {
    fail(`allowedAlgorithms: ${(err as Error).message}`);
  }
  try {
    checkResultCacheTtlSeconds(
      (props.resultCacheTtl ?? Duration.seconds(DEFAULT_RESULT_CACHE_TTL_SECONDS)).toSeconds({ integral: false }),
      'resultCacheTtl',
    );
    if (props.maxTokenAge) checkMaxTokenAgeSeconds(props.maxTokenAge.toSeconds({ integral: false }), 'maxTokenAge');
    if (props.displayNameClaims !== undefined) checkDisplayNameClaims(props.displayNameClaims, 'displayNameClaims');
  } catch (err: unknown) {
    fail((err as Error).message);
  }
}
