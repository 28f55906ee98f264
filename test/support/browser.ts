/**
 * Finds a headless Chromium for the browser tests, without downloading anything: the system's
 * `chromium` when it is installed, else the binary that `@sparticuz/chromium` ships inside its
 * npm tarball (a devDependency, so `npm ci` is all a fresh machine needs).
 */
import { execFileSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';

/** Flags for a headless browser on a machine with no network beyond loopback. */
const QUIET_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where a browser came from, for test logs. */
export interface BrowserSource {
  readonly executablePath: string;
  readonly args: readonly string[];
  readonly origin: 'system' | '@sparticuz/chromium';
}

/** The system's `chromium` on PATH, if any. */
function systemChromium(): string | undefined {
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return found === '' ? undefined : found;
  } catch {
    return undefined;
  }
}

/** The system's Chromium when present, else the one shipped in the `@sparticuz/chromium` package. */
export async function findChromium(): Promise<BrowserSource> {
  const system = systemChromium();
  if (system) return { executablePath: system, args: QUIET_FLAGS, origin: 'system' };
  // The package is ES modules only, which jest's module loader cannot import: ask a plain node
  // process for the path (it unpacks the browser into the temp folder once) and the flags.
  const script =
    "const { default: c } = await import('@sparticuz/chromium'); console.log(JSON.stringify({ path: await c.executablePath(), args: c.args }));";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: __dirname });
  const { path: executablePath, args } = JSON.parse(out) as { path: string; args: string[] };
  return { executablePath, args: [...new Set([...args, ...QUIET_FLAGS])], origin: '@sparticuz/chromium' };
}

/** Launches headless Chromium from the first source that has one. */
export async function launchChromium(): Promise<Browser> {
  const source = await findChromium();
  return chromium.launch({ executablePath: source.executablePath, args: [...source.args], headless: true });
}
