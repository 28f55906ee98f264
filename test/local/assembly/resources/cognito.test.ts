import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-cognito-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('each user pool with its own app clients, by the ids Ref gives them', () => {
  const client = (pool: string) => ({ Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: { Ref: pool } } });
  const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'pools')), (template) => {
    template.Resources.Users = { Type: 'AWS::Cognito::UserPool', Properties: {} };
    template.Resources.WebClient = client('Users');
    template.Resources.Admins = { Type: 'AWS::Cognito::UserPool', Properties: {} };
    template.Resources.CliClient = client('Users');
  });

  expect(loadWebSocketApp(dir).userPools).toEqual([
    { poolId: 'Users', clientIds: ['WebClient', 'CliClient'] },
    { poolId: 'Admins', clientIds: [] },
  ]);
});
