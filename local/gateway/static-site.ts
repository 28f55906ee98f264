/**
 * Serves a static site folder (`--web DIR`) on the gateway's port: GET and HEAD only,
 * index.html for folders, and never a file outside the folder, a dot-path (`.git/`,
 * `.switchboard/` with the local issuer's key, `.env`), or a file inside an excluded folder (the
 * data dir), even through a symbolic link.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** The content type for a file name. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The file a URL path names inside `root`, or undefined when it would escape it or names a dot-path. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  if (decoded.split(/[/\\]/).some((segment) => segment.startsWith('.'))) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.posix.normalize(`/${decoded}`)}`);
  return file === base || file.startsWith(base + path.sep) ? file : undefined;
}

/** Whether `file` is `dir` or inside it. */
function within(dir: string, file: string): boolean {
  return file === dir || file.startsWith(dir + path.sep);
}

/**
 * Serves `pathname` from `root`; false when there is no such file, or it may not be served (the
 * caller answers 404). `exclude` lists folders never served, such as the data dir.
 */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  exclude: readonly string[] = [],
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let file = resolveInside(root, pathname);
  if (!file) return false;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return false;
  // Judge the real file, so a symbolic link cannot lead out of the folder or into an excluded one.
  const real = await realpath(file);
  const realRoot = await realpath(root);
  const realExcluded = await Promise.all(exclude.map((dir) => realpath(dir).catch(() => path.resolve(dir))));
  if (!within(realRoot, real) || realExcluded.some((dir) => within(dir, real))) return false;
  res.writeHead(200, { 'content-type': contentTypeOf(file), 'content-length': info.size, 'cache-control': 'no-cache' });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
  return true;
}
