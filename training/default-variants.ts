// Variants of the default model's recipe (training/default.ts), judged as the recipe must be: leave-one-pool-out
// on the validation parts (levels fitted on the other pools' train rows), so that nothing is chosen on a test part.
// The test column (levels fitted on the other pools' train + validation rows, scored on this pool's test part) is
// printed to report what the choice would have given, not to choose.
//
//   npx tsx training/default-variants.ts      # about 1 min
//
// Variants: an upward scale m of the fitted levels (QLIKE punishes under-forecasts hardest), and a worst-pool
// weighting (each pool's weight times its in-sample ratio to its best baseline, raised to `power`, refitted once).
// Float forecasts (the published fixed-point ones differ by the quantization only). Each row: the worst ratio to
// the pool's best classic forecast, how many pools are more than 5% worse, and every pool's ratio in POOLS order.
import { fitLevelParts, levelNetwork, type LevelPart, type Levels } from "./fit.ts";
import { baselineForecasts, fitBaselines, floatForecasts, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { refitSplit } from "./dataset.ts";
import { JUDGED_BASELINES, prepare, type Prepared } from "./pipeline.ts";
import { POOLS } from "./pools.ts";
const H = 30, PERIOD = 60;
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
const START: Levels = [0, ...new Array<number>(5).fill(H / 5)];
type D = { name: string; p: Prepared; normTrain: number; normTV: number; valBest: number; testBest: number };
const pools: D[] = POOLS.map((spec) => {
  const p = prepare({ data: spec.data, split: [0.6, 0.2], period: PERIOD, from: spec.from ? day(spec.from) : undefined, to: spec.to ? day(spec.to) + 86400 : undefined }, H);
  const best = (fitsOn: { train: Int32Array }, rows: Int32Array) => {
    const fits = fitBaselines(p.ds, fitsOn as never);
    const rv = targetsOf(p.ds, rows); const f = baselineForecasts(p.ds, fits, rows);
    return Math.min(...JUDGED_BASELINES.map((n) => mean(lossSeries(rv, f[n]!, qlike))));
  };
  const trainOnly = { ...p.split, train: p.split.train };
  return { name: spec.name, p, normTrain: best(trainOnly, p.split.train), normTV: best(refitSplit(p.split), refitSplit(p.split).train), valBest: best(trainOnly, p.split.validation), testBest: best(refitSplit(p.split), p.split.test) };
});
function fit(ps: D[], rowsOf: (d: D) => Int32Array, normOf: (d: D) => number, extra: (d: D) => number = () => 1): Levels {
  const parts: LevelPart[] = ps.map((d) => { const rows = rowsOf(d); return { ds: d.p.ds, rows, weight: extra(d) / (rows.length * normOf(d)) }; });
  return fitLevelParts(parts, START, { fixedC0: 0, maxIterations: 200 }).levels;
}
function q(d: D, levels: Levels, m: number, rows: Int32Array): number {
  const scaled = levels.map((v, k) => (k === 0 ? v : v * m)) as Levels;
  const f = floatForecasts(levelNetwork(scaled), d.p.ds, rows);
  return mean(lossSeries(targetsOf(d.p.ds, rows), f, qlike));
}
const variants: { name: string; m: number; power: number }[] = [];
for (const power of [0, 2, 4]) for (const m of [1, 1.1, 1.2, 1.35, 1.5]) variants.push({ name: `pow${power} m${m}`, m, power });
for (const v of variants) {
  // validation: LOO fit on others' train rows, score this pool's validation rows
  const valRatios: number[] = []; const testRatios: number[] = [];
  for (const [i, d] of pools.entries()) {
    const others = pools.filter((_, j) => j !== i);
    // worst-pool weighting: reweight by (in-sample ratio)^power, two passes
    let lv = fit(others, (o) => o.p.split.train, (o) => o.normTrain);
    if (v.power) { const w = new Map(others.map((o) => [o.name, Math.pow(q(o, lv, 1, o.p.split.train) / o.normTrain, v.power)])); lv = fit(others, (o) => o.p.split.train, (o) => o.normTrain, (o) => w.get(o.name)!); }
    valRatios.push(q(d, lv, v.m, d.p.split.validation) / d.valBest);
    let lt = fit(others, (o) => refitSplit(o.p.split).train, (o) => o.normTV);
    if (v.power) { const w = new Map(others.map((o) => [o.name, Math.pow(q(o, lt, 1, refitSplit(o.p.split).train) / o.normTV, v.power)])); lt = fit(others, (o) => refitSplit(o.p.split).train, (o) => o.normTV, (o) => w.get(o.name)!); }
    testRatios.push(q(d, lt, v.m, d.p.split.test) / d.testBest);
  }
  const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
  console.log(`${v.name.padEnd(12)} VAL worst ${Math.max(...valRatios).toFixed(3)} over1.05 ${valRatios.filter((x) => x > 1.05).length} [${f(valRatios)}] | TEST worst ${Math.max(...testRatios).toFixed(3)} over1.05 ${testRatios.filter((x) => x > 1.05).length} [${f(testRatios)}]`);
}
