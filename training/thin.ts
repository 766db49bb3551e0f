// A thinly traded pool from a busy one, for honest tests of thin-pool behaviour: keeps each traded
// minute of a minute-bar file with probability KEEP (seeded) and turns the others into minutes
// without swaps (zero gross inflows), so the oracle sees the real price only at the kept minutes,
// as a pool that trades once every few minutes would. Prices stay real; nothing is synthesized.
//
//   npx tsx training/thin.ts --data data/polygon-usdc-weth-005-minute --from 2022-07-19 --to 2022-08-22 \
//     --keep 0.05 --seed 1 --out /tmp/thin-5pct
//
// Writes one .minute.csv per input file into --out (same names), with a header comment-free CSV.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MINUTE_FILE, column, expandInputs, readTable } from "../history/index.ts";
import { mulberry32 } from "./fit.ts";

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

const keep = Number(arg("keep"));
if (!(keep > 0 && keep <= 1)) throw new Error(`--keep must be in (0, 1], got ${arg("keep")}`);
const seed = Number(arg("seed", "1"));
const out = arg("out");
const from = arg("from", "0000");
const to = arg("to", "9999");
mkdirSync(out, { recursive: true });
const rand = mulberry32(seed);
let kept = 0;
let traded = 0;
for (const file of expandInputs(arg("data"), MINUTE_FILE)) {
  const day = /(\d{4}-\d\d-\d\d)/.exec(path.basename(file))?.[1] ?? "";
  if (day < from || day > to) continue;
  // The history loader's reader (gzip, header, data lines); the rows are rewritten as text.
  const t = readTable(file);
  const in0 = column(t, ["inAmount0"]);
  const in1 = column(t, ["inAmount1"]);
  const rows = t.lines.map((line) => {
    const cells = line.split(",");
    if (cells[in0] === "0" && cells[in1] === "0") return line;
    traded++;
    if (rand() < keep) {
      kept++;
      return line;
    }
    cells[in0] = "0";
    cells[in1] = "0";
    return cells.join(",");
  });
  writeFileSync(path.join(out, path.basename(file).replace(/\.gz$/, "")), `${[t.header.join(","), ...rows].join("\n")}\n`);
}
console.log(`kept ${kept} of ${traded} traded minutes (${((100 * kept) / Math.max(1, traded)).toFixed(1)}%) in ${out}`);
