// Float -> fixed-point parameters (SPEC §4), with the range proofs the circuit relies on.
import { FRAC_BITS_INPUT as F, FRAC_BITS_WEIGHT as S, HIDDEN, HORIZONS, N_INPUTS, PARAM_BITS } from "./constants.ts";
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

function quantizeValue(value: number, fracBits: number, field: string): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`${field} is not a finite number`);
  const q = roundHalfAway(value * 2 ** fracBits);
  if (q < PARAM_MIN || q > PARAM_MAX) throw new RangeError(`${field} = ${value} does not fit a signed ${PARAM_BITS}-bit parameter at scale 2^${fracBits}`);
  return BigInt(q);
}

/** The committed network read back as reals: the float model whose fee the circuit matches within 1 pip. */
export function dequantizeNetwork(q: QuantizedNetwork): FloatNetwork {
  const w = (v: bigint) => Number(v) / 2 ** S;
  const f = (v: bigint) => Number(v) / 2 ** F;
  return { W: q.W.map((row) => row.map(w)), c: q.c.map(f), a: q.a.map(w), v: q.v.map(w), b: f(q.b) };
}

export function quantizeNetwork(net: FloatNetwork): QuantizedNetwork {
  checkShape(net);
  const q: QuantizedNetwork = {
    W: net.W.map((row, j) => row.map((w, i) => quantizeValue(w, S, `W[${j}][${i}]`))),
    c: net.c.map((c, j) => quantizeValue(c, F, `c[${j}]`)),
    a: net.a.map((a, i) => quantizeValue(a, S, `a[${i}]`)),
    v: net.v.map((v, j) => quantizeValue(v, S, `v[${j}]`)),
    b: quantizeValue(net.b, F, "b"),
  };
  assertForecastInRange(q);
  return q;
}

export function checkShape(net: { W: unknown[][]; c: unknown[]; a: unknown[]; v: unknown[] }): void {
  if (net.W.length !== HIDDEN || net.W.some((row) => row.length !== N_INPUTS)) throw new RangeError(`W must be ${HIDDEN} x ${N_INPUTS}`);
  if (net.c.length !== HIDDEN) throw new RangeError(`c must have ${HIDDEN} entries`);
  if (net.a.length !== N_INPUTS) throw new RangeError(`a must have ${N_INPUTS} entries`);
  if (net.v.length !== HIDDEN) throw new RangeError(`v must have ${HIDDEN} entries`);
}

/** Largest value each model input can take (SPEC §3): features are saturated, counts bounded. */
export function inputUpperBounds(): bigint[] {
  const rv = fastLog2Fixed((1n << 33n) - 2n);
  const semi = fastLog2Fixed((1n << 32n) - 1n);
  return [...HORIZONS.map(() => rv), ...HORIZONS.map(() => semi), ...HORIZONS.map((h) => fastLog2Fixed(BigInt(h)))];
}

/**
 * Interval arithmetic over the whole input domain: the circuit range-checks the forecast `Y` as a
 * signed 45-bit number, so a model that could leave that range would make some proofs impossible.
 * Refuse it here instead.
 */
export function assertForecastInRange(q: QuantizedNetwork): void {
  const upper = inputUpperBounds();
  const sB = BigInt(S);
  let yLo = q.b << (2n * sB);
  let yHi = yLo;
  for (let i = 0; i < N_INPUTS; i++) {
    const t = (q.a[i]! * upper[i]!) << sB;
    if (t < 0n) yLo += t; else yHi += t;
  }
  for (let j = 0; j < HIDDEN; j++) {
    let zLo = q.c[j]! << sB;
    let zHi = zLo;
    for (let i = 0; i < N_INPUTS; i++) {
      const t = q.W[j]![i]! * upper[i]!;
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
