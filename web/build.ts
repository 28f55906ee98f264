import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

const WEB_DIR = __dirname;
const STATIC_FILES = ['index.html', 'styles.css'];

/** Bundles the chat page into `outdir` (default web/dist): index.html, styles.css and app.js. */
export async function buildWeb(outdir = path.join(WEB_DIR, 'dist')): Promise<string> {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [path.join(WEB_DIR, 'src/main.ts')],
    outfile: path.join(outdir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2020'],
    // Small for hosting; the source map keeps it readable in the browser's tools.
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  await Promise.all(STATIC_FILES.map((file) => copyFile(path.join(WEB_DIR, file), path.join(outdir, file))));
  return outdir;
}

if (require.main === module) {
  buildWeb(process.argv[2]).then(
    (outdir) => console.log(`Built the chat page into ${path.relative(process.cwd(), outdir) || '.'}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
