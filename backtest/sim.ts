// Simulation mode: a reference price (GBM with optional jumps and volatility regimes), discrete
// blocks, an arbitrageur who trades the pool back to the edge of the no-arbitrage band whenever the
// mispricing exceeds the fee, and fee-elastic noise traders, against one tick-exact v4 pool per
// policy. All policies see the same price path and the same noise-trade draws (common random
// numbers), so their differences are not sampling noise of the inputs.
//
// Token conventions: token0 is the risky asset, token1 the numeraire (quote); the price is token1
// per token0. The arbitrageur trades at the top of each block, noise traders after it.
import { Clock, ARB, NOISE, type Ledger, type Valuation } from "./ledger.ts";
import { enterBlock, enterPeriod, noteFeeBase, policyCores, type FeePolicy, type PolicyCore, type UpdateAccounting } from "./policy.ts";
import { gasCostInQuote, swapValueInQuote } from "../model/updateRule.ts";
import { Pool, fullRangeTicks, type SwapOut } from "./pool.ts";
import { Rng } from "./rng.ts";
import { MAX_SQRT_PRICE, MIN_SQRT_PRICE, sqrtPriceAtTick } from "./v4math.ts";

const YEAR = 365 * 86400;
const TWO96 = 2 ** 96;
const LN_TICK = Math.log(1.0001);

export interface SimConfig {
  seed: number | string;
  days: number;
  /** Mean seconds between blocks. */
  blockSeconds: number;
  /** "fixed" (every blockSeconds) or "poisson" (exponential gaps, the MMR model). Default fixed. */
  blockTiming?: "fixed" | "poisson";
  /** Unix seconds of the start (default 2024-01-01). */
  start?: number;
  price: {
    /** Initial price, token1 per token0 in whole tokens. */
    initial: number;
    /** Annualized volatility of the log price (without regimes). */
    sigma: number;
    /** Annualized drift of the price (dS/S); default 0, a martingale price. */
    drift?: number;
    /** Compound-Poisson jumps in the log price. */
    jumps?: { perDay: number; meanLog: number; sdLog: number };
    /** Markov volatility regimes: annualized sigmas and mean durations in days; replaces `sigma`. */
    regimes?: { sigmas: number[]; meanDays: number[] };
  };
  pool?: {
    tickSpacing?: number;
    /** Value of the LP position at the start, in token1. Default 10,000,000. */
    value?: number;
    decimals0?: number;
    decimals1?: number;
    /** Full range (constant product) or a range around the initial price as price multiples. */
    range?: "full" | { lower: number; upper: number };
  };
  arbitrage?: { enabled?: boolean; /** Gas cost per arbitrage in token1; it trades only if profit exceeds it. */ gas?: number };
  noise?: {
    /** Expected trades per day at zero fee. */
    tradesPerDay: number;
    /** Mean trade size in token1. */
    meanSize: number;
    /** Log-normal dispersion of trade sizes. */
    sdLog?: number;
    /** Volume elasticity: the trade rate is multiplied by exp(-elasticity x fee in bps). */
    elasticity?: number;
  };
  /** Seconds per oracle period (policies update once per period). Default 60. */
  periodSeconds?: number;
  /**
   * Fee updates (backtest/policy.ts): the update rule and the gas of an update, paid in the risky
   * token0 (ETH-like) at the price of the moment unless `gasTokenPrice` (token1 per token0) fixes it.
   * Absent: every change of a policy's fee is an update, gas not priced.
   */
  updates?: UpdateAccounting;
  gasTokenPrice?: number;
}

export interface SimPolicyResult {
  ledger: Ledger;
  /** Sum over blocks of arbitrage profit / pool value at the reference price (dimensionless). */
  arbProfitOverValue: number;
  /** Blocks in which the arbitrageur traded. */
  arbBlocks: number;
  /** Theoretical LVR (quote): integral of sigma^2 L sqrt(R) / 4 over time. */
  lvrTheory: number;
  /** Same, as an integral of sigma^2/8 of pool value over time divided by value (dimensionless). */
  finalValue: number;
}

export interface SimResult {
  config: SimConfig;
  blocks: number;
  seconds: number;
  t0: number;
  t1: number;
  policies: SimPolicyResult[];
  /** Reference price (raw token1 per raw token0) at time t: the last block at or before t. */
  priceAt: (t: number) => number;
  clock: Clock;
  periodSeconds: number;
  /** Realized sigma (ticks) of the reference over `horizon` periods after `period`. */
  realizedSigma: (period: number, horizon: number) => number;
  /** Swaps executed across all pools. */
  swaps: number;
}

export function sqrtX96FromPrice(R: number): bigint {
  let v = BigInt(Math.floor(Math.sqrt(R) * TWO96));
  if (v <= MIN_SQRT_PRICE) v = MIN_SQRT_PRICE + 1n;
  if (v >= MAX_SQRT_PRICE) v = MAX_SQRT_PRICE - 1n;
  return v;
}

/** Where `arbitrageMove` says to trade (a module-level slot: the hot loops allocate nothing). */
export const arbMove = { zeroForOne: false, limit: 0n };

/**
 * The arbitrageur's move against reference sqrt price `sqrtR` at fee `feePips`: to the edge of the
 * no-arbitrage band [sqrtR sqrt(1 - f), sqrtR / sqrt(1 - f)] when the pool is outside it (result in
 * `arbMove`), else false. A 100% fee has no band edge to trade to.
 */
export function arbitrageMove(sqrtPriceX96: bigint, sqrtR: number, feePips: number): boolean {
  const g = 1 - feePips / 1e6;
  if (g <= 0) return false;
  const sp = Number(sqrtPriceX96) / TWO96;
  const hiEdge = sqrtR / Math.sqrt(g);
  const loEdge = sqrtR * Math.sqrt(g);
  if (sp > hiEdge * (1 + 1e-12)) {
    arbMove.zeroForOne = true;
    arbMove.limit = sqrtX96FromPrice(hiEdge * hiEdge);
    return arbMove.limit < sqrtPriceX96;
  }
  if (sp < loEdge * (1 - 1e-12)) {
    arbMove.zeroForOne = false;
    arbMove.limit = sqrtX96FromPrice(loEdge * loEdge);
    return arbMove.limit > sqrtPriceX96;
  }
  return false;
}

interface PolicyState extends PolicyCore {
  pool: Pool;
  arbNorm: number;
  arbBlocks: number;
}

/** Runs every policy through the same simulated market. `onProgress(fraction)` is called now and then. */
export function simulate(config: SimConfig, policies: FeePolicy[], onProgress?: (f: number) => void): SimResult {
  const rng = new Rng(config.seed);
  const noiseRng = new Rng(`${config.seed}/noise`);
  const periodSeconds = config.periodSeconds ?? 60;
  const t0 = config.start ?? 1_704_067_200;
  const seconds = Math.round(config.days * 86400);
  const t1 = t0 + seconds;
  const d0 = config.pool?.decimals0 ?? 18;
  const d1 = config.pool?.decimals1 ?? 18;
  const valuation: Valuation = { quote: 1, decimals0: d0, decimals1: d1 };
  const rawPerPrice = 10 ** (d1 - d0);
  const R0 = config.price.initial * rawPerPrice;
  const tickSpacing = config.pool?.tickSpacing ?? 1;
  const range = config.pool?.range ?? "full";
  const value = (config.pool?.value ?? 10_000_000) * 10 ** d1;

  // --- the LP position: full range or [lower, upper] x initial price
  const sqrt0 = sqrtX96FromPrice(R0);
  let ticks: { tickLower: number; tickUpper: number };
  if (range === "full") ticks = fullRangeTicks(tickSpacing);
  else {
    const lo = Math.floor(Math.log(R0 * range.lower) / LN_TICK / tickSpacing) * tickSpacing;
    const hi = Math.ceil(Math.log(R0 * range.upper) / LN_TICK / tickSpacing) * tickSpacing;
    ticks = { tickLower: lo, tickUpper: hi };
  }
  const sqrtLo = Number(sqrtPriceAtTick(ticks.tickLower)) / TWO96;
  const sqrtHi = Number(sqrtPriceAtTick(ticks.tickUpper)) / TWO96;
  const s0 = Math.sqrt(R0);
  // Value at R0 of liquidity 1: x R0 + y with x = 1/s0 - 1/sqrtHi, y = s0 - sqrtLo.
  const valuePerL = (1 / s0 - 1 / sqrtHi) * R0 + (s0 - sqrtLo);
  const liquidity = BigInt(Math.floor(value / valuePerL));
  const Lf = Number(liquidity);

  const base = new Pool({ sqrtPriceX96: sqrt0, tickSpacing, lpFee: 0 });
  base.modifyLiquidity({ ...ticks, liquidityDelta: liquidity });

  // --- reference price path, block by block (generated up front: foresight policies read it)
  const timing = config.blockTiming ?? "fixed";
  const times: number[] = [];
  const logR: number[] = [];
  const sig: number[] = [];
  const regimes = config.price.regimes;
  let regime = 0;
  let regimeEnd = regimes ? t0 + rng.exponential(1 / (regimes.meanDays[0]! * 86400)) : Infinity;
  const mu = (config.price.drift ?? 0) / YEAR;
  const jumps = config.price.jumps;
  let t = t0;
  let x = Math.log(R0);
  while (true) {
    const dt = timing === "poisson" ? rng.exponential(1 / config.blockSeconds) : config.blockSeconds;
    if (t + dt > t1) break;
    t += dt;
    while (regimes && t > regimeEnd) {
      regime = (regime + 1) % regimes.sigmas.length;
      regimeEnd += rng.exponential(1 / (regimes.meanDays[regime]! * 86400));
    }
    const sigmaAnnual = regimes ? regimes.sigmas[regime]! : config.price.sigma;
    const s2 = (sigmaAnnual * sigmaAnnual) / YEAR;
    x += (mu - s2 / 2) * dt + Math.sqrt(s2 * dt) * rng.normal();
    if (jumps) {
      const n = rng.poisson((jumps.perDay * dt) / 86400);
      for (let j = 0; j < n; j++) x += jumps.meanLog + jumps.sdLog * rng.normal();
    }
    times.push(t);
    logR.push(x);
    sig.push(s2);
  }
  const nBlocks = times.length;

  // Per-period closes in ticks (for foresight and forecast plots).
  const firstPeriod = Math.floor(t0 / periodSeconds);
  const nPeriods = Math.floor(t1 / periodSeconds) - firstPeriod + 2;
  const periodCloseTick = new Float64Array(nPeriods);
  {
    let b = 0;
    let last = Math.log(R0);
    for (let p = 0; p < nPeriods; p++) {
      const end = (firstPeriod + p + 1) * periodSeconds;
      while (b < nBlocks && times[b]! < end) last = logR[b++]!;
      periodCloseTick[p] = last / LN_TICK;
    }
  }
  const timesF = Float64Array.from(times);
  const priceAt = (q: number): number => {
    let lo = 0;
    let hi = nBlocks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (timesF[mid]! <= q) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? R0 : Math.exp(logR[lo - 1]!);
  };
  const future = (period: number, horizon: number): number => {
    const i = period - firstPeriod;
    let v = 0;
    for (let k = Math.max(i, 1); k < Math.min(i + horizon, nPeriods); k++) v += (periodCloseTick[k]! - periodCloseTick[k - 1]!) ** 2;
    return v;
  };

  const clock = new Clock();
  const updates = config.updates;
  const gasCostAt = updates
    ? (q: number) => gasCostInQuote(updates.gasPerUpdate, updates.gasPriceGwei, config.gasTokenPrice ?? priceAt(q - 1e-6) / rawPerPrice)
    : undefined;
  const states: PolicyState[] = policyCores(policies, { periodSeconds, future, valuation, clock, updates, gasCostAt }).map((core) => ({ ...core, pool: base.clone(), arbNorm: 0, arbBlocks: 0 }));

  const arbOn = config.arbitrage?.enabled ?? true;
  const gasRaw = (config.arbitrage?.gas ?? 0) * 10 ** d1;
  const noise = config.noise;
  const noiseRate = noise ? noise.tradesPerDay / 86400 : 0;
  const sdLog = noise?.sdLog ?? 1;
  const elasticity = noise?.elasticity ?? 0;
  const out: SwapOut = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
  let swaps = 0;
  let period = -1;
  let prevT = t0;
  const scale1 = 10 ** d1;
  const noiseDraws: number[] = [];

  const doSwap = (st: PolicyState, cls: number, time: number, zeroForOne: boolean, amount: bigint, limit: bigint, R: number): void => {
    // amount 0n: to the price limit whatever it takes (the arbitrageur); else exact input.
    if (amount === 0n) st.pool.swapToPrice(out, zeroForOne, limit, st.fee);
    else st.pool.swapInto(out, zeroForOne, amount, limit, st.fee);
    swaps++;
    const fee = Number(out.feeAmount);
    const a0 = Number(out.amount0);
    const a1 = Number(out.amount1);
    const dx = zeroForOne ? -a0 - fee : -a0;
    const dy = zeroForOne ? -a1 : -a1 - fee;
    st.ledger.record(cls, dx, dy, zeroForOne ? fee : 0, zeroForOne ? 0 : fee, R);
    st.oracle.onSwap(time, st.pool.tick);
    if (st.updates.feeBase) noteFeeBase(st, Math.floor(time / periodSeconds), swapValueInQuote(zeroForOne ? -a0 : 0, zeroForOne ? 0 : -a1, st.pool.sqrtPriceX96, 1, d1));
    if (cls === ARB) {
      const profit = a0 * R + a1; // the arbitrageur's gain in token1 raw, fee paid
      st.ledger.arbProfit += (profit - gasRaw) / scale1;
      const sR = Math.sqrt(R);
      const sp = Math.min(Math.max(sR, sqrtLo), sqrtHi);
      const v = Lf * ((1 / sp - 1 / sqrtHi) * R + (sp - sqrtLo));
      st.arbNorm += profit / v;
      st.arbBlocks++;
    }
  };

  const progressEvery = Math.max(1, Math.floor(nBlocks / 100));
  const perBlock = policies.some((p) => p.everyBlock === true);
  for (let i = 0; i < nBlocks; i++) {
    const time = times[i]!;
    const R = Math.exp(logR[i]!);
    const p = Math.floor(time / periodSeconds);
    const dtPrev = time - prevT;
    prevT = time;
    clock.advance(time);
    // Theoretical LVR over the interval just ended, at this block's price (left-point rule error is O(dt)).
    const s2 = sig[i]!;
    for (const st of states) st.lvrTheory += (s2 * dtPrev * Lf * (Math.sqrt(R) > sqrtLo && Math.sqrt(R) < sqrtHi ? Math.sqrt(R) : 0)) / 4 / scale1;
    if (p !== period) {
      period = p;
      enterPeriod(states, p, periodSeconds, (st, fee) => st.pool.setFee(fee));
    } else if (perBlock) enterBlock(states, i, time, (st) => st.pool.tick, (st, fee) => st.pool.setFee(fee));
    if (arbOn) {
      const sqrtR = Math.sqrt(R);
      for (const st of states) {
        // Arbitrage only pays beyond the band.
        if (!arbitrageMove(st.pool.sqrtPriceX96, sqrtR, st.fee)) continue;
        const { zeroForOne, limit } = arbMove;
        if (gasRaw > 0) {
          // Profit if the active liquidity holds all the way: L (sqrt P - sqrt Q)^2 / sqrt P scaled by the fee side.
          const sp = Number(st.pool.sqrtPriceX96) / TWO96;
          const q = Number(limit) / TWO96;
          const est = (Number(st.pool.liquidity) * (sp - q) ** 2) / sp / (zeroForOne ? 1 : 1 - st.fee / 1e6);
          if (est <= gasRaw) continue;
        }
        doSwap(st, ARB, time, zeroForOne, 0n, limit, R);
      }
    }
    if (noiseRate > 0) {
      const n = noiseRng.poisson(noiseRate * dtPrev);
      noiseDraws.length = 0;
      for (let k = 0; k < n; k++) {
        // direction, size (mean-one log-normal), elasticity thinning draw
        noiseDraws.push(noiseRng.next(), noise!.meanSize * Math.exp(sdLog * noiseRng.normal() - (sdLog * sdLog) / 2), noiseRng.next());
      }
      for (const st of states) {
        const keep = Math.exp(-elasticity * (st.fee / 100));
        for (let k = 0; k < n; k++) {
          if (noiseDraws[3 * k + 2]! >= keep) continue;
          const zeroForOne = noiseDraws[3 * k]! < 0.5;
          const size = noiseDraws[3 * k + 1]! * scale1; // token1 raw
          const amount = zeroForOne ? BigInt(Math.max(1, Math.floor(size / R))) : BigInt(Math.max(1, Math.floor(size)));
          doSwap(st, NOISE, time, zeroForOne, -amount, zeroForOne ? MIN_SQRT_PRICE + 1n : MAX_SQRT_PRICE - 1n, R);
        }
      }
    }
    if (onProgress && i % progressEvery === 0) onProgress(i / nBlocks);
  }
  const Rend = nBlocks > 0 ? Math.exp(logR[nBlocks - 1]!) : R0;
  onProgress?.(1);
  return {
    config,
    blocks: nBlocks,
    seconds,
    t0,
    t1,
    swaps,
    priceAt,
    clock,
    periodSeconds,
    realizedSigma: (period: number, horizon: number) => Math.sqrt(future(period + 1, horizon)),
    policies: states.map((st) => {
      const sp = Number(st.pool.sqrtPriceX96) / TWO96;
      const spc = Math.min(Math.max(sp, sqrtLo), sqrtHi);
      const finalValue = (Lf * ((1 / spc - 1 / sqrtHi) * Rend + (spc - sqrtLo))) / scale1;
      return { ledger: st.ledger, arbProfitOverValue: st.arbNorm, arbBlocks: st.arbBlocks, lvrTheory: st.lvrTheory, finalValue };
    }),
  };
}
