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
  /** Value flags that may be given many times, such as `--context`; all their values are kept. */
  readonly repeatable?: readonly string[];
  /** One-letter aliases: `{ c: 'context' }` makes `-c value` mean `--context value`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface ParsedFlags {
  /** The last value given for each value flag. */
  readonly values: ReadonlyMap<string, string>;
  /** Every value given for each repeatable flag, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** The switches that were given. */
  readonly switches: ReadonlySet<string>;
}

/** Parses `argv` (without node and the script); throws UsageError naming the bad argument. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const repeatable = new Set(spec.repeatable ?? []);
  const valueFlags = new Set([...spec.values, ...repeatable]);
  const switchFlags = new Set(spec.switches ?? []);
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const short = /^-([a-zA-Z])$/.exec(arg);
    const alias = short ? spec.aliases?.[short[1]] : undefined;
    if (short && !alias) throw new UsageError(`unknown flag ${arg} (see --help)`);
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!alias && !match) throw new UsageError(`unexpected argument "${arg}" (flags start with --; see --help)`);
    const name: string = alias ?? match![1];
    const inline: string | undefined = alias ? undefined : match![2];
    if (switchFlags.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
      continue;
    }
    if (!valueFlags.has(name)) throw new UsageError(`unknown flag --${name} (see --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
    if (repeatable.has(name)) lists.set(name, [...(lists.get(name) ?? []), value]);
  }
  return { values, lists, switches };
}

/** A whole number within bounds, or a UsageError naming the flag. */
export function integerFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
