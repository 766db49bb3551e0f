// Uniswap v4-core's swap arithmetic (FullMath, UnsafeMath, TickMath, SqrtPriceMath, SwapMath), ported
// integer for integer on bigint. Every function returns exactly what the Solidity library returns
// for the same inputs and throws a V4MathError (named after the Solidity custom error) where it
// reverts; test/sol/backtest/SwapParity.t.sol pins the whole swap loop to the real PoolManager.
//
// Speed: a swap step costs about ten bigint operations. The only expensive library functions on
// chain, getSqrtPriceAtTick and getTickAtSqrtPrice, are replaced by an exact cache of the first
// and a float estimate checked against that cache for the second (same result by definition:
// getTickAtSqrtPrice returns the greatest tick whose sqrt price is <= the argument).

export class V4MathError extends Error {
  constructor(readonly error: string, detail = "") {
    super(detail ? `${error}: ${detail}` : error);
  }
}

export const Q96 = 1n << 96n;
export const Q128 = 1n << 128n;
export const MAX_U256 = (1n << 256n) - 1n;
export const MAX_U160 = (1n << 160n) - 1n;
export const MAX_U128 = (1n << 128n) - 1n;
const MASK96 = Q96 - 1n;
const TWO256 = 1n << 256n;

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_PRICE = 4295128739n;
export const MAX_SQRT_PRICE = 1461446703485210103287273052203988822378723970342n;
/** Fees are in pips: hundredths of a bip, 1e6 = 100%. */
export const MAX_SWAP_FEE = 1_000_000;
const MAX_SWAP_FEE_N = 1_000_000n;

// ---------------------------------------------------------------- FullMath / UnsafeMath

export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new V4MathError("FullMath", "division by zero");
  const r = (a * b) / d;
  if (r > MAX_U256) throw new V4MathError("FullMath", "result overflows uint256");
  return r;
}

export function mulDivRoundingUp(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new V4MathError("FullMath", "division by zero");
  const p = a * b;
  const r = p / d;
  if (r > MAX_U256) throw new V4MathError("FullMath", "result overflows uint256");
  // r * d !== p is p % d !== 0 (r = floor(p / d)); a multiplication costs less than a second division.
  if (r * d !== p) {
    if (r === MAX_U256) throw new V4MathError("FullMath", "result overflows uint256");
    return r + 1n;
  }
  return r;
}

/** UnsafeMath.divRoundingUp (y is never zero where it is used). */
export function divRoundingUp(x: bigint, y: bigint): bigint {
  const q = x / y;
  return x % y !== 0n ? q + 1n : q;
}

// ---------------------------------------------------------------- TickMath

const TICK_FACTORS: bigint[] = [
  0xfff97272373d413259a46990580e213an, 0xfff2e50f5f656932ef12357cf3c7fdccn, 0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n, 0xff973b41fa98c081472e6896dfb254c0n, 0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n, 0xfcbe86c7900a88aedcffc83b479aa3a4n, 0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n, 0xe7159475a2c29b7443b29c7fa6e889d9n, 0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n, 0x70d869a156d2a1b890bb3df62baf32f7n, 0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n, 0x5d6af8dedb81196699c329225ee604n, 0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** TickMath.getSqrtPriceAtTick, uncached: the Solidity algorithm step for step. */
export function sqrtPriceAtTickUncached(tick: number): bigint {
  if (!Number.isInteger(tick)) throw new V4MathError("InvalidTick", String(tick));
  const absTick = Math.abs(tick);
  if (absTick > MAX_TICK) throw new V4MathError("InvalidTick", String(tick));
  let price = absTick & 1 ? 0xfffcb933bd6fad37aa2d162d1a594001n : 1n << 128n;
  for (let i = 0; i < TICK_FACTORS.length; i++) {
    if (absTick & (2 << i)) price = (price * TICK_FACTORS[i]!) >> 128n;
  }
  if (tick > 0) price = MAX_U256 / price;
  return (price + 0xffffffffn) >> 32n;
}

// Indexed by tick - MIN_TICK; 0n marks "not computed yet" (no tick has sqrt price 0).
let sqrtTable: bigint[] | undefined;

/** TickMath.getSqrtPriceAtTick (memoized; the values are exact, so the cache changes nothing). */
export function sqrtPriceAtTick(tick: number): bigint {
  if (sqrtTable === undefined) sqrtTable = new Array<bigint>(MAX_TICK - MIN_TICK + 1).fill(0n);
  const v = sqrtTable[tick - MIN_TICK];
  if (v !== undefined && v !== 0n) return v;
  const w = sqrtPriceAtTickUncached(tick);
  sqrtTable[tick - MIN_TICK] = w;
  return w;
}

const LN_SQRT_10001 = Math.log(1.0001) / 2;
const TWO96_F = 2 ** 96;

/**
 * TickMath.getTickAtSqrtPrice: the greatest tick whose sqrt price is <= `sqrtPriceX96`. A float
 * estimate, then exact comparisons against getSqrtPriceAtTick (the definition the library meets).
 */
export function tickAtSqrtPrice(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_PRICE || sqrtPriceX96 >= MAX_SQRT_PRICE) throw new V4MathError("InvalidSqrtPrice", String(sqrtPriceX96));
  let t = Math.floor(Math.log(Number(sqrtPriceX96) / TWO96_F) / LN_SQRT_10001);
  if (t > MAX_TICK) t = MAX_TICK;
  if (t < MIN_TICK) t = MIN_TICK;
  while (t > MIN_TICK && sqrtPriceAtTick(t) > sqrtPriceX96) t--;
  while (t < MAX_TICK && sqrtPriceAtTick(t + 1) <= sqrtPriceX96) t++;
  return t;
}

/**
 * tickAtSqrtPrice walking from `near` (a swap's previous tick: a small step moves it by a few ticks),
 * falling back to the float estimate after 8 ticks. The same exact comparisons decide, so the same
 * result from any starting tick.
 */
export function tickAtSqrtPriceNear(sqrtPriceX96: bigint, near: number): number {
  let t = near < MIN_TICK ? MIN_TICK : near > MAX_TICK ? MAX_TICK : near;
  for (let k = 0; k < 8; k++) {
    if (t > MIN_TICK && sqrtPriceAtTick(t) > sqrtPriceX96) t--;
    else if (t < MAX_TICK && sqrtPriceAtTick(t + 1) <= sqrtPriceX96) t++;
    else if (sqrtPriceX96 < MIN_SQRT_PRICE || sqrtPriceX96 >= MAX_SQRT_PRICE) break; // the full version throws
    else return t;
  }
  return tickAtSqrtPrice(sqrtPriceX96);
}

/** TickMath.getTickAtSqrtPrice, the Solidity algorithm itself (slow; tests compare both). */
export function tickAtSqrtPriceReference(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_PRICE || sqrtPriceX96 >= MAX_SQRT_PRICE) throw new V4MathError("InvalidSqrtPrice", String(sqrtPriceX96));
  const price = sqrtPriceX96 << 32n;
  let r = price;
  const msb = BigInt(price.toString(2).length - 1);
  r = msb >= 128n ? price >> (msb - 127n) : price << (127n - msb);
  let log2 = (msb - 128n) << 64n;
  for (let bit = 63n; bit >= 50n; bit--) {
    r = (r * r) >> 127n;
    const f = r >> 128n;
    log2 |= f << bit;
    r >>= f;
  }
  // `log2` is a signed Q64.64 value held as a two's-complement uint256 in Solidity; here it is signed.
  const logSqrt10001 = log2 * 255738958999603826347141n;
  const tickLow = Number((logSqrt10001 - 3402992956809132418596140100660247210n) >> 128n);
  const tickHi = Number((logSqrt10001 + 291339464771989622907027621153398088495n) >> 128n);
  return tickLow === tickHi ? tickLow : sqrtPriceAtTickUncached(tickHi) <= sqrtPriceX96 ? tickHi : tickLow;
}

// ---------------------------------------------------------------- SqrtPriceMath

export function getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96: bigint, liquidity: bigint, amount: bigint, add: boolean): bigint {
  if (amount === 0n) return sqrtPX96;
  const numerator1 = liquidity << 96n;
  const product = amount * sqrtPX96;
  if (add) {
    if (product <= MAX_U256) {
      const denominator = numerator1 + product;
      if (denominator <= MAX_U256) return mulDivRoundingUp(numerator1, sqrtPX96, denominator);
    }
    const d = numerator1 / sqrtPX96 + amount;
    if (d > MAX_U256) throw new V4MathError("Panic", "arithmetic overflow");
    return divRoundingUp(numerator1, d);
  }
  if (product > MAX_U256 || numerator1 <= product) throw new V4MathError("PriceOverflow");
  const r = mulDivRoundingUp(numerator1, sqrtPX96, numerator1 - product);
  if (r > MAX_U160) throw new V4MathError("SafeCastOverflow");
  return r;
}

export function getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96: bigint, liquidity: bigint, amount: bigint, add: boolean): bigint {
  if (add) {
    const quotient = amount <= MAX_U160 ? (amount << 96n) / liquidity : mulDiv(amount, Q96, liquidity);
    const r = sqrtPX96 + quotient;
    if (r > MAX_U160) throw new V4MathError("SafeCastOverflow");
    return r;
  }
  const quotient = amount <= MAX_U160 ? divRoundingUp(amount << 96n, liquidity) : mulDivRoundingUp(amount, Q96, liquidity);
  if (sqrtPX96 <= quotient) throw new V4MathError("NotEnoughLiquidity");
  return sqrtPX96 - quotient;
}

export function getNextSqrtPriceFromInput(sqrtPX96: bigint, liquidity: bigint, amountIn: bigint, zeroForOne: boolean): bigint {
  if (sqrtPX96 === 0n || liquidity === 0n) throw new V4MathError("InvalidPriceOrLiquidity");
  return zeroForOne
    ? getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountIn, true)
    : getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountIn, true);
}

export function getNextSqrtPriceFromOutput(sqrtPX96: bigint, liquidity: bigint, amountOut: bigint, zeroForOne: boolean): bigint {
  if (sqrtPX96 === 0n || liquidity === 0n) throw new V4MathError("InvalidPriceOrLiquidity");
  return zeroForOne
    ? getNextSqrtPriceFromAmount1RoundingDown(sqrtPX96, liquidity, amountOut, false)
    : getNextSqrtPriceFromAmount0RoundingUp(sqrtPX96, liquidity, amountOut, false);
}

/**
 * SqrtPriceMath.getAmount0Delta(uint160, uint160, uint128, bool). Solidity divides twice, by B then
 * by A, rounding the same way both times; for positive integers floor(floor(x / b) / a) =
 * floor(x / (a b)) and ceil(ceil(x / b) / a) = ceil(x / (a b)), so one division by a x b gives the
 * same result (its quotient is short, and a bigint division costs by the quotient's length: 2.5x
 * faster). `getAmount0DeltaReference` is the two-division form; the tests compare both.
 */
export function getAmount0Delta(a: bigint, b: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (a > b) return getAmount0Delta(b, a, liquidity, roundUp);
  if (a === 0n) throw new V4MathError("InvalidPrice");
  const p = (liquidity << 96n) * (b - a);
  const d = a * b;
  const q = p / d;
  return roundUp && q * d !== p ? q + 1n : q;
}

/** SqrtPriceMath.getAmount0Delta as written in Solidity (mulDiv by B, then divide by A). */
export function getAmount0DeltaReference(a: bigint, b: bigint, liquidity: bigint, roundUp: boolean): bigint {
  if (a > b) {
    const t = a;
    a = b;
    b = t;
  }
  if (a === 0n) throw new V4MathError("InvalidPrice");
  const p = (liquidity << 96n) * (b - a);
  const q = p / b;
  if (!roundUp) return q / a;
  const x = p % b !== 0n ? q + 1n : q;
  const r = x / a;
  return x % a !== 0n ? r + 1n : r;
}

/** SqrtPriceMath.getAmount1Delta(uint160, uint160, uint128, bool). */
export function getAmount1Delta(a: bigint, b: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const p = liquidity * (a > b ? a - b : b - a);
  const q = p >> 96n;
  return roundUp && (p & MASK96) !== 0n ? q + 1n : q;
}

/** The signed forms used by modifyLiquidity: negative liquidity rounds down and returns a positive amount. */
export function getAmount0DeltaSigned(a: bigint, b: bigint, liquidity: bigint): bigint {
  return liquidity < 0n ? getAmount0Delta(a, b, -liquidity, false) : -getAmount0Delta(a, b, liquidity, true);
}

export function getAmount1DeltaSigned(a: bigint, b: bigint, liquidity: bigint): bigint {
  return liquidity < 0n ? getAmount1Delta(a, b, -liquidity, false) : -getAmount1Delta(a, b, liquidity, true);
}

// ---------------------------------------------------------------- SwapMath

/** Result of computeSwapStep, in module-level slots so the hot loop allocates nothing. */
export const step = { sqrtPriceNextX96: 0n, amountIn: 0n, amountOut: 0n, feeAmount: 0n, exhausted: false };

// The last fee's bigint forms (a swap's steps, and consecutive swaps of one policy, share a fee).
let feeCachePips = 0;
let feeCacheN = 0n;
let feeCacheDenN = MAX_SWAP_FEE_N;

const TWO96 = 2 ** 96;
// A float estimate decides the step's branch only when it is unambiguous by a wide margin (see
// computeSwapStep); these bound the float error it must beat.
const SAFE_GAP = 1e-9;
const SAFE_MARGIN = 1 - 1e-6;

/**
 * True only where `amount` is certainly below the token0 amount between the two prices,
 * L x 2^96 x |a - b| / (a b), by the float estimate's margins (see computeSwapStep).
 */
function surelyBelowToken0Delta(amount: bigint, a: bigint, b: bigint, liquidity: bigint): boolean {
  const x = Number(a);
  const y = Number(b);
  const gap = x > y ? x - y : y - x;
  if (gap < (x > y ? x : y) * SAFE_GAP) return false;
  const delta = (Number(liquidity) * TWO96 * gap) / (x * y);
  return Number(amount) + 2 < delta * SAFE_MARGIN;
}

/**
 * SwapMath.computeSwapStep; writes its four results into `step`.
 *
 * One shortcut, exact by construction: when the remaining amount is far too small to reach the
 * target price (the usual case: the target is the next initialized tick or the bitmap word's
 * edge), the exact amount needed to reach the target is never used by the library (it takes the
 * "exhaust the remaining amount" branch and overwrites it), so it is not computed. The float
 * estimate is trusted only when the branch is certain: price gap >= 1e-9 relative (float error
 * of the estimate < 3e-7) and remaining amount < (1 - 1e-6) x estimate - 2 wei. It is tried only
 * where the skipped amount is a token0 amount (getAmount0Delta, a division); a token1 amount costs
 * less to compute exactly than the float test.
 */
export function computeSwapStep(sqrtPriceCurrentX96: bigint, sqrtPriceTargetX96: bigint, liquidity: bigint, amountRemaining: bigint, feePips: number): void {
  const zeroForOne = sqrtPriceCurrentX96 >= sqrtPriceTargetX96;
  if (feePips !== feeCachePips) {
    feeCachePips = feePips;
    feeCacheN = BigInt(feePips);
    feeCacheDenN = MAX_SWAP_FEE_N - feeCacheN;
  }
  const fee = feeCacheN;
  const feeDen = feeCacheDenN;
  let exhausted = false;
  let next: bigint;
  let amountIn: bigint;
  let amountOut: bigint;
  let feeAmount: bigint;
  // The float test is worth its four conversions only where it saves a getAmount0Delta (a bigint
  // division); getAmount1Delta (a multiplication and a shift) is cheaper than the test.
  if (amountRemaining < 0n) {
    const remaining = -amountRemaining;
    const amountRemainingLessFee = feePips === 0 ? remaining : (remaining * feeDen) / MAX_SWAP_FEE_N;
    // token0 in: the amount in to reach the target is a token0 amount
    let reaches = !zeroForOne || !surelyBelowToken0Delta(amountRemainingLessFee, sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity);
    if (reaches) {
      amountIn = zeroForOne
        ? getAmount0Delta(sqrtPriceTargetX96, sqrtPriceCurrentX96, liquidity, true)
        : getAmount1Delta(sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity, true);
      reaches = amountRemainingLessFee >= amountIn;
    } else amountIn = 0n;
    if (reaches) {
      next = sqrtPriceTargetX96;
      feeAmount = feePips === MAX_SWAP_FEE ? amountIn : feePips === 0 ? 0n : mulDivRoundingUp(amountIn, fee, feeDen);
    } else {
      amountIn = amountRemainingLessFee;
      next = getNextSqrtPriceFromInput(sqrtPriceCurrentX96, liquidity, amountRemainingLessFee, zeroForOne);
      feeAmount = remaining - amountIn;
      exhausted = true; // amountIn + feeAmount = the whole remaining amount
    }
    amountOut = zeroForOne
      ? getAmount1Delta(next, sqrtPriceCurrentX96, liquidity, false)
      : getAmount0Delta(sqrtPriceCurrentX96, next, liquidity, false);
  } else {
    // token0 out: the amount out up to the target is a token0 amount
    let reaches = zeroForOne || !surelyBelowToken0Delta(amountRemaining, sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity);
    if (reaches) {
      amountOut = zeroForOne
        ? getAmount1Delta(sqrtPriceTargetX96, sqrtPriceCurrentX96, liquidity, false)
        : getAmount0Delta(sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity, false);
      reaches = amountRemaining >= amountOut;
    } else amountOut = 0n;
    if (reaches) {
      next = sqrtPriceTargetX96;
    } else {
      amountOut = amountRemaining;
      next = getNextSqrtPriceFromOutput(sqrtPriceCurrentX96, liquidity, amountOut, zeroForOne);
      exhausted = true;
    }
    amountIn = zeroForOne
      ? getAmount0Delta(next, sqrtPriceCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtPriceCurrentX96, next, liquidity, true);
    feeAmount = feePips === 0 ? 0n : mulDivRoundingUp(amountIn, fee, feeDen);
  }
  step.sqrtPriceNextX96 = next;
  step.amountIn = amountIn;
  step.amountOut = amountOut;
  step.feeAmount = feeAmount;
  step.exhausted = exhausted;
}

/** SwapMath.computeSwapStep exactly as written (no shortcut): the reference the tests compare against. */
export function computeSwapStepReference(sqrtPriceCurrentX96: bigint, sqrtPriceTargetX96: bigint, liquidity: bigint, amountRemaining: bigint, feePips: number): void {
  const zeroForOne = sqrtPriceCurrentX96 >= sqrtPriceTargetX96;
  const fee = BigInt(feePips);
  let next: bigint;
  let amountIn: bigint;
  let amountOut: bigint;
  let feeAmount: bigint;
  if (amountRemaining < 0n) {
    const remaining = -amountRemaining;
    const amountRemainingLessFee = mulDiv(remaining, MAX_SWAP_FEE_N - fee, MAX_SWAP_FEE_N);
    amountIn = zeroForOne
      ? getAmount0DeltaReference(sqrtPriceTargetX96, sqrtPriceCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity, true);
    if (amountRemainingLessFee >= amountIn) {
      next = sqrtPriceTargetX96;
      feeAmount = feePips === MAX_SWAP_FEE ? amountIn : mulDivRoundingUp(amountIn, fee, MAX_SWAP_FEE_N - fee);
    } else {
      amountIn = amountRemainingLessFee;
      next = getNextSqrtPriceFromInput(sqrtPriceCurrentX96, liquidity, amountRemainingLessFee, zeroForOne);
      feeAmount = remaining - amountIn;
    }
    amountOut = zeroForOne
      ? getAmount1Delta(next, sqrtPriceCurrentX96, liquidity, false)
      : getAmount0DeltaReference(sqrtPriceCurrentX96, next, liquidity, false);
  } else {
    amountOut = zeroForOne
      ? getAmount1Delta(sqrtPriceTargetX96, sqrtPriceCurrentX96, liquidity, false)
      : getAmount0DeltaReference(sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity, false);
    if (amountRemaining >= amountOut) {
      next = sqrtPriceTargetX96;
    } else {
      amountOut = amountRemaining;
      next = getNextSqrtPriceFromOutput(sqrtPriceCurrentX96, liquidity, amountOut, zeroForOne);
    }
    amountIn = zeroForOne
      ? getAmount0DeltaReference(next, sqrtPriceCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtPriceCurrentX96, next, liquidity, true);
    feeAmount = mulDivRoundingUp(amountIn, fee, MAX_SWAP_FEE_N - fee);
  }
  step.sqrtPriceNextX96 = next;
  step.amountIn = amountIn;
  step.amountOut = amountOut;
  step.feeAmount = feeAmount;
}

/** Wraps to uint256 as Solidity's unchecked arithmetic does. */
export function wrapU256(v: bigint): bigint {
  return v >= 0n && v <= MAX_U256 ? v : ((v % TWO256) + TWO256) % TWO256;
}

/** LiquidityMath.addDelta: reverts (SafeCastOverflow) on underflow or overflow of uint128. */
export function addDelta(x: bigint, y: bigint): bigint {
  const z = x + y;
  if (z < 0n || z > MAX_U128) throw new V4MathError("SafeCastOverflow", "liquidity out of uint128");
  return z;
}

/** Pool.tickSpacingToMaxLiquidityPerTick. */
export function maxLiquidityPerTick(tickSpacing: number): bigint {
  const minTick = Math.floor(MIN_TICK / tickSpacing);
  const maxTick = Math.trunc(MAX_TICK / tickSpacing);
  return MAX_U128 / BigInt(maxTick - minTick + 1);
}
