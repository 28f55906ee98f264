/** The one command-line flag parser of the emulator's commands (switchboard-local, token) and the benches. */

/** A mistake on the command line: the command prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Flags that take a value: `--name value` or `--name=value`. */
  readonly values: readonly string[];
  /** Flags that take none, such as `--help`. */
  readonly switches?: readonly string[];
}

export interface ParsedFlags {
  /** The last value given for each value flag. */
  readonly values: ReadonlyMap<string, string>;
  /** The switches that were given. */
  readonly switches: ReadonlySet<string>;
}

/** Parses `argv` (without node and the script); throws UsageError naming the bad argument. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const valueFlags = new Set(spec.values);
  const switchFlags = new Set(spec.switches ?? []);
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}" (flags start with --; see --help)`);
    const [, name, inline] = match;
    if (switchFlags.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
      continue;
    }
    if (!valueFlags.has(name)) throw new UsageError(`unknown flag --${name} (see --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  return { values, switches };
}

/** A whole number within bounds, or a UsageError naming the flag. */
export function integerFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
