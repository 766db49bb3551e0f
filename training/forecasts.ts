// Every forecast of the comparison on one dataset: the baselines fitted on the training part
// (EWMA lambda tuned on validation), the model in float and exactly as the circuit computes it.
// The test part is never used to choose anything.
import {
  evaluateFixed, forecastFloat, forecastVariance, N_FEATURES, varianceFromForecast,
  type FloatNetwork, type Model,
} from "../model/index.ts";
import {
  dieboldMariano, defaultDmLag, ewmaVariance, fitGarch, fitHar, garchFilter, garchHorizonForecast, harForecast,
  lossSeries, mean, ols, qlike, squaredError, VARIANCE_FLOOR, type DieboldMariano, type Garch, type Har,
} from "./baselines.ts";
import type { Dataset, Split } from "./dataset.ts";
import { HAR_WINDOWS } from "./features.ts";

// The model's variance forecast is the one it publishes (SPEC §5): fastExp2 of the clamped log2
// forecast, varianceFromForecast(y) in float and forecastVariance(s) from the circuit's lane.
export { varianceFromForecast };

export interface BaselineFits {
  ewmaLambda: number;
  tunedLambda: number;
  garch: Garch;
  har: Har;
  /** Log-HAR: ln RV ~ ln RV_h, forecast exp(fit + s^2/2). An extra, stronger-in-logs reference. */
  harLog: { coef: number[]; residualVariance: number };
}

export const EWMA_LAMBDA = 0.94;
export const LAMBDA_GRID: number[] = (() => {
  const g: number[] = [];
  for (let l = 0.5; l < 0.9; l += 0.02) g.push(Number(l.toFixed(3)));
  for (let l = 0.9; l < 0.99; l += 0.005) g.push(Number(l.toFixed(4)));
  for (let l = 0.99; l < 0.9995; l += 0.0005) g.push(Number(l.toFixed(5)));
  return g;
})();


export function ewmaForecasts(ds: Dataset, lambda: number, rows: Int32Array): Float64Array {
  const per = ds.series.segments.map((s) => ewmaVariance(s.r2, lambda));
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    out[r] = ds.horizon * per[ds.segment[i]!]![ds.gridIndex[i]!]!;
  }
  return out;
}

function garchForecasts(ds: Dataset, g: Garch, rows: Int32Array): Float64Array {
  const per = ds.series.segments.map((s) => {
    const w = Math.min(240, s.r2.length);
    return garchFilter(s.r2, g, Math.max(mean(s.r2.subarray(0, w)), 1e-9));
  });
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    out[r] = garchHorizonForecast(g, per[ds.segment[i]!]![ds.gridIndex[i]! + 1]!, ds.horizon);
  }
  return out;
}

function logRegressors(windows: Float64Array): Float64Array {
  const out = new Float64Array(windows.length);
  for (let i = 0; i < windows.length; i++) out[i] = Math.log(Math.max(windows[i]!, VARIANCE_FLOOR));
  return out;
}

export function fitBaselines(ds: Dataset, split: Split): BaselineFits {
  const tr = split.train;
  // GARCH on every squared return up to the end of the last training target (all before validation).
  const cutoff = ds.asOf[tr[tr.length - 1]!]! + ds.horizon;
  const parts = ds.series.segments.filter((s) => s.firstPeriod <= cutoff).map((s) => s.r2.subarray(0, Math.min(s.r2.length, cutoff - s.firstPeriod + 1)));
  const garch = fitGarch(parts);
  const windows = ds.windows;
  const har = fitHar(windows, HAR_WINDOWS, ds.target, tr, ds.horizon);
  const logW = logRegressors(windows);
  const logY = Float64Array.from(ds.target, (v) => Math.log(Math.max(v, VARIANCE_FLOOR)));
  const coef = ols(logW, HAR_WINDOWS.length, HAR_WINDOWS.map((_, j) => j), logY, tr);
  let rss = 0;
  for (const i of tr) {
    let f = coef[0]!;
    for (let j = 0; j < HAR_WINDOWS.length; j++) f += coef[j + 1]! * logW[i * HAR_WINDOWS.length + j]!;
    rss += (logY[i]! - f) ** 2;
  }
  // EWMA lambda: the grid value with the lowest validation QLIKE (ties: the first).
  const val = split.validation.length > 0 ? split.validation : tr;
  const rvVal = Float64Array.from(val, (i) => ds.target[i]!);
  let tunedLambda = EWMA_LAMBDA;
  let bestLoss = Infinity;
  for (const l of LAMBDA_GRID) {
    const loss = mean(lossSeries(rvVal, ewmaForecasts(ds, l, val), qlike));
    if (loss < bestLoss) {
      bestLoss = loss;
      tunedLambda = l;
    }
  }
  return { ewmaLambda: EWMA_LAMBDA, tunedLambda, garch, har, harLog: { coef, residualVariance: rss / tr.length } };
}

export function baselineForecasts(ds: Dataset, fits: BaselineFits, rows: Int32Array): Record<string, Float64Array> {
  const windows = ds.windows;
  const w = HAR_WINDOWS.length;
  const har = new Float64Array(rows.length);
  const harLog = new Float64Array(rows.length);
  rows.forEach((i, r) => {
    har[r] = harForecast(fits.har, windows, i);
    let f = fits.harLog.coef[0]!;
    for (let j = 0; j < w; j++) f += fits.harLog.coef[j + 1]! * Math.log(Math.max(windows[i * w + j]!, VARIANCE_FLOOR));
    harLog[r] = Math.exp(f + fits.harLog.residualVariance / 2);
  });
  return {
    ewma: ewmaForecasts(ds, fits.ewmaLambda, rows),
    "ewma-tuned": ewmaForecasts(ds, fits.tunedLambda, rows),
    garch: garchForecasts(ds, fits.garch, rows),
    har,
    "har-log": harLog,
  };
}

/** Row i's model inputs as model/'s float form reads them. */
export function inputsRow(ds: Dataset, i: number): { levels: number[]; logs: number[] } {
  const o = i * N_FEATURES;
  return { levels: Array.from(ds.levels.subarray(o, o + N_FEATURES)), logs: Array.from(ds.inputs.subarray(o, o + N_FEATURES)) };
}

/** The float model's variance forecasts (model/'s forecastFloat and the published forecast's exp2). */
export function floatForecasts(net: FloatNetwork, ds: Dataset, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => varianceFromForecast(forecastFloat(net, inputsRow(ds, i))));
}

/** Exactly what the circuit publishes (model/'s evaluateFixed on the raw features): fastExp2(s). */
export function quantizedForecasts(model: Model, ds: Dataset, rows: Int32Array): Float64Array {
  const terms = { poolFeeMin: 0, poolFeeMax: 1_000_000, period: ds.period };
  return Float64Array.from(rows, (i) => {
    const features = Array.from(ds.raw.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), (v) => BigInt(v));
    return forecastVariance(evaluateFixed(model.network, model.file.policy, features, terms).forecast);
  });
}

export interface ScoredForecast {
  name: string;
  qlike: number;
  mse: number;
  /** Diebold-Mariano statistic on QLIKE, baseline minus model (> 0: the model is more accurate). */
  dmVsModel: number | null;
  /** One-sided p-value of "the model beats this forecast" on QLIKE. */
  dmPValue: number | null;
  /** The same on squared error. */
  dmMseVsModel: number | null;
  qlikeNonzero: number;
}

/** QLIKE, MSE and DM tests against `reference` (the model) for each named forecast. */
export function scoreForecasts(rv: Float64Array, forecasts: Record<string, Float64Array>, reference: string, horizon: number, lag?: number): { results: ScoredForecast[]; dmLag: number; zeroShare: number } {
  const n = rv.length;
  const dmLag = lag ?? defaultDmLag(n, horizon);
  const ref = forecasts[reference];
  if (!ref) throw new Error(`no forecast named ${reference}`);
  const refQ = lossSeries(rv, ref, qlike);
  const refM = lossSeries(rv, ref, squaredError);
  const nonzero = Int32Array.from(rv.keys()).filter((i) => rv[i]! > 0);
  const results = Object.entries(forecasts).map(([name, f]) => {
    const q = lossSeries(rv, f, qlike);
    const m = lossSeries(rv, f, squaredError);
    let dm: DieboldMariano | undefined;
    let dmM: DieboldMariano | undefined;
    if (name !== reference) {
      dm = dieboldMariano(q, refQ, dmLag);
      dmM = dieboldMariano(m, refM, dmLag);
    }
    return {
      name,
      qlike: mean(q),
      mse: mean(m),
      dmVsModel: dm ? dm.stat : null,
      dmPValue: dm ? dm.pOneSided : null,
      dmMseVsModel: dmM ? dmM.stat : null,
      qlikeNonzero: mean(Float64Array.from(nonzero, (i) => q[i]!)),
    };
  });
  return { results, dmLag, zeroShare: 1 - nonzero.length / n };
}

export function targetsOf(ds: Dataset, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => ds.target[i]!);
}
