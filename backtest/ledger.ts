// What one policy's pool earned and lost, accumulated trade by trade in O(1) memory per trade.
//
// Conventions (stated in every report):
// - Prices are raw token1 per raw token0 (the pool's own price, (sqrtPriceX96 / 2^96)^2).
// - Values are in the quote token (token0 or token1), converted at the reference price at the
//   moment of the trade (or h minutes later for markouts).
// - A trade's pool delta (dx, dy) is the change of the pool's reserves from the swap excluding the
//   LP fee; the fee is counted separately as revenue.
// - Realized LVR = -sum(dx * R(t) + dy) over all trades: the LPs' loss against a portfolio that
//   rebalances to the same holdings at the reference price R (Milionis et al. 2022). Net LP PnL =
//   fees - LVR; recapture = fees / LVR.
// - Markouts at h minutes = sum(dx * R(t + h) + dy) per flow class (LP's side, fees excluded):
//   positive means the LPs gained. For h > 0 the reference price at the end of the minute h
//   minutes after the trade's minute is used.
// - Fee statistics are over the periods in which the policy was asked (periods with activity), of
//   the fee the pool charged (the last one sent: backtest/README.md, "Updates only when they pay").

export const ARB = 0;
export const NOISE = 1;
export const CLASS_NAMES = ["arbitrage", "uninformed"] as const;
export const MARKOUT_MINUTES = [0, 1, 5, 30];

export interface Valuation {
  /** 0 or 1: which token values are expressed in. */
  quote: 0 | 1;
  decimals0: number;
  decimals1: number;
}

/**
 * Compact time buckets shared by the ledgers of one run: minutes and hours that saw a trade, in
 * order. Data with long gaps (years between sample days) costs nothing for the empty time.
 */
export class Clock {
  readonly minuteStarts: number[] = [];
  readonly hourStarts: number[] = [];
  minute = -1;
  hour = -1;
  advance(t: number): void {
    const m = Math.floor(t / 60) * 60;
    const last = this.minuteStarts[this.minuteStarts.length - 1];
    if (last === undefined || m > last) {
      this.minuteStarts.push(m);
      this.minute = this.minuteStarts.length - 1;
      const h = Math.floor(t / 3600) * 3600;
      const lastH = this.hourStarts[this.hourStarts.length - 1];
      if (lastH === undefined || h > lastH) {
        this.hourStarts.push(h);
        this.hour = this.hourStarts.length - 1;
      }
    } else if (m < last) throw new RangeError(`clock: time ${t} goes backwards`);
  }
}

export class Ledger {
  readonly name: string;
  readonly valuation: Valuation;
  readonly clock: Clock;
  private readonly scale: number;
  fees = [0, 0];
  lvr = [0, 0];
  volume = [0, 0];
  trades = [0, 0];
  /** Arbitrageurs' profit net of fees and gas (simulation), quote. */
  arbProfit = 0;
  /** Sum of pool reserve changes (raw token units) for PnL versus holding. */
  sumDx = 0;
  sumDy = 0;
  /** Fee updates sent (the first fee of a run is the pool's initial fee, not an update). */
  feeUpdates = 0;
  /** Each update's period and gas cost (quote; NaN where gas is not priced), in order. */
  readonly updatePeriods: number[] = [];
  readonly updateGasCosts: number[] = [];
  /** Sum of the updates' gas costs, quote (NaN where gas is not priced). */
  gasCost = 0;
  /** Per-minute sums of dx and dy by class (compact minutes of the clock), for markouts. */
  private readonly bucketX: number[][] = [[], []];
  private readonly bucketY: number[][] = [[], []];
  /** Per-hour (compact) fees and LVR, all classes: daily series, regimes, bootstrap. */
  readonly hourFees: number[] = [];
  readonly hourLvr: number[] = [];
  /** The fee chosen at each period the policy was asked (periods with activity), in order. */
  readonly feePeriods: number[] = [];
  readonly feeValues: number[] = [];

  constructor(options: { name: string; valuation: Valuation; clock: Clock }) {
    this.name = options.name;
    this.valuation = options.valuation;
    this.clock = options.clock;
    this.scale = 10 ** (options.valuation.quote === 1 ? options.valuation.decimals1 : options.valuation.decimals0);
  }

  /** Value in quote of raw amounts (x of token0, y of token1) at price R. */
  value(x: number, y: number, R: number): number {
    return this.valuation.quote === 1 ? (x * R + y) / this.scale : (x + y / R) / this.scale;
  }

  private hourSlot(): number {
    const h = this.clock.hour;
    while (this.hourFees.length <= h) {
      this.hourFees.push(0);
      this.hourLvr.push(0);
    }
    return h;
  }

  /**
   * One swap at the clock's current time: `dx`, `dy` are the pool's reserve changes excluding the
   * fee (raw units, floats), `fee0`/`fee1` the LP fee paid in each token (raw), `R` the reference price.
   */
  record(cls: number, dx: number, dy: number, fee0: number, fee1: number, R: number): void {
    const feeQ = this.value(fee0, fee1, R);
    const lvr = -this.value(dx, dy, R);
    this.fees[cls]! += feeQ;
    this.lvr[cls]! += lvr;
    // Volume: the value of what the trader put in, fee excluded.
    this.volume[cls]! += dx > 0 ? this.value(dx, 0, R) : this.value(0, dy, R);
    this.trades[cls]!++;
    this.sumDx += dx;
    this.sumDy += dy;
    const m = this.clock.minute;
    const X = this.bucketX[cls]!;
    const Y = this.bucketY[cls]!;
    while (X.length <= m) {
      X.push(0);
      Y.push(0);
    }
    X[m]! += dx;
    Y[m]! += dy;
    const h = this.hourSlot();
    this.hourFees[h]! += feeQ;
    this.hourLvr[h]! += lvr;
  }

  /**
   * Two-way volume that pays fees but moves no price (the part of a minute bar's gross flow beyond
   * its net price move): no reserve change, so no LVR and no markout.
   */
  recordVolume(cls: number, in0: number, in1: number, fee0: number, fee1: number, R: number): void {
    const feeQ = this.value(fee0, fee1, R);
    this.fees[cls]! += feeQ;
    this.volume[cls]! += this.value(in0, in1, R);
    this.hourFees[this.hourSlot()]! += feeQ;
  }

  /** The fee the pool charges from an ask on (sent now or earlier). */
  setFee(period: number, fee: number): void {
    this.feePeriods.push(period);
    this.feeValues.push(fee);
  }

  /** A fee update sent at `period`, costing `gasCost` quote tokens of gas (NaN: not priced). */
  recordUpdate(period: number, gasCost: number): void {
    this.feeUpdates++;
    this.updatePeriods.push(period);
    this.updateGasCosts.push(gasCost);
    this.gasCost += gasCost;
  }

  /**
   * Markouts by class at each horizon (minutes), LP side, quote. `priceAt(t)` is the reference
   * price at time t (seconds). Horizon 0 uses the trade-time price: exactly -LVR of the class.
   */
  markouts(priceAt: (t: number) => number, horizons = MARKOUT_MINUTES): number[][] {
    const starts = this.clock.minuteStarts;
    return [0, 1].map((cls) =>
      horizons.map((h) => {
        if (h === 0) return -this.lvr[cls]!;
        const X = this.bucketX[cls]!;
        const Y = this.bucketY[cls]!;
        let s = 0;
        for (let m = 0; m < X.length; m++) {
          if (X[m] === 0 && Y[m] === 0) continue;
          s += this.value(X[m]!, Y[m]!, priceAt(starts[m]! + 60 * (h + 1) - 1e-6));
        }
        return s;
      }),
    );
  }

  get feeRevenue(): number {
    return this.fees[0]! + this.fees[1]!;
  }
  get lvrTotal(): number {
    return this.lvr[0]! + this.lvr[1]!;
  }
}
