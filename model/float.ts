// The float form of the model (SPEC §4-5): what training fits. It differs from the fixed-point
// form only by weight quantization and floor rounding, never by a different formula.
import { HIDDEN, N_INPUTS, SIGMA_LOG2_CAP, FRAC_BITS_INPUT } from "./constants.ts";
import type { Policy, PoolTerms } from "./fixedpoint.ts";
import { modelInputs } from "./fixedpoint.ts";

export interface FloatNetwork {
  W: number[][];
  c: number[];
  a: number[];
  v: number[];
  b: number;
}

/** Piecewise-linear 2^s: exact at integers, linear between them (the inverse of the fast log2). */
export function fastExp2(s: number): number {
  const i = Math.floor(s);
  return 2 ** i * (1 + (s - i));
}

export function forecastFloat(net: FloatNetwork, inputs: readonly number[]): number {
  let y = net.b;
  for (let i = 0; i < N_INPUTS; i++) y += net.a[i]! * inputs[i]!;
  for (let j = 0; j < HIDDEN; j++) {
    let z = net.c[j]!;
    for (let i = 0; i < N_INPUTS; i++) z += net.W[j]![i]! * inputs[i]!;
    if (z > 0) y += net.v[j]! * z;
  }
  return y;
}

/** Model inputs as reals: the fixed-point inputs divided by 2^F, so both forms see the same data. */
export function floatInputs(features: readonly bigint[]): number[] {
  return modelInputs(features).map((x) => Number(x) / 2 ** FRAC_BITS_INPUT);
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
