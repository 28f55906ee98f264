import { requireIntegrationTest } from './test-tier';

/** Where test/support/global-setup.ts put this app's synthesized assembly. */
export const APP_ASSEMBLY_ENV = 'SWITCHBOARD_TEST_ASSEMBLY';

/** The app's cloud assembly, as `cdk synth` makes it; for integration tests only. */
export function appAssembly(): string {
  requireIntegrationTest('appAssembly()');
  const dir = process.env[APP_ASSEMBLY_ENV];
  if (!dir) {
    throw new Error(`${APP_ASSEMBLY_ENV} is not set: run the tests with jest; its integration project's globalSetup makes the assembly.`);
  }
  return dir;
}
