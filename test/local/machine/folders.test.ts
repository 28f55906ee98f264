import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appStateDir, CACHE_DIR_ENV, emulatorCacheDir, sdkCacheDir } from '../../../local/machine/folders';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-folders-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the emulator's folder on this machine", () => {
  test('is $SWITCHBOARD_CACHE_DIR, else $XDG_CACHE_HOME/switchboard, else ~/.cache/switchboard', () => {
    expect(emulatorCacheDir({ [CACHE_DIR_ENV]: '/var/cache/sb', XDG_CACHE_HOME: '/xdg' })).toBe('/var/cache/sb');
    expect(emulatorCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/switchboard');
    // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
    expect(emulatorCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'switchboard'));
    expect(emulatorCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'switchboard'));
    expect(sdkCacheDir('/c')).toBe('/c/sdk');
  });

  test("an app's state folder is outside the app, one per app folder, the same by any path to it", () => {
    const app = path.join(tmp, 'my app');
    const other = path.join(tmp, 'other');
    mkdirSync(app);
    mkdirSync(other);
    const link = path.join(tmp, 'link');
    symlinkSync(app, link);
    const cache = path.join(tmp, 'cache');

    const state = appStateDir(app, cache);

    expect(state).toMatch(new RegExp(`^${cache}/apps/my_app-[0-9a-f]{12}$`));
    expect(appStateDir(`${app}/`, cache)).toBe(state);
    expect(appStateDir(link, cache)).toBe(state);
    expect(appStateDir(other, cache)).not.toBe(state);
  });
});
