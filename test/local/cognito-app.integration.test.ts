/**
 * An app whose authorizer verifies Cognito ID tokens with aws-jwt-verify and the pool's id
 * (test/local/fixtures/cognito-app.ts), bundled as NodejsFunction would and run unchanged through
 * the real CLI: a user an administrator created signs in with the real Cognito SDK client and
 * connects with the ID token; a bad token gets 403; the banner's Try line uses `?idToken=`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { build } from 'esbuild';
import { loadWebSocketApp } from '../../local/assembly/assembly';
import { localSubject } from '../../local/issuer/issuer';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';
import { startCli, type CliProcess } from './cli-process';
import { AUTHORIZER_SOURCE, COGNITO_APP, writeCognitoApp } from './fixtures/cognito-app';
import { connect, handshakeStatus } from './helpers';

let tmp: string;
let assembly: string;
let cli: CliProcess;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cognito-app-'));
  assembly = writeCognitoApp(path.join(tmp, 'cdk.out'));
  // The authorizer bundled with its aws-jwt-verify, as NodejsFunction bundles it (CommonJS, Node 22).
  const source = path.join(tmp, 'authorizer.mjs');
  writeFileSync(source, AUTHORIZER_SOURCE);
  await build({
    entryPoints: [source],
    outfile: path.join(assembly, COGNITO_APP.authorizerAsset, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    nodePaths: [path.resolve(__dirname, '../../node_modules')],
    logLevel: 'silent',
  });
  cli = await startCli(['--assembly', assembly, '--port', '0']);
  cognito = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: cli.serviceEndpoint('cognito-idp'),
    credentials: LOCAL_CREDENTIALS,
  });
}, 60_000);

afterAll(async () => {
  cognito?.destroy();
  await cli?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const withToken = (token: string) => `${cli.url}?${COGNITO_APP.tokenParameter}=${encodeURIComponent(token)}`;
/** The app's user pools as the emulator reads them: their ids, as Ref gives them. */
const pools = () => loadWebSocketApp(assembly).userPools;

test('a user the administrator created signs in with the Cognito SDK; aws-jwt-verify lets the ID token in', async () => {
  // GIVEN a user created as the README creates one on AWS (admin-create-user, admin-set-user-password --permanent)
  const [pool] = pools();
  expect(pool.poolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'grace', MessageAction: 'SUPPRESS' }));
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: 'grace', Password: 'Correct-Horse-Battery-9', Permanent: true }),
  );

  // WHEN she signs in with USER_PASSWORD_AUTH and connects with her ID token
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: pool.clients[0].clientId,
      AuthParameters: { USERNAME: 'grace', PASSWORD: 'Correct-Horse-Battery-9' },
    }),
  );
  const client = await connect(withToken(AuthenticationResult!.IdToken!));

  // THEN the authorizer verified it: the route sees her name and her sub
  client.ws.send(JSON.stringify({ action: 'whoami' }));
  expect(await client.nextJson()).toEqual({ username: 'grace', sub: expect.stringMatching(/^[0-9a-f-]{36}$/) as string });
  client.ws.close();
});

test('a bad token is refused with 403 (the authorizer denies it), no token with 401 (API Gateway refuses it first)', async () => {
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: pools()[0].clients[0].clientId,
      AuthParameters: { USERNAME: 'mallory', PASSWORD: 'switchboard-local' },
    }),
  );
  const [header, payload, signature] = AuthenticationResult!.IdToken!.split('.');
  const forged = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), 'cognito:username': 'admin' }),
  ).toString('base64url');
  expect(await handshakeStatus(withToken(`${header}.${forged}.${signature}`))).toBe(403);
  // An access token is not an ID token: tokenUse 'id' refuses it.
  expect(await handshakeStatus(withToken(AuthenticationResult!.AccessToken!))).toBe(403);
  expect(await handshakeStatus(cli.url)).toBe(401);
});

test("the banner's Try line puts a token in the authorizer's own query parameter, and it connects", async () => {
  const tryUrl = /Try: npx wscat -c "(ws:\/\/[^"]+)"/.exec(cli.banner)?.[1];
  expect(tryUrl).toMatch(new RegExp(`^${cli.url}\\?${COGNITO_APP.tokenParameter}=ey`));
  const client = await connect(tryUrl!);
  client.ws.send(JSON.stringify({ action: 'whoami' }));
  expect(await client.nextJson()).toEqual({ username: 'alice', sub: localSubject('alice') });
  client.ws.close();
});
