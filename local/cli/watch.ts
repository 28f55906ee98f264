/**
 * `--watch`: re-synthesizes the app when a file synthesis reads changes (debounced), and hands a
 * new assembly to the emulator to reload. A failed synth keeps the last good app serving.
 */
import type { ReloadResult } from '../emulator';
import { existsSync, statSync, utimesSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../../protocol/clock';
import { notAnInputFolder, synthInputs } from '../assembly/cache';

/** How long the sources must be quiet before a re-synth: an editor's save-all or a git checkout is one change. */
export const WATCH_DEBOUNCE_MS = 300;

export interface AppWatchOptions {
  /** The CDK app folder (with cdk.json). */
  readonly cwd: string;
  /** The assembly being served at the start: its folder and cache key. */
  readonly served: { readonly dir: string; readonly key: string };
  /** The assembly for the sources as they are now (cachedAssembly); may throw when the synth fails. */
  readonly assemble: () => Promise<{ readonly dir: string; readonly key: string }>;
  /** Serves a new assembly's functions (Emulator.reload). */
  readonly reload: (assemblyDir: string) => Promise<ReloadResult>;
  readonly log: (line: string) => void;
  /** Times the debounce. */
  readonly clock: Clock;
  /** @default WATCH_DEBOUNCE_MS */
  readonly debounceMs?: number;
  /**
   * Calls `onChange` whenever a synth input may have changed; returns a function that stops it.
   * @default fs.watch on each of synthInputs(cwd), recursive for folders
   */
  readonly watchInputs?: (onChange: () => void) => () => void;
}

export interface AppWatcher {
  /** Resolves once no change waits for its debounce and no synth or reload is running. */
  idle(): Promise<void>;
  /** Stops watching; a reload already running finishes. */
  close(): void;
}

/** Watches the app's sources and reloads the emulator on each new assembly. */
export function watchApp(options: AppWatchOptions): AppWatcher {
  const debounceMs = options.debounceMs ?? WATCH_DEBOUNCE_MS;
  let served = options.served;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const idleWaiters: Array<() => void> = [];
  const settleIdle = () => {
    if (timer === undefined && !running) for (const wake of idleWaiters.splice(0)) wake();
  };

  const rebuild = async (): Promise<void> => {
    try {
      const next = await options.assemble();
      // The served assembly stays the most recently used, so the cache never prunes code that
      // environments may still be started from (as when a change needs a restart).
      const now = new Date();
      if (existsSync(served.dir)) utimesSync(served.dir, now, now);
      if (next.key === served.key) return;
      const result = await options.reload(next.dir);
      // A change that needs a restart leaves the old assembly running: it stays the one kept fresh.
      if (!('restartNeeded' in result)) served = next;
    } catch (err: unknown) {
      options.log(`watch: ${err instanceof Error ? err.message : String(err)}; still serving the last good app`);
    }
  };

  const run = () => {
    timer = undefined;
    if (closed) return settleIdle();
    if (running) {
      again = true; // changed during the synth: build once more after it
      return;
    }
    running = rebuild().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        run();
      } else settleIdle();
    });
  };

  const onChange = () => {
    if (closed) return;
    if (timer !== undefined) options.clock.clearTimeout(timer);
    timer = options.clock.setTimeout(run, debounceMs);
  };
  const stopWatching = (options.watchInputs ?? ((cb) => watchSynthInputs(options.cwd, cb, options.log)))(onChange);

  return {
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    close() {
      closed = true;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      timer = undefined;
      stopWatching();
      settleIdle();
    },
  };
}

/**
 * fs.watch on every existing synth input of the app in `cwd` (folders recursively, skipping what is
 * never an input, such as node_modules); `onChange` gets the changed path relative to `cwd` when the platform names it.
 */
export function watchSynthInputs(cwd: string, onChange: (changed: string) => void, log: (line: string) => void): () => void {
  const watchers: FSWatcher[] = [];
  for (const input of synthInputs(cwd)) {
    const full = path.join(cwd, input);
    if (!existsSync(full)) continue;
    const recursive = statSync(full).isDirectory();
    const watcher = watch(full, { recursive }, (_event, filename) => {
      const parts = filename ? filename.toString().split(/[\\/]/) : [];
      // Every part but the last is a folder.
      if (parts.slice(0, -1).some(notAnInputFolder)) return;
      onChange(recursive ? path.join(input, ...parts) : input);
    });
    watcher.on('error', (err) => log(`watch: ${full}: ${err.message}`));
    watchers.push(watcher);
  }
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
