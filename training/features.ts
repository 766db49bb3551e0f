// Applies the hook's period rule (model/) to both input formats, so training sees exactly the
// numbers the hook computes. `featureMatrix` is the typed-array hot loop that builds the features
// of every as-of period at once; tests pin it, period by period, to model/'s `featuresAsOf` and
// `modelInputs` (the reference the hook and the circuit are tested against).
import { buildObservations, periodCloses, featuresAsOf, countThrough, FEATURE_MAX, HORIZONS, FRAC_BITS_INPUT, type Observations } from "../model/index.ts";
import type { MinuteBars, SwapEvents } from "./data.ts";

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

export { featuresAsOf };

const SAT = Number(FEATURE_MAX);
const TWO32 = 2 ** 32;

/** model/'s fastLog2Fixed (SPEC §3) on a double holding an exact integer < 2^53. */
export function fastLog2Number(v: number): number {
  if (v < 2) return 0;
  const m = v < TWO32 ? 31 - Math.clz32(v) : 63 - Math.clz32(Math.floor(v / TWO32));
  const p = 2 ** m;
  // (v - 2^m) * 2^F < 2^61 would lose bits, but v < 2^34 here (saturated sums), so this is exact.
  return m * 2 ** FRAC_BITS_INPUT + Math.floor(((v - p) * 2 ** FRAC_BITS_INPUT) / p);
}

export interface FeatureMatrix {
  /** As-of period of each row. */
  asOf: Float64Array;
  /** The 12 raw features of SPEC §2 per row (row-major, saturated exactly as the hook does). */
  raw: Float64Array;
  /** The 12 model inputs of SPEC §3 as reals (L / 2^F), row-major: what the float model reads. */
  inputs: Float32Array;
  /** Realized variance over the next `horizon` periods (ticks^2), when a horizon is given. */
  target?: Float64Array;
}

/**
 * Features (and optionally targets) for every as-of period `first..last` in one pass: pointers
 * advance monotonically instead of a binary search per period, so a year of minutes takes a
 * fraction of a second. Identical to `featuresAsOf` + `modelInputs` for every row (tested).
 */
export function featureMatrix(obs: Observations, first: number, last: number, horizon?: number): FeatureMatrix {
  const n = Math.max(0, last - first + 1);
  const nh = HORIZONS.length;
  const out: FeatureMatrix = { asOf: new Float64Array(n), raw: new Float64Array(n * 12), inputs: new Float32Array(n * 12) };
  if (horizon !== undefined) out.target = new Float64Array(n);
  const periods = obs.periods;
  const up = obs.cumUp;
  const down = obs.cumDown;
  const m = periods.length;
  // k[h] = number of observations with period <= A - HORIZONS[h]; kA for period <= A; kF for <= A + horizon.
  const k = new Int32Array(nh);
  let kA = countThrough(obs, first - 1);
  let kF = horizon !== undefined ? countThrough(obs, first - 1 + horizon) : 0;
  for (let h = 0; h < nh; h++) k[h] = countThrough(obs, first - 1 - HORIZONS[h]!);
  const scale = 2 ** -FRAC_BITS_INPUT;
  for (let r = 0; r < n; r++) {
    const A = first + r;
    while (kA < m && periods[kA]! <= A) kA++;
    const uA = kA > 0 ? up[kA - 1]! : 0;
    const dA = kA > 0 ? down[kA - 1]! : 0;
    const o = r * 12;
    for (let h = 0; h < nh; h++) {
      const bound = A - HORIZONS[h]!;
      let kb = k[h]!;
      while (kb < m && periods[kb]! <= bound) kb++;
      k[h] = kb;
      let u = uA - (kb > 0 ? up[kb - 1]! : 0);
      let d = dA - (kb > 0 ? down[kb - 1]! : 0);
      if (u > SAT) u = SAT;
      if (d > SAT) d = SAT;
      out.raw[o + h] = u;
      out.raw[o + nh + h] = d;
      out.raw[o + 2 * nh + h] = kA - kb;
      out.inputs[o + h] = fastLog2Number(u + d) * scale;
      out.inputs[o + nh + h] = fastLog2Number(d) * scale;
      out.inputs[o + 2 * nh + h] = fastLog2Number(kA - kb) * scale;
    }
    out.asOf[r] = A;
    if (out.target) {
      while (kF < m && periods[kF]! <= A + horizon!) kF++;
      out.target[r] = (kF > 0 ? up[kF - 1]! + down[kF - 1]! : 0) - uA - dA;
    }
  }
  return out;
}

/**
 * Squared tick change of each period on the regular period grid `first..last`: the close-to-close
 * move where the period traded (the hook's `d_i`), 0 where it did not. Its sums over windows are
 * exactly the oracle's realized variances, so the baselines see the same information as the model.
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
