// `provenfee train` and `provenfee evaluate` as functions returning plain results: the CLI in
// cli.ts only parses flags and prints. Protocol (walk-forward, by time):
//
//   train (first 60%)  | validation (next 20%) | test (last 20%)
//   every fit          | every choice          | only reported, never used for a choice
//
// The last `horizon` rows of train and of validation are purged (their targets reach into the next
// part). Baselines are fitted on the training part (EWMA lambda tuned on validation); the model is
// fitted on the training part with early stopping on validation.
import { loadModel, createModel, saveModel, type Model, type FloatNetwork, type Policy, DEFAULT_HORIZON, DEFAULT_PERIOD } from "../model/index.ts";
import { buildDataset, describeRows, loadSeries, refitSplit, walkForwardSplit, type Dataset, type LoadOptions, type Series, type Split } from "./dataset.ts";
import {
  baselineForecasts, fitBaselines, floatForecasts, quantizedForecasts, scoreForecasts, targetsOf,
  type BaselineFits, type ScoredForecast,
} from "./forecasts.ts";
import { DEFAULT_FIT, fitNetwork, qlikeOf, selectBackend, VARIANTS, type BackendChoice, type EpochLog, type FitOptions, type FitResult, type Variant } from "./fit.ts";
import { blockMean, renderSvg, writePng } from "./plot.ts";
import { lossSeries, mean, qlike } from "./baselines.ts";

export const DEFAULT_DATA = "data/polygon-usdc-weth-005-minute";
/** The contiguous 35-day Polygon series inside the shipped folder (the folder also holds isolated later days). */
export const DEFAULT_FROM = "2022-07-19";
export const DEFAULT_TO = "2022-08-22";
export const DEFAULT_MODEL = "model/default-model.json";

export interface DataOptions extends LoadOptions {
  data: string | string[];
  split: [number, number];
}

export interface Prepared {
  series: Series;
  ds: Dataset;
  split: Split;
}

export function prepare(options: DataOptions, horizon: number): Prepared {
  const series = loadSeries(options.data, options);
  const ds = buildDataset(series, horizon);
  const split = walkForwardSplit(ds, options.split);
  return { series, ds, split };
}

export function dataSummary(p: Prepared) {
  const s = p.series;
  return {
    format: s.format,
    sources: s.sources,
    rows: s.rows,
    period: s.period,
    forwardFilledMinutes: s.gaps.filled,
    fills: s.gaps.fills,
    segmentBreaks: s.gaps.breaks,
    segments: s.gaps.segments.map((g) => ({ from: new Date(g.fromTime * 1000).toISOString(), to: new Date(g.toTime * 1000).toISOString(), rows: g.end - g.start })),
    samples: p.ds.n,
    horizon: p.ds.horizon,
    split: { train: describeRows(p.ds, p.split.train), validation: describeRows(p.ds, p.split.validation), test: describeRows(p.ds, p.split.test), purgedRows: p.split.purged },
  };
}

/** A human line about the documented repair, printed by both commands. */
export function repairLines(p: Prepared): string[] {
  const g = p.series.gaps;
  const lines: string[] = [];
  if (p.series.format === "minute") {
    lines.push(
      g.filled > 0
        ? `data: forward-filled ${g.filled} missing minute(s) as minutes without swaps (${g.fills.length} hole(s): ${g.fills.slice(0, 4).join(", ")}${g.fills.length > 4 ? ", ..." : ""}); for the oracle such a minute adds no observation`
        : "data: no missing minutes",
    );
  }
  if (g.breaks.length > 0) lines.push(`data: ${g.segments.length} contiguous segments; split at ${g.breaks.join(", ")} (no window or target crosses a split)`);
  return lines;
}

function baselineSummary(f: BaselineFits) {
  return {
    ewma: { lambda: f.ewmaLambda },
    "ewma-tuned": { lambda: f.tunedLambda },
    garch: { omega: f.garch.omega, alpha: f.garch.alpha, beta: f.garch.beta, persistence: f.garch.alpha + f.garch.beta },
    har: { windows: f.har.windows, coef: f.har.coef },
    "har-log": { coef: f.harLog.coef, residualVariance: f.harLog.residualVariance },
  };
}

export interface Comparison {
  rows: { from: string; to: string; n: number };
  results: ScoredForecast[];
  dmLag: number;
  /** Share of rows whose realized variance is 0 (scored at the 1 tick^2 floor). */
  zeroShare: number;
  forecasts: Record<string, Float64Array>;
  rv: Float64Array;
  /** Unix seconds of each row's as-of period start. */
  times: Float64Array;
}

/** All forecasts on `rows`, scored against the float model. */
export function compare(ds: Dataset, fits: BaselineFits, rows: Int32Array, model: { float: FloatNetwork; quantized?: Model }, dmLag?: number): Comparison {
  const forecasts: Record<string, Float64Array> = { ...baselineForecasts(ds, fits, rows), model: floatForecasts(model.float, ds, rows) };
  if (model.quantized) forecasts["model-quantized"] = quantizedForecasts(model.quantized, ds, rows);
  const rv = targetsOf(ds, rows);
  const scored = scoreForecasts(rv, forecasts, "model", ds.horizon, dmLag);
  return { rows: describeRows(ds, rows), ...scored, forecasts, rv, times: Float64Array.from(rows, (i) => ds.asOf[i]! * ds.period) };
}

export const REQUIRED_NAMES = ["ewma", "ewma-tuned", "garch", "har", "model", "model-quantized"];
/** The baselines the model must beat (the "best of HAR-RV, tuned EWMA, GARCH"). */
export const JUDGED_BASELINES = ["ewma-tuned", "garch", "har"];

export function verdict(results: ScoredForecast[], significance = 0.05) {
  const by = new Map(results.map((r) => [r.name, r]));
  const model = by.get("model")!;
  const quant = by.get("model-quantized");
  const best = JUDGED_BASELINES.map((n) => by.get(n)!).reduce((a, b) => (b.qlike < a.qlike ? b : a));
  return {
    bestBaseline: best.name,
    modelBeatsBest: model.qlike < best.qlike,
    dmVsBest: best.dmVsModel,
    pValueVsBest: best.dmPValue,
    significant: model.qlike < best.qlike && (best.dmPValue ?? 1) < significance,
    quantizationLossPct: quant ? (100 * (quant.qlike - model.qlike)) / model.qlike : null,
  };
}

export function plotComparison(c: Comparison, ds: Dataset, path: string, title: string, names: string[] = ["model-quantized", "garch", "har"]): void {
  const block = Math.max(1, Math.round(c.rv.length / 700));
  const times = Float64Array.from({ length: Math.ceil(c.rv.length / block) }, (_, b) => c.times[b * block]!);
  const sigma = (v: ArrayLike<number>) => Float64Array.from(blockMean(v, block), (x) => Math.sqrt(Math.max(x, 0)));
  const colors: Record<string, string> = { model: "#d62728", "model-quantized": "#d62728", garch: "#1f77b4", har: "#2ca02c", "ewma-tuned": "#9467bd", "har-log": "#8c564b", ewma: "#7f7f7f" };
  const q = new Map(c.results.map((r) => [r.name, r.qlike]));
  const svg = renderSvg({
    title,
    subtitle: `${c.rows.from.slice(0, 16)} .. ${c.rows.to.slice(0, 16)} UTC, ${c.rows.n} forecasts, ${block}-minute means of sqrt(variance over the next ${ds.horizon} periods); QLIKE in the legend`,
    times,
    yLabel: `volatility over ${ds.horizon} periods (ticks)`,
    lines: [
      { label: "realized", color: "#aaaaaa", values: sigma(c.rv), width: 1 },
      ...names.filter((n) => c.forecasts[n]).map((n) => ({ label: `${n} (QLIKE ${q.get(n)!.toFixed(4)})`, color: colors[n] ?? "#000", values: sigma(c.forecasts[n]!), width: n.startsWith("model") ? 2 : 1.3 })),
    ],
  });
  writePng(svg, path);
}

// ---------------------------------------------------------------------------------------------

/**
 * The protocol every number of a training report follows. Written down before the test part of
 * the shipped series was evaluated for the model it produced (see training/README.md).
 */
export function protocolOf(refit: boolean) {
  return {
    split: "walk-forward by time: train (first 60% of the rows) / validation (next 20%) / test (last 20%); the last `horizon` rows of train and of validation purged",
    selection:
      "hyper-parameters of the default recipe (activity-path L2, forecast-floor quantile) chosen by training/select.ts (training/results/selection.json), on data that precede the test part only: a robustness gate (whole-day QLIKE <= 2 x the transferred HAR-RV's on the pre-test Polygon days 2021-12-22 and 2022-01-05, never trained on), then the lowest 4-fold rolling-origin CV QLIKE inside train + validation",
    model:
      "linear path initialized at least squares on log2 RV (log-HAR; the activity weights start at 0 when they are penalized); hidden output weights start at 0; Adam on QLIKE through the fee path's exp2 with L2 on the hidden weights and on the activity path; Polyak-averaged weights, log-mean level; the epoch count chosen by early stopping on validation QLIKE (fit on train)" +
      (refit ? "; then refitted for that many epochs on train + validation (walk-forward practice), seed fixed" : ""),
    baselines: refit
      ? "GARCH(1,1) by Gaussian QML and HAR-RV (Corsi 2009, levels) by OLS, EWMA lambda 0.94 and tuned on QLIKE: for the validation table fitted on train (lambda tuned on validation), for the test table refitted on train + validation (lambda tuned on train + validation), the same rows as the model"
      : "GARCH(1,1) by Gaussian QML and HAR-RV (Corsi 2009, levels) by OLS on train; EWMA lambda 0.94 and tuned on validation QLIKE",
    zeroRealizedVariance: "realized and forecast variance floored at 1 tick^2 for every forecast (the circuit's own floor: log2 sigma is clamped at 0)",
    test: "never used for any choice; evaluated once, after the recipe and the model file were fixed",
  };
}

export interface TrainOptions extends DataOptions {
  /** Refit on train + validation with the epoch count chosen on validation (default true). */
  refit?: boolean;
  period: number;
  horizon: number;
  seed: number;
  fit: Omit<FitOptions, "variant" | "seed" | "onEpoch">;
  variant: string;
  ablation: boolean;
  /** Epochs of each cross-validation fit in the ablation. */
  cvEpochs?: number;
  backend: BackendChoice;
  policy: Policy;
  policySource: string;
  out: string;
  reportPath: string;
  plotPath: string | null;
  onEpoch?: (variant: string, e: EpochLog) => void;
  log?: (line: string) => void;
}

export interface AblationRow {
  variant: string;
  description: string;
  inputs: number;
  hidden: boolean;
  /** Validation-block QLIKE of the early-stopped fit (the fit `train` ships for this variant). */
  valQlike: number;
  /** The same for its least-squares start (log-HAR on the variant's inputs). */
  initValQlike: number;
  bestEpoch: number;
  /** Rolling-origin cross-validation inside train + validation (see crossValidate). */
  cv?: { meanAtBestEpoch: number; bestEpoch: number; meanAtStart: number; perFold: number[] };
  seconds: number;
}

export interface Fold {
  train: Int32Array;
  validation: Int32Array;
}

/**
 * Rolling-origin folds inside everything before the test part: the last half of [0, test start)
 * in 4 consecutive validation blocks, each fitted on every row before it (purged by the horizon).
 * With the default 60/20 split: validate on 40-50%, 50-60%, 60-70%, 70-80% of the rows.
 */
export function rollingFolds(ds: Dataset, split: Split, k = 4): Fold[] {
  const end = split.test[0]!;
  const r = (a: number, b: number) => Int32Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  return Array.from({ length: k }, (_, f) => {
    const a = Math.floor((end * (k + f)) / (2 * k));
    const b = Math.floor((end * (k + f + 1)) / (2 * k));
    return { train: r(0, a - ds.horizon), validation: r(a, b - ds.horizon) };
  });
}

/** Mean validation QLIKE over the folds for each baseline (each refitted per fold). */
export function crossValidateBaselines(ds: Dataset, folds: Fold[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const f of folds) {
    const fs: Split = { train: f.train, validation: f.validation, test: f.validation, purged: 0 };
    const rv = targetsOf(ds, f.validation);
    for (const [name, v] of Object.entries(baselineForecasts(ds, fitBaselines(ds, fs), f.validation))) {
      sums[name] = (sums[name] ?? 0) + mean(lossSeries(rv, v, qlike)) / folds.length;
    }
  }
  return sums;
}

/** Fixed-length fits on every fold; the fold-mean validation curve picks the epoch. */
export async function crossValidate(ds: Dataset, folds: Fold[], fit: Omit<FitOptions, "variant">, variant: Variant, epochs: number) {
  const curves: number[][] = [];
  for (const f of folds) {
    const r = await fitNetwork(ds, { train: f.train, validation: f.validation, test: f.validation, purged: 0 }, { ...fit, variant, maxEpochs: epochs, keepLast: true, onEpoch: undefined });
    curves.push([r.initValLoss, ...r.history.map((h) => h.valLoss)]);
  }
  const mean = curves[0]!.map((_, e) => curves.reduce((s, c) => s + c[e]!, 0) / curves.length);
  let best = 0;
  mean.forEach((v, e) => {
    if (v < mean[best]!) best = e;
  });
  return { meanAtBestEpoch: mean[best]!, bestEpoch: best, meanAtStart: mean[0]!, perFold: curves.map((c) => c[best]!) };
}

export async function runTraining(o: TrainOptions) {
  const log = o.log ?? (() => {});
  const started = performance.now();
  const backend = await selectBackend(o.backend);
  log(`backend: ${backend}`);
  const p = prepare(o, o.horizon);
  for (const l of repairLines(p)) log(l);
  const summary = dataSummary(p);
  log(`data: ${p.series.rows} rows, ${p.ds.n} samples; train ${summary.split.train.n} (${summary.split.train.from.slice(0, 10)}..${summary.split.train.to.slice(0, 10)}), validation ${summary.split.validation.n}, test ${summary.split.test.n} (${summary.split.test.from.slice(0, 10)}..${summary.split.test.to.slice(0, 10)}, held out)`);
  const fitsTrain = fitBaselines(p.ds, p.split);

  const fitVariant = async (key: string): Promise<FitResult> => {
    const variant: Variant | undefined = VARIANTS[key];
    if (!variant) throw new Error(`unknown variant '${key}' (choose from ${Object.keys(VARIANTS).join(", ")})`);
    return fitNetwork(p.ds, p.split, { ...o.fit, seed: o.seed, variant, onEpoch: (e) => o.onEpoch?.(key, e) });
  };

  const ablation: AblationRow[] = [];
  let chosen: FitResult | undefined;
  const keys = o.ablation ? Object.keys(VARIANTS) : [o.variant];
  const folds = o.ablation ? rollingFolds(p.ds, p.split) : [];
  for (const key of keys) {
    const r = await fitVariant(key);
    const v = VARIANTS[key]!;
    const row: AblationRow = { variant: key, description: v.name, inputs: v.inputs.filter(Boolean).length, hidden: v.hidden, valQlike: r.valLoss, initValQlike: r.initValLoss, bestEpoch: r.bestEpoch, seconds: r.seconds };
    if (o.ablation) {
      log(`ablation: cross-validating '${key}' on ${folds.length} rolling folds`);
      row.cv = await crossValidate(p.ds, folds, { ...o.fit, seed: o.seed }, v, o.cvEpochs ?? 40);
    }
    ablation.push(row);
    if (key === o.variant) chosen = r;
  }
  const cvBaselines = o.ablation ? crossValidateBaselines(p.ds, folds) : undefined;
  if (!chosen) throw new Error(`variant '${o.variant}' was not trained`);

  // Walk-forward refit: the epoch count chosen by early stopping on validation, the other
  // hyper-parameters as given, fitted again on train + validation; the baselines likewise.
  const selected = chosen;
  const refit = o.refit !== false;
  const rsplit = refitSplit(p.split);
  let final: FitResult = chosen;
  if (refit) {
    log(`refit: ${chosen.bestEpoch} epoch(s) on train + validation (${rsplit.train.length} rows)`);
    final = await fitNetwork(p.ds, rsplit, { ...o.fit, seed: o.seed, variant: VARIANTS[o.variant]!, maxEpochs: chosen.bestEpoch, keepLast: true, onEpoch: (e) => o.onEpoch?.("refit", e) });
  }
  const fitsFinal = refit ? fitBaselines(p.ds, rsplit) : fitsTrain;
  const fittedOn = describeRows(p.ds, refit ? rsplit.train : p.split.train);

  const meta = {
    kind: `QLIKE-trained network of SPEC §4 (variant '${o.variant}': ${VARIANTS[o.variant]!.name})`,
    trainedOn: refit
      ? `${p.series.sources.length} file(s) from ${[o.data].flat().join(",")}; fitted on ${fittedOn.from} .. ${fittedOn.to} (train + validation) for ${chosen.bestEpoch} epochs, the count chosen by early stopping on ${summary.split.validation.from} .. ${summary.split.validation.to} with a fit on ${summary.split.train.from} .. ${summary.split.train.to}`
      : `${p.series.sources.length} file(s) from ${[o.data].flat().join(",")}; rows ${summary.split.train.from} .. ${summary.split.train.to} (train), early stopping on ${summary.split.validation.from} .. ${summary.split.validation.to}`,
    test: `held out, never used for a choice: ${summary.split.test.from} .. ${summary.split.test.to}`,
    loss: "QLIKE of realized variance over the horizon, variance = fastExp2(clamp(y/2, 0, 24))^2, both floored at 1 tick^2",
    seed: o.seed,
    epochs: chosen.bestEpoch,
    validationQlike: chosen.valLoss,
    policyFrom: o.policySource,
    createdAt: new Date().toISOString(),
  };
  let model: Model;
  try {
    model = await createModel({ float: final.net, policy: o.policy, period: o.period, horizon: o.horizon, meta });
  } catch (e) {
    throw new Error(`the trained weights cannot be committed: ${(e as Error).message}`);
  }

  // Validation (the part every choice was made on: the fit on train against baselines fitted on
  // train), then the held-out test (the refit model against baselines refitted on the same rows),
  // reported only.
  const selectedModel = refit ? await createModel({ float: selected.net, policy: o.policy, period: o.period, horizon: o.horizon }) : model;
  const val = compare(p.ds, fitsTrain, p.split.validation, { float: selected.net, quantized: selectedModel });
  const test = compare(p.ds, fitsFinal, p.split.test, { float: final.net, quantized: model });
  saveModel(model, o.out);
  if (o.plotPath) plotComparison(test, p.ds, o.plotPath, `Forecast vs realized volatility, held-out test period (${VARIANTS[o.variant]!.name})`);
  const strip = (c: Comparison) => ({ rows: c.rows, dmLag: c.dmLag, zeroShare: c.zeroShare, results: c.results, verdict: verdict(c.results) });
  const report = {
    format: "provenfee-training-report/1",
    model: { path: o.out, commitment: model.file.commitment, float: final.net, quantized: model.file.quantized, policy: model.file.policy },
    data: summary,
    protocol: protocolOf(refit),
    fit: {
      variant: o.variant,
      backend,
      seed: o.seed,
      options: o.fit,
      bestEpoch: chosen.bestEpoch,
      refit: refit ? { rows: fittedOn, epochs: chosen.bestEpoch, trainQlike: final.trainLoss, seconds: final.seconds } : null,
      initValidationQlike: chosen.initValLoss,
      validationQlike: chosen.valLoss,
      trainQlike: chosen.trainLoss,
      seconds: chosen.seconds,
      history: chosen.history.map((h) => ({ epoch: h.epoch, loss: h.loss, valLoss: h.valLoss })),
    },
    ablation: o.ablation
      ? {
          note: "validation only: the validation block, and rolling-origin folds inside train + validation; the test part plays no role",
          folds: folds.map((f) => ({ train: describeRows(p.ds, f.train), validation: describeRows(p.ds, f.validation) })),
          variants: ablation,
          baselinesCv: cvBaselines,
        }
      : undefined,
    baselines: baselineSummary(fitsFinal),
    baselinesOnTrain: refit ? baselineSummary(fitsTrain) : undefined,
    validation: strip(val),
    test: strip(test),
    plot: o.plotPath,
    seconds: (performance.now() - started) / 1000,
  };
  const { writeFileSync, renameSync } = await import("node:fs");
  const tmp = `${o.reportPath}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, o.reportPath);
  return { report, model };
}

// ---------------------------------------------------------------------------------------------

export interface EvaluateOptions extends DataOptions {
  modelPath: string;
  dmLag?: number;
  /** Rows the baselines are fitted on: train + validation (default; as the default model) or train only. */
  fitOn?: "train" | "train+validation";
  plotPath: string | null;
  log?: (line: string) => void;
}

export async function runEvaluation(o: EvaluateOptions) {
  const log = o.log ?? (() => {});
  const model = await loadModel(o.modelPath);
  const p = prepare({ ...o, period: model.file.period }, model.file.horizon);
  for (const l of repairLines(p)) log(l);
  const fitOn = o.fitOn ?? "train+validation";
  const fits = fitBaselines(p.ds, fitOn === "train" ? p.split : refitSplit(p.split));
  const c = compare(p.ds, fits, p.split.test, { float: model.file.float, quantized: model }, o.dmLag);
  if (o.plotPath) plotComparison(c, p.ds, o.plotPath, `Forecast vs realized volatility: ${o.modelPath}`);
  const summary = dataSummary(p);
  return {
    test: c.rows,
    results: c.results,
    verdict: verdict(c.results),
    dmLag: c.dmLag,
    zeroShare: c.zeroShare,
    baselinesFittedOn: fitOn,
    model: { path: o.modelPath, commitment: model.file.commitment, period: model.file.period, horizon: model.file.horizon },
    data: summary,
    baselines: baselineSummary(fits),
    validationQlike: { model: qlikeOf(model.file.float, p.ds, p.split.validation) },
  };
}

export { DEFAULT_FIT, DEFAULT_HORIZON, DEFAULT_PERIOD };
