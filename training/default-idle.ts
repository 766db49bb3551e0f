// An experiment for the next oracle feature, training side only (the hook does not compute it): does a level
// term F_1024 x min(idle, CAP) / H help the default model, where idle is the number of periods since the close
// tick last changed? In a thin pool the next window's variance grows with the time since the price last moved
// (its first trade realizes all of it) while every EWMA feature decays in that time; in a busy pool idle is ~0.
// Judged as the default recipe is: leave-one-pool-out on validation parts, each history also thinned to 20% and
// 5% of its traded periods (the held-out pool and its copies left out of every fit); test printed, not chosen on.
// The term takes the place of the 256-period EWMA (the shipped default gives that one ~0 weight) so that the
// level fit runs unchanged; forecasts are the float level sums, floored at 1 tick^2 like every forecast here.
//
//   [MODE=idle|material|unrealized] [MAT=1] [CAP=240] npx tsx training/default-idle.ts      # about 25 s
import { fitLevelParts, mulberry32, type LevelPart, type Levels } from "./fit.ts";
import { baselineForecasts, fitBaselines, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { buildDataset, refitSplit, thinnedSeries, walkForwardSplit, type Dataset } from "./dataset.ts";
import { N_FEATURES } from "../model/index.ts";
import { JUDGED_BASELINES, prepare, type Prepared } from "./pipeline.ts";
import { POOLS } from "./pools.ts";
import { withIdle } from "./idleFeature.ts";
const H = 30, KEEPS = [0.2, 0.05];
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
type D = { pool: number; thin: number; p: Prepared; pi: Prepared; normTrain: number; valBest: number; normTV: number; testBest: number };
const all: D[] = [];
const mk = (pool: number, thin: number, p: Prepared): D => {
  const best = (fitsOn: { train: Int32Array }, rows: Int32Array) => { const fits = fitBaselines(p.ds, fitsOn as never); const rv = targetsOf(p.ds, rows); const f = baselineForecasts(p.ds, fits, rows); return Math.min(...JUDGED_BASELINES.map((n) => mean(lossSeries(rv, f[n]!, qlike)))); };
  return { pool, thin, p, pi: { ...p, ds: withIdle(p.ds) }, normTrain: best(p.split, p.split.train), valBest: best(p.split, p.split.validation), normTV: best(refitSplit(p.split), refitSplit(p.split).train), testBest: best(refitSplit(p.split), p.split.test) };
};
for (const [i, spec] of POOLS.entries()) {
  const p = prepare({ data: spec.data, split: [0.6, 0.2], period: 60, from: spec.from ? day(spec.from) : undefined, to: spec.to ? day(spec.to) + 86400 : undefined }, H);
  all.push(mk(i, 1, p));
  for (const keep of KEEPS) { const series = thinnedSeries(p.series, keep, mulberry32(1 + i)); const ds = buildDataset(series, H); all.push(mk(i, keep, { series, ds, split: walkForwardSplit(ds, [0.6, 0.2]) })); }
}
const START: Levels = [0, 6, 6, 6, 6, 6];
const qOf = (ds: Dataset, lv: Levels, rows: Int32Array) => { let s = 0; for (const i of rows) { let v = lv[0]!; for (let k = 0; k < N_FEATURES; k++) v += lv[k + 1]! * ds.levels[i * N_FEATURES + k]!; v = Math.max(1, v); const rv = Math.max(1, ds.target[i]!); s += rv / v - Math.log(rv / v) - 1; } return s / rows.length; };
for (const [name, idle, thinW] of [["shipped features", false, 0], ["idle term", true, 0], ["idle term + thinned copies 0.5", true, 0.5]] as const) {
  const val: number[][] = [[], [], []], test: number[][] = [[], [], []];
  for (let i = 0; i < POOLS.length; i++) {
    const others = all.filter((d) => d.pool !== i && (d.thin === 1 || thinW > 0));
    const w = (d: D) => (d.thin === 1 ? 1 : thinW);
    const dsOf = (d: D) => (idle ? d.pi.ds : d.p.ds);
    const fitOn = (rowsOf: (d: D) => Int32Array, norm: (d: D) => number) => fitLevelParts(others.map((d): LevelPart => { const rows = rowsOf(d); return { ds: dsOf(d), rows, weight: w(d) / (rows.length * norm(d)) }; }), START, { fixedC0: 0, maxIterations: 200 }).levels;
    const lv = fitOn((d) => d.p.split.train, (d) => d.normTrain);
    const lt = fitOn((d) => refitSplit(d.p.split).train, (d) => d.normTV);
    if (i === 0) console.error(name, lv.map((x) => x.toFixed(2)).join(" "));
    for (const d of all.filter((d) => d.pool === i)) { const k = d.thin === 1 ? 0 : d.thin === KEEPS[0] ? 1 : 2; val[k]!.push(qOf(dsOf(d), lv, d.p.split.validation) / d.valBest); test[k]!.push(qOf(dsOf(d), lt, d.p.split.test) / d.testBest); }
  }
  console.log(name);
  for (const [k, label] of ["real", "thin 0.2", "thin 0.05"].entries()) console.log(`  ${label.padEnd(9)} VAL worst ${Math.max(...val[k]!).toFixed(3)} mean ${mean(val[k]!).toFixed(3)} over1.05 ${val[k]!.filter((x) => x > 1.05).length} [${val[k]!.map((x) => x.toFixed(2)).join(" ")}] | TEST worst ${Math.max(...test[k]!).toFixed(3)} mean ${mean(test[k]!).toFixed(3)} [${test[k]!.map((x) => x.toFixed(2)).join(" ")}]`);
}
