// The pair flags `provenfee train` and `provenfee backtest` share, defined once: their spec for the
// parser (cli/options.ts), their help text and their parsing into history/pair.ts's PairFlags. What
// is not given is inferred from the data (history/README.md, "The pair").
import type { PairFlags } from "../history/index.ts";
import { integerOption, UsageError } from "./options.ts";

export const PAIR_SPEC = {
  quote: { type: "string" },
  decimals: { type: "string" },
  "historical-fee": { type: "string" },
  "tick-spacing": { type: "string" },
} as const;

const LINES: [string, string][] = [
  ["--quote 0|1", "the token values are in (default: the stablecoin side, else the WETH side, else token0)"],
  ["--decimals D0,D1", "token decimals (default: from the token symbols of the file name or the pool table; a pool address the table does not know needs --quote and --decimals; a name without a pool, 6,18)"],
  ["--historical-fee PIPS", "the pool's LP fee (default: the file name, the pool table, the rows' fee column, else inferred from the per-swap rows)"],
  ["--tick-spacing N", "(default: the historical fee tier's)"],
];

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const w of text.split(" ")) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  return [...lines, line];
}

/**
 * The flags' help in a job's layout: a section heading (`Pair` or `pair`, as the job writes its
 * headings), each description starting at column `column`, lines of at most 100 characters.
 */
export function pairHelp(column: number, capital = false): string {
  const head = `${capital ? "P" : "p"}air (each inferred from the data when not given; the report says from where: history/README.md):`;
  const body = LINES.flatMap(([flag, what]) => wrap(what, 100 - column).map((l, i) => `${(i === 0 ? `  ${flag}` : "").padEnd(column)}${l}`));
  return [head, ...body].join("\n");
}

/** The given pair flags; each bad value a UsageError naming its flag. */
export function parsePairFlags(v: { quote?: string; decimals?: string; "historical-fee"?: string; "tick-spacing"?: string }): PairFlags {
  const out: PairFlags = {};
  if (v.quote !== undefined) out.quote = integerOption("--quote", v.quote, 0, 1, "0 or 1") as 0 | 1;
  if (v.decimals !== undefined) {
    const parts = v.decimals.split(",");
    if (parts.length !== 2) throw new UsageError(`--decimals: expected D0,D1 (integers in [0, 36]), got '${v.decimals}'`);
    out.decimals = parts.map((p) => integerOption("--decimals", p, 0, 36, "D0,D1 (integers in [0, 36])")) as [number, number];
  }
  if (v["historical-fee"] !== undefined) out.historicalFee = integerOption("--historical-fee", v["historical-fee"], 0, 999_999, "pips in [0, 1000000)");
  if (v["tick-spacing"] !== undefined) out.tickSpacing = integerOption("--tick-spacing", v["tick-spacing"], 1, 32767);
  return out;
}
