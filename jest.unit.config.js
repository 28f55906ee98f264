// `npm run test:unit`: jest.config.js's unit project alone, so no assembly is synthesized. A config of
// its own rather than `--selectProjects unit`, which would swallow the test paths given after it.
const { projects, ...globalOptions } = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...globalOptions, ...projects.find((project) => project.displayName === 'unit') };
