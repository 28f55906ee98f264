/**
 * The function network guard, through a real worker: every way Node code makes a request, in
 * CommonJS and ES modules, reaches the local stand-ins or fails at once with the named error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FunctionPool } from '../../../local/runtime/pool';

let tmp: string;
let server: Server;
let target: string;
const pools: FunctionPool[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-network-'));
  // Stands in for both local services: answers with what it was asked.
  server = createServer((req, res) => res.end(JSON.stringify({ path: req.url, host: req.headers.host })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.stop()));
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

function run(name: string, file: string, source: string) {
  const codeDir = path.join(tmp, name);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(path.join(codeDir, file), source);
  const pool = new FunctionPool(
    {
      logicalId: name,
      functionName: name,
      codeDir,
      handler: 'index.handler',
      runtime: 'nodejs24.x',
      timeoutSeconds: 10,
      memorySize: 128,
      environment: {},
    },
    {},
    {
      region: 'us-east-1',
      accountId: '123456789012',
      localAws: { region: 'us-east-1', urlSuffix: 'amazonaws.com', apiId: 'abc123', gateway: target, dynamodb: target },
    },
  );
  pools.push(pool);
  return pool.invoke({});
}

const API = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/@connections/id1';

describe('function network guard', () => {
  test('an ES module using named imports (request, get) and fetch reaches the local gateway with a local Host', async () => {
    const result = await run(
      'esm',
      'index.mjs',
      `import { request, get } from 'node:https';
const read = (req) => new Promise((resolve, reject) => {
  req.on('response', (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve(JSON.parse(body))); });
  req.on('error', reject);
});
export const handler = async () => {
  const posted = request('${API}', { method: 'POST' });
  const answer = read(posted);
  posted.end('x');
  return { request: await answer, get: await read(get('https://dynamodb.us-east-1.amazonaws.com/')), fetch: await (await fetch('${API}')).json() };
};`,
    );
    expect(result).toMatchObject({
      ok: true,
      result: {
        request: { path: '/prod/@connections/id1', host: target },
        get: { path: '/', host: target },
        fetch: { path: '/prod/@connections/id1', host: target },
      },
    });
  });

  test('CommonJS: raw sockets and DNS lookups of AWS hosts fail with the named error', async () => {
    const result = await run(
      'cjs',
      'index.js',
      `const net = require('net');
const dns = require('dns');
exports.handler = async () => ({
  net: await new Promise((resolve) => net.connect(443, 'kinesis.us-east-1.amazonaws.com').on('error', (e) => resolve(e.message)).on('connect', () => resolve('connected'))),
  lookup: await dns.promises.lookup('s3.amazonaws.com').then(() => 'resolved', (e) => e.name + ': ' + e.message),
});`,
    );
    expect(result).toMatchObject({
      ok: true,
      result: {
        net: expect.stringContaining('does not emulate kinesis (kinesis.us-east-1.amazonaws.com)') as string,
        lookup: expect.stringContaining('NotEmulatedError: the Switchboard emulator does not emulate s3 (s3.amazonaws.com)') as string,
      },
    });
  });

  test('other hosts are left alone', async () => {
    const result = await run(
      'other',
      'index.js',
      `const http = require('http');
exports.handler = () => new Promise((resolve, reject) => {
  http.get('http://${target}/plain', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(JSON.parse(b))); }).on('error', reject);
});`,
    );
    expect(result).toMatchObject({ ok: true, result: { path: '/plain', host: target } });
  });
});
