// The keeper's side of the update rule (model/updateRule.ts): the fee base from the PoolManager's
// Swap events, the gas of an update priced in the pool's quote token, and the decision, built the
// way the backtester builds them (test/update-rule.test.ts checks both make the same decisions on
// the same history).
import { parseAbiItem, type Address } from "viem";
import {
  decideUpdate, FeeBaseWindow, gasCostInQuote, gasTokenPriceInQuote, rawPriceOf, swapValueInQuote,
  type UpdateDecision, type UpdateRuleInputs, type UpdateRuleSettings,
} from "../model/updateRule.ts";

/** The PoolManager's Swap event (v4-core IPoolManager): amounts are the swapper's deltas (negative = paid in). */
export const SWAP_EVENT = parseAbiItem("event Swap(bytes32 indexed id, address indexed sender, int128 amount0, int128 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick, uint24 fee)");

/**
 * Canonical wrapped ether by chain id: a pool with it (or with native ETH, address 0) on one side
 * prices the gas token with its own price. Ethereum's WETH9; the OP Stack's predeploy (Optimism,
 * Base); Arbitrum One's. Other chains: `--weth ADDRESS`.
 */
export const WETH_BY_CHAIN: Record<number, Address> = {
  1: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
  10: "0x4200000000000000000000000000000000000006",
  8453: "0x4200000000000000000000000000000000000006",
  42161: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
};

export const NATIVE = "0x0000000000000000000000000000000000000000";

/** How one pool's fee base and update gas are valued. */
export interface GasPricing {
  /** The quote token (0 or 1): the other side of an ETH pair, else token0. */
  quote: 0 | 1;
  decimals0: number;
  decimals1: number;
  /** The side that is the gas token (native ETH or WETH): gas is priced at the pool's own price. */
  gasTokenSide?: 0 | 1;
  /** Else a fixed price: quote tokens per gas token (`--gas-token-price`). */
  gasTokenPrice?: number;
  /** How it was chosen, for the start-up log. */
  describe: string;
}

/** The side of a pool that is the chain's gas token, if any. */
export function gasTokenSideOf(currency0: Address, currency1: Address, weth: Address | undefined): 0 | 1 | undefined {
  const is = (c: Address) => c.toLowerCase() === NATIVE || (weth !== undefined && c.toLowerCase() === weth.toLowerCase());
  return is(currency0) ? 0 : is(currency1) ? 1 : undefined;
}

/** One Swap event of a pool, with its block's timestamp. */
export interface SwapLog {
  blockNumber: bigint;
  timestamp: number;
  amount0: bigint;
  amount1: bigint;
  sqrtPriceX96: bigint;
}

/**
 * A pool's fee base from its Swap events: what traders paid in (fee included), valued in the quote
 * token at the swap's own price, per period; and each period's closing price (for gas). Kept per
 * block so that a reorg can drop what it orphaned.
 */
export class SwapFeeBase {
  private window: FeeBaseWindow;
  private blocks: { block: bigint; period: number; value: number; sqrtPriceX96: bigint }[] = [];
  constructor(readonly horizon: number, readonly periodSeconds: number, readonly pricing: Pick<GasPricing, "quote" | "decimals0" | "decimals1">) {
    this.window = new FeeBaseWindow(horizon);
  }

  add(log: SwapLog): void {
    const in0 = log.amount0 < 0n ? Number(-log.amount0) : 0;
    const in1 = log.amount1 < 0n ? Number(-log.amount1) : 0;
    const quoteDecimals = this.pricing.quote === 0 ? this.pricing.decimals0 : this.pricing.decimals1;
    const value = swapValueInQuote(in0, in1, log.sqrtPriceX96, this.pricing.quote, quoteDecimals);
    const period = Math.floor(log.timestamp / this.periodSeconds);
    this.window.add(period, value);
    this.blocks.push({ block: log.blockNumber, period, value, sqrtPriceX96: log.sqrtPriceX96 });
  }

  /** Traded in the `horizon` completed periods up to `asOf`. */
  total(asOf: number): number {
    const from = asOf - this.horizon + 1;
    // Keep what a later decision or a reorg may still need: the window, and the last price before it.
    let k = 0;
    while (k + 1 < this.blocks.length && this.blocks[k + 1]!.period < from) k++;
    if (k > 0) this.blocks.splice(0, k);
    return this.window.total(asOf);
  }

  /** The pool's price after the last swap in a period up to `asOf` (the close the hook records). */
  closeAsOf(asOf: number): bigint | undefined {
    for (let j = this.blocks.length - 1; j >= 0; j--) if (this.blocks[j]!.period <= asOf) return this.blocks[j]!.sqrtPriceX96;
    return undefined;
  }

  /** A reorg orphaned blocks from `block` on: forget their swaps (they are read again). */
  forgetFrom(block: bigint): void {
    this.blocks = this.blocks.filter((b) => b.block < block);
    this.window = new FeeBaseWindow(this.horizon);
    for (const b of this.blocks) this.window.add(b.period, b.value);
  }
}

/** Quote tokens one update's gas costs: at `gasPriceWei`, the gas token at `sqrtPriceX96` (the pool's) or at the fixed price. */
export function updateGasCost(gasPerUpdate: number, gasPriceWei: bigint, pricing: GasPricing | undefined, sqrtPriceX96: bigint | undefined): number {
  if (!pricing) return NaN;
  const gwei = Number(gasPriceWei) / 1e9;
  if (pricing.gasTokenPrice !== undefined) return gasCostInQuote(gasPerUpdate, gwei, pricing.gasTokenPrice);
  if (pricing.gasTokenSide === undefined || sqrtPriceX96 === undefined || sqrtPriceX96 === 0n) return NaN;
  return gasCostInQuote(gasPerUpdate, gwei, gasTokenPriceInQuote(rawPriceOf(sqrtPriceX96), pricing.gasTokenSide, pricing.quote, pricing.decimals0, pricing.decimals1));
}

export interface KeeperRuleInputs {
  settings: UpdateRuleSettings;
  /** The hook's state at the block. */
  liveUntil: number;
  onFallback: boolean;
  fallbackFee: number;
  asOfPeriod: number;
  /** The LP fee the PoolManager charges at the block, and the proven fee. */
  currentFee: number;
  candidateFee: number;
  /** Mode "pays": the pool's fee base and pricing, the gas price, the pool's price at the block. */
  feeBase?: SwapFeeBase;
  pricing?: GasPricing;
  gasPerUpdate: number;
  gasPriceWei: bigint;
  poolSqrtPriceX96?: bigint;
}

/**
 * The keeper's decision for one pool and period. The update would land in the current period
 * (asOf + 1); the gas token is priced at the close of the as-of period (the last swap's price up to
 * it; the pool's price at the block if none is in the window), as the backtester prices it.
 */
export function keeperDecision(k: KeeperRuleInputs): { inputs: UpdateRuleInputs; decision: UpdateDecision } {
  const current = k.asOfPeriod + 1;
  const pays = k.settings.mode === "pays";
  const feeBase = pays && k.feeBase ? k.feeBase.total(k.asOfPeriod) : 0;
  const close = pays ? (k.feeBase?.closeAsOf(k.asOfPeriod) ?? k.poolSqrtPriceX96) : undefined;
  const inputs: UpdateRuleInputs = {
    currentFee: k.currentFee,
    candidateFee: k.candidateFee,
    onFallback: k.onFallback,
    fallbackFee: k.fallbackFee,
    periodsLeft: k.liveUntil - current,
    feeBase,
    horizon: k.feeBase?.horizon ?? 0,
    gasCost: pays ? updateGasCost(k.gasPerUpdate, k.gasPriceWei, k.pricing, close) : NaN,
  };
  return { inputs, decision: decideUpdate(inputs, k.settings) };
}
