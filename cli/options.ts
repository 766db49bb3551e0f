// The one command-line parser every `provenfee` job uses: node's util.parseArgs splits the words,
// this file checks them against the job's options, so every job refuses the same things with the
// same one-line wording (exit 2), and a misspelled option is named with its likely intent.
import { parseArgs } from "node:util";

/** The command line is wrong: the job prints `provenfee JOB: MESSAGE` and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: "string" | "boolean";
  /** Repeatable: the value is the list of every occurrence. */
  multiple?: boolean;
  /** A boolean that `--no-NAME` turns off. */
  negatable?: boolean;
  short?: string;
  default?: string | boolean | string[];
}
export type Spec = Record<string, OptionSpec>;

type ValueOf<O extends OptionSpec> = O["type"] extends "boolean" ? boolean : O["multiple"] extends true ? string[] : string;
export type Values<S extends Spec> = { [K in keyof S]: S[K] extends { default: string | boolean | string[] } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined };

export interface Parsed<S extends Spec> {
  values: Values<S>;
  positionals: string[];
  /** Option names in the order given (negated booleans under their own name). */
  given: string[];
}

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a typo of it (about a third of its letters). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  return bestDistance <= limit ? best : undefined;
}

/** Every spelling a spec accepts, for suggestions. */
function spellings(spec: Spec): string[] {
  return Object.entries(spec).flatMap(([name, o]) => [`--${name}`, ...(o.negatable ? [`--no-${name}`] : []), ...(o.short ? [`-${o.short}`] : [])]);
}

export function unknownOption(raw: string, job: string, candidates: readonly string[]): UsageError {
  const near = closest(raw, candidates.filter((c) => c.startsWith("--") === raw.startsWith("--")));
  return new UsageError(`${raw}: unknown option (${near ? `did you mean ${near}?` : `see 'provenfee ${job} --help'`})`);
}

/**
 * Parses `argv` against `spec` (plus -h/--help). Returns "help" when help was asked for; throws a
 * UsageError for an unknown option (with the closest known one), a missing or unexpected value, or a
 * stray argument. A single-valued option given twice takes its last value, as with most tools (so a
 * wrapper can put defaults first and a caller override them).
 */
export function parseOptions<S extends Spec>(job: string, argv: string[], spec: S): Parsed<S> | "help" {
  const all: Spec = { help: { type: "boolean", short: "h" }, ...spec };
  const { tokens } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.entries(all).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === "option" && t.name === "help")) return "help";
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const given: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    let name = t.name;
    let option = all[name];
    let negated = false;
    if (!option && name.startsWith("no-") && all[name.slice(3)]?.negatable) {
      name = name.slice(3);
      option = all[name];
      negated = true;
    }
    if (!option) throw unknownOption(t.rawName, job, spellings(all));
    const flag = negated ? `--no-${name}` : t.rawName.startsWith("--") ? t.rawName : `-${option.short} (--${name})`;
    given.push(name);
    if (option.type === "boolean") {
      if (t.value !== undefined) throw new UsageError(`${flag}: takes no value (got '${t.value}')`);
      values[name] = !negated;
      continue;
    }
    // A string option directly followed by another option almost always lost its value.
    if (t.value === undefined || (!t.inlineValue && /^--[A-Za-z]/.test(t.value))) throw new UsageError(`${flag}: needs a value`);
    if (option.multiple) ((values[name] ??= []) as string[]).push(t.value);
    else values[name] = t.value;
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (options start with --; see 'provenfee ${job} --help')`);
  for (const [name, o] of Object.entries(spec)) if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  return { values: values as Values<S>, positionals, given };
}

// ---------------------------------------------------------------- values, each error naming its flag

/** An integer within [min, max]. */
export function integerOption(flag: string, text: string, min = -Infinity, max = Infinity, what?: string): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = what ?? (min === -Infinity && max === Infinity ? "an integer" : max === Infinity ? `an integer >= ${min}` : min === -Infinity ? `an integer <= ${max}` : `an integer in [${min}, ${max}]`);
    throw new UsageError(`${flag}: expected ${range}, got '${text}'`);
  }
  return n;
}

/** A finite number that passes `check`. */
export function numberOption(flag: string, text: string, check: (x: number) => boolean = () => true, what = "a number"): number {
  const n = text.trim() === "" ? NaN : Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag}: expected ${what}, got '${text}'`);
  return n;
}

export function choiceOption<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  const near = closest(text, choices);
  throw new UsageError(`${flag}: expected ${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}, got '${text}'${near ? ` (did you mean ${near}?)` : ""}`);
}

/**
 * What a job returns for an error: a UsageError is exit 2, anything else exit 1; one line on stderr
 * either way (PROVENFEE_DEBUG=1 adds the stack of an unexpected error).
 */
export function failure(job: string, e: unknown): number {
  const message = String((e as Error)?.message ?? e).split("\n")[0];
  console.error(`provenfee ${job}: ${message}`);
  if (!(e instanceof UsageError) && process.env.PROVENFEE_DEBUG) console.error((e as Error)?.stack);
  return e instanceof UsageError ? 2 : 1;
}
