// Pre-registered hyper-parameter selection for the default model (see training/README.md,
// "Selection protocol"): every candidate recipe is scored on data that precede the test period only.
//
//   npx tsx training/select.ts [--out training/results/selection.json] [--epochs 40] [--quick]
//
// For each candidate (activity-path L2, forecast floor quantile):
//   cv        mean QLIKE over the 4 rolling-origin folds inside train + validation of the 35-day series
//             (each fold fitted on everything before its block; epoch count picked by the fold-mean curve)
//   valBlock  QLIKE on the validation block of the fit on the train part (early stopping on it)
//   robust    whole-day QLIKE, on each pre-test robustness day (Polygon 0x45dd 2021-12-22 and
//             2022-01-05, per-swap files, never trained on), of that same fit, next to HAR-RV (levels,
//             fitted on the same train part) transferred likewise
// Rule: gate = QLIKE <= 2 x transferred HAR-RV on both robustness days; among candidates passing the
// gate, the lowest cv; none passing: the lowest worst-day ratio. The test part plays no role here.
import { writeFileSync } from "node:fs";
import { buildDataset, loadSeries, walkForwardSplit, type Dataset } from "./dataset.ts";
import { DEFAULT_FIT, fitNetwork, qlikeOf, selectBackend, VARIANTS } from "./fit.ts";
import { baselineForecasts, fitBaselines, targetsOf } from "./forecasts.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";
import { crossValidate, rollingFolds, DEFAULT_DATA, DEFAULT_FROM, DEFAULT_TO } from "./pipeline.ts";

export const ROBUSTNESS_DAYS: Record<string, string> = {
  "polygon-2021-12-22": "data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2021-12-22.tick.csv.gz",
  "polygon-2022-01-05": "data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz",
};
export const GATE_FACTOR = 2;

export interface Candidate {
  name: string;
  l2Activity: number;
  floorQuantile?: number;
}

export const CANDIDATES: Candidate[] = [
  { name: "shipped recipe", l2Activity: 0 },
  ...[0, 1e-3, 1e-2, 1e-1].flatMap((l) => [
    ...(l > 0 ? [{ name: `act-l2 ${l}`, l2Activity: l }] : []),
    ...[0.01, 0.05].map((q) => ({ name: `act-l2 ${l} + floor q${q}`, l2Activity: l, floorQuantile: q })),
  ]),
];

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : d;
};

async function main() {
  const out = arg("out", "training/results/selection.json");
  const epochs = Number(arg("epochs", "40"));
  await selectBackend("auto");
  const ds = buildDataset(loadSeries(DEFAULT_DATA, { from: Date.parse(`${DEFAULT_FROM}T00:00:00Z`) / 1000, to: Date.parse(`${DEFAULT_TO}T00:00:00Z`) / 1000 + 86400 }), 30);
  const split = walkForwardSplit(ds);
  const testStart = ds.asOf[split.test[0]!]! * ds.period;
  const folds = rollingFolds(ds, split);
  const fits = fitBaselines(ds, split);
  const days = Object.entries(ROBUSTNESS_DAYS).map(([name, file]) => {
    const d: Dataset = buildDataset(loadSeries(file), 30);
    if (d.asOf[d.n - 1]! * d.period + 30 * d.period >= testStart) throw new Error(`${file} does not precede the test period`);
    const rows = Int32Array.from({ length: d.n }, (_, i) => i);
    const rv = targetsOf(d, rows);
    const base = Object.fromEntries(Object.entries(baselineForecasts(d, fits, rows)).map(([k, v]) => [k, mean(lossSeries(rv, v, qlike))]));
    return { name, file, ds: d, rows, baselines: base };
  });
  for (const d of days) console.error(`${d.name}: n=${d.ds.n}, transferred baselines ${JSON.stringify(d.baselines)}`);
  const only = arg("only", "");
  const rows = [];
  for (const c of CANDIDATES.filter((c) => !only || only.split(",").includes(c.name))) {
    const t = performance.now();
    const opts = { ...DEFAULT_FIT, l2Activity: c.l2Activity, floorQuantile: c.floorQuantile };
    const r = await fitNetwork(ds, split, { ...opts, variant: VARIANTS.full! });
    const robust = Object.fromEntries(days.map((d) => {
      const q = qlikeOf(r.net, d.ds, d.rows);
      return [d.name, { qlike: q, har: d.baselines.har!, ratio: q / d.baselines.har! }];
    }));
    const cv = process.argv.includes("--quick") ? undefined : await crossValidate(ds, folds, { ...opts, seed: 1 }, VARIANTS.full!, epochs);
    const worst = Math.max(...Object.values(robust).map((x) => x.ratio));
    const row = { ...c, cv, valBlock: r.valLoss, bestEpoch: r.bestEpoch, robust, worstRatio: worst, passesGate: worst <= GATE_FACTOR, seconds: (performance.now() - t) / 1000 };
    rows.push(row);
    console.error(`${c.name.padEnd(28)} cv ${cv?.meanAtBestEpoch.toFixed(4) ?? "-"} (ep ${cv?.bestEpoch ?? "-"}) val ${r.valLoss.toFixed(4)} (ep ${r.bestEpoch}) ${Object.entries(robust).map(([k, x]) => `${k} ${x.qlike.toFixed(3)} (x${x.ratio.toFixed(2)})`).join(" ")} ${row.seconds.toFixed(0)}s`);
  }
  const passing = rows.filter((r) => r.passesGate && r.cv);
  const chosen = passing.length > 0 ? passing.reduce((a, b) => (b.cv!.meanAtBestEpoch < a.cv!.meanAtBestEpoch ? b : a)) : rows.reduce((a, b) => (b.worstRatio < a.worstRatio ? b : a));
  const report = {
    format: "provenfee-selection/1",
    rule: `gate: whole-day QLIKE <= ${GATE_FACTOR} x HAR-RV (levels, fitted on the same train part, transferred) on each pre-test robustness day; among passing candidates the lowest rolling-origin CV mean QLIKE (${folds.length} folds, ${epochs} epochs each, epoch by the fold-mean curve); none passing: the lowest worst-day ratio`,
    folds: folds.length,
    robustnessDays: days.map((d) => ({ name: d.name, file: d.file, n: d.ds.n, transferredBaselines: d.baselines })),
    candidates: rows,
    chosen: chosen.name,
  };
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`chosen: ${chosen.name} -> ${out}`);
}

await main();
