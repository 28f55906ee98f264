import * as os from 'node:os';
import * as path from 'node:path';
import { hermeticEnv, TEST_REGION } from './hermetic-env';

// GIVEN the shell of an AWS user: credentials, a profile, a region, CDK's account, a proxy.
const USER_SHELL = {
  PATH: '/usr/bin',
  HOME: '/home/user',
  AWS_ACCESS_KEY_ID: 'AKIAUSERKEY',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'token',
  AWS_PROFILE: 'work',
  aws_region: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://10.0.0.1:8000',
  CDK_DEFAULT_ACCOUNT: '111122223333',
  HTTPS_PROXY: 'http://proxy:3128',
  NO_PROXY: 'internal.example',
  SWITCHBOARD_CACHE_DIR: '/home/user/.cache/mine',
};

test('the tests run with no credentials, no profile and a fixed region, whatever the shell holds', () => {
  // WHEN the environment is made hermetic
  const env = hermeticEnv(USER_SHELL);
  // THEN nothing of the user's AWS or CDK settings is left, and the files SDKs read are empty
  expect(
    Object.keys(env)
      .filter((name) => /^(aws|cdk)_/i.test(name) && !(name in EXPECTED_AWS))
      .sort(),
  ).toEqual([]);
  expect(env).toMatchObject(EXPECTED_AWS);
  // and what is not AWS's is kept, with loopback exempt from the proxy
  expect(env).toMatchObject({ PATH: '/usr/bin', HOME: '/home/user', HTTPS_PROXY: 'http://proxy:3128' });
  expect(env.NO_PROXY?.split(',')).toEqual(['internal.example', '127.0.0.1', 'localhost', '::1']);
  expect(env.no_proxy?.split(',')).toEqual(['127.0.0.1', 'localhost', '::1']);
  // and the emulators the tests start keep their state and installed SDK clients apart from the developer's
  expect(env.SWITCHBOARD_CACHE_DIR).toBe(path.join(os.tmpdir(), 'switchboard-tests-cache'));
});

test('this test process got the hermetic environment from jest.config.js', () => {
  expect(process.env.AWS_ACCESS_KEY_ID).toBeUndefined();
  expect(process.env.AWS_PROFILE).toBeUndefined();
  expect(process.env.AWS_REGION).toBe(TEST_REGION);
});

const EXPECTED_AWS = {
  AWS_REGION: TEST_REGION,
  AWS_DEFAULT_REGION: TEST_REGION,
  AWS_CONFIG_FILE: os.devNull,
  AWS_SHARED_CREDENTIALS_FILE: os.devNull,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
