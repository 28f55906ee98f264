import { UsageError } from './flags';

/**
 * The origin of a running emulator given on the command line (`--emulator`, `--url`), as its
 * banner prints it: `http://127.0.0.1:3001`. Throws a UsageError naming the flag otherwise.
 */
export function emulatorOrigin(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:') {
    throw new UsageError(`--${flag} takes the emulator's http URL (as its banner prints it), e.g. http://127.0.0.1:3001; got "${value}"`);
  }
  return url.origin;
}
