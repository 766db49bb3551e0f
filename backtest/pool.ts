// One v4 pool's state and its two state-changing operations, swap and modifyLiquidity, as
// v4-core's Pool library performs them (protocol fee 0, no hooks): same step boundaries (the tick
// bitmap's one-word search), same rounding, same fee growth, same tick bookkeeping. Results equal
// the PoolManager's to the wei (test/sol/backtest/SwapParity.t.sol).
import {
  MAX_SQRT_PRICE,
  MAX_SWAP_FEE,
  MAX_TICK,
  MIN_SQRT_PRICE,
  MIN_TICK,
  MAX_U256,
  Q128,
  V4MathError,
  addDelta,
  computeSwapStep,
  getAmount0Delta,
  getAmount1Delta,
  getAmount0DeltaSigned,
  getAmount1DeltaSigned,
  maxLiquidityPerTick,
  mulDiv,
  sqrtPriceAtTick,
  step,
  tickAtSqrtPrice,
  tickAtSqrtPriceNear,
  wrapU256,
} from "./v4math.ts";

export interface TickInfo {
  liquidityGross: bigint;
  liquidityNet: bigint;
  feeGrowthOutside0X128: bigint;
  feeGrowthOutside1X128: bigint;
}

export interface PositionInfo {
  liquidity: bigint;
  feeGrowthInside0LastX128: bigint;
  feeGrowthInside1LastX128: bigint;
}

export interface SwapResult {
  /** The pool's balance delta from the swapper's side, as v4 reports it: negative = paid to the pool. */
  amount0: bigint;
  amount1: bigint;
  /** LP fee paid, in the input token. */
  feeAmount: bigint;
  /** Swap steps taken (one per initialized tick or bitmap word crossed, plus one). */
  steps: number;
}

export interface ModifyResult {
  /** principal + fees, from the caller's side (negative = paid to the pool). */
  callerDelta0: bigint;
  callerDelta1: bigint;
  feesAccrued0: bigint;
  feesAccrued1: bigint;
}

/** Where the hot loop leaves a swap's results when asked not to allocate (see `swapInto`). */
export interface SwapOut {
  amount0: bigint;
  amount1: bigint;
  feeAmount: bigint;
  steps: number;
}

function positionKey(owner: string, tickLower: number, tickUpper: number, salt: string): string {
  return `${owner}|${tickLower}|${tickUpper}|${salt}`;
}

export class Pool {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity = 0n;
  feeGrowthGlobal0X128 = 0n;
  feeGrowthGlobal1X128 = 0n;
  /** The LP fee in pips (a dynamic-fee pool's current fee). */
  lpFee: number;
  readonly tickSpacing: number;
  readonly ticks = new Map<number, TickInfo>();
  readonly positions = new Map<string, PositionInfo>();
  /** Initialized ticks, compressed (tick / tickSpacing), ascending: the bitmap's set bits. */
  private initialized: number[] = [];
  private readonly maxLiquidityPerTick: bigint;
  /**
   * Replay only. When set, each swap step's amountIn (fee excluded) is pushed here, so the fee of
   * any other fee level can be computed for the same price path (SwapMath: ceil(in x f / (1e6 - f))).
   */
  stepIns: bigint[] | null = null;
  /** Replay only: clamp active liquidity at 0 on a crossing instead of reverting (a reconstructed book). */
  clampLiquidity = false;
  /** Crossings clamped (replay data-quality counter). */
  clamped = 0;
  /**
   * Replay only: false skips fee growth (global and outside), which only positions' fee accounting
   * reads; swap amounts, prices, ticks and liquidity do not depend on it. A pool without it refuses
   * modifyLiquidity (its positions would collect wrong fees); book-only replay pools set it false.
   */
  trackFeeGrowth = true;

  constructor(options: { sqrtPriceX96: bigint; tickSpacing: number; lpFee: number }) {
    const { sqrtPriceX96, tickSpacing, lpFee } = options;
    if (!Number.isInteger(tickSpacing) || tickSpacing < 1 || tickSpacing > 32767) throw new V4MathError("TickSpacingTooLarge", String(tickSpacing));
    this.tickSpacing = tickSpacing;
    this.setFee(lpFee);
    this.lpFee = lpFee;
    this.sqrtPriceX96 = sqrtPriceX96;
    this.tick = tickAtSqrtPrice(sqrtPriceX96);
    this.maxLiquidityPerTick = maxLiquidityPerTick(tickSpacing);
  }

  setFee(lpFee: number): void {
    if (!Number.isInteger(lpFee) || lpFee < 0 || lpFee > MAX_SWAP_FEE) throw new V4MathError("LPFeeTooLarge", String(lpFee));
    this.lpFee = lpFee;
  }

  /** A deep copy (positions and ticks included), e.g. one pool per policy from a common start. */
  clone(): Pool {
    const p = Object.create(Pool.prototype) as Pool;
    Object.assign(p, this);
    (p as { ticks: Map<number, TickInfo> }).ticks = new Map([...this.ticks].map(([k, v]) => [k, { ...v }]));
    (p as { positions: Map<string, PositionInfo> }).positions = new Map([...this.positions].map(([k, v]) => [k, { ...v }]));
    p.initialized = this.initialized.slice();
    p.stepIns = null;
    return p;
  }

  initializedTicks(): number[] {
    return this.initialized.map((c) => c * this.tickSpacing);
  }

  // ------------------------------------------------------------ tick bitmap

  private flip(tick: number): void {
    if (tick % this.tickSpacing !== 0) throw new V4MathError("TickMisaligned", `${tick} with spacing ${this.tickSpacing}`);
    const c = tick / this.tickSpacing;
    const arr = this.initialized;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < c) lo = mid + 1;
      else hi = mid;
    }
    if (arr[lo] === c) arr.splice(lo, 1);
    else arr.splice(lo, 0, c);
  }

  /** Index of the first initialized compressed tick > c. */
  private upperBound(c: number): number {
    const arr = this.initialized;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! <= c) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** TickBitmap.nextInitializedTickWithinOneWord; returns the tick, sets `nextInitialized`. */
  private nextInitialized = false;
  private nextTickWithinOneWord(tick: number, lte: boolean): number {
    const s = this.tickSpacing;
    let compressed = Math.floor(tick / s);
    if (lte) {
      const wordStart = compressed - (compressed & 255);
      const i = this.upperBound(compressed) - 1;
      const c = i >= 0 ? this.initialized[i]! : -Infinity;
      if (c >= wordStart) {
        this.nextInitialized = true;
        return c * s;
      }
      this.nextInitialized = false;
      return wordStart * s;
    }
    compressed += 1;
    const wordEnd = compressed + (255 - (compressed & 255));
    const i = this.upperBound(compressed - 1);
    const c = i < this.initialized.length ? this.initialized[i]! : Infinity;
    if (c <= wordEnd) {
      this.nextInitialized = true;
      return c * s;
    }
    this.nextInitialized = false;
    return wordEnd * s;
  }

  // ------------------------------------------------------------ swap

  /**
   * Pool.swap with protocol fee 0. `amountSpecified` < 0 is exact input, > 0 exact output.
   * `lpFeeOverride` (pips) replaces the stored fee for this swap, as a beforeSwap hook's override does.
   */
  /**
   * Crosses an initialized tick that a swap step reached exactly: flips its fee growth outside (with
   * the swap's running global for the input token) and applies its net liquidity; returns the new
   * active liquidity.
   */
  private crossTick(tick: number, zeroForOne: boolean, feeGrowth: bigint, liquidity: bigint): bigint {
    const info = this.ticks.get(tick)!;
    if (this.trackFeeGrowth) {
      const g0 = zeroForOne ? feeGrowth : this.feeGrowthGlobal0X128;
      const g1 = zeroForOne ? this.feeGrowthGlobal1X128 : feeGrowth;
      info.feeGrowthOutside0X128 = wrapU256(g0 - info.feeGrowthOutside0X128);
      info.feeGrowthOutside1X128 = wrapU256(g1 - info.feeGrowthOutside1X128);
    }
    const net = zeroForOne ? -info.liquidityNet : info.liquidityNet;
    if (this.clampLiquidity && liquidity + net < 0n) {
      this.clamped++;
      return 0n;
    }
    return addDelta(liquidity, net);
  }

  private checkPriceLimit(zeroForOne: boolean, limit: bigint): void {
    const start = this.sqrtPriceX96;
    if (zeroForOne ? limit >= start : limit <= start) throw new V4MathError("PriceLimitAlreadyExceeded", `${start} ${limit}`);
    if (zeroForOne ? limit <= MIN_SQRT_PRICE : limit >= MAX_SQRT_PRICE) throw new V4MathError("PriceLimitOutOfBounds", String(limit));
  }

  // One step's boundary, left by stepTarget for afterStep (fields, so the hot loop allocates nothing).
  private stepTick = 0;
  private stepSqrtNext = 0n;
  private stepInitialized = false;
  private stepLiquidity = 0n;

  /** The step's target price: the next initialized tick within one bitmap word, or the limit. */
  private stepTarget(tick: number, zeroForOne: boolean, limit: bigint): bigint {
    let tickNext = this.nextTickWithinOneWord(tick, zeroForOne);
    this.stepInitialized = this.nextInitialized;
    if (tickNext <= MIN_TICK) tickNext = MIN_TICK;
    if (tickNext >= MAX_TICK) tickNext = MAX_TICK;
    const sqrtNext = sqrtPriceAtTick(tickNext);
    this.stepTick = tickNext;
    this.stepSqrtNext = sqrtNext;
    return zeroForOne ? (sqrtNext < limit ? limit : sqrtNext) : sqrtNext > limit ? limit : sqrtNext;
  }

  /** After a step to `sqrtPrice`: crosses the boundary tick if reached; returns the tick, leaves the liquidity in stepLiquidity. */
  private afterStep(sqrtPrice: bigint, stepStart: bigint, tick: number, zeroForOne: boolean, feeGrowth: bigint, liquidity: bigint): number {
    this.stepLiquidity = liquidity;
    if (sqrtPrice === this.stepSqrtNext) {
      if (this.stepInitialized) this.stepLiquidity = this.crossTick(this.stepTick, zeroForOne, feeGrowth, liquidity);
      return zeroForOne ? this.stepTick - 1 : this.stepTick;
    }
    return sqrtPrice !== stepStart ? tickAtSqrtPriceNear(sqrtPrice, tick) : tick;
  }

  private writeBack(sqrtPrice: bigint, tick: number, liquidity: bigint, zeroForOne: boolean, feeGrowth: bigint): void {
    this.sqrtPriceX96 = sqrtPrice;
    this.tick = tick;
    this.liquidity = liquidity;
    if (zeroForOne) this.feeGrowthGlobal0X128 = feeGrowth;
    else this.feeGrowthGlobal1X128 = feeGrowth;
  }

  swap(zeroForOne: boolean, amountSpecified: bigint, sqrtPriceLimitX96: bigint, lpFeeOverride?: number): SwapResult {
    const out: SwapOut = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
    this.swapInto(out, zeroForOne, amountSpecified, sqrtPriceLimitX96, lpFeeOverride ?? this.lpFee);
    return out;
  }

  /** `swap` writing into a caller-owned result object (the replay loops reuse one). */
  swapInto(out: SwapOut, zeroForOne: boolean, amountSpecified: bigint, sqrtPriceLimitX96: bigint, fee: number): void {
    if (amountSpecified === 0n) throw new V4MathError("SwapAmountCannotBeZero");
    if (fee >= MAX_SWAP_FEE && amountSpecified > 0n) throw new V4MathError("InvalidFeeForExactOut");
    this.checkPriceLimit(zeroForOne, sqrtPriceLimitX96);
    let remaining = amountSpecified;
    let calculated = 0n;
    let sqrtPrice = this.sqrtPriceX96;
    let tick = this.tick;
    let liquidity = this.liquidity;
    let feeGrowth = zeroForOne ? this.feeGrowthGlobal0X128 : this.feeGrowthGlobal1X128;
    let feeTotal = 0n;
    let steps = 0;
    const exactIn = amountSpecified < 0n;
    const trackFees = this.trackFeeGrowth;

    while (remaining !== 0n && sqrtPrice !== sqrtPriceLimitX96) {
      const stepStart = sqrtPrice;
      const target = this.stepTarget(tick, zeroForOne, sqrtPriceLimitX96);
      computeSwapStep(sqrtPrice, target, liquidity, remaining, fee);
      sqrtPrice = step.sqrtPriceNextX96;
      steps++;
      if (this.stepIns !== null) this.stepIns.push(step.amountIn);
      // (Sums start from the first step's values: a one-step swap, the usual case, allocates none.)
      if (exactIn) {
        // exhausted: amountIn + feeAmount is exactly what remained
        remaining = step.exhausted ? 0n : remaining + (step.amountIn + step.feeAmount);
        calculated = steps === 1 ? step.amountOut : calculated + step.amountOut;
      } else {
        remaining = step.exhausted ? 0n : remaining - step.amountOut;
        calculated -= step.amountIn + step.feeAmount;
      }
      feeTotal = steps === 1 ? step.feeAmount : feeTotal + step.feeAmount;
      if (trackFees && liquidity > 0n) feeGrowth = grownFee(feeGrowth, step.feeAmount, liquidity);
      tick = this.afterStep(sqrtPrice, stepStart, tick, zeroForOne, feeGrowth, liquidity);
      liquidity = this.stepLiquidity;
    }
    this.writeBack(sqrtPrice, tick, liquidity, zeroForOne, feeGrowth);

    const specifiedDone = remaining === 0n ? amountSpecified : amountSpecified - remaining;
    // "if currency1 is specified"
    if (zeroForOne !== exactIn) {
      out.amount0 = calculated;
      out.amount1 = specifiedDone;
    } else {
      out.amount0 = specifiedDone;
      out.amount1 = calculated;
    }
    if (out.amount0 > MAX_I128 || out.amount0 < MIN_I128) throw new V4MathError("SafeCastOverflow", "amount0 out of int128");
    if (out.amount1 > MAX_I128 || out.amount1 < MIN_I128) throw new V4MathError("SafeCastOverflow", "amount1 out of int128");
    out.feeAmount = feeTotal;
    out.steps = steps;
  }

  /**
   * The swap that moves the price to `sqrtPriceLimitX96` with no limit on the amount (an
   * arbitrageur's swap, a replayed price move): exactly `swapInto(out, zeroForOne, -2^200, limit,
   * fee)` for any fee below 100%, without the amount bookkeeping. Every step reaches its target, so
   * a step is getAmount{0,1}Delta to the target (input rounded up, output down) and its fee is
   * ceil(in x fee / (1e6 - fee)), as SwapMath computes them. Pushes step inputs to `stepIns` when set.
   */
  swapToPrice(out: SwapOut, zeroForOne: boolean, sqrtPriceLimitX96: bigint, fee = 0): void {
    if (fee >= MAX_SWAP_FEE) {
      this.swapInto(out, zeroForOne, -(1n << 200n), sqrtPriceLimitX96, fee);
      return;
    }
    this.checkPriceLimit(zeroForOne, sqrtPriceLimitX96);
    const f = BigInt(fee);
    const fDen = 1_000_000n - f;
    let sqrtPrice = this.sqrtPriceX96;
    let tick = this.tick;
    let liquidity = this.liquidity;
    let feeGrowth = zeroForOne ? this.feeGrowthGlobal0X128 : this.feeGrowthGlobal1X128;
    let totalIn = 0n;
    let totalOut = 0n;
    let totalFee = 0n;
    let steps = 0;
    const trackFees = this.trackFeeGrowth;
    while (sqrtPrice !== sqrtPriceLimitX96) {
      const target = this.stepTarget(tick, zeroForOne, sqrtPriceLimitX96);
      let amountIn: bigint;
      let amountOut: bigint;
      if (zeroForOne) {
        amountIn = getAmount0Delta(target, sqrtPrice, liquidity, true);
        amountOut = getAmount1Delta(target, sqrtPrice, liquidity, false);
      } else {
        amountIn = getAmount1Delta(sqrtPrice, target, liquidity, true);
        amountOut = getAmount0Delta(sqrtPrice, target, liquidity, false);
      }
      const stepStart = sqrtPrice;
      sqrtPrice = target;
      steps++;
      if (this.stepIns !== null) this.stepIns.push(amountIn);
      totalIn += amountIn;
      totalOut += amountOut;
      if (fee !== 0) {
        const prod = amountIn * f;
        const q = prod / fDen;
        const feeAmount = prod % fDen !== 0n ? q + 1n : q;
        totalFee += feeAmount;
        if (trackFees && liquidity > 0n) feeGrowth = grownFee(feeGrowth, feeAmount, liquidity);
      }
      tick = this.afterStep(sqrtPrice, stepStart, tick, zeroForOne, feeGrowth, liquidity);
      liquidity = this.stepLiquidity;
    }
    this.writeBack(sqrtPrice, tick, liquidity, zeroForOne, feeGrowth);
    out.amount0 = zeroForOne ? -(totalIn + totalFee) : totalOut;
    out.amount1 = zeroForOne ? totalOut : -(totalIn + totalFee);
    out.feeAmount = totalFee;
    out.steps = steps;
  }

  // ------------------------------------------------------------ liquidity

  /**
   * Replay only: changes the liquidity book over [tickLower, tickUpper) by `delta` without a
   * position, for liquidity that history shows but whose positions the data does not (LPs from
   * before the window, burns of them). A tick stays initialized while its net liquidity is not zero.
   * Active liquidity is clamped at 0 (counted in `clamped`). Not for pools that also hold positions.
   */
  adjustBook(tickLower: number, tickUpper: number, delta: bigint): void {
    if (delta === 0n) return;
    if (tickLower >= tickUpper) throw new V4MathError("TicksMisordered", `${tickLower} ${tickUpper}`);
    for (const [t, sign] of [[tickLower, 1n], [tickUpper, -1n]] as const) {
      let info = this.ticks.get(t);
      if (!info) {
        info = { liquidityGross: 0n, liquidityNet: 0n, feeGrowthOutside0X128: 0n, feeGrowthOutside1X128: 0n };
        if (t <= this.tick) {
          info.feeGrowthOutside0X128 = this.feeGrowthGlobal0X128;
          info.feeGrowthOutside1X128 = this.feeGrowthGlobal1X128;
        }
        this.ticks.set(t, info);
      }
      const wasInitialized = info.liquidityGross !== 0n;
      info.liquidityNet += sign * delta;
      if (info.liquidityNet === 0n) {
        // Nothing changes at this tick any more: drop it (a book has no positions to keep it).
        info.liquidityGross = 0n;
        if (wasInitialized) this.flip(t);
        this.ticks.delete(t);
      } else {
        info.liquidityGross += delta < 0n ? -delta : delta;
        if (!wasInitialized) this.flip(t);
      }
    }
    if (this.tick >= tickLower && this.tick < tickUpper) {
      const l = this.liquidity + delta;
      if (l < 0n) {
        this.liquidity = 0n;
        this.clamped++;
      } else this.liquidity = l;
    }
  }

  /**
   * Replay only: moves the price to a historical state without a swap (no amounts, no fees), taking
   * active liquidity across the initialized ticks in between as a swap would.
   */
  setPrice(sqrtPriceX96: bigint, tick?: number): void {
    const newTick = tick ?? tickAtSqrtPrice(sqrtPriceX96);
    let l = this.liquidity;
    const s = this.tickSpacing;
    const arr = this.initialized;
    if (newTick > this.tick) {
      // ticks t with this.tick < t <= newTick: compressed c with c*s in that range
      for (let i = this.upperBound(Math.floor(this.tick / s)); i < arr.length && arr[i]! * s <= newTick; i++) {
        if (arr[i]! * s > this.tick) l += this.ticks.get(arr[i]! * s)!.liquidityNet;
      }
    } else if (newTick < this.tick) {
      // ticks t with newTick < t <= this.tick, crossed downwards
      for (let i = this.upperBound(Math.floor(this.tick / s)) - 1; i >= 0 && arr[i]! * s > newTick; i--) {
        if (arr[i]! * s <= this.tick) l -= this.ticks.get(arr[i]! * s)!.liquidityNet;
      }
    }
    if (l < 0n) {
      l = 0n;
      this.clamped++;
    }
    this.liquidity = l;
    this.sqrtPriceX96 = sqrtPriceX96;
    this.tick = newTick;
  }

  feeGrowthInside(tickLower: number, tickUpper: number): [bigint, bigint] {
    const lower = this.ticks.get(tickLower) ?? ZERO_TICK;
    const upper = this.ticks.get(tickUpper) ?? ZERO_TICK;
    if (this.tick < tickLower) {
      return [wrapU256(lower.feeGrowthOutside0X128 - upper.feeGrowthOutside0X128), wrapU256(lower.feeGrowthOutside1X128 - upper.feeGrowthOutside1X128)];
    }
    if (this.tick >= tickUpper) {
      return [wrapU256(upper.feeGrowthOutside0X128 - lower.feeGrowthOutside0X128), wrapU256(upper.feeGrowthOutside1X128 - lower.feeGrowthOutside1X128)];
    }
    return [
      wrapU256(this.feeGrowthGlobal0X128 - lower.feeGrowthOutside0X128 - upper.feeGrowthOutside0X128),
      wrapU256(this.feeGrowthGlobal1X128 - lower.feeGrowthOutside1X128 - upper.feeGrowthOutside1X128),
    ];
  }

  private updateTick(tick: number, liquidityDelta: bigint, upper: boolean): boolean {
    let info = this.ticks.get(tick);
    if (!info) {
      info = { liquidityGross: 0n, liquidityNet: 0n, feeGrowthOutside0X128: 0n, feeGrowthOutside1X128: 0n };
      this.ticks.set(tick, info);
    }
    const grossBefore = info.liquidityGross;
    const grossAfter = grossBefore + liquidityDelta;
    if (grossBefore === 0n && tick <= this.tick) {
      info.feeGrowthOutside0X128 = this.feeGrowthGlobal0X128;
      info.feeGrowthOutside1X128 = this.feeGrowthGlobal1X128;
    }
    info.liquidityGross = grossAfter;
    info.liquidityNet = upper ? info.liquidityNet - liquidityDelta : info.liquidityNet + liquidityDelta;
    return (grossAfter === 0n) !== (grossBefore === 0n);
  }

  /** PoolManager.modifyLiquidity (no hooks): adds or removes liquidity and collects the position's fees. */
  modifyLiquidity(params: { owner?: string; tickLower: number; tickUpper: number; liquidityDelta: bigint; salt?: string }): ModifyResult {
    const { tickLower, tickUpper, liquidityDelta } = params;
    const owner = params.owner ?? "lp";
    const salt = params.salt ?? "0";
    if (tickLower >= tickUpper) throw new V4MathError("TicksMisordered", `${tickLower} ${tickUpper}`);
    if (tickLower < MIN_TICK) throw new V4MathError("TickLowerOutOfBounds", String(tickLower));
    if (tickUpper > MAX_TICK) throw new V4MathError("TickUpperOutOfBounds", String(tickUpper));
    if (liquidityDelta > MAX_I128 || liquidityDelta < MIN_I128) throw new V4MathError("SafeCastOverflow", "liquidityDelta out of int128");
    if (!this.trackFeeGrowth) throw new Error("modifyLiquidity on a pool without fee growth (trackFeeGrowth = false): a book-only replay pool has no positions");

    const key = positionKey(owner, tickLower, tickUpper, salt);
    let flippedLower = false;
    let flippedUpper = false;
    if (liquidityDelta !== 0n) {
      // Every check before any write, so a call that reverts leaves the pool exactly as it was.
      addDelta(this.positions.get(key)?.liquidity ?? 0n, liquidityDelta);
      for (const [t, upper] of [[tickLower, false], [tickUpper, true]] as const) {
        const info = this.ticks.get(t) ?? ZERO_TICK;
        const grossAfter = addDelta(info.liquidityGross, liquidityDelta);
        if (liquidityDelta >= 0n && grossAfter > this.maxLiquidityPerTick) throw new V4MathError("TickLiquidityOverflow", String(t));
        const net = upper ? info.liquidityNet - liquidityDelta : info.liquidityNet + liquidityDelta;
        if (net > MAX_I128 || net < MIN_I128) throw new V4MathError("SafeCastOverflow", "liquidityNet out of int128");
        if ((grossAfter === 0n) !== (info.liquidityGross === 0n) && t % this.tickSpacing !== 0) throw new V4MathError("TickMisaligned", `${t} with spacing ${this.tickSpacing}`);
      }
      if (this.tick >= tickLower && this.tick < tickUpper) addDelta(this.liquidity, liquidityDelta);
      flippedLower = this.updateTick(tickLower, liquidityDelta, false);
      flippedUpper = this.updateTick(tickUpper, liquidityDelta, true);
      if (flippedLower) this.flip(tickLower);
      if (flippedUpper) this.flip(tickUpper);
    }

    const [inside0, inside1] = this.feeGrowthInside(tickLower, tickUpper);
    let pos = this.positions.get(key);
    if (!pos) {
      pos = { liquidity: 0n, feeGrowthInside0LastX128: 0n, feeGrowthInside1LastX128: 0n };
      this.positions.set(key, pos);
    }
    const liquidityBefore = pos.liquidity;
    if (liquidityDelta === 0n) {
      if (liquidityBefore === 0n) throw new V4MathError("CannotUpdateEmptyPosition");
    } else pos.liquidity = addDelta(liquidityBefore, liquidityDelta);
    const fees0 = mulDiv(wrapU256(inside0 - pos.feeGrowthInside0LastX128), liquidityBefore, Q128);
    const fees1 = mulDiv(wrapU256(inside1 - pos.feeGrowthInside1LastX128), liquidityBefore, Q128);
    pos.feeGrowthInside0LastX128 = inside0;
    pos.feeGrowthInside1LastX128 = inside1;

    if (liquidityDelta < 0n) {
      if (flippedLower) this.ticks.delete(tickLower);
      if (flippedUpper) this.ticks.delete(tickUpper);
    }

    let principal0 = 0n;
    let principal1 = 0n;
    if (liquidityDelta !== 0n) {
      if (this.tick < tickLower) {
        principal0 = getAmount0DeltaSigned(sqrtPriceAtTick(tickLower), sqrtPriceAtTick(tickUpper), liquidityDelta);
      } else if (this.tick < tickUpper) {
        principal0 = getAmount0DeltaSigned(this.sqrtPriceX96, sqrtPriceAtTick(tickUpper), liquidityDelta);
        principal1 = getAmount1DeltaSigned(sqrtPriceAtTick(tickLower), this.sqrtPriceX96, liquidityDelta);
        this.liquidity = addDelta(this.liquidity, liquidityDelta);
      } else {
        principal1 = getAmount1DeltaSigned(sqrtPriceAtTick(tickLower), sqrtPriceAtTick(tickUpper), liquidityDelta);
      }
    }
    return { callerDelta0: principal0 + fees0, callerDelta1: principal1 + fees1, feesAccrued0: fees0, feesAccrued1: fees1 };
  }
}

/** feeGrowthGlobal + fee x 2^128 / liquidity, wrapped to uint256 (unchecked in Solidity). */
function grownFee(feeGrowth: bigint, feeAmount: bigint, liquidity: bigint): bigint {
  const g = feeGrowth + (feeAmount << 128n) / liquidity;
  return g > MAX_U256 ? g - (MAX_U256 + 1n) : g;
}

const MAX_I128 = (1n << 127n) - 1n;
const MIN_I128 = -(1n << 127n);
const ZERO_TICK: TickInfo = { liquidityGross: 0n, liquidityNet: 0n, feeGrowthOutside0X128: 0n, feeGrowthOutside1X128: 0n };

/** Full-range ticks for a spacing (the constant-product case). */
export function fullRangeTicks(tickSpacing: number): { tickLower: number; tickUpper: number } {
  return { tickLower: Math.ceil(MIN_TICK / tickSpacing) * tickSpacing, tickUpper: Math.floor(MAX_TICK / tickSpacing) * tickSpacing };
}
