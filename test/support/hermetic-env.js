/**
 * The environment every test runs in, whatever the developer's shell holds. jest.config.js applies
 * it to jest's own process before anything starts, so the global setup's synth, every test worker
 * and every child they spawn inherit it.
 *
 * An AWS user's shell has credentials, a profile, a region, maybe endpoint or proxy variables, and
 * a ~/.aws folder. Left in place they make tests depend on the machine: `cdk synth` with
 * credentials asks STS for the account (a call to real AWS) and the SDK it loads prints a Node
 * version warning into the output the tests read; a region changes every ARN. So the tests run
 * with no credentials anywhere (tests that call the emulator pass its local keys explicitly, as
 * its users do), empty AWS config files, a fixed region, and loopback exempt from any proxy.
 *
 * Plain CommonJS: jest.config.js requires it before any TypeScript transform exists.
 */
const os = require('node:os');
const path = require('node:path');

/** The region every test runs in. */
const TEST_REGION = 'us-east-1';

/** Variables of the shell that reach AWS, name an account or change what `cdk synth` produces. */
const MACHINE_SPECIFIC = /^(AWS_|CDK_)/i;

/** Hosts that must never go through a proxy: every server the tests start listens on loopback. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/** `env` made hermetic (a new object; `env` is not changed). */
function hermeticEnv(env) {
  const out = {};
  for (const [name, value] of Object.entries(env)) if (!MACHINE_SPECIFIC.test(name)) out[name] = value;
  Object.assign(out, {
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    // Empty files: no profile, no credentials, no SSO session from ~/.aws.
    AWS_CONFIG_FILE: os.devNull,
    AWS_SHARED_CREDENTIALS_FILE: os.devNull,
    // Never wait for instance metadata (169.254.169.254) when no credentials are found.
    AWS_EC2_METADATA_DISABLED: 'true',
    // Node 20's end-of-support notice from SDK v3; Lambda runs Node 24.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The emulator's own folder on this machine (local/machine/folders.ts: app state, installed SDK
    // clients): the tests' emulators keep theirs apart from the developer's ~/.cache/switchboard.
    SWITCHBOARD_CACHE_DIR: path.join(os.tmpdir(), 'switchboard-tests-cache'),
  });
  for (const name of ['NO_PROXY', 'no_proxy']) {
    const listed = (out[name] ?? '').split(',').filter((host) => host.trim() !== '');
    out[name] = [...new Set([...listed, ...LOOPBACK_HOSTS])].join(',');
  }
  return out;
}

/** Replaces this process's environment with its hermetic version. */
function applyHermeticEnv() {
  const hermetic = hermeticEnv(process.env);
  for (const name of Object.keys(process.env)) if (!(name in hermetic)) delete process.env[name];
  Object.assign(process.env, hermetic);
}

module.exports = { TEST_REGION, hermeticEnv, applyHermeticEnv };
