// The hook's oracle (SPEC §1-2), fed one swap at a time: what a policy may know at each moment.
// Built incrementally so a backtest can ask for features as of the last completed period while the
// pool it watches is still being simulated. It records each close in model/'s variance state (the
// features, exactly as the hook computes them) and keeps the closes themselves, with their
// cumulative squared moves, for policies that read the price path (model/observations.ts).
import { emptyOracleState, featuresAsOf, recordClose, type OracleState } from "../model/oracle.ts";
import type { Observations } from "../model/observations.ts";

export class Oracle {
  readonly period: number;
  private n = 0;
  private periods = new Float64Array(1024);
  private ticks = new Int32Array(1024);
  private cumUp = new Float64Array(1024);
  private cumDown = new Float64Array(1024);
  private lastSwapPeriod = -Infinity;
  private pendingTick = 0;
  private pending = false;
  private readonly state: OracleState = emptyOracleState();

  constructor(period: number) {
    if (!Number.isInteger(period) || period <= 0) throw new RangeError(`period must be a positive integer, got ${period}`);
    this.period = period;
  }

  /** A swap at `timestamp` (seconds) left the pool at `tickAfter`. Timestamps must not decrease. */
  onSwap(timestamp: number, tickAfter: number): void {
    const p = Math.floor(timestamp / this.period);
    if (p < this.lastSwapPeriod) throw new RangeError(`oracle: swap at ${timestamp} is earlier than the one before it`);
    if (p > this.lastSwapPeriod && this.pending) this.append(this.lastSwapPeriod, this.pendingTick);
    this.lastSwapPeriod = p;
    this.pendingTick = tickAfter;
    this.pending = true;
  }

  private append(period: number, tick: number): void {
    if (this.n === this.periods.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.periods = grow(this.periods);
      this.ticks = grow(this.ticks);
      this.cumUp = grow(this.cumUp);
      this.cumDown = grow(this.cumDown);
    }
    const i = this.n;
    let up = 0;
    let down = 0;
    if (i > 0) {
      const d = tick - this.ticks[i - 1]!;
      up = this.cumUp[i - 1]! + (d > 0 ? d * d : 0);
      down = this.cumDown[i - 1]! + (d < 0 ? d * d : 0);
    }
    this.periods[i] = period;
    this.ticks[i] = tick;
    this.cumUp[i] = up;
    this.cumDown[i] = down;
    this.n = i + 1;
    this.pending = false;
    recordClose(this.state, period, tick);
  }

  /** Appends the observations of the periods up to `asOf` that are complete by `now` (a period index). */
  settle(asOf: number, now: number): void {
    if (asOf >= now) throw new RangeError(`oracle: period ${asOf} is not complete at period ${now} (look-ahead)`);
    if (this.pending && this.lastSwapPeriod <= asOf) this.append(this.lastSwapPeriod, this.pendingTick);
  }

  /** The raw features as of completed period `asOf` (SPEC §2), asked during period `now` (> asOf). */
  features(asOf: number, now: number): bigint[] {
    this.settle(asOf, now);
    return featuresAsOf(this.state, asOf);
  }

  /** A read-only view of the appended observations (all of them complete). */
  observations(): Observations {
    return {
      periods: this.periods.subarray(0, this.n),
      ticks: this.ticks.subarray(0, this.n),
      cumUp: this.cumUp.subarray(0, this.n),
      cumDown: this.cumDown.subarray(0, this.n),
    };
  }

  /** Close tick of the latest traded period <= asOf (complete by `now`), or undefined. */
  lastClose(asOf: number, now: number): number | undefined {
    this.settle(asOf, now);
    let i = this.n - 1;
    while (i >= 0 && this.periods[i]! > asOf) i--;
    return i >= 0 ? this.ticks[i] : undefined;
  }

  /** Number of appended observations. */
  get size(): number {
    return this.n;
  }

  /** Tick change between the last two appended observations up to `asOf` (0 if fewer than two). */
  lastChange(asOf: number, now: number): { period: number; change: number } | undefined {
    this.settle(asOf, now);
    let i = this.n - 1;
    while (i >= 0 && this.periods[i]! > asOf) i--;
    if (i < 1) return undefined;
    return { period: this.periods[i]!, change: this.ticks[i]! - this.ticks[i - 1]! };
  }
}
