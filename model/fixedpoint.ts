// Exact integer arithmetic of SPEC §3-5: what the circuit computes, bit for bit.
import { FEATURE_MAX, FRAC_BITS_INPUT as F, FRAC_BITS_WEIGHT as S, HIDDEN, HORIZONS, N_FEATURES, N_INPUTS, SIGMA_LOG2_CAP } from "./constants.ts";

export interface QuantizedNetwork {
  /** Hidden weights, HIDDEN rows of N_INPUTS, scale 2^S. */
  W: bigint[][];
  /** Hidden biases, scale 2^F. */
  c: bigint[];
  /** Linear (HAR) path weights, scale 2^S. */
  a: bigint[];
  /** Hidden-unit output weights, scale 2^S. */
  v: bigint[];
  /** Output bias, scale 2^F. */
  b: bigint;
}

export interface Policy {
  /** Intercept, pips (signed). */
  base: number;
  /** Pips per tick of forecast sigma, scale 2^8. */
  slope: number;
  modelFeeMin: number;
  modelFeeMax: number;
}

export interface PoolTerms {
  poolFeeMin: number;
  poolFeeMax: number;
  /** Seconds per observation period. */
  period: number;
}

export interface FixedEvaluation {
  inputs: bigint[];
  /** Pre-activations of the hidden units, scale 2^(F+S). */
  preActivations: bigint[];
  /** Forecast log2 variance over the horizon, scale 2^(F+2S) = 2^32, never rescaled. */
  Y: bigint;
  /** Forecast sigma in ticks, scale 2^33. */
  sigmaQ: bigint;
  /** Fee before the clamps, pips. */
  rawFee: bigint;
  fee: number;
}

/** Floor division toward -infinity (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** Piecewise-linear log2 between powers of two, `F` fractional bits; L(0) = L(1) = 0. */
export function fastLog2Fixed(v: bigint): bigint {
  if (v < 0n) throw new RangeError(`fastLog2Fixed: negative argument ${v}`);
  if (v === 0n) return 0n;
  const m = BigInt(bitLength(v) - 1);
  const frac = ((v - (1n << m)) << BigInt(F)) >> m;
  return (m << BigInt(F)) + frac;
}

export function checkFeatures(features: readonly bigint[]): void {
  if (features.length !== N_FEATURES) throw new RangeError(`expected ${N_FEATURES} features, got ${features.length}`);
  features.forEach((f, i) => {
    const max = i < 8 ? FEATURE_MAX : BigInt(HORIZONS[i - 8]!);
    if (f < 0n || f > max) throw new RangeError(`feature ${i} = ${f} is outside [0, ${max}]`);
  });
}

/** Model inputs of SPEC §3 from the 12 raw features, at scale 2^F. */
export function modelInputs(features: readonly bigint[]): bigint[] {
  checkFeatures(features);
  const f = features as bigint[];
  const inputs: bigint[] = [];
  for (let h = 0; h < 4; h++) inputs.push(fastLog2Fixed(f[h]! + f[4 + h]!));
  for (let h = 0; h < 4; h++) inputs.push(fastLog2Fixed(f[4 + h]!));
  for (let h = 0; h < 4; h++) inputs.push(fastLog2Fixed(f[8 + h]!));
  return inputs;
}

/** Scale of the forecast `Y`: log2 variance times 2^32. */
export const FORECAST_FRAC_BITS = F + 2 * S;
const SIGMA_FRAC_BITS = BigInt(FORECAST_FRAC_BITS + 1);
const FEE_SHIFT = SIGMA_FRAC_BITS + 8n;

/** The forecast `Y` (SPEC §4) from model inputs, exact at scale 2^32. */
export function forecastFixed(net: QuantizedNetwork, inputs: readonly bigint[]): { Y: bigint; preActivations: bigint[] } {
  if (inputs.length !== N_INPUTS) throw new RangeError(`expected ${N_INPUTS} inputs`);
  const sB = BigInt(S);
  const preActivations: bigint[] = [];
  let Y = net.b << (2n * sB);
  for (let i = 0; i < N_INPUTS; i++) Y += (net.a[i]! * inputs[i]!) << sB;
  for (let j = 0; j < HIDDEN; j++) {
    let z = net.c[j]! << sB;
    for (let i = 0; i < N_INPUTS; i++) z += net.W[j]![i]! * inputs[i]!;
    preActivations.push(z);
    if (z > 0n) Y += net.v[j]! * z;
  }
  return { Y, preActivations };
}

/** Fast exp2 of the clamped log2 sigma: sigma in ticks at scale 2^33 (SPEC §5). */
export function sigmaFromForecast(Y: bigint): bigint {
  const one = 1n << SIGMA_FRAC_BITS;
  const cap = BigInt(SIGMA_LOG2_CAP) * one - 1n;
  const s = Y < 0n ? 0n : Y > cap ? cap : Y;
  return (one + (s & (one - 1n))) << (s >> SIGMA_FRAC_BITS);
}

/** The fee policy of SPEC §5, in pips. */
export function feeFromSigma(sigmaQ: bigint, policy: Policy, terms: PoolTerms): { rawFee: bigint; fee: number } {
  const rawFee = floorDiv((BigInt(policy.base) << FEE_SHIFT) + BigInt(policy.slope) * sigmaQ, 1n << FEE_SHIFT);
  const lo = BigInt(Math.max(policy.modelFeeMin, terms.poolFeeMin));
  const hi = BigInt(Math.min(policy.modelFeeMax, terms.poolFeeMax));
  const clampedLow = rawFee < lo ? lo : rawFee;
  const fee = clampedLow > hi ? hi : clampedLow;
  return { rawFee, fee: Number(fee) };
}

/** Everything the circuit computes, from raw features to the fee. */
export function evaluateFixed(net: QuantizedNetwork, policy: Policy, features: readonly bigint[], terms: PoolTerms): FixedEvaluation {
  const inputs = modelInputs(features);
  const { Y, preActivations } = forecastFixed(net, inputs);
  const sigmaQ = sigmaFromForecast(Y);
  const { rawFee, fee } = feeFromSigma(sigmaQ, policy, terms);
  return { inputs, preActivations, Y, sigmaQ, rawFee, fee };
}
