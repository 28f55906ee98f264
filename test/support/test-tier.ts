/** Set to `unit` in every file jest's unit project runs (see jest.config.js). */
export const TEST_TIER_ENV = 'SWITCHBOARD_TEST_TIER';

/** Throws inside a unit test: `what` synthesizes or bundles, which only integration tests may do. */
export function requireIntegrationTest(what: string): void {
  if (process.env[TEST_TIER_ENV] === 'unit') {
    throw new Error(`${what} synthesizes or bundles, which a unit test may not: name the file *.integration.test.ts (see jest.config.js).`);
  }
}
