// The on-chain oracle of SPEC §1-2, reproduced off-chain from swaps or minute bars.
// Training, the keeper's checks and the backtester all call `featuresAsOf`, and parity tests pin it
// to the hook's Solidity implementation.
import { FEATURE_MAX, HORIZONS } from "./constants.ts";

/** The close tick of every period that traded, in period order: exactly what the hook stores. */
export interface Observations {
  periods: Float64Array;
  ticks: Int32Array;
  /** Cumulative squared tick changes between consecutive observations, up and down moves. */
  cumUp: Float64Array;
  cumDown: Float64Array;
}

export interface PeriodClose {
  period: number;
  tick: number;
}

/**
 * Close tick of each period from time-ordered events (a swap, or a traded minute bar), where
 * `ticksAfter[i]` is the pool tick right after event `i`. A period's close is the tick after its
 * last event, which is the tick the hook reads at the next period's first swap.
 */
export function periodCloses(timestamps: ArrayLike<number>, ticksAfter: ArrayLike<number>, period: number): PeriodClose[] {
  if (!Number.isInteger(period) || period <= 0) throw new RangeError(`period must be a positive integer, got ${period}`);
  if (timestamps.length !== ticksAfter.length) throw new RangeError("timestamps and ticks differ in length");
  const closes: PeriodClose[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const p = Math.floor(timestamps[i]! / period);
    const last = closes[closes.length - 1];
    if (last && p < last.period) throw new RangeError(`event ${i} at ${timestamps[i]} is earlier than the event before it`);
    if (last && last.period === p) last.tick = ticksAfter[i]!;
    else closes.push({ period: p, tick: ticksAfter[i]! });
  }
  return closes;
}

/** Cumulative sums exactly as the hook accumulates them when it appends each close. */
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
    // Exact integers are needed for parity with the hook; doubles hold them up to 2^53.
    if (up > Number.MAX_SAFE_INTEGER || down > Number.MAX_SAFE_INTEGER) throw new RangeError("cumulative squared tick changes exceed 2^53");
    obs.periods[i] = period;
    obs.ticks[i] = tick;
    obs.cumUp[i] = up;
    obs.cumDown[i] = down;
  }
  return obs;
}

/** Number of observations with `period <= bound`: the k(B) of SPEC §2. */
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

function saturate(v: number): bigint {
  const b = BigInt(v);
  return b > FEATURE_MAX ? FEATURE_MAX : b;
}

/**
 * The 12 raw features as of completed period `asOfPeriod` (SPEC §2), in the order
 * [up_1, up_5, up_30, up_240, down_1, down_5, down_30, down_240, n_1, n_5, n_30, n_240].
 */
export function featuresAsOf(obs: Observations, asOfPeriod: number): bigint[] {
  const kA = countThrough(obs, asOfPeriod);
  const upA = kA > 0 ? obs.cumUp[kA - 1]! : 0;
  const downA = kA > 0 ? obs.cumDown[kA - 1]! : 0;
  const up: bigint[] = [];
  const down: bigint[] = [];
  const count: bigint[] = [];
  for (const h of HORIZONS) {
    const kB = countThrough(obs, asOfPeriod - h);
    up.push(saturate(upA - (kB > 0 ? obs.cumUp[kB - 1]! : 0)));
    down.push(saturate(downA - (kB > 0 ? obs.cumDown[kB - 1]! : 0)));
    count.push(BigInt(kA - kB));
  }
  return [...up, ...down, ...count];
}
