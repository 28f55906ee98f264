/**
 * Where the emulator keeps what it makes on this machine, outside the app's folder, so nothing of
 * its own (a private key, installed packages) lands beside the user's sources or in their commits:
 * the SDK packages it installs for functions, and each app's local state (the local issuer's key).
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The variable that moves the emulator's folder elsewhere (the tests point it at a temporary one). */
export const CACHE_DIR_ENV = 'SWITCHBOARD_CACHE_DIR';

/** The emulator's folder: $SWITCHBOARD_CACHE_DIR, else $XDG_CACHE_HOME/switchboard, else ~/.cache/switchboard. */
export function emulatorCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[CACHE_DIR_ENV];
  if (own) return path.resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec ignores a relative XDG_CACHE_HOME.
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'switchboard');
}

/** Where the SDK packages the emulator installs for functions go (see local/runtime/provided-sdk.ts). */
export function sdkCacheDir(cacheDir: string = emulatorCacheDir()): string {
  return path.join(cacheDir, 'sdk');
}

/**
 * An app's local state (the local issuer's signing key), by the app folder's real path: the same
 * folder for every start in that app folder and for `switchboard-local token` run there, and
 * another for every other app. Named `<folder name>-<hash>`, so a person can tell which is which.
 */
export function appStateDir(appDir: string, cacheDir: string = emulatorCacheDir()): string {
  const real = realPathOf(path.resolve(appDir));
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return path.join(cacheDir, 'apps', `${name}-${hash}`);
}

/** The path with symbolic links resolved, so two ways to the same folder give one state; as given when it does not exist. */
function realPathOf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
