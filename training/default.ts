// The shipped default model (model/default-model.json): what `npm start` and a new LP use for a pool
// with no history of its own.
//
//   npx tsx training/default.ts [--out model/default-model.json] [--report training/results/default-model.report.json] [--no-policy-fit]
//
// Recipe, fixed before any test part was scored:
//   - scale-free by construction: the level constant c0 is held at 0 (a constant in ticks^2 would be
//     one pool's volatility level) and there is no correction, so the forecast is a non-negative mix
//     of the pool's own EWMA variances and scales with the pool;
//   - fitted on several pools at once: the level weights minimize the sum over every real pool history
//     in data/ of its mean QLIKE divided by the best classic forecast's QLIKE on the same rows (each
//     pool counts once, whatever its length or volatility), on each pool's train + validation rows;
//   - the fee policy is fitted by net LP PnL on the 35-day Polygon series' validation range
//     (counterfactual (b), Binance ETH/USDT as reference) with the shipped levels, the ones it runs
//     with (as `provenfee train` does).
// Reported per pool, on its held-out test part (last 20%): the shipped default, and the default
// refitted without that pool (leave-one-pool-out: the honest "never fitted on this pool" number),
// against the best of EWMA tuned, GARCH(1,1) and HAR-RV fitted on that pool's own train + validation.
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createModel, saveModel, type Model } from "../model/index.ts";
import { fitFeePolicy, REPORTED_ELASTICITIES } from "../backtest/policyFit.ts";
import { ESTIMATED_ELASTICITY } from "../backtest/run.ts";
import { fitLevelParts, levelNetwork, type LevelPart, type Levels } from "./fit.ts";
import { baselineForecasts, fitBaselines, floatForecasts, quantizedForecasts, scoreForecasts, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { refitSplit } from "./dataset.ts";
import { JUDGED_BASELINES, policyRanges, prepare, type Prepared } from "./pipeline.ts";
import { POOLS } from "./pools.ts";

const REFERENCE = "data/reference-binance-ethusdt/binance-ethusdt-1m-2022-07-18..2022-08-23.csv.gz";

const HORIZON = 30;
/**
 * Where the policy search starts (the pre-fit policy of revision 1): fixed here, not read from the
 * current model file, so that building the default twice gives the same file.
 */
const START_POLICY = { base: 0, slope: 8000, modelFeeMin: 100, modelFeeMax: 10_000 };
const PERIOD = 60;

function dayStart(text: string): number {
  return Date.parse(`${text}T00:00:00Z`) / 1000;
}

export interface PoolData {
  name: string;
  p: Prepared;
  /** The best judged baseline's mean QLIKE on train + validation (its own refit there): the pool's normalizer. */
  norm: number;
}

export function loadPool(spec: (typeof POOLS)[number]): PoolData {
  const p = prepare({
    data: spec.data, split: [0.6, 0.2], period: PERIOD,
    from: spec.from ? dayStart(spec.from) : undefined, to: spec.to ? dayStart(spec.to) + 86400 : undefined,
  }, HORIZON);
  const rows = refitSplit(p.split).train;
  const fits = fitBaselines(p.ds, refitSplit(p.split));
  const rv = targetsOf(p.ds, rows);
  const f = baselineForecasts(p.ds, fits, rows);
  const norm = Math.min(...JUDGED_BASELINES.map((n) => mean(lossSeries(rv, f[n]!, qlike))));
  return { name: spec.name, p, norm };
}

const START: Levels = [0, ...new Array<number>(5).fill(HORIZON / 5)];

/** Pooled, scale-free level fit over the given pools' rows (train, or train + validation). */
export function pooledLevels(pools: PoolData[], rowsOf: (p: Prepared) => Int32Array): Levels {
  const parts: LevelPart[] = pools.map((d) => {
    const rows = rowsOf(d.p);
    return { ds: d.p.ds, rows, weight: 1 / (rows.length * d.norm) };
  });
  return fitLevelParts(parts, START, { fixedC0: 0, maxIterations: 200 }).levels;
}

/** QLIKE on the pool's test part: the given model against the baselines refitted on train + validation. */
function scoreOnTest(d: PoolData, model: Model) {
  const { ds, split } = d.p;
  const fits = fitBaselines(ds, refitSplit(split));
  const forecasts = { ...baselineForecasts(ds, fits, split.test), model: floatForecasts(model.file.float, ds, split.test), "model-quantized": quantizedForecasts(model, ds, split.test) };
  const scored = scoreForecasts(targetsOf(ds, split.test), forecasts, "model-quantized", ds.horizon);
  const by = new Map(scored.results.map((r) => [r.name, r]));
  const best = JUDGED_BASELINES.map((n) => by.get(n)!).reduce((a, b) => (b.qlike < a.qlike ? b : a));
  const q = by.get("model-quantized")!.qlike;
  return { qlike: q, bestBaseline: best.name, bestQlike: best.qlike, ratio: q / best.qlike, dm: best.dmVsModel, pValue: best.dmPValue, n: split.test.length, zeroShare: scored.zeroShare, results: scored.results };
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const out = arg("out", "model/default-model.json");
  const reportPath = arg("report", "training/results/default-model.report.json");
  const started = performance.now();
  const pools = POOLS.map(loadPool);
  console.error(`loaded ${pools.length} pool histories`);

  const finalLevels = pooledLevels(pools, (p) => refitSplit(p.split).train);
  const meta = {
    kind: "default model: scale-free level forecast (c0 = 0, no correction) fitted on every real pool history in data/ at once (training/default.ts)",
    trainedOn: `${pools.length} pool histories in data/ (train + validation rows of each; test parts held out): ${pools.map((d) => d.name).join("; ")}`,
    loss: "sum over pools of mean QLIKE / the best classic forecast's QLIKE on the same rows",
    createdAt: new Date().toISOString(),
  };
  let model = await createModel({ float: levelNetwork(finalLevels), policy: START_POLICY, meta });
  let policyFit: Awaited<ReturnType<typeof fitFeePolicy>> | undefined;
  if (!process.argv.includes("--no-policy-fit")) {
    const series = pools[0]!;
    // Fitted with the forecaster it ships with: the policy's intercept and slope are in its units.
    policyFit = await fitFeePolicy(model, {
      source: "bars", input: series.p.series.sources.join(","), reference: REFERENCE, ...policyRanges(series.p),
      elasticities: REPORTED_ELASTICITIES, shipElasticity: ESTIMATED_ELASTICITY, period: PERIOD,
      onProgress: (f) => process.stderr.write(`\rpolicy fit ${(100 * f).toFixed(0)}%`),
    });
    process.stderr.write("\n");
    model = await createModel({ float: levelNetwork(finalLevels), policy: policyFit.shipped, meta: { ...meta, fallbackFee: policyFit.shippedFallbackFee, policyFrom: `fitted by net LP PnL on ${series.name}, validation range, counterfactual (b), elasticity ${policyFit.shipElasticity}, reference ${REFERENCE}` } });
  }

  const perPool = [];
  for (const [i, d] of pools.entries()) {
    const others = pools.filter((_, j) => j !== i);
    const loo = await createModel({ float: levelNetwork(pooledLevels(others, (p) => refitSplit(p.split).train)), policy: model.file.policy });
    const shipped = scoreOnTest(d, model);
    const leaveOut = scoreOnTest(d, loo);
    perPool.push({ pool: d.name, test: { n: shipped.n, zeroShare: shipped.zeroShare }, bestBaseline: shipped.bestBaseline, bestBaselineQlike: shipped.bestQlike, shipped: { qlike: shipped.qlike, ratio: shipped.ratio, dm: shipped.dm, pValue: shipped.pValue }, leaveOneOut: { levels: loo.file.float.w, qlike: leaveOut.qlike, ratio: leaveOut.ratio, dm: leaveOut.dm }, results: shipped.results });
    console.error(`${d.name.padEnd(58)} default ${shipped.qlike.toFixed(4)} (x${shipped.ratio.toFixed(3)}), without this pool ${leaveOut.qlike.toFixed(4)} (x${leaveOut.ratio.toFixed(3)}) vs ${shipped.bestBaseline} ${shipped.bestQlike.toFixed(4)}`);
  }
  saveModel(model, out);
  const report = {
    format: "provenfee-default-model-report/1",
    model: { path: out, commitment: model.file.commitment, float: model.file.float, quantized: model.file.quantized, policy: model.file.policy },
    recipe: meta,
    perPool,
    worstRatio: { shipped: Math.max(...perPool.map((r) => r.shipped.ratio)), leaveOneOut: Math.max(...perPool.map((r) => r.leaveOneOut.ratio)) },
    policyFit: policyFit ?? null,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${out} (commitment ${model.file.commitment}) and ${reportPath} in ${report.seconds.toFixed(0)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
