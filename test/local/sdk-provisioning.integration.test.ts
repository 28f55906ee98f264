/**
 * Lambda's Node.js runtime provides every SDK v3 client; the emulator installs the ones it does not
 * depend on into its SDK cache with npm when an app's functions import them. Here a real client,
 * @aws-sdk/client-sns, is installed once into a cache of this run, and functions (CommonJS and ES
 * module) load it through the real emulator and call SNS, which is not emulated: the call fails at
 * once, naming the service. Without the npm registry, the test says so and checks the error the
 * functions get instead.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startEmulator, type Emulator } from '../../local/emulator';
import { LOCAL_CREDENTIALS } from '../../protocol/local-endpoints';
import { editHandTemplate, writeHandAssembly } from './fixtures/hand-assembly';

const PACKAGE = '@aws-sdk/client-sns';

/** Calls SNS and answers how the call ended. */
const CALLS_SNS = (load: string) => `${load}
const sns = new SNSClient({});
const handler = async () => {
  try {
    await sns.send(new ListTopicsCommand({}));
    return { outcome: 'answered' };
  } catch (err) {
    return { outcome: err.name, message: err.message, attempts: err.$metadata?.attempts };
  }
};`;

const FUNCTIONS: Record<string, Record<string, string>> = {
  SnsCommonJs: {
    'index.js': `${CALLS_SNS(`const { SNSClient, ListTopicsCommand } = require('${PACKAGE}');`)}\nexports.handler = handler;\n`,
  },
  SnsEsModule: { 'index.mjs': `${CALLS_SNS(`import { SNSClient, ListTopicsCommand } from '${PACKAGE}';`)}\nexport { handler };\n` },
};

let tmp: string;
let emu: Emulator;
let lambda: LambdaClient;
const lines: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sdk-provisioning-'));
  const assembly = editHandTemplate(writeHandAssembly(path.join(tmp, 'app')), (template) => {
    for (const [name, files] of Object.entries(FUNCTIONS)) {
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.join(tmp, 'app', `asset.${name}`), { recursive: true });
        writeFileSync(path.join(tmp, 'app', `asset.${name}`, file), text);
      }
      template.Resources[name] = {
        Type: 'AWS::Lambda::Function',
        Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { S3Bucket: 'b', S3Key: 'k.zip' } },
        Metadata: { 'aws:asset:path': `asset.${name}` },
      };
    }
  });
  // WHEN the emulator starts with an empty SDK cache: it installs the client, once, for both functions
  emu = await startEmulator({ assemblyDir: assembly, port: 0, sdkCacheDir: path.join(tmp, 'sdk'), log: (line) => lines.push(line) });
  lambda = new LambdaClient({ endpoint: emu.lambdaEndpoint, region: emu.app.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}, 300_000);

afterAll(async () => {
  lambda?.destroy();
  await emu?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The line the emulator logs when it could not install the client (no registry). */
function installWarning(): string | undefined {
  return lines.find((line) => line.startsWith(`warning: could not install ${PACKAGE}`));
}

async function invoke(functionLogicalId: string): Promise<{ error?: string; payload: Record<string, unknown> }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: emu.app.functions.get(functionLogicalId)!.functionName }));
  return {
    error: out.FunctionError,
    payload: JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8') || 'null') as Record<string, unknown>,
  };
}

describe('an SDK client the emulator does not depend on', () => {
  test('is installed at start with one progress line, into the cache, outside the app', () => {
    expect(lines.filter((line) => line.startsWith('Installing '))).toEqual([
      `Installing ${PACKAGE} into ${path.join(tmp, 'sdk')}: Lambda's Node.js runtime provides it and the emulator has not got it yet (once; later starts reuse it)`,
    ]);
    const warning = installWarning();
    if (warning) {
      console.log(
        `The npm registry could not be reached, so ${PACKAGE} was not installed; the tests below check the error instead. ${warning}`,
      );
      expect(warning).toContain(`Install it with: npm install --prefix ${path.join(tmp, 'sdk')}`);
    } else {
      // One folder for the client (with its dependencies), named by its version; nothing half-installed left beside it.
      const [folder, ...others] = readdirSync(path.join(tmp, 'sdk'));
      expect({ folder, others }).toEqual({ folder: expect.stringMatching(/^@aws-sdk\+client-sns@3\.\d+\.\d+$/) as string, others: [] });
      expect(existsSync(path.join(tmp, 'sdk', folder, 'node_modules', PACKAGE, 'package.json'))).toBe(true);
    }
  });

  test.each(Object.keys(FUNCTIONS))('loads in %s, and its call to SNS, not emulated, fails at once naming the service', async (name) => {
    const { error, payload } = await invoke(name);
    if (installWarning()) {
      // No registry here: the function's init fails, saying which package and how to install it.
      expect(error).toBe('Unhandled');
      expect(payload).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
      expect(payload.errorMessage).toContain(`Cannot find package '${PACKAGE}'. Lambda's nodejs24.x runtime provides it`);
      expect(payload.errorMessage).toContain(`npm install --prefix ${path.join(tmp, 'sdk')}`);
      return;
    }
    expect(error).toBeUndefined();
    expect(payload).toMatchObject({
      outcome: 'NotEmulatedError',
      message: expect.stringContaining('the Switchboard emulator does not emulate sns (sns.us-east-1.amazonaws.com)') as string,
      // Refused before any socket, and not retried.
      attempts: 1,
    });
  });
});
