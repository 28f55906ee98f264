/**
 * The user pool operations the local Cognito answers, as `@aws-sdk/client-cognito-identity-provider`
 * sends them, with Cognito's parameters, answers and exceptions: signing in (InitiateAuth with
 * USER_PASSWORD_AUTH, RespondToAuthChallenge for NEW_PASSWORD_REQUIRED), which needs no AWS
 * credentials, and the administrators' operations on users, which IAM authorizes.
 */
import { randomBytes } from 'node:crypto';
import { cognitoIssuerUrl, LOCAL_PASSWORD } from '../../../protocol';
import type { Clock } from '../../../protocol/clock';
import { excerpt } from '../../../protocol/values';
import type { UserPoolClientSpec, UserPoolSpec, WebSocketAppSpec } from '../../assembly/app-spec';
import { checkUserName, type LocalIssuer } from '../../issuer/issuer';
import { AwsJsonError, requiredString } from '../json-protocol';
import { signInTokens, type AuthenticationResult, type SignedInUser } from './tokens';
import { UserDirectory, type PoolUser } from './users';

/** How long a challenge's Session stays good: Cognito's default for an app client is 3 minutes. */
const SESSION_MS = 3 * 60_000;

/** The sign-in flows a client allows USER_PASSWORD_AUTH under (the legacy name included). */
const USER_PASSWORD_FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH'];

/** One user pool as the local Cognito keeps it. */
export interface LocalPool {
  readonly spec: UserPoolSpec;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the `iss` of its tokens. */
  readonly issuer: string;
  readonly users: UserDirectory;
}

/** An operation: what it needs IAM to allow (administrators' operations), and what it does. */
export interface Operation {
  /** The pool whose ARN IAM authorizes the call on; undefined for operations that need no credentials. */
  pool?(body: Record<string, unknown>): LocalPool;
  run(body: Record<string, unknown>): unknown;
}

/** A NEW_PASSWORD_REQUIRED challenge waiting for its answer. */
interface PendingChallenge {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly expiresAt: number;
}

/** The app's user pools, and the operations on them by name (the `X-Amz-Target` suffix). */
export class UserPools {
  readonly pools: ReadonlyMap<string, LocalPool>;
  private readonly clients = new Map<string, { pool: LocalPool; client: UserPoolClientSpec }>();
  private readonly challenges = new Map<string, PendingChallenge>();
  readonly operations: Readonly<Record<string, Operation>>;

  constructor(
    app: Pick<WebSocketAppSpec, 'region' | 'urlSuffix' | 'userPools'>,
    private readonly key: LocalIssuer,
    private readonly clock: Clock,
  ) {
    const pools = new Map<string, LocalPool>();
    for (const spec of app.userPools) {
      const pool = {
        spec,
        issuer: cognitoIssuerUrl(app.region, app.urlSuffix, spec.poolId),
        users: new UserDirectory(spec, () => clock.now()),
      };
      pools.set(spec.poolId, pool);
      for (const client of spec.clients) this.clients.set(client.clientId, { pool, client });
    }
    this.pools = pools;
    const admin = (run: (pool: LocalPool, body: Record<string, unknown>) => unknown): Operation => ({
      pool: (body) => this.pool(body),
      run: (body) => run(this.pool(body), body),
    });
    this.operations = {
      InitiateAuth: { run: (body) => this.initiateAuth(body) },
      RespondToAuthChallenge: { run: (body) => this.respondToAuthChallenge(body) },
      AdminCreateUser: admin((pool, body) => ({ User: describeUser(this.adminCreateUser(pool, body), 'Attributes') })),
      AdminSetUserPassword: admin((pool, body) => {
        pool.users.setPassword(requiredString(body, 'Username'), requiredString(body, 'Password'), body.Permanent === true);
        return {};
      }),
      AdminGetUser: admin((pool, body) => {
        const { Username, ...rest } = describeUser(pool.users.get(requiredString(body, 'Username')), 'UserAttributes');
        return { Username, ...rest };
      }),
      AdminDeleteUser: admin((pool, body) => {
        pool.users.delete(requiredString(body, 'Username'));
        return {};
      }),
    };
  }

  /** The pool a request's `UserPoolId` names, or ResourceNotFoundException as Cognito answers. */
  pool(body: Record<string, unknown>): LocalPool {
    const id = requiredString(body, 'UserPoolId');
    const pool = this.pools.get(id);
    if (!pool) throw new AwsJsonError('ResourceNotFoundException', `User pool ${excerpt(String(id))} does not exist.`);
    return pool;
  }

  private adminCreateUser(pool: LocalPool, body: Record<string, unknown>): PoolUser {
    const username = requiredString(body, 'Username');
    const attributes: Record<string, string> = {};
    for (const entry of Array.isArray(body.UserAttributes) ? (body.UserAttributes as unknown[]) : []) {
      const { Name, Value } = (entry ?? {}) as { Name?: unknown; Value?: unknown };
      if (typeof Name !== 'string') throw new AwsJsonError('InvalidParameterException', 'Each of UserAttributes needs a Name.');
      if (Name === 'sub') throw new AwsJsonError('InvalidParameterException', 'Cannot modify an attribute which is not mutable: sub');
      attributes[Name] = typeof Value === 'string' ? Value : '';
    }
    if (body.MessageAction === 'RESEND') return pool.users.get(username);
    const temporary = typeof body.TemporaryPassword === 'string' ? body.TemporaryPassword : undefined;
    // No invitation is sent: the emulator has no mail; MessageAction SUPPRESS is what it does anyway.
    return pool.users.create(username, attributes, temporary);
  }

  /** InitiateAuth with USER_PASSWORD_AUTH, the flow Switchboard's page, `npm run verify` and most scripts use. */
  private async initiateAuth(body: Record<string, unknown>): Promise<unknown> {
    const flow = body.AuthFlow;
    const { pool, client } = this.client(body);
    if (flow !== 'USER_PASSWORD_AUTH') {
      throw new AwsJsonError(
        'InvalidParameterException',
        `The Switchboard emulator's Cognito supports AuthFlow USER_PASSWORD_AUTH only; got ${excerpt(JSON.stringify(flow ?? null))}.`,
      );
    }
    if (!client.authFlows.some((f) => USER_PASSWORD_FLOWS.includes(f))) {
      // Cognito's own text; the hint is the emulator's.
      throw new AwsJsonError(
        'InvalidParameterException',
        `USER_PASSWORD_AUTH flow not enabled for this client (app client ${client.logicalId} allows ${client.authFlows.join(', ')}; add ALLOW_USER_PASSWORD_AUTH to its ExplicitAuthFlows, authFlows: { userPassword: true } in CDK)`,
      );
    }
    const parameters = (typeof body.AuthParameters === 'object' && body.AuthParameters !== null ? body.AuthParameters : {}) as Record<
      string,
      unknown
    >;
    const username = parameters.USERNAME;
    const password = parameters.PASSWORD;
    if (typeof username !== 'string' || username === '')
      throw new AwsJsonError('InvalidParameterException', 'Missing required parameter USERNAME');
    if (typeof password !== 'string' || password === '')
      throw new AwsJsonError('InvalidParameterException', 'Missing required parameter PASSWORD');
    if (client.hasSecret && typeof parameters.SECRET_HASH !== 'string') {
      throw new AwsJsonError(
        'NotAuthorizedException',
        `Client ${client.clientId} is configured with secret but SECRET_HASH was not received`,
      );
    }
    const check = pool.users.checkPassword(username, password);
    // The same answer for a wrong password and an unknown user, as with PreventUserExistenceErrors.
    const refused = new AwsJsonError('NotAuthorizedException', 'Incorrect username or password.');
    switch (check.outcome) {
      case 'signed-in':
        return { AuthenticationResult: await this.tokens(pool, client, check.user), ChallengeParameters: {} };
      case 'new-password-required':
        return this.newPasswordChallenge(pool, client, check.user);
      case 'wrong-password':
        throw refused;
      case 'no-such-user':
        // Any other name signs in with the local password, as the local issuer always let it.
        if (password !== LOCAL_PASSWORD) throw refused;
        try {
          checkUserName(username);
        } catch (err: unknown) {
          throw new AwsJsonError('InvalidParameterException', (err as Error).message);
        }
        return { AuthenticationResult: await this.tokens(pool, client, { username }), ChallengeParameters: {} };
    }
  }

  /** RespondToAuthChallenge for NEW_PASSWORD_REQUIRED: the user's permanent password, then their tokens. */
  private async respondToAuthChallenge(body: Record<string, unknown>): Promise<unknown> {
    const { pool, client } = this.client(body);
    if (body.ChallengeName !== 'NEW_PASSWORD_REQUIRED') {
      throw new AwsJsonError(
        'InvalidParameterException',
        `The Switchboard emulator's Cognito answers the NEW_PASSWORD_REQUIRED challenge only; got ${excerpt(JSON.stringify(body.ChallengeName ?? null))}.`,
      );
    }
    const session = typeof body.Session === 'string' ? this.challenges.get(body.Session) : undefined;
    const responses = (
      typeof body.ChallengeResponses === 'object' && body.ChallengeResponses !== null ? body.ChallengeResponses : {}
    ) as Record<string, unknown>;
    if (!session || session.expiresAt <= this.clock.now() || session.clientId !== client.clientId || session.poolId !== pool.spec.poolId) {
      throw new AwsJsonError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    }
    const newPassword = responses.NEW_PASSWORD;
    if (typeof newPassword !== 'string' || newPassword === '') {
      throw new AwsJsonError('InvalidParameterException', 'Missing required parameter NEW_PASSWORD');
    }
    pool.users.setPassword(session.username, newPassword, true);
    this.challenges.delete(body.Session as string);
    return { AuthenticationResult: await this.tokens(pool, client, pool.users.get(session.username)), ChallengeParameters: {} };
  }

  private newPasswordChallenge(pool: LocalPool, client: UserPoolClientSpec, user: PoolUser): unknown {
    const now = this.clock.now();
    for (const [id, pending] of this.challenges) if (pending.expiresAt <= now) this.challenges.delete(id);
    const session = randomBytes(48).toString('base64url');
    this.challenges.set(session, {
      poolId: pool.spec.poolId,
      clientId: client.clientId,
      username: user.username,
      expiresAt: now + SESSION_MS,
    });
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: session,
      ChallengeParameters: {
        USER_ID_FOR_SRP: user.username,
        requiredAttributes: '[]',
        userAttributes: JSON.stringify(user.attributes),
      },
    };
  }

  /** The app client a request's `ClientId` names, or ResourceNotFoundException as Cognito answers. */
  private client(body: Record<string, unknown>): { pool: LocalPool; client: UserPoolClientSpec } {
    const id = body.ClientId;
    const found = typeof id === 'string' ? this.clients.get(id) : undefined;
    if (!found) {
      const known = [...this.clients.keys()].join(', ') || 'none';
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `User pool client ${excerpt(String(id))} does not exist. (The app's clients: ${known}.)`,
      );
    }
    return found;
  }

  private tokens(pool: LocalPool, client: UserPoolClientSpec, user: SignedInUser | PoolUser): Promise<AuthenticationResult> {
    return signInTokens(this.key, pool.issuer, client, user, Math.floor(this.clock.now() / 1000));
  }
}

/** A user as AdminCreateUser (`Attributes`) and AdminGetUser (`UserAttributes`) describe one; dates in epoch seconds. */
function describeUser(user: PoolUser, attributesKey: 'Attributes' | 'UserAttributes'): Record<string, unknown> & { Username: string } {
  return {
    Username: user.username,
    [attributesKey]: [{ Name: 'sub', Value: user.sub }, ...Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value }))],
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.modifiedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}
