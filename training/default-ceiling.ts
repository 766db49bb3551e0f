// How close can any default model in the shipped feature space get to each pool's best classic forecast?
// A bound, not a model: for each pool, the level weights (c0 = 0, w >= 0: the default's scale-free space) are fitted
// on that pool's own test rows, the rows they are scored on. No fixed default can beat that in-sample optimum on
// any pool, so a pool whose optimum is still more than 5% worse than its best baseline cannot be brought within 5%
// by any choice of the default's weights; only a new feature could. Nothing is chosen from it. The second column
// frees c0 (a constant in ticks^2 fitted on the pool: the model's full level space, not scale-free).
// Then one weight vector for all pools at once, as the default must be: fitted on all ten test parts together,
// pools reweighted towards the worst ratio (multiplicative weights), then Nelder-Mead on the worst ratio itself,
// printing the smallest worst-pool ratio found. A search, not a proof: a worst ratio above 1.05 says that no
// weights it could find meet the bar even when fitted on the very rows they are judged on.
//
//   npx tsx training/default-ceiling.ts                  # about 45 s
//   SHOW_WEIGHTS=1 npx tsx training/default-ceiling.ts   # and each pool's own optimal weights
//   IDLE=1 [MODE=material MAT=1] npx tsx training/default-ceiling.ts   # with the idle-time term of
//                                                        # training/idleFeature.ts in place of the 256-period EWMA
import { fitLevelParts, levelNetwork, type Levels } from "./fit.ts";
import { baselineForecasts, fitBaselines, floatForecasts, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { refitSplit } from "./dataset.ts";
import { JUDGED_BASELINES, prepare, type Prepared } from "./pipeline.ts";
import { POOLS } from "./pools.ts";
import { withIdle } from "./idleFeature.ts";
const H = 30, PERIOD = 60;
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
const START: Levels = [0, ...new Array<number>(5).fill(H / 5)];
const judged: { name: string; ds: Prepared["ds"]; rows: Int32Array; rv: Float64Array; best: number }[] = [];
console.log("| pool (test part) | best baseline QLIKE | best scale-free weights on the test part / best | with a pool constant c0 / best |");
console.log("|---|---:|---:|---:|");
for (const spec of POOLS) {
  const prepared = prepare({ data: spec.data, split: [0.6, 0.2], period: PERIOD, from: spec.from ? day(spec.from) : undefined, to: spec.to ? day(spec.to) + 86400 : undefined }, H);
  const p = process.env.IDLE ? { ...prepared, ds: withIdle(prepared.ds) } : prepared;
  const rows = p.split.test;
  const rv = targetsOf(p.ds, rows);
  const f = baselineForecasts(p.ds, fitBaselines(p.ds, refitSplit(p.split)), rows);
  const best = Math.min(...JUDGED_BASELINES.map((n) => mean(lossSeries(rv, f[n]!, qlike))));
  judged.push({ name: spec.name, ds: p.ds, rows, rv, best });
  const fitted = (start: Levels, fixedC0: number | undefined) => fitLevelParts([{ ds: p.ds, rows, weight: 1 / rows.length }], start, { fixedC0, maxIterations: 500 }).levels;
  const score = (levels: Levels) => mean(lossSeries(rv, floatForecasts(levelNetwork(levels), p.ds, rows), qlike));
  const scaleFree = fitted(START, 0);
  // QLIKE is not convex in the forecast: free c0 from two starts, keep the better.
  const withC0 = Math.min(score(fitted(START, undefined)), score(fitted(scaleFree, undefined)));
  console.log(`| ${spec.name} | ${best.toFixed(4)} | ${(score(scaleFree) / best).toFixed(3)} | ${(withC0 / best).toFixed(3)} |`, process.env.SHOW_WEIGHTS ? scaleFree.slice(1).map((w) => w.toFixed(1)).join(" ") : "");
}
const ratiosOf = (levels: Levels) => judged.map((d) => mean(lossSeries(d.rv, floatForecasts(levelNetwork(levels), d.ds, d.rows), qlike)) / d.best);
let poolWeight = judged.map(() => 1);
let levels: Levels = START;
let smallestWorst = { worst: Infinity, ratios: [] as number[], levels: START };
for (let round = 0; round < 80; round++) {
  levels = fitLevelParts(judged.map((d, i) => ({ ds: d.ds, rows: d.rows, weight: poolWeight[i]! / (d.rows.length * d.best) })), levels, { fixedC0: 0, maxIterations: 200 }).levels;
  const ratios = ratiosOf(levels);
  const worst = Math.max(...ratios);
  if (worst < smallestWorst.worst) smallestWorst = { worst, ratios, levels };
  poolWeight = poolWeight.map((u, i) => u * Math.exp(4 * (ratios[i]! - 1)));
  const total = poolWeight.reduce((a, b) => a + b, 0);
  poolWeight = poolWeight.map((u) => (u * judged.length) / total);
}
// A second search from the best point: Nelder-Mead on the worst ratio itself, over log weights (restarted).
const worstAt = (logW: number[]) => Math.max(...ratiosOf([0, ...logW.map(Math.exp)] as Levels));
let x = smallestWorst.levels.slice(1).map((w) => Math.log(Math.max(w, 1e-3)));
for (let restart = 0; restart < 4; restart++) {
  x = nelderMead(worstAt, x, 1, 300);
  const ratios = ratiosOf([0, ...x.map(Math.exp)] as Levels);
  const worst = Math.max(...ratios);
  if (worst < smallestWorst.worst) smallestWorst = { worst, ratios, levels: [0, ...x.map(Math.exp)] as Levels };
}
function nelderMead(f: (x: number[]) => number, x0: number[], step: number, iterations: number): number[] {
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + step : v)))].map((p) => ({ p, v: f(p) }));
  for (let it = 0; it < iterations; it++) {
    simplex.sort((a, b) => a.v - b.v);
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((s, q) => s + q.p[j]!, 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n]!.p[j]! - c));
    const reflected = along(-1), fr = f(reflected);
    if (fr < simplex[0]!.v) { const expanded = along(-2), fe = f(expanded); simplex[n] = fe < fr ? { p: expanded, v: fe } : { p: reflected, v: fr }; continue; }
    if (fr < simplex[n - 1]!.v) { simplex[n] = { p: reflected, v: fr }; continue; }
    const contracted = along(0.5), fc = f(contracted);
    if (fc < simplex[n]!.v) { simplex[n] = { p: contracted, v: fc }; continue; }
    simplex = simplex.map((q, i) => (i === 0 ? q : (() => { const p = q.p.map((v, j) => simplex[0]!.p[j]! + 0.5 * (v - simplex[0]!.p[j]!)); return { p, v: f(p) }; })()));
  }
  simplex.sort((a, b) => a.v - b.v);
  return simplex[0]!.p;
}
console.log(`\none weight vector for all ten test parts (fitted on them, minimax search): worst ratio ${smallestWorst.worst.toFixed(3)}, ${smallestWorst.ratios.filter((r) => r > 1.05).length} pools over 1.05`);
console.log(`  ratios: ${judged.map((d, i) => `${d.name.split(" (")[0]} ${smallestWorst.ratios[i]!.toFixed(3)}`).join("; ")}`);
console.log(`  weights on ${process.env.IDLE ? "the half-lives 4, 16, 64, the idle term, 1024" : "half-lives 4, 16, 64, 256, 1024"}: ${smallestWorst.levels.slice(1).map((w) => w.toFixed(2)).join(", ")}`);
