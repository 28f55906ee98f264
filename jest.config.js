/**
 * Two projects, split by file name:
 * - `unit`: every `*.test.ts` that is not an integration test. Synthesizes and bundles nothing: `npm run test:unit` (jest.unit.config.js)
 *   runs it alone, the fast loop; `npx jest some.test.ts` skips the synth too, as no integration test runs.
 * - `integration`: every `*.integration.test.ts`: a test that reads the app's synthesized assembly
 *   (`appAssembly()`), synthesizes an app itself (`Template.fromStack`, `app.synth()`) or bundles with
 *   esbuild. Its globalSetup makes the assembly once, reused across runs until a source changes.
 * A unit test that calls `appAssembly()` or a synth helper fails with a message saying to rename it.
 */
const { applyHermeticEnv } = require('./test/support/hermetic-env');

// The same environment on every machine, whatever AWS settings the shell holds (see hermetic-env.js).
applyHermeticEnv();

const INTEGRATION = '\\.integration\\.test\\.ts$';

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', INTEGRATION],
      setupFiles: [...shared.setupFiles, '<rootDir>/test/support/unit-tier.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testRegex: INTEGRATION,
      // The app's cloud assembly, from the cache or a fresh `cdk synth` when a source changed.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
  // Integration tests start servers and bundle code; 2 workers fit this 2-core machine.
  maxWorkers: 2,
  // A global option: jest ignores it inside a project.
  testTimeout: 30000,
};
