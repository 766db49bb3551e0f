import { describe, expect, it } from "vitest";
import {
  MAX_SQRT_PRICE,
  MAX_TICK,
  MIN_SQRT_PRICE,
  MIN_TICK,
  computeSwapStep,
  computeSwapStepReference,
  getAmount0Delta,
  getAmount0DeltaReference,
  sqrtPriceAtTick,
  sqrtPriceAtTickUncached,
  step,
  tickAtSqrtPrice,
  tickAtSqrtPriceNear,
  tickAtSqrtPriceReference,
} from "../backtest/v4math.ts";
import { Pool, fullRangeTicks } from "../backtest/pool.ts";
import { Rng } from "../backtest/rng.ts";

// The PoolManager parity of the whole swap loop is test/sol/backtest/SwapParity.t.sol (forge);
// these pin the two places where the TypeScript takes a faster road than the Solidity.
describe("v4 maths: the fast paths equal the library", () => {
  it("getSqrtPriceAtTick at the bounds and known points", () => {
    expect(sqrtPriceAtTick(MIN_TICK)).toBe(MIN_SQRT_PRICE);
    expect(sqrtPriceAtTick(MAX_TICK)).toBe(MAX_SQRT_PRICE);
    expect(sqrtPriceAtTick(0)).toBe(1n << 96n);
    expect(() => sqrtPriceAtTick(MAX_TICK + 1)).toThrow(/InvalidTick/);
  });

  it("getTickAtSqrtPrice (float estimate + exact check) equals the Solidity algorithm", () => {
    const rng = new Rng("tick-at-price");
    const cases: bigint[] = [MIN_SQRT_PRICE, MAX_SQRT_PRICE - 1n, 1n << 96n, (1n << 96n) - 1n];
    for (let i = 0; i < 3000; i++) {
      const t = rng.int(MIN_TICK, MAX_TICK - 1);
      const s = sqrtPriceAtTickUncached(t);
      cases.push(s, s + 1n, s - 1n > MIN_SQRT_PRICE ? s - 1n : s);
      const next = sqrtPriceAtTickUncached(t + 1);
      cases.push(s + ((next - s) * BigInt(rng.int(0, 1 << 30))) / (1n << 30n));
    }
    for (const s of cases) expect(tickAtSqrtPrice(s)).toBe(tickAtSqrtPriceReference(s));
  });

  it("getAmount0Delta with one division by A x B equals the Solidity form (mulDiv by B, then divide by A) on 300k inputs", () => {
    const rng = new Rng("amount0-delta");
    for (let i = 0; i < 300_000; i++) {
      const near = rng.next() < 0.3;
      const a = near ? sqrtPriceAtTick(rng.int(MIN_TICK, MAX_TICK - 1)) + rng.bits(rng.int(0, 40)) : rng.bits(rng.int(33, 160)) + 1n;
      const b = near ? a + rng.bits(rng.int(0, 80)) : rng.bits(rng.int(33, 160)) + 1n;
      const liquidity = rng.next() < 0.02 ? 0n : rng.bits(rng.int(1, 128));
      for (const roundUp of [false, true]) {
        const fast = getAmount0Delta(a, b, liquidity, roundUp);
        const ref = getAmount0DeltaReference(a, b, liquidity, roundUp);
        if (fast !== ref) expect({ a, b, liquidity, roundUp, fast }).toEqual({ a, b, liquidity, roundUp, fast: ref });
      }
    }
    expect(() => getAmount0Delta(0n, 5n, 1n, true)).toThrow(/InvalidPrice/);
  });

  it("tickAtSqrtPriceNear equals the Solidity algorithm from any starting tick", () => {
    const rng = new Rng("tick-near");
    for (let i = 0; i < 20_000; i++) {
      const t = rng.int(MIN_TICK, MAX_TICK - 1);
      const s = sqrtPriceAtTickUncached(t) + (rng.next() < 0.5 ? 0n : rng.bits(rng.int(0, 40)));
      if (s >= MAX_SQRT_PRICE) continue;
      const guess = rng.next() < 0.7 ? t + rng.int(-10, 10) : rng.int(MIN_TICK - 5, MAX_TICK + 5);
      expect(tickAtSqrtPriceNear(s, guess)).toBe(tickAtSqrtPriceReference(s));
    }
    expect(() => tickAtSqrtPriceNear(MAX_SQRT_PRICE, MAX_TICK)).toThrow(/InvalidSqrtPrice/);
    expect(() => tickAtSqrtPriceNear(MIN_SQRT_PRICE - 1n, MIN_TICK)).toThrow(/InvalidSqrtPrice/);
  });

  it("computeSwapStep with its float shortcut equals SwapMath.computeSwapStep on 200k random steps", () => {
    const rng = new Rng("swap-step");
    const fees = [0, 1, 100, 500, 3000, 10000, 500000, 999999, 1000000];
    for (let i = 0; i < 200_000; i++) {
      const t = rng.int(-400_000, 400_000);
      const cur = sqrtPriceAtTick(t) + rng.bits(rng.int(0, 60));
      const dist = rng.next() < 0.1 ? rng.int(0, 3) : rng.int(0, 5000);
      const zeroForOne = rng.next() < 0.5;
      let target = zeroForOne ? sqrtPriceAtTick(Math.max(MIN_TICK, t - dist)) : sqrtPriceAtTick(Math.min(MAX_TICK, t + dist));
      if (rng.next() < 0.05) target = cur + BigInt(rng.int(-3, 3)); // degenerate gaps
      if (target < MIN_SQRT_PRICE) target = MIN_SQRT_PRICE;
      const liquidity = rng.next() < 0.02 ? 0n : rng.bits(rng.int(1, 127)) + 1n;
      const exactIn = rng.next() < 0.5;
      let fee = fees[rng.int(0, fees.length - 1)]!;
      if (!exactIn && fee === 1000000) fee = 999999;
      const magnitude = rng.bits(rng.int(1, 120)) + 1n;
      const amount = exactIn ? -magnitude : magnitude;
      let fast: string;
      let ref: string;
      try {
        computeSwapStep(cur, target, liquidity, amount, fee);
        fast = `${step.sqrtPriceNextX96} ${step.amountIn} ${step.amountOut} ${step.feeAmount}`;
      } catch (e) {
        fast = `throw ${(e as Error).message}`;
      }
      try {
        computeSwapStepReference(cur, target, liquidity, amount, fee);
        ref = `${step.sqrtPriceNextX96} ${step.amountIn} ${step.amountOut} ${step.feeAmount}`;
      } catch (e) {
        ref = `throw ${(e as Error).message}`;
      }
      if (fast !== ref) expect({ i, cur, target, liquidity, amount, fee, fast }).toEqual({ i, cur, target, liquidity, amount, fee, fast: ref });
    }
  });

  it("a full-range pool reproduces the constant-product invariant and conserves tokens", () => {
    const { tickLower, tickUpper } = fullRangeTicks(60);
    const pool = new Pool({ sqrtPriceX96: sqrtPriceAtTick(76_012), tickSpacing: 60, lpFee: 3000 });
    const minted = pool.modifyLiquidity({ tickLower, tickUpper, liquidityDelta: 10n ** 24n });
    let held0 = -minted.callerDelta0;
    let held1 = -minted.callerDelta1;
    const rng = new Rng("conserve");
    for (let i = 0; i < 2000; i++) {
      const zeroForOne = rng.next() < 0.5;
      const r = pool.swap(zeroForOne, -(rng.bits(70) + 1n), zeroForOne ? MIN_SQRT_PRICE + 1n : MAX_SQRT_PRICE - 1n);
      held0 -= r.amount0;
      held1 -= r.amount1;
    }
    const burned = pool.modifyLiquidity({ tickLower, tickUpper, liquidityDelta: -(10n ** 24n) });
    // Everything the pool took in went back out to the LP (principal + fees), up to rounding in the pool's favour.
    const left0 = held0 - burned.callerDelta0;
    const left1 = held1 - burned.callerDelta1;
    expect(left0 >= 0n && left0 < 10_000n).toBe(true);
    expect(left1 >= 0n && left1 < 10_000n).toBe(true);
  });
});

describe("replay helpers of the pool", () => {
  it("a pool without fee growth (trackFeeGrowth = false) swaps exactly as one with it, and refuses positions", () => {
    const rng = new Rng("no-fee-growth");
    const spacing = 10;
    const withGrowth = new Pool({ sqrtPriceX96: sqrtPriceAtTick(200_000) + 12345n, tickSpacing: spacing, lpFee: 500 });
    withGrowth.modifyLiquidity({ ...fullRangeTicks(spacing), liquidityDelta: 10n ** 18n });
    for (let k = 0; k < 60; k++) {
      const lo = 200_000 + rng.int(-300, 300) * spacing;
      withGrowth.modifyLiquidity({ tickLower: lo, tickUpper: lo + rng.int(1, 40) * spacing, liquidityDelta: 10n ** 17n * BigInt(rng.int(1, 50)), salt: String(k) });
    }
    const without = withGrowth.clone();
    without.trackFeeGrowth = false;
    for (let s = 0; s < 3000; s++) {
      const zeroForOne = rng.next() < 0.5;
      const fee = [0, 100, 500, 3000, 999_999][rng.int(0, 4)]!;
      const amount = rng.next() < 0.8 ? -(rng.bits(rng.int(1, 75)) + 1n) : rng.bits(rng.int(1, 60)) + 1n;
      const limit = zeroForOne ? MIN_SQRT_PRICE + 1n : MAX_SQRT_PRICE - 1n;
      const toPrice = s % 7 === 0; // an arbitrageur's swap to a price, else an amount
      const target = sqrtPriceAtTick(Math.max(MIN_TICK + 1, Math.min(MAX_TICK - 1, withGrowth.tick + (zeroForOne ? -rng.int(1, 2000) : rng.int(1, 2000)))));
      const results = [withGrowth, without].map((p) => {
        try {
          const o = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
          if (toPrice) p.swapToPrice(o, zeroForOne, target, fee);
          else p.swapInto(o, zeroForOne, amount, limit, fee);
          return [o.amount0, o.amount1, o.feeAmount, o.steps, p.sqrtPriceX96, p.tick, p.liquidity];
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(results[1]).toEqual(results[0]);
    }
    expect(without.feeGrowthGlobal0X128 + without.feeGrowthGlobal1X128).toBe(0n);
    expect(() => without.modifyLiquidity({ ...fullRangeTicks(spacing), liquidityDelta: 1n })).toThrow(/trackFeeGrowth/);
  });

  it("swapToPrice equals an unbounded price-limited swap (amounts, fees, fee growth, step inputs)", () => {
    const rng = new Rng("swap-to-price");
    for (let trial = 0; trial < 5; trial++) {
      const spacing = [1, 10, 60][trial % 3]!;
      const pool = new Pool({ sqrtPriceX96: sqrtPriceAtTick(rng.int(-50_000, 50_000)) + 99n, tickSpacing: spacing, lpFee: 0 });
      pool.modifyLiquidity({ ...fullRangeTicks(spacing), liquidityDelta: 10n ** 20n });
      for (let k = 0; k < 40; k++) {
        const lo = Math.floor(pool.tick / spacing) * spacing + rng.int(-60, 60) * spacing;
        pool.modifyLiquidity({ tickLower: lo, tickUpper: lo + rng.int(1, 30) * spacing, liquidityDelta: 10n ** 18n * BigInt(rng.int(1, 90)), salt: String(k) });
      }
      for (let s = 0; s < 200; s++) {
        const zeroForOne = rng.next() < 0.5;
        const target = sqrtPriceAtTick(pool.tick + (zeroForOne ? -rng.int(0, 3000) : rng.int(1, 3000))) + BigInt(rng.int(1, 1000));
        if (zeroForOne ? target >= pool.sqrtPriceX96 : target <= pool.sqrtPriceX96) continue;
        const a = pool.clone();
        const b = pool.clone();
        const insA: bigint[] = [];
        const insB: bigint[] = [];
        a.stepIns = insA;
        b.stepIns = insB;
        const outA = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
        const outB = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
        const fee = [0, 1, 500, 3000, 10000, 999999][rng.int(0, 5)]!;
        a.swapInto(outA, zeroForOne, -(1n << 200n), target, fee);
        b.swapToPrice(outB, zeroForOne, target, fee);
        const ticksOf = (p: Pool) => JSON.stringify([...p.ticks].map(([t, i]) => [t, String(i.feeGrowthOutside0X128), String(i.feeGrowthOutside1X128)]));
        expect([outB.amount0, outB.amount1, outB.feeAmount, outB.steps, b.sqrtPriceX96, b.tick, b.liquidity, b.feeGrowthGlobal0X128, b.feeGrowthGlobal1X128, insB, ticksOf(b)]).toEqual([
          outA.amount0, outA.amount1, outA.feeAmount, outA.steps, a.sqrtPriceX96, a.tick, a.liquidity, a.feeGrowthGlobal0X128, a.feeGrowthGlobal1X128, insA, ticksOf(a),
        ]);
        pool.swap(zeroForOne, -(1n << 200n), target, fee);
      }
    }
  });
});
