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
const H = 30, KEEPS = [0.2, 0.05], CAP = Number(process.env.CAP ?? 240);
const day = (t: string) => Date.parse(`${t}T00:00:00Z`) / 1000;
// MODE=idle (default): idle counts from the last close that moved the tick at all. MODE=material: only from a
// close whose squared move is at least MAT (1) times the long-run per-period variance times the periods since the
// move before it (a 1-tick wiggle does not reset it). MODE=unrealized: the term is U, the variance the long-run rate
// says should have been realized and was not: U += v per period, U -= r^2 at each move, U >= 0 (no idle count).
const MODE = process.env.MODE ?? "idle";
const MAT = Number(process.env.MAT ?? 1);
const LONG = 1 - 2 ** (-1 / 1024);
/** Per segment: for each close, whether it resets idle, and U just after it; the long-run variance just after it. */
function marks(obs: Dataset["series"]["segments"][number]["obs"]) {
  const n = obs.periods.length;
  const reset = new Uint8Array(n); const u = new Float64Array(n); const v = new Float64Array(n);
  let ew = 0, w = 0, U = 0, lastReset = obs.periods[0] ?? 0;
  for (let j = 0; j < n; j++) {
    const d = j > 0 ? obs.ticks[j]! - obs.ticks[j - 1]! : 0;
    const g = j > 0 ? obs.periods[j]! - obs.periods[j - 1]! : 1;
    const rate = w > 0 ? ew / w : 0;
    U = Math.max(0, U + rate * g - d * d);
    const since = obs.periods[j]! - lastReset;
    reset[j] = j === 0 || (MODE === "material" ? d !== 0 && d * d >= MAT * rate * since : d !== 0) ? 1 : 0;
    if (reset[j]) lastReset = obs.periods[j]!;
    // the EWMA of squared per-period moves at half-life 1024, bias-corrected by w
    const decay = (1 - LONG) ** g;
    ew = ew * decay + LONG * d * d; w = w * decay + LONG * g;
    u[j] = U; v[j] = w > 0 ? ew / w : 0;
  }
  return { reset, u, v };
}
function withIdle(ds: Dataset): Dataset {
  const levels = Float64Array.from(ds.levels);
  const cache = new Map<number, ReturnType<typeof marks>>();
  for (let r = 0; r < ds.n; r++) {
    const seg = ds.segment[r]!;
    const obs = ds.series.segments[seg]!.obs; const A = ds.asOf[r]!;
    if (!cache.has(seg)) cache.set(seg, marks(obs));
    const m = cache.get(seg)!;
    let lo = 0, hi = obs.periods.length - 1, j = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (obs.periods[mid]! <= A) { j = mid; lo = mid + 1; } else hi = mid - 1; }
    if (MODE === "unrealized") {
      levels[r * N_FEATURES + 3] = j >= 0 ? (m.u[j]! + m.v[j]! * (A - obs.periods[j]!)) / H : 0;
      continue;
    }
    while (j > 0 && !m.reset[j]) j--;
    const idle = j >= 0 ? A - obs.periods[j]! : CAP;
    levels[r * N_FEATURES + 3] = levels[r * N_FEATURES + 4]! * Math.min(idle, CAP) / H;
  }
  return { ...ds, levels };
}
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
