// Exact integer arithmetic of SPEC §3-5: what the circuit computes, bit for bit.
import {
  FEATURE_MAX, FRAC_BITS_INPUT, FRAC_BITS_LEVEL_LOG, FRAC_BITS_WEIGHT as S, HIDDEN, LEVEL_FRAC_BITS, N_FEATURES,
  SIGMA_LOG2_CAP, VARIANCE_FRAC_BITS,
} from "./constants.ts";

export interface QuantizedNetwork {
  /** Level weights, unsigned, scale 2^12. */
  w: bigint[];
  /** Level constant (ticks^2 over the horizon), unsigned, scale 2^12. */
  c0: bigint;
  /** Correction weights, HIDDEN rows of N_FEATURES, scale 2^12. */
  W: bigint[][];
  /** Correction biases, scale 2^8. */
  c: bigint[];
  /** Correction output weights, scale 2^12. */
  v: bigint[];
  /** Log2 scale of the forecast, scale 2^8. */
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
  /** Log inputs x_k = L_8(F_k). */
  inputs: bigint[];
  /** Level sum S, ticks^2 over the horizon at scale 2^30. */
  levelSum: bigint;
  /** Pre-activations of the hidden units, scale 2^20. */
  preActivations: bigint[];
  /** Forecast log2 variance over the horizon, scale 2^32, before the clamp. */
  Y: bigint;
  /** The published forecast s = clamp(Y, 0, 24 * 2^33 - 1) (SPEC §5). */
  forecast: bigint;
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

/** Piecewise-linear log2 between powers of two with `fracBits` fractional bits; L(0) = L(1) = 0. */
export function fastLog2Fixed(v: bigint, fracBits: number = FRAC_BITS_INPUT): bigint {
  if (v < 0n) throw new RangeError(`fastLog2Fixed: negative argument ${v}`);
  if (v === 0n) return 0n;
  const m = BigInt(bitLength(v) - 1);
  const frac = ((v - (1n << m)) << BigInt(fracBits)) >> m;
  return (m << BigInt(fracBits)) + frac;
}

export function checkFeatures(features: readonly bigint[]): void {
  if (features.length !== N_FEATURES) throw new RangeError(`expected ${N_FEATURES} features, got ${features.length}`);
  features.forEach((f, i) => {
    if (typeof f !== "bigint" || f < 0n || f > FEATURE_MAX) throw new RangeError(`feature ${i} = ${f} is outside [0, ${FEATURE_MAX}] (2^38 - 1)`);
  });
}

/** Log inputs of SPEC §3 from the 5 raw features, at scale 2^8. */
export function modelInputs(features: readonly bigint[]): bigint[] {
  checkFeatures(features);
  return features.map((f) => fastLog2Fixed(f, FRAC_BITS_INPUT));
}

/** Scale of the forecast `Y`: log2 variance times 2^32. */
export const FORECAST_FRAC_BITS = 32;
const SIGMA_FRAC_BITS = BigInt(FORECAST_FRAC_BITS + 1);
const FEE_SHIFT = SIGMA_FRAC_BITS + 8n;
const LEVEL_LOG_OFFSET = BigInt(LEVEL_FRAC_BITS) << BigInt(FRAC_BITS_LEVEL_LOG);
const LEVEL_LOG_TO_Y = BigInt(FORECAST_FRAC_BITS - FRAC_BITS_LEVEL_LOG);
const B_TO_Y = BigInt(FORECAST_FRAC_BITS - FRAC_BITS_INPUT);

/** S = c0 * 2^18 + sum_k w_k F_k: the forecast variance in levels, ticks^2 at scale 2^30 (SPEC §4). */
export function levelSum(net: QuantizedNetwork, features: readonly bigint[]): bigint {
  let sum = net.c0 << BigInt(VARIANCE_FRAC_BITS);
  for (let k = 0; k < N_FEATURES; k++) sum += net.w[k]! * features[k]!;
  return sum;
}

/** The forecast `Y` (SPEC §4) from raw features and their log inputs, exact at scale 2^32. */
export function forecastFixed(net: QuantizedNetwork, features: readonly bigint[], inputs: readonly bigint[]): { Y: bigint; levelSum: bigint; preActivations: bigint[] } {
  const sB = BigInt(S);
  const sum = levelSum(net, features);
  let Y = ((fastLog2Fixed(sum, FRAC_BITS_LEVEL_LOG) - LEVEL_LOG_OFFSET) << LEVEL_LOG_TO_Y) + (net.b << B_TO_Y);
  const preActivations: bigint[] = [];
  for (let j = 0; j < HIDDEN; j++) {
    let z = net.c[j]! << sB;
    for (let k = 0; k < N_FEATURES; k++) z += net.W[j]![k]! * inputs[k]!;
    preActivations.push(z);
    if (z > 0n) Y += net.v[j]! * z;
  }
  return { Y, levelSum: sum, preActivations };
}

const SIGMA_ONE = 1n << SIGMA_FRAC_BITS;
const FORECAST_CAP = BigInt(SIGMA_LOG2_CAP) * SIGMA_ONE - 1n;

/** The published forecast s: Y clamped to [0, 24 * 2^33 - 1] (log2 variance in [0, 48) at scale 2^32). */
export function forecastLane(Y: bigint): bigint {
  return Y < 0n ? 0n : Y > FORECAST_CAP ? FORECAST_CAP : Y;
}

/** Fast exp2 of the clamped log2 sigma: sigma in ticks at scale 2^33 (SPEC §5). */
export function sigmaFromForecast(Y: bigint): bigint {
  const s = forecastLane(Y);
  return (SIGMA_ONE + (s & (SIGMA_ONE - 1n))) << (s >> SIGMA_FRAC_BITS);
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

/** Everything the circuit computes, from raw features to the fee and the published forecast. */
export function evaluateFixed(net: QuantizedNetwork, policy: Policy, features: readonly bigint[], terms: PoolTerms): FixedEvaluation {
  const inputs = modelInputs(features);
  const { Y, levelSum: sum, preActivations } = forecastFixed(net, features, inputs);
  const sigmaQ = sigmaFromForecast(Y);
  const { rawFee, fee } = feeFromSigma(sigmaQ, policy, terms);
  return { inputs, levelSum: sum, preActivations, Y, forecast: forecastLane(Y), sigmaQ, rawFee, fee };
}

/** The forecast variance over the horizon (ticks^2) that a published forecast lane stands for. */
export function forecastVariance(forecast: bigint): number {
  const s = Number(forecast) / 2 ** FORECAST_FRAC_BITS;
  const i = Math.floor(s);
  return 2 ** i * (1 + s - i);
}
