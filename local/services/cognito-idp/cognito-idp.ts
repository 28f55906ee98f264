/**
 * Amazon Cognito user pools (`cognito-idp`), locally: the app's pools with their AWS-shaped ids,
 * answering on the AWS JSON 1.1 protocol (operations.ts) and serving each pool's OpenID discovery
 * document and signing keys under its issuer URL, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
 * Functions reach it under that host name (the network guard routes it here), so an authorizer that
 * fetches the keys by the issuer URL (aws-jwt-verify, jose, Switchboard's) and a default
 * CognitoIdentityProviderClient work with no configuration of their own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JWKS_PATH_UNDER_ISSUER, OPENID_CONFIGURATION_PATH_UNDER_ISSUER } from '../../../protocol';
import { fromBrowser, hostAllowed } from '../../http/request-guard';
import { signingKeyOf } from '../../iam/principals';
import { SIGNING_ALGORITHM, type LocalIssuer } from '../../issuer/issuer';
import { AwsJsonError, readJsonRequest, sendJson, sendJsonError } from '../json-protocol';
import type { LocalService, ServiceContext, ServiceDefinition } from '../service';
import { UserPools, type LocalPool } from './operations';

/** The prefix of every operation's `X-Amz-Target`. */
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService';
/** A user pool request is a few kilobytes at most. */
const MAX_BODY_BYTES = 64 * 1024;

export const COGNITO_IDP: ServiceDefinition = {
  title: 'Cognito',
  endpointPrefix: 'cognito-idp',
  endpointVariable: 'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER',
  needed: (app) => app.userPools.length > 0,
  create: (context) => {
    if (!context.localIssuer)
      throw new Error('the local Cognito needs the signing key of the local issuer; the emulator opens it for apps with user pools');
    return new LocalCognito(context, context.localIssuer);
  },
};

/** The local Cognito on its own port. */
export class LocalCognito implements LocalService {
  private readonly userPools: UserPools;

  constructor(
    private readonly context: ServiceContext,
    private readonly key: LocalIssuer,
  ) {
    this.userPools = new UserPools(context.app, key, context.clock);
  }

  bannerLines(): readonly string[] {
    return [...this.userPools.pools.values()].map(
      (pool) =>
        `  User pool     ${pool.spec.poolId} (${pool.spec.logicalId}), clients ${pool.spec.clients.map((c) => c.clientId).join(', ') || 'none'}`,
    );
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((err: unknown) => {
      this.context.log(`COGNITO    ${req.method} ${req.url} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent)
        sendJsonError(res, new AwsJsonError('InternalErrorException', 'The local Cognito failed; see the emulator log.', 500));
      else res.end();
    });
  }

  async stop(): Promise<void> {
    // Nothing runs on its own: every operation ends with its request.
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Functions' requests arrive with Host set to this port; a page elsewhere never gets in.
    if (!hostAllowed(req.headers.host, '127.0.0.1') || fromBrowser(req.headers)) {
      req.resume();
      return sendJsonError(
        res,
        new AwsJsonError(
          'AccessDeniedException',
          "The local Cognito answers programs on this machine; web pages sign in through the emulator's /.switchboard/cognito.",
          403,
        ),
      );
    }
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' || req.method === 'HEAD') return this.serveDiscovery(req, res, url.pathname);
    let operation = '(none)';
    try {
      const request = await readJsonRequest(req, TARGET_PREFIX, MAX_BODY_BYTES);
      operation = request.operation;
      const handler = this.userPools.operations[operation];
      if (!handler) {
        throw new AwsJsonError(
          'UnknownOperationException',
          `The Switchboard emulator's Cognito does not implement ${operation}; it answers ${Object.keys(this.userPools.operations).join(', ')}.`,
        );
      }
      const pool = handler.pool?.(request.body);
      if (pool) this.authorize(req, operation, pool);
      const answer = await handler.run(request.body);
      sendJson(res, answer);
      this.context.log(`COGNITO    ${operation} 200`);
    } catch (err: unknown) {
      if (!(err instanceof AwsJsonError)) throw err;
      sendJsonError(res, err);
      this.context.log(`COGNITO    ${operation} ${err.status} (${err.type})`);
    }
  }

  /** An administrator's operation on a pool: the caller must be signed, and IAM must allow it. */
  private authorize(req: IncomingMessage, operation: string, pool: LocalPool): void {
    const principal = this.context.iam.principalOf(req);
    if (!principal) {
      if (signingKeyOf(req) === undefined) {
        throw new AwsJsonError(
          'MissingAuthenticationTokenException',
          `${operation} needs AWS credentials (a SigV4-signed request); it was not signed.`,
          403,
        );
      }
      throw new AwsJsonError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const decision = this.context.iam.authorize(principal, `cognito-idp:${operation}`, pool.spec.arn);
    if (!decision.allowed) throw new AwsJsonError('AccessDeniedException', decision.message);
  }

  /** `GET /<pool id>/.well-known/jwks.json` and `/openid-configuration`, as Cognito serves them under the issuer. */
  private serveDiscovery(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const [, poolId, ...rest] = pathname.split('/');
    const pool = this.userPools.pools.get(poolId);
    const under = `/${rest.join('/')}`;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=3600' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    };
    if (!pool) return send(404, { message: `User pool ${poolId} does not exist.` });
    if (under === JWKS_PATH_UNDER_ISSUER) return send(200, this.key.jwks());
    if (under === OPENID_CONFIGURATION_PATH_UNDER_ISSUER) {
      return send(200, {
        issuer: pool.issuer,
        jwks_uri: `${pool.issuer}${JWKS_PATH_UNDER_ISSUER}`,
        id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
        subject_types_supported: ['public'],
        response_types_supported: ['code', 'token'],
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
      });
    }
    return send(404, {
      message: `Not found: ${pathname}; a user pool serves ${JWKS_PATH_UNDER_ISSUER} and ${OPENID_CONFIGURATION_PATH_UNDER_ISSUER} under its issuer.`,
    });
  }
}
