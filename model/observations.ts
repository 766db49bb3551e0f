// Realized variance of a close series: cumulative sums of squared close-to-close tick moves, split
// into up and down moves. Not an oracle input (the hook keeps only the EWMA state of oracle.ts);
// this is what forecasts are scored against: the target over the next `horizon` periods, and the
// per-period squared returns the classic baselines run on.
import type { PeriodClose } from "./oracle.ts";

/** The close tick of every period that traded, in period order, with cumulative squared moves. */
export interface Observations {
  periods: Float64Array;
  ticks: Int32Array;
  /** Cumulative squared tick changes between consecutive closes, up and down moves. */
  cumUp: Float64Array;
  cumDown: Float64Array;
}

export function buildObservations(closes: readonly PeriodClose[]): Observations {
  const n = closes.length;
  const obs: Observations = {
    periods: new Float64Array(n),
    ticks: new Int32Array(n),
    cumUp: new Float64Array(n),
    cumDown: new Float64Array(n),
  };
  let up = 0;
  let down = 0;
  for (let i = 0; i < n; i++) {
    const { period, tick } = closes[i]!;
    if (i > 0) {
      if (period <= closes[i - 1]!.period) throw new RangeError(`observation ${i}: period ${period} is not after ${closes[i - 1]!.period}`);
      const d = tick - closes[i - 1]!.tick;
      if (d > 0) up += d * d;
      else down += d * d;
    }
    // Exact integers: doubles hold them up to 2^53.
    if (up > Number.MAX_SAFE_INTEGER || down > Number.MAX_SAFE_INTEGER) throw new RangeError("cumulative squared tick changes exceed 2^53");
    obs.periods[i] = period;
    obs.ticks[i] = tick;
    obs.cumUp[i] = up;
    obs.cumDown[i] = down;
  }
  return obs;
}

/** Number of closes with `period <= bound`. */
export function countThrough(obs: Observations, bound: number): number {
  let lo = 0;
  let hi = obs.periods.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (obs.periods[mid]! <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Realized variance (ticks^2) over periods `from + 1 .. to`: the sum of squared moves recorded there. */
export function realizedVariance(obs: Observations, from: number, to: number): number {
  const k0 = countThrough(obs, from);
  const k1 = countThrough(obs, to);
  const at = (k: number, arr: Float64Array) => (k > 0 ? arr[k - 1]! : 0);
  return at(k1, obs.cumUp) - at(k0, obs.cumUp) + at(k1, obs.cumDown) - at(k0, obs.cumDown);
}
