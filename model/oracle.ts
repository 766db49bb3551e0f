// The on-chain oracle of SPEC §1-2: five exponentially weighted variances of close-to-close tick
// moves, updated when a period closes with a move, and their bias-corrected values as of a period.
// The hook (contracts/libraries/VarianceOracle.sol), the keeper's checks, training and the
// backtester all compute features through this file; parity tests pin each of them to it.
import { DECAY_Q64, FEATURE_MAX, HALF_LIVES, N_FEATURES, ONE_Q64, VARIANCE_FRAC_BITS } from "./constants.ts";

/** 2^64 * (x / 2^64)^e, each product floored: SPEC §1's pow64, exactly as the hook computes it. */
export function pow64(x: bigint, e: number): bigint {
  let r = ONE_Q64;
  let b = x;
  while (e > 0) {
    if (e & 1) r = (r * b) >> 64n;
    e = Math.floor(e / 2);
    if (e > 0) b = (b * b) >> 64n;
  }
  return r;
}

// pow64(Λ_k, r) for every r < h_k: decay_k is one lookup and a shift (the same numbers pow64 gives).
const DECAY_TABLES: bigint[][] = HALF_LIVES.map((h, k) => Array.from({ length: h }, (_, r) => pow64(DECAY_Q64[k]!, r)));

/** decay_k(g) = pow64(Λ_k, g mod h_k) >> (g div h_k): 2^(-g/h_k) at scale 2^64, rounded down. */
export function decayQ64(k: number, g: number): bigint {
  if (!Number.isInteger(g) || g < 0) throw new RangeError(`decay: period gap must be a non-negative integer, got ${g}`);
  const halvings = Math.floor(g / HALF_LIVES[k]!);
  if (halvings >= 64) return 0n;
  return DECAY_TABLES[k]![g - halvings * HALF_LIVES[k]!]! >> BigInt(halvings);
}

/** A_k = 2^64 - Λ_k: the weight of a new squared move. */
export const INNOVATION_Q64: readonly bigint[] = DECAY_Q64.map((l) => ONE_Q64 - l);
const INCREMENT_SHIFT = BigInt(64 - VARIANCE_FRAC_BITS);

/** The hook's oracle state for one pool (SPEC §1). */
export interface OracleState {
  hasClose: boolean;
  lastCloseTick: number;
  /** Period of the last recorded move (or of the first close). */
  statePeriod: number;
  /** Period of the first recorded close. */
  firstPeriod: number;
  /** Variances, ticks^2 per period at scale 2^18, as of statePeriod. */
  variances: bigint[];
}

export function emptyOracleState(): OracleState {
  return { hasClose: false, lastCloseTick: 0, statePeriod: 0, firstPeriod: 0, variances: new Array<bigint>(N_FEATURES).fill(0n) };
}

function saturate(v: bigint): bigint {
  return v > FEATURE_MAX ? FEATURE_MAX : v;
}

/** Records the close `(period, tick)` in place (SPEC §1); a close that did not move changes nothing. */
export function recordClose(state: OracleState, period: number, tick: number): void {
  if (!state.hasClose) {
    state.hasClose = true;
    state.lastCloseTick = tick;
    state.statePeriod = period;
    state.firstPeriod = period;
    return;
  }
  const d = tick - state.lastCloseTick;
  if (d === 0) return;
  if (period < state.statePeriod) throw new RangeError(`oracle: close of period ${period} is earlier than the state's period ${state.statePeriod}`);
  const g = period - state.statePeriod;
  const d2 = BigInt(d) * BigInt(d);
  for (let k = 0; k < N_FEATURES; k++) {
    const decayed = (state.variances[k]! * decayQ64(k, g)) >> 64n;
    state.variances[k] = saturate(decayed + ((INNOVATION_Q64[k]! * d2) >> INCREMENT_SHIFT));
  }
  state.statePeriod = period;
  state.lastCloseTick = tick;
}

export function copyOracleState(state: OracleState): OracleState {
  return { ...state, variances: [...state.variances] };
}

/** The features as of `asOf` would need a state from before a move already recorded. */
export class PeriodSupersededError extends RangeError {
  constructor(readonly asOfPeriod: number, readonly statePeriod: number) {
    super(`features as of period ${asOfPeriod} are superseded: a move of period ${statePeriod} is already recorded`);
  }
}

/**
 * The 5 raw features as of completed period `asOf` (SPEC §2): each variance decayed to `asOf` and
 * bias-corrected for the periods since the first close. `pending` is the pending close, if any;
 * it counts when its period is <= asOf. The state itself is not changed.
 */
export function featuresAsOf(state: OracleState, asOf: number, pending?: { period: number; tick: number }): bigint[] {
  let s = state;
  if (pending && pending.period <= asOf) {
    s = copyOracleState(state);
    recordClose(s, pending.period, pending.tick);
  }
  if (s.hasClose && s.statePeriod > asOf) throw new PeriodSupersededError(asOf, s.statePeriod);
  const n = asOf - s.firstPeriod;
  if (!s.hasClose || n === 0) return new Array<bigint>(N_FEATURES).fill(0n);
  const g = asOf - s.statePeriod;
  return s.variances.map((e, k) => {
    const decayed = (e * decayQ64(k, g)) >> 64n;
    return saturate((decayed << 64n) / (ONE_Q64 - decayQ64(k, n)));
  });
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

/**
 * Features as of every period `first..last` from the closes of one contiguous history (periods
 * strictly increasing), row-major `N_FEATURES` per row as exact doubles (< 2^38): what the hook
 * would report as of each period, had the history run through it. Rows before the first close are
 * all zero. Equal to `featuresAsOf` row by row (tested); this one walks the closes once.
 */
export function featureSeries(periods: ArrayLike<number>, ticks: ArrayLike<number>, first: number, last: number): Float64Array {
  const rows = Math.max(0, last - first + 1);
  const out = new Float64Array(rows * N_FEATURES);
  const state = emptyOracleState();
  let next = 0;
  for (let r = 0; r < rows; r++) {
    const asOf = first + r;
    while (next < periods.length && periods[next]! <= asOf) {
      recordClose(state, periods[next]!, ticks[next]!);
      next++;
    }
    const f = featuresAsOf(state, asOf);
    for (let k = 0; k < N_FEATURES; k++) out[r * N_FEATURES + k] = Number(f[k]!);
  }
  return out;
}

