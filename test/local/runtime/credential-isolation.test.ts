import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHARED_FILE_CREDENTIALS } from '../../../local/iam/principals';
import { LOCAL_CREDENTIALS } from '../../../protocol/local-endpoints';
import { argsForAssembly, awsProfileNames, credentialVariables, writeFakeAwsHome } from '../../../local/runtime/credential-isolation';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-isolation-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('awsProfileNames', () => {
  test('reads section names from credentials and config, never values', () => {
    const home = path.join(tmp, 'home');
    mkdirSync(path.join(home, '.aws'), { recursive: true });
    writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAREAL\n[ work ]\naws_secret_access_key = s\n');
    writeFileSync(
      path.join(home, '.aws', 'config'),
      '[profile dev]\nsso_session = corp\n[sso-session corp]\n[services local]\n[default]\n',
    );
    expect(awsProfileNames({ AWS_PROFILE: 'ci' }, home).sort()).toEqual(['ci', 'default', 'dev', 'work']);
  });

  test('follows AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE; missing files give no names', () => {
    const file = path.join(tmp, 'creds');
    writeFileSync(file, '[elsewhere]\n');
    expect(
      awsProfileNames({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: path.join(tmp, 'none') }, path.join(tmp, 'nohome')),
    ).toEqual(['elsewhere']);
  });
});

describe('writeFakeAwsHome', () => {
  test("the file's own fake keys (which IAM refuses) for default and each profile, a region for each, and HOME pointing at it", () => {
    const home = writeFakeAwsHome('eu-west-1', ['work', 'default', 'bad name]']);
    try {
      const credentials = readFileSync(home.environment.AWS_SHARED_CREDENTIALS_FILE, 'utf8');
      expect(credentials).toContain(
        `[default]\naws_access_key_id = ${SHARED_FILE_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${SHARED_FILE_CREDENTIALS.secretAccessKey}\n`,
      );
      expect(credentials).toContain(`[work]\naws_access_key_id = ${SHARED_FILE_CREDENTIALS.accessKeyId}\n`);
      expect(SHARED_FILE_CREDENTIALS.accessKeyId).not.toBe(LOCAL_CREDENTIALS.accessKeyId);
      expect(credentials).not.toContain('bad name');
      expect(readFileSync(home.environment.AWS_CONFIG_FILE, 'utf8')).toContain('[profile work]\nregion = eu-west-1\n');
      expect(home.environment).toMatchObject({ HOME: home.dir, AWS_EC2_METADATA_DISABLED: 'true' });
    } finally {
      home.remove();
    }
  });
});

describe('credentialVariables', () => {
  test('every AWS_* variable but the region, profile names, file locations and SDK settings', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_SESSION_TOKEN: 'x',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'x',
      AWS_WEB_IDENTITY_TOKEN_FILE: 'x',
      AWS_REGION: 'x',
      AWS_PROFILE: 'x',
      AWS_CONFIG_FILE: 'x',
      AWS_CA_BUNDLE: 'x',
      HOME: 'x',
    };
    expect(credentialVariables(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]);
  });
});

describe('argsForAssembly', () => {
  test('drops the synth context and names the assembly', () => {
    expect(argsForAssembly(['--port', '0', '-c', 'a=1', '--context', 'b=2', '--context=c=3', '--quiet'], '/out')).toEqual([
      '--port',
      '0',
      '--quiet',
      '--assembly',
      '/out',
    ]);
  });
});
