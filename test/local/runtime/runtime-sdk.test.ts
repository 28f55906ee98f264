import {
  installCommand,
  installFolder,
  installSpecs,
  missingSdkMessage,
  runtimeSdkOf,
  sdkPackageOf,
  type SdkCacheSettings,
} from '../../../local/runtime/runtime-sdk';

const settings: SdkCacheSettings = { dir: '/cache/sdk', v3Release: '3.1169.0', coreVersion: '3.981.1' };

describe("the SDK Lambda's Node.js runtimes provide", () => {
  test('v2 up to nodejs16.x, v3 from nodejs18.x, none for other runtimes', () => {
    expect(['nodejs14.x', 'nodejs16.x', 'nodejs18.x', 'nodejs24.x', 'python3.13', 'nodejs'].map(runtimeSdkOf)).toEqual([
      'v2',
      'v2',
      'v3',
      'v3',
      undefined,
      undefined,
    ]);
  });

  test('a specifier names its SDK package, subpaths included; other packages name none', () => {
    expect(sdkPackageOf('@aws-sdk/client-sns')).toBe('@aws-sdk/client-sns');
    expect(sdkPackageOf('@aws-sdk/lib-dynamodb/dist-cjs/index.js')).toBe('@aws-sdk/lib-dynamodb');
    expect(sdkPackageOf('aws-sdk')).toBe('aws-sdk');
    expect(sdkPackageOf('aws-sdk/clients/dynamodb')).toBe('aws-sdk');
    expect(sdkPackageOf('aws-sdk-client-mock')).toBeUndefined();
    expect(sdkPackageOf('@aws-lambda-powertools/logger')).toBeUndefined();
  });

  test("v3 packages install at the emulator's release or older, with its core, each in a folder of its own; v2 at its last line", () => {
    expect(installSpecs('@aws-sdk/client-sns', settings)).toEqual(['@aws-sdk/client-sns@<=3.1169.0', '@aws-sdk/core@3.981.1']);
    expect(installFolder('@aws-sdk/client-sns', settings)).toBe('/cache/sdk/@aws-sdk+client-sns@3.1169.0');
    expect(installCommand('@aws-sdk/client-sns', settings)).toBe(
      "npm install --prefix /cache/sdk/@aws-sdk+client-sns@3.1169.0 '@aws-sdk/client-sns@<=3.1169.0' @aws-sdk/core@3.981.1",
    );
    expect(installSpecs('aws-sdk', settings)).toEqual(['aws-sdk@2']);
    expect(installFolder('aws-sdk', settings)).toBe('/cache/sdk/aws-sdk@2');
  });

  test('a missing package the runtime provides names the command that installs it where the emulator looks', () => {
    expect(missingSdkMessage('@aws-sdk/client-sns', 'nodejs24.x', settings)).toBe(
      "Cannot find package '@aws-sdk/client-sns'. Lambda's nodejs24.x runtime provides it; the emulator installs the SDK packages a function's code names into /cache/sdk when it starts, and this one is not there (see the emulator's start output): install it with: npm install --prefix /cache/sdk/@aws-sdk+client-sns@3.1169.0 '@aws-sdk/client-sns@<=3.1169.0' @aws-sdk/core@3.981.1",
    );
    expect(missingSdkMessage('aws-sdk', 'nodejs16.x', settings)).toContain(
      'install it with: npm install --prefix /cache/sdk/aws-sdk@2 aws-sdk@2',
    );
  });

  test("a package of the other SDK than the runtime's says to bundle it, as Lambda would not provide it", () => {
    expect(missingSdkMessage('aws-sdk', 'nodejs20.x', settings)).toBe(
      "Cannot find module 'aws-sdk'. Lambda's nodejs20.x runtime provides AWS SDK v3 only (nodejs18.x and later do not include v2): bundle aws-sdk with the function, or use the v3 clients.",
    );
    expect(missingSdkMessage('@aws-sdk/client-sns', 'nodejs16.x', settings)).toBe(
      "Cannot find package '@aws-sdk/client-sns'. Lambda's nodejs16.x runtime provides AWS SDK v2 (aws-sdk), not v3: bundle @aws-sdk/client-sns with the function, or move it to nodejs18.x or later.",
    );
  });
});
