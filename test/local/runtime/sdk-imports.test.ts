import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unbundledSdkImports } from '../../../local/runtime/sdk-imports';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-sdk-imports-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A code folder holding `files`. */
function codeFolder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe("a function's unbundled SDK imports", () => {
  test('are found in every form esbuild and people write them, in CommonJS and ES modules, minified or not', () => {
    const dir = codeFolder('forms', {
      'index.js': `"use strict";var a=require("@aws-sdk/client-dynamodb"),b=require('@aws-sdk/lib-dynamodb/dist-cjs/index.js');`,
      'esm.mjs': `import{SNSClient as e}from"@aws-sdk/client-sns";export { x } from '@aws-sdk/client-sqs';import '@aws-sdk/client-s3';`,
      'lazy.cjs': "const load = () => import('@aws-sdk/client-eventbridge'); const v2 = require(`aws-sdk/clients/dynamodb`);",
      'notes.txt': "require('@aws-sdk/client-not-code')",
    });

    expect(unbundledSdkImports(dir)).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-eventbridge',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-sns',
      '@aws-sdk/client-sqs',
      '@aws-sdk/lib-dynamodb',
      'aws-sdk',
    ]);
  });

  test('leave out what the asset ships itself, and find what a shipped package expects from the runtime', () => {
    const dir = codeFolder('shipped', {
      'index.js': "require('@aws-sdk/client-sns'); require('aws-sdk'); require('some-lib');",
      'node_modules/@aws-sdk/client-sns/package.json': '{"name":"@aws-sdk/client-sns"}',
      'node_modules/@aws-sdk/client-sns/index.js': "require('@aws-sdk/core');",
      'node_modules/@aws-sdk/core/package.json': '{"name":"@aws-sdk/core"}',
      'node_modules/some-lib/package.json': '{"name":"some-lib"}',
      'node_modules/some-lib/index.js': "module.exports = require('@aws-sdk/client-s3');",
    });

    expect(unbundledSdkImports(dir)).toEqual(['@aws-sdk/client-s3', 'aws-sdk']);
  });

  test('are none for code that imports no SDK, or only names it in other words', () => {
    const dir = codeFolder('none', {
      'index.mjs': "import mock from 'aws-sdk-client-mock'; const text = 'see @aws-sdk/client-sns'; export const handler = () => text;",
    });

    expect(unbundledSdkImports(dir)).toEqual([]);
    expect(unbundledSdkImports(path.join(tmp, 'absent'))).toEqual([]);
  });
});
