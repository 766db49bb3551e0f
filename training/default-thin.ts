// Does the default model's recipe hold up on thinly traded pools, and does fitting it on thinned copies of the
// pool histories as well (a thin pool's view of the same real prices) make it hold up better? Judged as the
// recipe must be: leave-one-pool-out on the validation parts (the held-out pool and every thinned copy of it
// left out of the fit), so nothing is chosen on a test part; the test column is printed to report, not to choose.
//
//   npx tsx training/default-thin.ts [--correction]     # about 30 s; 1 min more with --correction
//
// Thinned copies: each history's period closes kept with probability 0.2 or 0.05 (seeded), as training/thin.ts
// does to minute bars. Variants of the level fit: real histories only (the shipped recipe), or real + thinned
// copies at weight 0.5 or 1 each. --correction adds the learned correction (shape-only, scale-free) fitted on
// every other history at once, real and thinned, at most ROWS (3000) rows each, kept if it lowers the pooled
// validation QLIKE by 0.5%. Each row: the worst and mean ratio to the history's best classic forecast (fitted
// on its own train rows), how many are more than 5% worse, and every pool's ratio in POOLS order.
import { DEFAULT_CORRECTION, fitCorrection, fitLevelParts, levelNetwork, mulberry32, selectBackend, type LevelPart, type Levels } from "./fit.ts";
import type { FloatNetwork } from "../model/index.ts";
import { baselineForecasts, fitBaselines, floatForecasts, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { buildDataset, concatDatasets, refitSplit, thinnedSeries, walkForwardSplit, type Dataset } from "./dataset.ts";
import { JUDGED_BASELINES, prepare, type Prepared } from "./pipeline.ts";
import { POOLS } from "./pools.ts";
const H = 30, PERIOD = 60;
const KEEPS = [0.2, 0.05];
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
const START: Levels = [0, ...new Array<number>(5).fill(H / 5)];

type D = { pool: number; name: string; thin: number; p: Prepared; normTrain: number; normTV: number; valBest: number; testBest: number };
function judged(pool: number, name: string, thin: number, p: Prepared): D {
  const best = (fitsOn: { train: Int32Array }, rows: Int32Array) => {
    const fits = fitBaselines(p.ds, fitsOn as never);
    const rv = targetsOf(p.ds, rows); const f = baselineForecasts(p.ds, fits, rows);
    return Math.min(...JUDGED_BASELINES.map((n) => mean(lossSeries(rv, f[n]!, qlike))));
  };
  return { pool, name, thin, p, normTrain: best(p.split, p.split.train), normTV: best(refitSplit(p.split), refitSplit(p.split).train), valBest: best(p.split, p.split.validation), testBest: best(refitSplit(p.split), p.split.test) };
}
const all: D[] = [];
for (const [i, spec] of POOLS.entries()) {
  const p = prepare({ data: spec.data, split: [0.6, 0.2], period: PERIOD, from: spec.from ? day(spec.from) : undefined, to: spec.to ? day(spec.to) + 86400 : undefined }, H);
  all.push(judged(i, spec.name, 1, p));
  for (const keep of KEEPS) {
    const series = thinnedSeries(p.series, keep, mulberry32(1 + i));
    const ds = buildDataset(series, H);
    all.push(judged(i, `${spec.name} thinned ${keep}`, keep, { series, ds, split: walkForwardSplit(ds, [0.6, 0.2]) }));
  }
  process.stderr.write(`${spec.name}\n`);
}
function fit(ps: D[], rowsOf: (d: D) => Int32Array, normOf: (d: D) => number, weightOf: (d: D) => number): Levels {
  const parts: LevelPart[] = ps.map((d) => { const rows = rowsOf(d); return { ds: d.p.ds, rows, weight: weightOf(d) / (rows.length * normOf(d)) }; });
  return fitLevelParts(parts, START, { fixedC0: 0, maxIterations: 200 }).levels;
}
function q(d: D, levels: Levels | FloatNetwork, rows: Int32Array): number {
  const f = floatForecasts(Array.isArray(levels) ? levelNetwork(levels as Levels) : (levels as FloatNetwork), d.p.ds, rows);
  return mean(lossSeries(targetsOf(d.p.ds, rows), f, qlike));
}
// Variants: which histories the pooled fit sees, and how much each thinned copy weighs against its pool.
const variants: { name: string; uses: (d: D) => number }[] = [
  { name: "real only (shipped)", uses: (d) => (d.thin === 1 ? 1 : 0) },
  { name: "real + thinned, 0.5 each", uses: (d) => (d.thin === 1 ? 1 : 0.5) },
  { name: "real + thinned, 1 each", uses: (d) => 1 },
];
const f2 = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
for (const v of variants) {
  const val: number[][] = [[], [], []];
  const test: number[][] = [[], [], []];
  for (let i = 0; i < POOLS.length; i++) {
    const others = all.filter((d) => d.pool !== i && v.uses(d) > 0);
    const lv = fit(others, (o) => o.p.split.train, (o) => o.normTrain, v.uses);
    const lt = fit(others, (o) => refitSplit(o.p.split).train, (o) => o.normTV, v.uses);
    for (const d of all.filter((d) => d.pool === i)) {
      const k = d.thin === 1 ? 0 : d.thin === KEEPS[0] ? 1 : 2;
      val[k]!.push(q(d, lv, d.p.split.validation) / d.valBest);
      test[k]!.push(q(d, lt, d.p.split.test) / d.testBest);
    }
  }
  console.log(`${v.name}`);
  for (const [k, label] of ["real", `thin ${KEEPS[0]}`, `thin ${KEEPS[1]}`].entries()) {
    console.log(`  ${label.padEnd(9)} VAL worst ${Math.max(...val[k]!).toFixed(3)} mean ${mean(val[k]!).toFixed(3)} over1.05 ${val[k]!.filter((x) => x > 1.05).length} [${f2(val[k]!)}] | TEST worst ${Math.max(...test[k]!).toFixed(3)} mean ${mean(test[k]!).toFixed(3)} over1.05 ${test[k]!.filter((x) => x > 1.05).length} [${f2(test[k]!)}]`);
  }
}

// A correction fitted on every other pool at once (real and thinned), levels as shipped. It reads only the
// shape of the five variances, so it is scale-free like the levels. Rows balanced: at most ROWS per history.
if (process.argv.includes("--correction")) {
  await selectBackend("wasm");
  const ROWS = Number(process.env.ROWS ?? 3000);
  let pooled: Dataset = all[0]!.p.ds;
  const offsets = [0];
  for (const d of all.slice(1)) { const c = concatDatasets(pooled, d.p.ds); offsets.push(c.offset); pooled = c.ds; }
  const spread = (rows: Int32Array, off: number) => { const m = Math.min(ROWS, rows.length); return Int32Array.from({ length: m }, (_, k) => rows[Math.floor((k * rows.length) / m)]! + off); };
  const gather = (ds: D[], pick: (d: D) => Int32Array) => { const parts = ds.map((d) => spread(pick(d), offsets[all.indexOf(d)]!)); const out = new Int32Array(parts.reduce((n, x) => n + x.length, 0)); let o = 0; for (const x of parts) { out.set(x, o); o += x.length; } return out; };
  const val: number[][] = [[], [], []], base: number[][] = [[], [], []], test: number[][] = [[], [], []];
  for (let i = 0; i < POOLS.length; i++) {
    const othersReal = all.filter((d) => d.pool !== i && d.thin === 1);
    const othersAll = all.filter((d) => d.pool !== i);
    const lv = fit(othersReal, (o) => o.p.split.train, (o) => o.normTrain, () => 1);
    const cf = await fitCorrection(pooled, gather(othersAll, (d) => d.p.split.train), gather(othersAll, (d) => d.p.split.validation), levelNetwork(lv), { seed: 1, ...DEFAULT_CORRECTION });
    const kept = cf.valLoss < 0.995 * cf.startValLoss;
    const lt = fit(othersReal, (o) => refitSplit(o.p.split).train, (o) => o.normTV, () => 1);
    const rf = kept ? await fitCorrection(pooled, gather(othersAll, (d) => refitSplit(d.p.split).train), new Int32Array(0), levelNetwork(lt), { seed: 1, ...DEFAULT_CORRECTION, maxEpochs: cf.bestEpoch, keepLast: true }) : null;
    process.stderr.write(`LOO ${i}: pooled val ${cf.startValLoss.toFixed(4)} -> ${cf.valLoss.toFixed(4)} @${cf.bestEpoch} ${kept ? "kept" : "dropped"}\n`);
    for (const d of all.filter((d) => d.pool === i)) {
      const k = d.thin === 1 ? 0 : d.thin === KEEPS[0] ? 1 : 2;
      base[k]!.push(q(d, lv, d.p.split.validation) / d.valBest);
      val[k]!.push(q(d, kept ? cf.net : lv, d.p.split.validation) / d.valBest);
      test[k]!.push(q(d, rf ? rf.net : lt, d.p.split.test) / d.testBest);
    }
  }
  console.log(`pooled correction (rows per history <= ${ROWS})`);
  for (const [k, label] of ["real", `thin ${KEEPS[0]}`, `thin ${KEEPS[1]}`].entries()) {
    console.log(`  ${label.padEnd(9)} VAL worst ${Math.max(...val[k]!).toFixed(3)} mean ${mean(val[k]!).toFixed(3)} over1.05 ${val[k]!.filter((x) => x > 1.05).length} [${f2(val[k]!)}] (levels only: mean ${mean(base[k]!).toFixed(3)}) | TEST worst ${Math.max(...test[k]!).toFixed(3)} mean ${mean(test[k]!).toFixed(3)} over1.05 ${test[k]!.filter((x) => x > 1.05).length} [${f2(test[k]!)}]`);
  }
}
