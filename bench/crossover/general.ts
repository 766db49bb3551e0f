// The fixed-point model of model/SPEC.md §3-5 at any size, for the crossover measurement: K features (EWMA
// variances with any half-lives, SPEC §1-2 with K in place of 5) and J hidden units. At the shipped size
// (K = 5, J = 4) it is model/'s evaluateFixed; fixtures.ts checks that bit for bit before it writes anything.
// bench/crossover/OnchainFeeEvaluator.sol computes the same for any K and J, and ModelDeployer.sol generates the
// same deterministic random models (`randomNet`).
import { encodeAbiParameters, keccak256 } from "viem";
import {
  FEATURE_MAX, feeFromSigma, forecastLane, fastLog2Fixed, FRAC_BITS_INPUT, FRAC_BITS_LEVEL_LOG, LEVEL_FRAC_BITS, ONE_Q64, pow64,
  sigmaFromForecast, VARIANCE_FRAC_BITS, type Policy, type QuantizedNetwork,
} from "../../model/index.ts";

/** A quantized network with K features and J hidden units, in SPEC §4's lanes and scales. */
export interface GeneralNet extends QuantizedNetwork {
  k: number;
  j: number;
}

export interface GeneralEvaluation {
  /** Level sum S (scale 2^30). */
  levelSum: bigint;
  /** The forecast log2 variance Y (scale 2^32) before the clamp. */
  Y: bigint;
  /** The published forecast s = clamp(Y, 0, 24 * 2^33 - 1). */
  forecast: bigint;
  fee: number;
}

const FORECAST_FRAC_BITS = 32n;

/** SPEC §3-5 for any K and J: the arithmetic of evaluateFixed with the sizes taken from the network. */
export function evaluateGeneral(net: GeneralNet, policy: Policy, features: readonly bigint[], terms: { poolFeeMin: number; poolFeeMax: number }): GeneralEvaluation {
  if (features.length !== net.k) throw new RangeError(`expected ${net.k} features, got ${features.length}`);
  for (const f of features) if (f < 0n || f > FEATURE_MAX) throw new RangeError(`feature ${f} is outside [0, 2^38)`);
  const x = features.map((f) => fastLog2Fixed(f, FRAC_BITS_INPUT));
  let levelSum = net.c0 << BigInt(VARIANCE_FRAC_BITS);
  for (let k = 0; k < net.k; k++) levelSum += net.w[k]! * features[k]!;
  const levelLog = fastLog2Fixed(levelSum, FRAC_BITS_LEVEL_LOG) - (BigInt(LEVEL_FRAC_BITS) << BigInt(FRAC_BITS_LEVEL_LOG));
  let Y = (levelLog << (FORECAST_FRAC_BITS - BigInt(FRAC_BITS_LEVEL_LOG))) + (net.b << (FORECAST_FRAC_BITS - BigInt(FRAC_BITS_INPUT)));
  for (let j = 0; j < net.j; j++) {
    let z = net.c[j]! << 12n;
    for (let k = 0; k < net.k; k++) z += net.W[j]![k]! * x[k]!;
    if (z > 0n) Y += net.v[j]! * z;
  }
  const { fee } = feeFromSigma(sigmaFromForecast(Y), policy, { ...terms, period: 0 });
  return { levelSum, Y, forecast: forecastLane(Y), fee };
}

/** Bits of each random parameter (signed lanes but w and c0): realistic magnitudes, so fees spread. */
export const RANDOM_BITS = { W: 10, c: 12, v: 10, b: 10, w: 16, c0: 16 } as const;

/** The policy of every random model (a negative base exercises the signed lane). */
export const RANDOM_POLICY: Policy = { base: -500, slope: 8000, modelFeeMin: 100, modelFeeMax: 10_000 };

/**
 * ModelDeployer.randomNet: parameter i (in the order W[0][0..K), .., W[J-1][0..K), c[0..J), v[0..J), b, w[0..K), c0)
 * is u_i = uint256(keccak256(abi.encode(seed, i))) mod 2^bits, minus 2^(bits-1) for the signed ones.
 */
export function randomNet(k: number, j: number, seed: number): GeneralNet {
  let i = 0n;
  const next = (bits: number, signed: boolean): bigint => {
    const h = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [BigInt(seed), i++])));
    const u = h % (1n << BigInt(bits));
    return signed ? u - (1n << BigInt(bits - 1)) : u;
  };
  const W = Array.from({ length: j }, () => Array.from({ length: k }, () => next(RANDOM_BITS.W, true)));
  const c = Array.from({ length: j }, () => next(RANDOM_BITS.c, true));
  const v = Array.from({ length: j }, () => next(RANDOM_BITS.v, true));
  const b = next(RANDOM_BITS.b, true);
  const w = Array.from({ length: k }, () => next(RANDOM_BITS.w, false));
  const c0 = next(RANDOM_BITS.c0, false);
  return { k, j, W, c, v, b, w, c0 };
}

/** floor(2^64 * 2^(-1/h)), exactly: the largest L with L^h <= 2^(64h - 1). SPEC §1's Λ for half-life h. */
export function decayFactorQ64(h: number): bigint {
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`half-life must be a positive integer, got ${h}`);
  const target = 1n << BigInt(64 * h - 1);
  const e = BigInt(h);
  let lo = 0n;
  let hi = ONE_Q64;
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** e <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * SPEC §1-2 with any half-lives: the bias-corrected EWMA variances as of each period in `asOfs` (ascending), from
 * the period closes of one history. With the shipped half-lives this is model/'s featureSeries (fixtures.ts checks
 * it); more half-lives give the K > 5 inputs of the larger measured models.
 */
export function featuresWithHalfLives(periods: ArrayLike<number>, ticks: ArrayLike<number>, halfLives: readonly number[], asOfs: readonly number[]): bigint[][] {
  const lambdas = halfLives.map(decayFactorQ64);
  const innovations = lambdas.map((l) => ONE_Q64 - l);
  const decay = (k: number, g: number): bigint => {
    const h = halfLives[k]!;
    const halvings = Math.floor(g / h);
    return halvings >= 64 ? 0n : pow64(lambdas[k]!, g - halvings * h) >> BigInt(halvings);
  };
  const E = halfLives.map(() => 0n);
  let hasClose = false;
  let lastTick = 0;
  let statePeriod = 0;
  let firstPeriod = 0;
  let next = 0;
  const rows: bigint[][] = [];
  for (const asOf of asOfs) {
    for (; next < periods.length && periods[next]! <= asOf; next++) {
      const p = periods[next]!;
      const tick = ticks[next]!;
      if (!hasClose) {
        [hasClose, lastTick, statePeriod, firstPeriod] = [true, tick, p, p];
        continue;
      }
      const d = BigInt(tick - lastTick);
      if (d === 0n) continue;
      for (let k = 0; k < E.length; k++) {
        const e = ((E[k]! * decay(k, p - statePeriod)) >> 64n) + ((innovations[k]! * d * d) >> BigInt(64 - VARIANCE_FRAC_BITS));
        E[k] = e > FEATURE_MAX ? FEATURE_MAX : e;
      }
      [statePeriod, lastTick] = [p, tick];
    }
    const n = asOf - firstPeriod;
    if (!hasClose || n === 0) {
      rows.push(E.map(() => 0n));
      continue;
    }
    rows.push(E.map((e, k) => {
      const f = (((e * decay(k, asOf - statePeriod)) >> 64n) << 64n) / (ONE_Q64 - decay(k, n));
      return f > FEATURE_MAX ? FEATURE_MAX : f;
    }));
  }
  return rows;
}
