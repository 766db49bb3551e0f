// Float -> fixed-point parameters (SPEC §4), with the range proofs the circuit relies on.
import {
  FEATURE_MAX, FRAC_BITS_INPUT as F, FRAC_BITS_LEVEL_LOG, FRAC_BITS_WEIGHT as S, HIDDEN, LEVEL_CONSTANT_BITS, LEVEL_FRAC_BITS,
  LEVEL_WEIGHT_BITS, N_FEATURES, PARAM_BITS, VARIANCE_FRAC_BITS,
} from "./constants.ts";
import { fastLog2Fixed, type QuantizedNetwork } from "./fixedpoint.ts";
import type { FloatNetwork } from "./float.ts";

/** `Y` (scale 2^32) must satisfy -2^44 <= Y < 2^44. */
export const FORECAST_RANGE_BITS = 44;

const PARAM_MIN = -(2 ** (PARAM_BITS - 1));
const PARAM_MAX = 2 ** (PARAM_BITS - 1) - 1;

/** Round half away from zero, so quantization does not depend on the platform's tie rule. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

function quantizeSigned(value: number, fracBits: number, field: string): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`${field} is not a finite number`);
  const q = roundHalfAway(value * 2 ** fracBits);
  if (q < PARAM_MIN || q > PARAM_MAX) throw new RangeError(`${field} = ${value} does not fit a signed ${PARAM_BITS}-bit parameter at scale 2^${fracBits}`);
  return BigInt(q);
}

function quantizeUnsigned(value: number, fracBits: number, bits: number, field: string): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`${field} is not a finite number`);
  const q = roundHalfAway(value * 2 ** fracBits);
  if (q < 0 || q >= 2 ** bits) throw new RangeError(`${field} = ${value} does not fit an unsigned ${bits}-bit parameter at scale 2^${fracBits} (range [0, ${(2 ** bits - 1) / 2 ** fracBits}])`);
  return BigInt(q);
}

/** The committed network read back as reals: the float model whose fee the circuit matches within 1 pip. */
export function dequantizeNetwork(q: QuantizedNetwork): FloatNetwork {
  const weight = (v: bigint) => Number(v) / 2 ** S;
  const bias = (v: bigint) => Number(v) / 2 ** F;
  return { w: q.w.map(weight), c0: weight(q.c0), W: q.W.map((row) => row.map(weight)), c: q.c.map(bias), v: q.v.map(weight), b: bias(q.b) };
}

export function quantizeNetwork(net: FloatNetwork): QuantizedNetwork {
  checkShape(net);
  const q: QuantizedNetwork = {
    w: net.w.map((w, k) => quantizeUnsigned(w, S, LEVEL_WEIGHT_BITS, `w[${k}]`)),
    c0: quantizeUnsigned(net.c0, S, LEVEL_CONSTANT_BITS, "c0"),
    W: net.W.map((row, j) => row.map((w, k) => quantizeSigned(w, S, `W[${j}][${k}]`))),
    c: net.c.map((c, j) => quantizeSigned(c, F, `c[${j}]`)),
    v: net.v.map((v, j) => quantizeSigned(v, S, `v[${j}]`)),
    b: quantizeSigned(net.b, F, "b"),
  };
  assertForecastInRange(q);
  return q;
}

export function checkShape(net: { w: unknown[]; c0: unknown; W: unknown[][]; c: unknown[]; v: unknown[]; b: unknown }): void {
  if (!Array.isArray(net.w) || net.w.length !== N_FEATURES) throw new RangeError(`w must have ${N_FEATURES} entries`);
  if (typeof net.c0 !== "number" && typeof net.c0 !== "bigint") throw new RangeError("c0 must be a number");
  if (!Array.isArray(net.W) || net.W.length !== HIDDEN || net.W.some((row) => !Array.isArray(row) || row.length !== N_FEATURES)) throw new RangeError(`W must be ${HIDDEN} x ${N_FEATURES}`);
  if (!Array.isArray(net.c) || net.c.length !== HIDDEN) throw new RangeError(`c must have ${HIDDEN} entries`);
  if (!Array.isArray(net.v) || net.v.length !== HIDDEN) throw new RangeError(`v must have ${HIDDEN} entries`);
  if (typeof net.b !== "number" && typeof net.b !== "bigint") throw new RangeError("b must be a number");
}

/** Largest value each log input x_k can take: the features saturate at FEATURE_MAX. */
export function inputUpperBound(): bigint {
  return fastLog2Fixed(FEATURE_MAX, F);
}

/**
 * Interval arithmetic over the whole input domain: the circuit range-checks the forecast `Y` as a
 * signed 45-bit number, so a model that could leave that range would make some proofs impossible.
 * Refuse it here instead.
 */
export function assertForecastInRange(q: QuantizedNetwork): void {
  const sB = BigInt(S);
  const toY = BigInt(32 - FRAC_BITS_LEVEL_LOG);
  const offset = BigInt(LEVEL_FRAC_BITS) << BigInt(FRAC_BITS_LEVEL_LOG);
  let sumMax = q.c0 << BigInt(VARIANCE_FRAC_BITS);
  for (const w of q.w) sumMax += w * FEATURE_MAX;
  const bTerm = q.b << BigInt(32 - F);
  let yLo = ((0n - offset) << toY) + bTerm;
  let yHi = ((fastLog2Fixed(sumMax, FRAC_BITS_LEVEL_LOG) - offset) << toY) + bTerm;
  const xMax = inputUpperBound();
  for (let j = 0; j < HIDDEN; j++) {
    let zLo = q.c[j]! << sB;
    let zHi = zLo;
    for (let k = 0; k < N_FEATURES; k++) {
      const t = q.W[j]![k]! * xMax;
      if (t < 0n) zLo += t; else zHi += t;
    }
    const hLo = zLo > 0n ? zLo : 0n;
    const hHi = zHi > 0n ? zHi : 0n;
    const a = q.v[j]! * hLo;
    const b = q.v[j]! * hHi;
    yLo += a < b ? a : b;
    yHi += a < b ? b : a;
  }
  const limit = 1n << BigInt(FORECAST_RANGE_BITS);
  if (yLo < -limit || yHi >= limit) {
    throw new RangeError(`the forecast can leave the signed 45-bit range the circuit checks (Y in [${yLo}, ${yHi}], limit 2^${FORECAST_RANGE_BITS})`);
  }
}
