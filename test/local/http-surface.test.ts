import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../local/emulator';
import { localEndpointRefusal } from '../../local/http/request-guard';
import { LOCAL_PATHS } from '../../protocol';
import { writeHandAssembly } from './fixtures/hand-assembly';

/** One HTTP request with headers fetch() will not let a caller set (Host). */
function call(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// GIVEN the emulator serving a site folder that also holds its data dir and a git folder.
let tmp: string;
let emu: Emulator;
let site: string;
const log: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-http-surface-'));
  site = path.join(tmp, 'site');
  mkdirSync(path.join(site, '.git'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<h1>page</h1>');
  writeFileSync(path.join(site, '.git', 'config'), '[core]');
  emu = await startEmulator({
    assemblyDir: writeHandAssembly(path.join(tmp, 'assembly')),
    port: 0,
    webDir: site,
    dataDir: path.join(site, 'data'),
    log: (line) => log.push(line),
  });
  writeFileSync(path.join(site, 'data', 'marker.txt'), 'table data');
});

afterAll(async () => {
  await emu?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the emulator refuses what a web page elsewhere could abuse', () => {
  test('the page configuration answers this machine, not a rebound DNS name', async () => {
    const own = await call(emu.port, 'GET', LOCAL_PATHS.config, { host: `127.0.0.1:${emu.port}` });
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toMatchObject({ websocketUrl: `ws://127.0.0.1:${emu.port}/v1` });
    const rebound = await call(emu.port, 'GET', LOCAL_PATHS.config, { host: `attacker.example:${emu.port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ message: expect.stringContaining('does not name this machine') });
  });

  test('@connections answers an SDK-style call, but not a browser page or a foreign Host', async () => {
    const gone = `/v1/@connections/${encodeURIComponent('AAAAAAAAAAAAAAA=')}`;
    const sdk = await call(emu.port, 'POST', gone, { host: `127.0.0.1:${emu.port}`, 'content-type': 'application/json' }, '"hi"');
    expect(sdk.status).toBe(410);
    const page = await call(
      emu.port,
      'POST',
      gone,
      { host: `127.0.0.1:${emu.port}`, origin: 'https://evil.example', 'content-type': 'text/plain' },
      'hi',
    );
    expect(page.status).toBe(403);
    expect(JSON.parse(page.body)).toEqual({ message: expect.stringContaining('does not answer web pages') });
    const rebound = await call(emu.port, 'POST', gone, { host: 'attacker.example' }, '"hi"');
    expect(rebound.status).toBe(403);
  });

  test('the site never serves dot-paths or the data dir', async () => {
    const host = { host: `127.0.0.1:${emu.port}` };
    expect((await call(emu.port, 'GET', '/', host)).status).toBe(200);
    expect((await call(emu.port, 'GET', '/.git/config', host)).status).toBe(404);
    expect((await call(emu.port, 'GET', '/data/marker.txt', host)).status).toBe(404);
  });
});

describe('localEndpointRefusal', () => {
  const local = { host: '127.0.0.1:3001' };
  test('the token endpoint answers the emulator’s own page and programs, not another site', () => {
    expect(localEndpointRefusal('token', { ...local, 'sec-fetch-site': 'same-origin' }, '127.0.0.1')).toBeUndefined();
    expect(localEndpointRefusal('token', local, '127.0.0.1')).toBeUndefined();
    expect(localEndpointRefusal('token', { ...local, 'sec-fetch-site': 'cross-site' }, '127.0.0.1')).toMatch(/own pages/);
    expect(localEndpointRefusal('token', { host: 'evil.example:3001' }, '127.0.0.1')).toMatch(/does not name this machine/);
  });

  test('public keys and configuration answer pages too, on this machine’s names', () => {
    expect(localEndpointRefusal('local', { ...local, origin: 'https://evil.example' }, '127.0.0.1')).toBeUndefined();
  });
});
