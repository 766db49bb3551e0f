// How precisely can "at most 5% worse than the best baseline" be judged on each pool's test part? The shipped
// default's QLIKE ratio to the best classic forecast (fitted on the pool's own train + validation rows), with a
// 90% paired moving-block bootstrap interval (blocks of H = 30 rows: the targets of neighbouring rows overlap).
// Reporting only: nothing here is chosen.
//
//   npx tsx training/default-intervals.ts      # about 20 s
import { loadModel } from "../model/index.ts";
import { mulberry32 } from "./fit.ts";
import { baselineForecasts, fitBaselines, quantizedForecasts, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { refitSplit } from "./dataset.ts";
import { JUDGED_BASELINES, prepare } from "./pipeline.ts";
import { POOLS } from "./pools.ts";

const H = 30;
const SAMPLES = 2000;
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
const model = await loadModel("model/default-model.json");

/** 5%, 50% and 95% of mean(a) / mean(b) over paired moving-block resamples of the rows. */
function ratioInterval(a: Float64Array, b: Float64Array, seed: number): [number, number, number] {
  const n = a.length;
  const rand = mulberry32(seed);
  const ratios: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    let sa = 0, sb = 0, taken = 0;
    while (taken < n) {
      const start = Math.floor(rand() * n);
      for (let k = 0; k < H && taken < n; k++, taken++) { sa += a[(start + k) % n]!; sb += b[(start + k) % n]!; }
    }
    ratios.push(sa / sb);
  }
  ratios.sort((x, y) => x - y);
  const q = (p: number) => ratios[Math.min(SAMPLES - 1, Math.floor(p * SAMPLES))]!;
  return [q(0.05), q(0.5), q(0.95)];
}

console.log("| pool (test part) | n | independent 30-period windows | best baseline | default / best | 90% interval |");
console.log("|---|---:|---:|---|---:|---|");
for (const [i, spec] of POOLS.entries()) {
  const p = prepare({ data: spec.data, split: [0.6, 0.2], period: 60, from: spec.from ? day(spec.from) : undefined, to: spec.to ? day(spec.to) + 86400 : undefined }, H);
  const rows = p.split.test;
  const rv = targetsOf(p.ds, rows);
  const f = baselineForecasts(p.ds, fitBaselines(p.ds, refitSplit(p.split)), rows);
  const losses = Object.fromEntries(JUDGED_BASELINES.map((n) => [n, lossSeries(rv, f[n]!, qlike)]));
  const best = JUDGED_BASELINES.reduce((a, b) => (mean(losses[b]!) < mean(losses[a]!) ? b : a));
  const mine = lossSeries(rv, quantizedForecasts(model, p.ds, rows), qlike);
  const [lo, , hi] = ratioInterval(Float64Array.from(mine), Float64Array.from(losses[best]!), 1 + i);
  console.log(`| ${spec.name} | ${rows.length} | ${Math.floor(rows.length / H)} | ${best} | ${(mean(mine) / mean(losses[best]!)).toFixed(3)} | [${lo.toFixed(2)}, ${hi.toFixed(2)}] |`);
}
