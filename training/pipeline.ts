// `provenfee train` and `provenfee evaluate` as functions returning plain results: the CLI in
// cli.ts only parses flags and prints. Protocol (walk-forward, by time):
//
//   train (first 60%)  | validation (next 20%) | test (last 20%)
//   every fit          | every choice          | only reported, never used for a choice
//
// The last `horizon` rows of train and of validation are purged (their targets reach into the next
// part). Baselines are fitted on the training part (EWMA lambda tuned on validation); the model is
// fitted on the training part with early stopping on validation.
import path from "node:path";
import { loadModel, createModel, saveModel, type Model, type FloatNetwork, type Policy, DEFAULT_HORIZON, DEFAULT_PERIOD } from "../model/index.ts";
import { buildDataset, describeRows, loadSeries, refitSplit, walkForwardSplit, type Dataset, type LoadOptions, type Series, type Split } from "./dataset.ts";
import {
  baselineForecasts, fitBaselines, floatForecasts, quantizedForecasts, scoreForecasts, targetsOf,
  type BaselineFits, type ScoredForecast,
} from "./forecasts.ts";
import {
  DEFAULT_CORRECTION, fitCorrection, fitLevels, levelNetwork, qlikeOf, selectBackend,
  type BackendChoice, type CorrectionFit, type CorrectionOptions, type EpochLog, type Levels,
} from "./fit.ts";
import { blockMean, renderSvg, writePng } from "./plot.ts";
import { fitFeePolicy, preparePolicyFit, type PolicyFitOptions, type PolicyFitResult } from "../backtest/policyFit.ts";
import { DataError, describePair, pairSummary, resolvePair, type Pair, type PairFlags } from "../history/index.ts";

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
        : g.breaks.length > 0 ? "data: no short holes to fill (the longer ones split the series, below)" : "data: no missing minutes",
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
/** The baselines the model must beat (the issue's "best of HAR-RV, tuned EWMA, GARCH"). */
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

/** The protocol every number of a training report follows. */
export function protocolOf() {
  return {
    split: "walk-forward by time: train (first 60% of the rows) / validation (next 20%) / test (last 20%); the last `horizon` rows of train and of validation purged",
    baselines: "GARCH(1,1) by Gaussian QML and HAR-RV (Corsi 2009, levels) by OLS, EWMA lambda 0.94 and tuned on QLIKE: for the validation table fitted on train (lambda tuned on validation), for the test table refitted on train + validation (lambda tuned on train + validation), the same rows as the model",
    levels:
      "the level sum S = c0 + sum_k w_k F_k (c0, w >= 0) of SPEC §4 starts at the best judged baseline (EWMA tuned, GARCH(1,1), HAR-RV) projected into that space (the level parameters closest in QLIKE to the baseline's forecasts on train), or at the prior's levels (--prior: fitted on other pools), whichever has the lowest validation QLIKE; it is then fitted on train QLIKE by projected Fisher scoring and the fit replaces the start only if its validation QLIKE is lower",
    correction:
      "the correction's hidden units (input weights summing to zero: ratios of the five variances only) start with output weight 0 (no correction); Adam on the QLIKE of the train rows with the levels fixed, the epoch count chosen by early stopping on validation QLIKE of the exact published forecast; kept only if it lowers validation QLIKE by at least 0.5%",
    refit: "the kept recipe is refitted on train + validation: levels from the train fit (or the projection of the baseline refitted on train + validation when the start was kept; a kept prior as it is), the correction for the chosen epoch count",
    zeroRealizedVariance: "realized and forecast variance floored at 1 tick^2 for every forecast (the circuit's own floor: the published log2 variance is clamped at 0)",
    test: "never used for any choice; evaluated once, after the model file was fixed",
  };
}

/** What the second step of `train` needs: the fee policy fitted by net LP PnL (backtest/policyFit.ts). */
export interface PolicyFitSettings {
  reference?: string;
  elasticities: number[];
  /** The elasticity whose fitted policy the model file ships. */
  shipElasticity: number;
  gasPerUpdate?: number;
  gasPriceGwei?: number;
  gasTokenPrice?: number;
  /** `--chain`: a gas-price preset, gas paid in ETH (model/updateRule.ts CHAIN_PRESETS). */
  chain?: "mainnet" | "l2";
  /** The update rule the fitted policy is judged with (default "pays"). */
  updateRule?: "pays" | "off";
  ruleHorizon?: number;
  workers?: number;
}

export interface TrainOptions extends DataOptions {
  period: number;
  horizon: number;
  seed: number;
  correction: Omit<CorrectionOptions, "seed" | "onEpoch" | "keepLast"> | null;
  backend: BackendChoice;
  policy: Policy;
  policySource: string;
  /** The fallback fee recommended with `policy` (its file's meta.fallbackFee), shipped with it when the policy is not fitted. */
  policyFallbackFee?: number;
  /** Fit the fee policy by net LP PnL after the forecast (null: keep `policy`). */
  policyFit: PolicyFitSettings | null;
  /** The pair's terms as given (`--quote`, `--decimals`, `--historical-fee`, `--tick-spacing`); the rest is inferred from the data. */
  pair?: PairFlags;
  /**
   * Levels fitted elsewhere (`--prior`, by default the shipped default model: several pools at once),
   * a candidate start beside the projected baselines, chosen only if its validation QLIKE is the best.
   */
  prior?: { name: string; levels: Levels; fittedOn?: string[] } | null;
  out: string;
  reportPath: string;
  plotPath: string | null;
  onEpoch?: (stage: string, e: EpochLog) => void;
  log?: (line: string) => void;
}

/**
 * The correction is kept only if it lowers validation QLIKE by at least this share: below it, the
 * gain is within the epoch-to-epoch noise of the fit and the correction only adds parameters.
 */
export const CORRECTION_MIN_GAIN = 0.005;

const START_LEVELS = (horizon: number): Levels => [1, ...new Array<number>(5).fill(horizon / 5)];

/**
 * Each judged baseline projected into the level space on `rows` (its own forecasts as the target),
 * scored on `judgeRows` against the realized variance; the best one is the fit's start.
 */
export function projectedBaselines(ds: Dataset, fits: BaselineFits, rows: Int32Array, judgeRows: Int32Array) {
  const forecasts = baselineForecasts(ds, fits, rows);
  return JUDGED_BASELINES.map((name) => {
    const projected = fitLevels(ds, rows, START_LEVELS(ds.horizon), forecasts[name]!).levels;
    return { name, levels: projected, qlike: qlikeOf(levelNetwork(projected), ds, judgeRows) };
  }).sort((a, b) => a.qlike - b.qlike);
}

/**
 * The time ranges of the policy fit: validation covers the periods the validation rows forecast
 * (from the first validation as-of period to the last one's horizon end, which the purge keeps
 * before the test part); test runs from the first test as-of period to the end of the data.
 */
export function policyRanges(p: Prepared): { validation: { from: number; to: number }; test: { from: number; to: number } } {
  const { ds, split } = p;
  const at = (row: number) => ds.asOf[row]! * ds.period;
  const lastVal = split.validation[split.validation.length - 1]!;
  const firstTest = split.test[0]!;
  const lastTest = split.test[split.test.length - 1]!;
  return {
    validation: { from: at(split.validation[0]!) + ds.period, to: at(lastVal) + (ds.horizon + 1) * ds.period },
    test: { from: at(firstTest) + ds.period, to: at(lastTest) + (ds.horizon + 1) * ds.period },
  };
}

/** A data file's name without folder and .gz: how a prior's `fittedOn` names the files it saw. */
export const fileName = (file: string) => path.basename(file).replace(/\.gz$/, "");

export async function runTraining(o: TrainOptions) {
  const log = o.log ?? (() => {});
  const started = performance.now();
  const backend = await selectBackend(o.backend);
  log(`backend: ${backend}`);
  const p = prepare(o, o.horizon);
  for (const l of repairLines(p)) log(l);
  const summary = dataSummary(p);
  // The policy fit's history, pair and reference are loaded and checked now, so that a wrong
  // --quote/--decimals or reference fails in seconds, not after the forecast is fitted.
  const fitOptions: PolicyFitOptions | undefined = o.policyFit ? {
    source: p.series.format === "minute" ? "bars" : "swaps",
    input: p.series.sources.join(","),
    reference: o.policyFit.reference,
    pair: o.pair,
    ...policyRanges(p),
    elasticities: o.policyFit.elasticities,
    shipElasticity: o.policyFit.shipElasticity,
    gasPerUpdate: o.policyFit.gasPerUpdate,
    gasPriceGwei: o.policyFit.gasPriceGwei,
    gasTokenPrice: o.policyFit.gasTokenPrice,
    chain: o.policyFit.chain,
    updateRule: o.policyFit.updateRule,
    ruleHorizon: o.policyFit.ruleHorizon,
    period: o.period,
    workers: o.policyFit.workers,
  } : undefined;
  const prepared = fitOptions && preparePolicyFit(fitOptions);
  const pair: Pair = prepared?.history.pair ?? resolvePair(p.series.sources, o.pair ?? {}, undefined, { strict: false });
  log(describePair(pair));
  log(`data: ${p.series.rows} rows, ${p.ds.n} samples; train ${summary.split.train.n} (${summary.split.train.from.slice(0, 10)}..${summary.split.train.to.slice(0, 10)}), validation ${summary.split.validation.n}, test ${summary.split.test.n} (${summary.split.test.from.slice(0, 10)}..${summary.split.test.to.slice(0, 10)}, held out)`);
  const { train, validation } = p.split;
  const rsplit = refitSplit(p.split);
  const fitsTrain = fitBaselines(p.ds, p.split);

  // Stage 1: levels, from the best baseline (or the prior, where validation prefers it). A prior fitted
  // on this very history has seen its validation rows: it cannot be judged on them, so it is left out.
  const starts: { name: string; levels: Levels; qlike: number }[] = projectedBaselines(p.ds, fitsTrain, train, validation);
  const seenByPrior = o.prior?.fittedOn && p.series.sources.map(fileName).find((f) => o.prior!.fittedOn!.includes(f));
  if (o.prior && seenByPrior) log(`prior: ${o.prior.name} was fitted on this history (${seenByPrior}): not a candidate start`);
  const prior = seenByPrior ? null : o.prior;
  if (prior) starts.push({ name: prior.name, levels: prior.levels, qlike: qlikeOf(levelNetwork(prior.levels), p.ds, validation) });
  starts.sort((a, b) => a.qlike - b.qlike);
  const start = starts[0]!;
  const startIsPrior = prior !== undefined && prior !== null && start.name === prior.name;
  const fitted = fitLevels(p.ds, train, start.levels);
  const fittedVal = qlikeOf(levelNetwork(fitted.levels), p.ds, validation);
  const levelsMoved = fittedVal < start.qlike;
  log(`levels: start = ${start.name}${startIsPrior ? " (the prior)" : " projected"} (validation QLIKE ${start.qlike.toFixed(4)}${prior && !startIsPrior ? `; prior ${prior.name} ${starts.find((c) => c.name === prior.name)!.qlike.toFixed(4)}` : ""}); QLIKE fit on train ${fittedVal.toFixed(4)} -> ${levelsMoved ? "fit kept" : "start kept"}`);
  const trainLevels = levelsMoved ? fitted.levels : start.levels;

  // Stage 2: the correction, kept only if validation says so.
  let correction: CorrectionFit | undefined;
  let selected = levelNetwork(trainLevels);
  if (o.correction) {
    correction = await fitCorrection(p.ds, train, validation, selected, { ...o.correction, seed: o.seed, onEpoch: (e) => o.onEpoch?.("correction", e) });
    if (correction.valLoss < correction.startValLoss * (1 - CORRECTION_MIN_GAIN)) selected = correction.net;
    log(`correction: validation QLIKE ${correction.startValLoss.toFixed(4)} without, ${correction.valLoss.toFixed(4)} with (epoch ${correction.bestEpoch}) -> ${selected === correction.net ? "kept" : "dropped"}`);
  }
  const correctionKept = correction !== undefined && selected === correction.net;

  // Refit on train + validation.
  const fitsFinal = fitBaselines(p.ds, rsplit);
  // A kept prior is kept as it is: it was fitted on other data, and refitting it here would make it another fit.
  const finalLevels = levelsMoved
    ? fitLevels(p.ds, rsplit.train, trainLevels).levels
    : startIsPrior
      ? start.levels
      : projectedBaselines(p.ds, fitsFinal, rsplit.train, rsplit.train).find((b) => b.name === start.name)!.levels;
  let finalNet = levelNetwork(finalLevels);
  if (correctionKept) {
    const refit = await fitCorrection(p.ds, rsplit.train, rsplit.train, finalNet, { ...o.correction!, seed: o.seed, maxEpochs: correction!.bestEpoch, keepLast: true, onEpoch: (e) => o.onEpoch?.("refit", e) });
    finalNet = refit.net;
  }
  const fittedOn = describeRows(p.ds, rsplit.train);
  const meta = {
    kind: `level forecast of SPEC §4 (start: ${start.name}${startIsPrior ? " (prior)" : " projected"}; ${levelsMoved ? "QLIKE-fitted levels" : "levels of the start"}; ${correctionKept ? `correction of ${correction!.bestEpoch} epochs` : "no correction"})`,
    trainedOn: `${p.series.sources.length} file(s) from ${[o.data].flat().join(",")}; choices on ${summary.split.validation.from} .. ${summary.split.validation.to} with fits on ${summary.split.train.from} .. ${summary.split.train.to}; refitted on ${fittedOn.from} .. ${fittedOn.to}`,
    test: `held out, never used for a choice: ${summary.split.test.from} .. ${summary.split.test.to}`,
    loss: "QLIKE of realized variance over the horizon against the published forecast variance fastExp2(clamp(y, 0, 48)), both floored at 1 tick^2",
    seed: o.seed,
    policyFrom: o.policySource,
    ...(o.policyFallbackFee !== undefined ? { fallbackFee: o.policyFallbackFee } : {}),
    ...(o.policyFit?.reference ? { reference: o.policyFit.reference } : {}),
    pair: pairSummary(pair),
    createdAt: new Date().toISOString(),
  };
  let model: Model;
  try {
    model = await createModel({ float: finalNet, policy: o.policy, period: o.period, horizon: o.horizon, meta });
  } catch (e) {
    throw new Error(`the trained weights cannot be committed: ${(e as Error).message}`);
  }
  const selectedModel = await createModel({ float: selected, policy: o.policy, period: o.period, horizon: o.horizon });

  // Step 2: the fee policy, fitted by net LP PnL on the validation range with the forecaster it ships
  // with, then run on the test range. Its intercept and slope are in units of that forecaster's
  // output: a policy fitted with the train-only forecaster and shipped on the refitted one ran on a
  // forecaster it was never fitted to (a refitted correction can move the forecast's scale; on Polygon
  // 2022-01-05 the fee that reached 354 bp on validation averaged 3-8 bp on a more volatile test range).
  let policyFit: PolicyFitResult | undefined;
  if (o.policyFit) {
    const ranges = policyRanges(p);
    // The fee is chosen against the LVR this reference measures: say what the pool's own price misses.
    if (!o.policyFit.reference) log("policy: no --reference: LVR is measured against the pool's own price, which moves only when the pool trades and so understates it (on the shipped 35-day series' test week by 37%: 174k against 278k USDC at 5 bp with Binance ETH/USDT), which favours lower fees; pass a CEX series where one exists");
    log(`policy: fitting on ${new Date(ranges.validation.from * 1000).toISOString().slice(0, 16)} .. ${new Date(ranges.validation.to * 1000).toISOString().slice(0, 16)} (counterfactual (b), elasticities ${o.policyFit.elasticities.join(", ")}), test ${new Date(ranges.test.from * 1000).toISOString().slice(0, 16)} .. ${new Date(ranges.test.to * 1000).toISOString().slice(0, 16)}`);
    policyFit = await fitFeePolicy(model, fitOptions!, prepared);
    model = await createModel({ float: finalNet, policy: policyFit.shipped, period: o.period, horizon: o.horizon, meta: { ...meta, fallbackFee: policyFit.shippedFallbackFee, policyFrom: `fitted by net LP PnL on the validation range, counterfactual (b), elasticity ${policyFit.shipElasticity}` } });
  }

  // Validation (where every choice was made: the fit on train against baselines fitted on train),
  // then the held-out test (the refit against baselines refitted on the same rows), reported only.
  const val = compare(p.ds, fitsTrain, validation, { float: selected, quantized: selectedModel });
  const test = compare(p.ds, fitsFinal, p.split.test, { float: finalNet, quantized: model });
  saveModel(model, o.out);
  if (o.plotPath) plotComparison(test, p.ds, o.plotPath, "Forecast vs realized volatility, held-out test period");
  const strip = (c: Comparison) => ({ rows: c.rows, dmLag: c.dmLag, zeroShare: c.zeroShare, results: c.results, verdict: verdict(c.results) });
  const report = {
    format: "provenfee-training-report/2",
    model: { path: o.out, commitment: model.file.commitment, float: finalNet, quantized: model.file.quantized, policy: model.file.policy },
    data: { ...summary, pair: pairSummary(pair) },
    protocol: protocolOf(),
    fit: {
      backend,
      seed: o.seed,
      starts: starts.map((s) => ({ baseline: s.name, levels: s.levels, validationQlike: s.qlike })),
      prior: o.prior ? { name: o.prior.name, levels: o.prior.levels, candidate: prior !== null, ...(seenByPrior ? { fittedOnThisHistory: seenByPrior } : {}), chosen: startIsPrior } : null,
      levels: { start: start.name, fitted: fitted.levels, fittedValidationQlike: fittedVal, kept: levelsMoved ? "fit" : "start", iterations: fitted.iterations },
      correction: correction
        ? { options: o.correction, kept: correctionKept, bestEpoch: correction.bestEpoch, validationQlikeWithout: correction.startValLoss, validationQlikeWith: correction.valLoss, seconds: correction.seconds, history: correction.history.map((h) => ({ epoch: h.epoch, loss: h.loss, valLoss: h.valLoss })) }
        : null,
      refit: { rows: fittedOn, levels: finalLevels },
    },
    policyFit: policyFit ?? null,
    baselines: baselineSummary(fitsFinal),
    baselinesOnTrain: baselineSummary(fitsTrain),
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
  // A Newey-West lag of n or more weighs autocovariances the test rows do not have.
  if (o.dmLag !== undefined && o.dmLag >= p.split.test.length) throw new DataError(`--dm-lag ${o.dmLag}: must be below the ${p.split.test.length} test rows`);
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

export { DEFAULT_CORRECTION, DEFAULT_HORIZON, DEFAULT_PERIOD };
