// The float form of the model (SPEC §4-5): what training fits. It differs from the fixed-point
// form only by weight quantization and floor rounding, never by a different formula.
import { FRAC_BITS_INPUT, HIDDEN, LEVEL_FRAC_BITS, N_FEATURES, SIGMA_LOG2_CAP, VARIANCE_FRAC_BITS } from "./constants.ts";
import type { Policy, PoolTerms } from "./fixedpoint.ts";
import { modelInputs } from "./fixedpoint.ts";

export interface FloatNetwork {
  /** Level weights (>= 0): multiples of each EWMA per-period variance. */
  w: number[];
  /** Level constant (>= 0), ticks^2 over the horizon. */
  c0: number;
  W: number[][];
  c: number[];
  v: number[];
  b: number;
}

/** Piecewise-linear 2^s: exact at integers, linear between them (the inverse of the fast log2). */
export function fastExp2(s: number): number {
  const i = Math.floor(s);
  return 2 ** i * (1 + (s - i));
}

/** Piecewise-linear log2 of a real, the float form of L (SPEC §4): -30 at 0, like L_24(0) at scale 2^30. */
export function fastLog2(x: number): number {
  if (!(x > 0)) return -LEVEL_FRAC_BITS;
  const m = Math.floor(Math.log2(x));
  // Math.log2 can be off by one ulp at exact powers of two: settle m so that 2^m <= x < 2^(m+1).
  const mm = x < 2 ** m ? m - 1 : x >= 2 ** (m + 1) ? m + 1 : m;
  return mm + x / 2 ** mm - 1;
}

/** The model's inputs as reals: levels F / 2^18 (ticks^2 per period) and logs L_8(F) / 2^8. */
export interface FloatInputs {
  levels: number[];
  logs: number[];
}

export function floatInputs(features: readonly bigint[]): FloatInputs {
  const logs = modelInputs(features).map((x) => Number(x) / 2 ** FRAC_BITS_INPUT);
  return { levels: features.map((f) => Number(f) / 2 ** VARIANCE_FRAC_BITS), logs };
}

/** The level sum S in ticks^2 over the horizon. */
export function levelSumFloat(net: FloatNetwork, levels: readonly number[]): number {
  let s = net.c0;
  for (let k = 0; k < N_FEATURES; k++) s += net.w[k]! * levels[k]!;
  return s;
}

/** The forecast log2 variance y (SPEC §4). */
export function forecastFloat(net: FloatNetwork, inputs: FloatInputs): number {
  let y = fastLog2(levelSumFloat(net, inputs.levels)) + net.b;
  for (let j = 0; j < HIDDEN; j++) {
    let z = net.c[j]!;
    for (let k = 0; k < N_FEATURES; k++) z += net.W[j]![k]! * inputs.logs[k]!;
    if (z > 0) y += net.v[j]! * z;
  }
  return y;
}

/** The forecast variance over the horizon the published forecast stands for: fastExp2 of clamped y. */
export function varianceFromForecast(y: number): number {
  return fastExp2(Math.min(Math.max(y, 0), 2 * SIGMA_LOG2_CAP - 2 ** -32));
}

export function feeFromForecastFloat(y: number, policy: Policy, terms: PoolTerms): { sigma: number; fee: number } {
  const s = Math.min(Math.max(y / 2, 0), SIGMA_LOG2_CAP - 2 ** -33);
  const sigma = fastExp2(s);
  const raw = policy.base + (policy.slope / 256) * sigma;
  const lo = Math.max(policy.modelFeeMin, terms.poolFeeMin);
  const hi = Math.min(policy.modelFeeMax, terms.poolFeeMax);
  return { sigma, fee: Math.min(Math.max(raw, lo), hi) };
}

export function evaluateFloat(net: FloatNetwork, policy: Policy, features: readonly bigint[], terms: PoolTerms) {
  const inputs = floatInputs(features);
  const y = forecastFloat(net, inputs);
  return { inputs, y, ...feeFromForecastFloat(y, policy, terms) };
}
