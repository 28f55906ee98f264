/** Where test/support/global-setup.ts put this app's synthesized assembly. */
export const APP_ASSEMBLY_ENV = 'SWITCHBOARD_TEST_ASSEMBLY';

export function appAssembly(): string {
  const dir = process.env[APP_ASSEMBLY_ENV];
  if (!dir) throw new Error(`${APP_ASSEMBLY_ENV} is not set: run the tests through jest, whose globalSetup synthesizes the app.`);
  return dir;
}
