#!/usr/bin/env node
// The package's `switchboard-verify`: checks a stage (yours, deployed with --outputs, or a URL) from
// any project. Loads the TypeScript CLI through tsx, as switchboard-local does, so it needs no build step.
require('tsx/cjs');
require('../cli.ts')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
