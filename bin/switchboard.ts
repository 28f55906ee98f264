#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addSwitchboard } from '../lib/switchboard-app';

const app = new App();
addSwitchboard(app);
app.synth();
