import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { localUserPoolClientId, localUserPoolId } from '../../../../local/aws/ids';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cognito-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The hand assembly's environment names no region: the reader's region is the shell's, or us-east-1.
const region = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

describe('user pools and their app clients', () => {
  test('each pool with its own app clients, by AWS-shaped ids that Ref and Fn::GetAtt give', () => {
    // GIVEN two pools, one with two clients (one configured as CDK writes it), one with none
    const client = (pool: string, extra: Record<string, unknown> = {}) => ({
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: { UserPoolId: { Ref: pool }, ...extra },
    });
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'pools')), (template) => {
      template.Resources.Users = {
        Type: 'AWS::Cognito::UserPool',
        Properties: {
          Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true } },
          UsernameConfiguration: { CaseSensitive: false },
        },
      };
      template.Resources.WebClient = client('Users', {
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        GenerateSecret: false,
        IdTokenValidity: 60,
        AccessTokenValidity: 30,
        TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes' },
      });
      template.Resources.Admins = { Type: 'AWS::Cognito::UserPool', Properties: {} };
      template.Resources.CliClient = client('Users', { GenerateSecret: true });
      template.Outputs = {
        PoolId: { Value: { Ref: 'Users' } },
        PoolArn: { Value: { 'Fn::GetAtt': ['Users', 'Arn'] } },
        ProviderName: { Value: { 'Fn::GetAtt': ['Users', 'ProviderName'] } },
        ProviderUrl: { Value: { 'Fn::GetAtt': ['Users', 'ProviderURL'] } },
        ClientId: { Value: { Ref: 'WebClient' } },
      };
    });

    // WHEN the stack is read
    const app = loadWebSocketApp(dir);

    // THEN the ids are Cognito's shapes, stable per stack and logical id, and the clients keep their settings
    const poolId = localUserPoolId(region(), 'Hand', 'Users');
    expect(poolId).toMatch(new RegExp(`^${region()}_[A-Za-z0-9]{9}$`));
    const webId = localUserPoolClientId('Hand', 'WebClient');
    expect(webId).toMatch(/^[a-z0-9]{26}$/);
    expect(app.outputs).toEqual({
      PoolId: poolId,
      PoolArn: `arn:aws:cognito-idp:${region()}:123456789012:userpool/${poolId}`,
      ProviderName: `cognito-idp.${region()}.amazonaws.com/${poolId}`,
      ProviderUrl: `https://cognito-idp.${region()}.amazonaws.com/${poolId}`,
      ClientId: webId,
    });
    expect(app.userPools).toEqual([
      {
        logicalId: 'Users',
        poolId,
        arn: `arn:aws:cognito-idp:${region()}:123456789012:userpool/${poolId}`,
        clients: [
          {
            logicalId: 'WebClient',
            clientId: webId,
            authFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
            hasSecret: false,
            idTokenSeconds: 3600,
            accessTokenSeconds: 1800,
          },
          {
            logicalId: 'CliClient',
            clientId: localUserPoolClientId('Hand', 'CliClient'),
            // Cognito's defaults when the template sets none: no USER_PASSWORD_AUTH, tokens for an hour.
            authFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH'],
            hasSecret: true,
            idTokenSeconds: 3600,
            accessTokenSeconds: 3600,
          },
        ],
        passwordPolicy: { minimumLength: 12, requireUppercase: true, requireLowercase: true, requireNumbers: false, requireSymbols: false },
        caseSensitive: false,
      },
      expect.objectContaining({
        logicalId: 'Admins',
        poolId: localUserPoolId(region(), 'Hand', 'Admins'),
        clients: [],
        // Cognito's default policy, and case-sensitive names as CloudFormation leaves them.
        passwordPolicy: { minimumLength: 8, requireUppercase: true, requireLowercase: true, requireNumbers: true, requireSymbols: true },
        caseSensitive: true,
      }),
    ]);
  });

  test('ids differ between pools, stacks and clients, and never between starts', () => {
    expect(localUserPoolId('eu-west-1', 'Stack', 'Pool')).toBe(localUserPoolId('eu-west-1', 'Stack', 'Pool'));
    expect(localUserPoolId('eu-west-1', 'Stack', 'Pool')).not.toBe(localUserPoolId('eu-west-1', 'Other', 'Pool'));
    expect(localUserPoolId('eu-west-1', 'Stack', 'Pool')).not.toBe(localUserPoolId('eu-west-1', 'Stack', 'Pool2'));
    expect(localUserPoolClientId('Stack', 'Client')).not.toBe(localUserPoolClientId('Stack', 'Client2'));
  });
});
