// Applies the hook's period rule and oracle (model/) to both input formats, so training sees
// exactly the numbers the hook computes. `featureMatrix` builds the features of every as-of period
// at once; tests pin it, period by period, to model/'s `featuresAsOf` and `modelInputs` (the
// reference the hook and the circuit are tested against).
import { buildObservations, countThrough, featureSeries, FRAC_BITS_INPUT, N_FEATURES, periodCloses, VARIANCE_FRAC_BITS, type Observations } from "../model/index.ts";
import type { MinuteBars, SwapEvents } from "../history/index.ts";

/** Window lengths (periods) of the realized variances the HAR-RV baseline regresses on (Corsi 2009's 1/5/22 days, at minute scale). */
export const HAR_WINDOWS = [1, 5, 30, 240] as const;

/** Observations from minute bars (rows [start, end) only, when given). */
export function observationsFromMinuteBars(bars: MinuteBars, period: number, start = 0, end = bars.timestamps.length): Observations {
  if (period % 60 !== 0) throw new RangeError(`minute bars resolve periods that are whole minutes; got period ${period}`);
  const ts: number[] = [];
  const ticks: number[] = [];
  for (let i = start; i < end; i++) {
    if (bars.traded[i]) {
      ts.push(bars.timestamps[i]!);
      ticks.push(bars.closeTick[i]!);
    }
  }
  return buildObservations(periodCloses(ts, ticks, period));
}

export function observationsFromSwaps(swaps: SwapEvents, period: number, start = 0, end = swaps.timestamps.length): Observations {
  return buildObservations(periodCloses(swaps.timestamps.subarray(start, end), swaps.tick.subarray(start, end), period));
}

/** Realized variance (ticks^2) over periods asOfPeriod+1 .. asOfPeriod+horizon: the forecast target. */
export function futureVariance(obs: Observations, asOfPeriod: number, horizon: number): number {
  const k0 = countThrough(obs, asOfPeriod);
  const k1 = countThrough(obs, asOfPeriod + horizon);
  const at = (k: number, arr: Float64Array) => (k > 0 ? arr[k - 1]! : 0);
  return at(k1, obs.cumUp) - at(k0, obs.cumUp) + at(k1, obs.cumDown) - at(k0, obs.cumDown);
}

const TWO32 = 2 ** 32;

/** model/'s fastLog2Fixed at 8 fractional bits on a double holding an exact integer < 2^53. */
export function fastLog2Number(v: number): number {
  if (v < 2) return 0;
  const m = v < TWO32 ? 31 - Math.clz32(v) : 63 - Math.clz32(Math.floor(v / TWO32));
  const p = 2 ** m;
  // (v - 2^m) * 2^8 < 2^53 for v < 2^45, and features are below 2^38: exact.
  return m * 2 ** FRAC_BITS_INPUT + Math.floor(((v - p) * 2 ** FRAC_BITS_INPUT) / p);
}

export interface FeatureMatrix {
  /** As-of period of each row. */
  asOf: Float64Array;
  /** The 5 raw features of SPEC §2 per row (row-major, exact integers as the hook reports them). */
  raw: Float64Array;
  /** The features as reals: ticks^2 per period (raw / 2^18), what the level sum reads. */
  levels: Float64Array;
  /** The 5 log inputs of SPEC §3 as reals (L_8 / 2^8), what the correction reads. */
  inputs: Float32Array;
  /** Realized variance over the HAR windows ending at A (ticks^2), 4 per row. */
  windows: Float64Array;
  /** Realized variance over the next `horizon` periods (ticks^2), when a horizon is given. */
  target?: Float64Array;
}

/**
 * Features, HAR windows and (optionally) targets for every as-of period `first..last` in one pass.
 * Identical to `featuresAsOf` + `modelInputs` for every row (tested).
 */
export function featureMatrix(obs: Observations, first: number, last: number, horizon?: number): FeatureMatrix {
  const n = Math.max(0, last - first + 1);
  const nw = HAR_WINDOWS.length;
  const raw = featureSeries(obs.periods, obs.ticks, first, last);
  const out: FeatureMatrix = {
    asOf: new Float64Array(n), raw, levels: new Float64Array(n * N_FEATURES), inputs: new Float32Array(n * N_FEATURES),
    windows: new Float64Array(n * nw),
  };
  if (horizon !== undefined) out.target = new Float64Array(n);
  const periods = obs.periods;
  const m = periods.length;
  const total = (k: number) => (k > 0 ? obs.cumUp[k - 1]! + obs.cumDown[k - 1]! : 0);
  // k[w] = closes with period <= A - window; kA for period <= A; kF for <= A + horizon.
  const k = Int32Array.from(HAR_WINDOWS, (w) => countThrough(obs, first - 1 - w));
  let kA = countThrough(obs, first - 1);
  let kF = horizon !== undefined ? countThrough(obs, first - 1 + horizon) : 0;
  const levelScale = 2 ** -VARIANCE_FRAC_BITS;
  const logScale = 2 ** -FRAC_BITS_INPUT;
  for (let r = 0; r < n; r++) {
    const A = first + r;
    out.asOf[r] = A;
    for (let f = 0; f < N_FEATURES; f++) {
      const v = raw[r * N_FEATURES + f]!;
      out.levels[r * N_FEATURES + f] = v * levelScale;
      out.inputs[r * N_FEATURES + f] = fastLog2Number(v) * logScale;
    }
    while (kA < m && periods[kA]! <= A) kA++;
    const tA = total(kA);
    for (let w = 0; w < nw; w++) {
      let kb = k[w]!;
      while (kb < m && periods[kb]! <= A - HAR_WINDOWS[w]!) kb++;
      k[w] = kb;
      out.windows[r * nw + w] = tA - total(kb);
    }
    if (out.target) {
      while (kF < m && periods[kF]! <= A + horizon!) kF++;
      out.target[r] = total(kF) - tA;
    }
  }
  return out;
}

/**
 * Squared tick change of each period on the regular period grid `first..last`: the close-to-close
 * move where the period traded (the hook's `d`), 0 where it did not. Its sums over windows are
 * exactly the realized variances, and its EWMA is the oracle's (before fixed-point rounding), so
 * the baselines see the same information as the model.
 */
export function squaredReturns(obs: Observations, first: number, last: number): Float64Array {
  const n = Math.max(0, last - first + 1);
  const out = new Float64Array(n);
  for (let i = 1; i < obs.periods.length; i++) {
    const p = obs.periods[i]!;
    if (p < first || p > last) continue;
    const d = obs.ticks[i]! - obs.ticks[i - 1]!;
    out[p - first] = d * d;
  }
  return out;
}
