// Random pool scenarios for the PoolManager parity test (SwapParity.t.sol calls this through ffi):
// fee changes, mints, burns, fee pokes and swaps (exact in/out, both directions, price limits near
// and far, sizes from 1 wei to past int128), each with the result the backtester's pool computes.
// Ops that revert in the backtester are kept and marked, so reverts are compared too.
//
//   node --import tsx test/sol/backtest/scenario.ts <seed> [ops]    prints the ABI-encoded scenario
import { encodeAbiParameters, type Hex } from "viem";
import { Pool, fullRangeTicks } from "../../../backtest/pool.ts";
import { Rng } from "../../../backtest/rng.ts";
import { MAX_SQRT_PRICE, MAX_TICK, MIN_SQRT_PRICE, MIN_TICK, V4MathError, sqrtPriceAtTick, tickAtSqrtPrice } from "../../../backtest/v4math.ts";

export const OP_SET_FEE = 0;
export const OP_SWAP = 1;
export const OP_MODIFY = 2;

export interface Op {
  kind: number;
  zeroForOne: boolean;
  amountSpecified: bigint;
  sqrtPriceLimitX96: bigint;
  tickLower: number;
  tickUpper: number;
  liquidityDelta: bigint;
  salt: Hex;
  fee: number;
  reverts: boolean;
}

export interface Expect {
  amount0: bigint;
  amount1: bigint;
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  feeGrowthGlobal0X128: bigint;
  feeGrowthGlobal1X128: bigint;
}

export interface Scenario {
  tickSpacing: number;
  sqrtPriceX96: bigint;
  ops: Op[];
  expects: Expect[];
}

const FEES = [0, 1, 100, 500, 500, 3000, 3000, 10000, 100000, 500000, 0, 999999, 1000000];

function pow10(rng: Rng, lo: number, hi: number): bigint {
  const e = lo + rng.next() * (hi - lo);
  const whole = Math.floor(e);
  const mant = BigInt(Math.floor(10 ** (e - whole) * 1e6));
  return whole >= 6 ? mant * 10n ** BigInt(whole - 6) : (mant * 10n ** BigInt(whole)) / 1_000_000n + 1n;
}

export function generateScenario(seed: number, nOps = 120): Scenario {
  const rng = new Rng(`swap-parity-${seed}`);
  const tickSpacing = [1, 10, 60, 200, rng.int(2, 300)][rng.int(0, 4)]!;
  const startTick = rng.int(-400_000, 400_000);
  const lo = sqrtPriceAtTick(startTick);
  const hi = sqrtPriceAtTick(startTick + 1);
  const sqrtPriceX96 = lo + ((hi - lo) * BigInt(rng.int(0, 1000))) / 1000n;
  const pool = new Pool({ sqrtPriceX96, tickSpacing, lpFee: 0 });
  const ops: Op[] = [];
  const expects: Expect[] = [];
  const positions: { tickLower: number; tickUpper: number; salt: Hex; liquidity: bigint }[] = [];
  const blank = (): Op => ({ kind: 0, zeroForOne: false, amountSpecified: 0n, sqrtPriceLimitX96: 0n, tickLower: 0, tickUpper: 0, liquidityDelta: 0n, salt: `0x${"00".repeat(32)}`, fee: 0, reverts: false });
  const usable = fullRangeTicks(tickSpacing);

  const apply = (op: Op) => {
    const snapshot = pool.clone();
    let amount0 = 0n;
    let amount1 = 0n;
    try {
      if (op.kind === OP_SET_FEE) pool.setFee(op.fee);
      else if (op.kind === OP_SWAP) {
        const r = pool.swap(op.zeroForOne, op.amountSpecified, op.sqrtPriceLimitX96);
        amount0 = r.amount0;
        amount1 = r.amount1;
      } else {
        const r = pool.modifyLiquidity({ tickLower: op.tickLower, tickUpper: op.tickUpper, liquidityDelta: op.liquidityDelta, salt: op.salt });
        amount0 = r.callerDelta0;
        amount1 = r.callerDelta1;
      }
    } catch (e) {
      if (!(e instanceof V4MathError)) throw e;
      op.reverts = true;
      Object.assign(pool, snapshot);
    }
    ops.push(op);
    expects.push({
      amount0,
      amount1,
      sqrtPriceX96: pool.sqrtPriceX96,
      tick: pool.tick,
      liquidity: pool.liquidity,
      feeGrowthGlobal0X128: pool.feeGrowthGlobal0X128,
      feeGrowthGlobal1X128: pool.feeGrowthGlobal1X128,
    });
    return !op.reverts;
  };

  const mint = (wide: boolean) => {
    let tickLower: number;
    let tickUpper: number;
    if (wide || rng.next() < 0.15) ({ tickLower, tickUpper } = usable);
    else {
      const r = rng.next();
      const width = (r < 0.4 ? rng.int(1, 4) : r < 0.8 ? rng.int(1, 30) : rng.int(1, 400)) * tickSpacing;
      const below = Math.floor(rng.next() * width * 1.4) - Math.floor(width * 0.2);
      tickLower = Math.floor((pool.tick - below) / tickSpacing) * tickSpacing;
      tickLower = Math.max(usable.tickLower, Math.min(tickLower, usable.tickUpper - tickSpacing));
      tickUpper = Math.min(usable.tickUpper, tickLower + width);
    }
    const salt = `0x${(positions.length + 1).toString(16).padStart(64, "0")}` as Hex;
    const liquidity = pow10(rng, 12, 24);
    if (apply({ ...blank(), kind: OP_MODIFY, tickLower, tickUpper, liquidityDelta: liquidity, salt })) positions.push({ tickLower, tickUpper, salt, liquidity });
  };

  apply({ ...blank(), kind: OP_SET_FEE, fee: FEES[rng.int(0, 7)]! });
  mint(true);
  for (let i = 0; i < 24; i++) mint(false);

  while (ops.length < nOps) {
    const u = rng.next();
    if (u < 0.08) apply({ ...blank(), kind: OP_SET_FEE, fee: FEES[rng.int(0, rng.next() < 0.8 ? 10 : FEES.length - 1)]! });
    else if (u < 0.2 || positions.length < 3) mint(false);
    else if (u < 0.28 && positions.length > 0) {
      const idx = rng.int(0, positions.length - 1);
      const p = positions[idx]!;
      const all = rng.next() < 0.4 || p.liquidity < 4_000_000_000_000n;
      const amount = all ? p.liquidity : p.liquidity / BigInt(rng.int(2, 4));
      if (apply({ ...blank(), kind: OP_MODIFY, tickLower: p.tickLower, tickUpper: p.tickUpper, liquidityDelta: -amount, salt: p.salt })) {
        p.liquidity -= amount;
        if (p.liquidity === 0n) positions.splice(idx, 1);
      }
    } else if (u < 0.32 && positions.length > 0) {
      const p = positions[rng.int(0, positions.length - 1)]!;
      apply({ ...blank(), kind: OP_MODIFY, tickLower: p.tickLower, tickUpper: p.tickUpper, liquidityDelta: 0n, salt: p.salt });
    } else {
      const zeroForOne = rng.next() < 0.5;
      const exactIn = rng.next() < 0.6;
      const w = rng.next();
      let magnitude: bigint;
      if (w < 0.05) magnitude = pow10(rng, 30, 42);
      else if (w < 0.35) magnitude = pow10(rng, 0, 26);
      else {
        // Sized to move the price by about `d` ticks through the active liquidity, so many swaps
        // cross initialized ticks and bitmap words.
        const d = 10 ** (rng.next() * 4.5 - 1);
        const L = pool.liquidity > 0n ? Number(pool.liquidity) : 1e18;
        const sp = Number(pool.sqrtPriceX96) / 2 ** 96;
        const g = Math.exp((d * Math.log(1.0001)) / 2);
        const token0 = zeroForOne === exactIn;
        const amount = token0 ? (L * (g - 1)) / sp : L * sp * (1 - 1 / g);
        magnitude = BigInt(Math.max(1, Math.min(1e40, Math.floor(amount))));
      }
      let limit: bigint;
      const v = rng.next();
      if (v < 0.4) limit = zeroForOne ? MIN_SQRT_PRICE + 1n : MAX_SQRT_PRICE - 1n;
      else if (v < 0.95) {
        const dist = rng.next() < 0.5 ? rng.int(0, 20) : rng.int(0, 5000);
        const t = Math.max(MIN_TICK + 1, Math.min(MAX_TICK - 1, pool.tick + (zeroForOne ? -dist : dist)));
        limit = sqrtPriceAtTick(t) + BigInt(rng.int(0, 1_000_000));
        if (zeroForOne && limit >= pool.sqrtPriceX96) limit = pool.sqrtPriceX96 - 1n;
        if (!zeroForOne && limit <= pool.sqrtPriceX96) limit = pool.sqrtPriceX96 + 1n;
      } else limit = zeroForOne ? pool.sqrtPriceX96 + 1n : pool.sqrtPriceX96 - 1n; // already exceeded: reverts
      apply({ ...blank(), kind: OP_SWAP, zeroForOne, amountSpecified: exactIn ? -magnitude : magnitude, sqrtPriceLimitX96: limit });
    }
  }
  // Keep the checker honest about the tick it reads back.
  if (tickAtSqrtPrice(pool.sqrtPriceX96) < pool.tick - 1) throw new Error("scenario: tick inconsistent with price");
  return { tickSpacing, sqrtPriceX96, ops, expects };
}

const OP_COMPONENTS = [
  { name: "kind", type: "uint8" },
  { name: "zeroForOne", type: "bool" },
  { name: "amountSpecified", type: "int256" },
  { name: "sqrtPriceLimitX96", type: "uint160" },
  { name: "tickLower", type: "int24" },
  { name: "tickUpper", type: "int24" },
  { name: "liquidityDelta", type: "int256" },
  { name: "salt", type: "bytes32" },
  { name: "fee", type: "uint24" },
  { name: "reverts", type: "bool" },
] as const;

const EXPECT_COMPONENTS = [
  { name: "amount0", type: "int256" },
  { name: "amount1", type: "int256" },
  { name: "sqrtPriceX96", type: "uint160" },
  { name: "tick", type: "int24" },
  { name: "liquidity", type: "uint128" },
  { name: "feeGrowthGlobal0X128", type: "uint256" },
  { name: "feeGrowthGlobal1X128", type: "uint256" },
] as const;

export function encodeScenario(s: Scenario): Hex {
  return encodeAbiParameters(
    [
      {
        type: "tuple",
        components: [
          { name: "tickSpacing", type: "int24" },
          { name: "sqrtPriceX96", type: "uint160" },
          { name: "ops", type: "tuple[]", components: OP_COMPONENTS },
          { name: "expects", type: "tuple[]", components: EXPECT_COMPONENTS },
        ],
      },
    ],
    [s],
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const seed = Number(process.argv[2] ?? 1);
  const n = Number(process.argv[3] ?? 120);
  process.stdout.write(encodeScenario(generateScenario(seed, n)));
}
