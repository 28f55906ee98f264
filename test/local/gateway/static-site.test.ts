import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveInside, serveStatic } from '../../../local/gateway/static-site';

// GIVEN a site folder that also holds what must never be served: a git folder, the local
// issuer's key folder, a dot-file, the data dir, and symbolic links out of the folder and into
// the data dir.
let tmp: string;
let site: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-static-'));
  site = path.join(tmp, 'site');
  mkdirSync(path.join(site, 'assets'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<h1>chat</h1>');
  writeFileSync(path.join(site, 'assets', 'app.js'), 'console.log(1)');
  mkdirSync(path.join(site, '.git'));
  writeFileSync(path.join(site, '.git', 'config'), '[core]');
  mkdirSync(path.join(site, '.switchboard'));
  writeFileSync(path.join(site, '.switchboard', 'switchboard-local-issuer-key.json'), '{"d":"secret"}');
  writeFileSync(path.join(site, '.env'), 'AWS_SECRET_ACCESS_KEY=secret');
  mkdirSync(path.join(site, 'data'));
  writeFileSync(path.join(site, 'data', 'table.ldb'), 'rows');
  writeFileSync(path.join(tmp, 'outside.txt'), 'outside');
  symlinkSync(path.join(tmp, 'outside.txt'), path.join(site, 'escape.txt'));
  symlinkSync(path.join(site, 'data', 'table.ldb'), path.join(site, 'rows.txt'));
  const excluded = [path.join(site, 'data')];
  server = createServer((req, res) => {
    void serveStatic(site, req, res, new URL(req.url ?? '/', 'http://x').pathname, excluded).then((served) => {
      if (!served) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

describe('static site', () => {
  test('serves the page and its assets with their content types', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<h1>chat</h1>');
    expect((await fetch(`${origin}/assets/app.js`)).status).toBe(200);
  });

  test.each([
    '/.git/config',
    '/.switchboard/switchboard-local-issuer-key.json',
    '/.env',
    '/%2Egit/config',
    '/assets/../.env',
    '/data/table.ldb',
    '/escape.txt',
    '/rows.txt',
    '/../outside.txt',
  ])('never serves %s', async (urlPath) => {
    const response = await fetch(`${origin}${urlPath}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('');
  });

  test('resolveInside refuses dot-segments and escapes, and resolves the rest inside the root', () => {
    expect(resolveInside('/srv/site', '/a/b.js')).toBe(path.resolve('/srv/site/a/b.js'));
    expect(resolveInside('/srv/site', '/a/.hidden/b.js')).toBeUndefined();
    expect(resolveInside('/srv/site', '/%00')).toBeUndefined();
    expect(resolveInside('/srv/site', '/%E0%A4%A')).toBeUndefined();
  });
});
