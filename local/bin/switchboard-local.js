#!/usr/bin/env node
// Loads the TypeScript CLI through tsx, so the emulator runs from source with no build step.
require('tsx/cjs');
require('../cli/cli.ts')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
