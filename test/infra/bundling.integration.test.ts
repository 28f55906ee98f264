import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../lib/routes';
import { appAssembly } from '../support/app-assembly';

// The bundles `npx cdk synth` made (NodejsFunction + the local esbuild): jest's globalSetup
// synthesizes the app once for every test that needs the real assembly.
const outdir = appAssembly();
const template = Template.fromJSON(
  JSON.parse(fs.readFileSync(path.join(outdir, 'Switchboard.template.json'), 'utf8')) as Record<string, unknown>,
);

const functions = Object.entries(template.findResources('AWS::Lambda::Function')).map(([logicalId, fn]) => ({
  logicalId,
  assetDir: path.join(outdir, (fn as { Metadata: Record<string, string> }).Metadata['aws:asset:path']),
}));

/**
 * Loads a bundle in a fresh Node process, as the Lambda runtime would: the AWS
 * SDK comes from outside the bundle (NODE_PATH here, /var/runtime there).
 */
function loadBundle(assetDir: string, script: string): string {
  return execFileSync(process.execPath, ['-e', script], {
    cwd: assetDir,
    env: {
      PATH: process.env.PATH,
      NODE_PATH: path.resolve('node_modules'),
      TABLE_NAME: 'T',
      CALLBACK_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com/dev',
      // The $connect authorizer's configuration (nothing is fetched while loading).
      TOKEN_PROFILE: 'cognito',
      ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example',
      JWKS_URL: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example/.well-known/jwks.json',
      AUDIENCE: 'example-client-id',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('handler bundles', () => {
  it('bundles one function per route, the Publish function, the fan-out worker and the $connect authorizer', () => {
    expect(functions).toHaveLength(ROUTES.length + 3);
  });

  it.each(functions.map((f) => [f.logicalId, f.assetDir]))(
    '%s: a minified bundle with a source map that loads and exports handler',
    (_id, assetDir) => {
      const files = fs.readdirSync(assetDir).sort();
      expect(files).toEqual(['index.js', 'index.js.map']);
      const code = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      expect(code.split('\n').length).toBeLessThan(20); // minified
      // The AWS SDK stays external (the runtime provides it); bundled, it alone would be several hundred KB.
      expect(fs.statSync(path.join(assetDir, 'index.js')).size).toBeLessThan(200 * 1024);
      expect(loadBundle(assetDir, "process.stdout.write(typeof require('./index.js').handler)")).toBe('function');
    },
  );

  it.each(['Ping', 'Default', 'AuthAuthorizer'])('%s: a function that calls no AWS service loads no AWS SDK at cold start', (name) => {
    const fn = functions.find((f) => f.logicalId.startsWith(`Switchboard${name}HandlerFunction`))!;
    expect(fs.readFileSync(path.join(fn.assetDir, 'index.js'), 'utf8')).not.toMatch(/require\("@aws-sdk\//);
  });

  it('runs the ping bundle end to end', () => {
    const ping = functions.find((f) => f.logicalId.startsWith('SwitchboardPingHandler'))!;
    const out = loadBundle(
      ping.assetDir,
      `require('./index.js').handler({ body: '{"action":"ping","id":"b1"}', requestContext: { connectionId: 'c', routeKey: 'ping', requestId: 'r' } },
        { functionName: 'ping', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 })
        .then((r) => process.stdout.write(JSON.stringify(r)))`,
    );
    expect(JSON.parse(out)).toEqual({ statusCode: 200, body: '{"event":"pong","id":"b1"}' });
  });

  it('runs the authorizer bundle (jose included): a malformed token is denied without fetching keys', () => {
    const authorizer = functions.find((f) => f.logicalId.startsWith('SwitchboardAuthAuthorizerHandler'))!;
    const out = loadBundle(
      authorizer.assetDir,
      `require('./index.js').handler({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:1:abc/dev/$connect', queryStringParameters: { token: 'not-a-jwt' } },
        { functionName: 'authorizer', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 })
        .then((r) => process.stdout.write(JSON.stringify(r)))`,
    );
    expect(JSON.parse(out)).toMatchObject({ principalId: 'unauthenticated', policyDocument: { Statement: [{ Effect: 'Deny' }] } });
  });
});
