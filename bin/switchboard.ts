#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config-error';
import { addSwitchboard } from '../lib/switchboard-app';

const app = new App();
try {
  addSwitchboard(app);
  app.synth();
} catch (err: unknown) {
  // A wrong setting is the user's to fix from its message: one line, no stack trace. Anything else is a bug and keeps its stack.
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`switchboard: ${err.message}\n`);
  process.exitCode = 1;
}
