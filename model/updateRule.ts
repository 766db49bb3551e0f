// The update rule: whether a pool's proven fee update is worth sending now. One definition, used by
// the keeper (keeper/keeper.ts, which decides whether to prove and send each period) and by the
// backtester (backtest/policy.ts, which charges exactly the updates it sends), so that a backtest's
// net LP PnL counts the updates a keeper would really send.
//
// An update is sent when it pays: the change it makes to the LP fees over the coming periods is
// worth more than its gas,
//     |candidate fee - fee without it| / 1e6 x fee base  >  gas per update x gas price x gas token price,
// where the fee base is what traders paid into the pool over the last `horizon` completed periods (an
// estimate of the next `horizon` periods' from past periods only, no look-ahead), valued in the pool's
// quote token at each swap's price.
//
// The fee without it is the fee the pool charges now, except where the pool is on its fallback fee or
// would fall back within `keepAlivePeriods` periods without an update: there it is the fallback fee
// (after the periods it stays live, at its current fee; the change is then the mean over the horizon)
// (keep-alive "on-change", the default). Falling back is a fee change like any other, so a pool whose
// candidate fee is (nearly) its fallback fee is left to fall back instead of paying an update every
// `liveness` periods that a static pool at that fee never pays; a fallback fee far from the candidate
// makes the keep-alive pay. With keep-alive "always" a lapse is always repaired and a pool never falls
// back while a keeper serves it (for a pool whose on-chain forecast others read: `forecastOf` says
// `live` only while it is not on its fallback fee), at the gas of one update every `liveness` periods.
//
// `horizon` is the number of periods a fee change is assumed to persist: by default the model's
// own forecast horizon (the fee is priced on the volatility forecast over exactly that many
// periods). backtest/feePersistence.ts measures how long fee changes really persist on a training
// range (backtest/README.md, "Updates only when they pay"). With mode "off" every change of at
// least `minChangePips` is sent (a lapse counting as a change to the fallback fee as above, or, with
// keep-alive "always", always repaired).
//
// This file has no dependencies: the backtester loads it without the rest of model/.

export type UpdateRuleMode = "pays" | "off";
export const UPDATE_RULE_MODES: readonly UpdateRuleMode[] = ["pays", "off"];

/** Whether a lapse of liveness is always repaired, or only when the fee it changes pays (see above). */
export type KeepAliveMode = "on-change" | "always";
export const KEEP_ALIVE_MODES: readonly KeepAliveMode[] = ["on-change", "always"];

/**
 * Gas of one proven update: the receipt gas of a whole `updateFee` transaction (execution about
 * 257k, plus the 21k base and the calldata), rounded up from the demo's mean of 278,191 over 100
 * updates (README, "Gas"). With batching, an update's share of its batch's gas goes here instead.
 */
export const DEFAULT_GAS_PER_UPDATE = 280_000;

/**
 * An update's share of an `updateFees` batch's receipt gas, by batch size (the keeper's --batch-size;
 * 1 is a single updateFee). N = 4: the anvil receipt of one updateFees of 4 real pools, 454,216 / 4 =
 * 113,554 (bench/RESULTS.md, "batched updates"), rounded up. N = 2 and 8 are derived the same way from
 * forge's execution gas per pool (151,797 and 77,660) plus the 21k base over N plus the calldata per
 * entry that the N = 4 receipt shows (about 5,700): not measured on a receipt.
 */
/**
 * Gas of one `updateFeeOnchain` (an `onchain` pool: the hook evaluates the public model, no proof): the
 * receipt gas of the whole transaction, rounded up from the mean of 73,386 over the 100 updates of `npm start`'s
 * onchain twin pool (README, Quick start). The keeper uses it for onchain pools whatever the batch size.
 */
export const GAS_PER_UPDATE_ONCHAIN = 80_000;

export const GAS_PER_UPDATE_BY_BATCH_SIZE: Readonly<Record<number, number>> = { 1: DEFAULT_GAS_PER_UPDATE, 2: 168_000, 4: 114_000, 8: 86_000 };

/**
 * Periods before its liveness deadline by which an update must be sent. An update decided at a
 * period's first block lands in the next block (the keeper proves in well under a second:
 * bench/RESULTS.md), so 1 would do when nothing goes wrong; 2 leaves one whole period to retry a
 * lost race, a dropped transaction or a reorg before the pool falls back. The keeper's
 * `--keep-alive-periods` default.
 */
export const DEFAULT_KEEP_ALIVE_PERIODS = 2;

/** `provenfee deploy --liveness`: periods without an update before a pool falls back. */
export const DEFAULT_LIVENESS_PERIODS = 60;

/**
 * The pool fallback fee a model file recommends (pips), if any: `meta.fallbackFee`, the best constant
 * fee `provenfee train` chose on validation. Not committed (a pool term, not the model's):
 * `provenfee deploy` takes it as its `--fallback-fee` default, and with keep-alive "on-change" a pool
 * whose fee would barely move falls back to it rather than pay keep-alives. (Here, not in modelFile.ts,
 * so that the backtester's worker threads need not load the Poseidon hash.)
 */
export function recommendedFallbackFee(file: { meta?: Record<string, unknown> }): number | undefined {
  const fee = (file.meta ?? {}).fallbackFee;
  return typeof fee === "number" && Number.isInteger(fee) && fee >= 0 && fee <= 1_000_000 ? fee : undefined;
}

/**
 * `provenfee deploy --fallback-fee` where the model file recommends none (`meta.fallbackFee`, the best
 * constant fee `provenfee train` chose on validation): 30 bp, the classic tier for volatile pairs.
 */
export const DEFAULT_FALLBACK_FEE = 3000;

/** The off mode's threshold (pips): every change of the fee is an update. */
export const DEFAULT_MIN_CHANGE_PIPS = 1;

export interface UpdateRuleInputs {
  /** The fee the pool charges now, pips. */
  currentFee: number;
  /** The proven (candidate) fee, pips. */
  candidateFee: number;
  /** The pool is on its fallback fee (no update landed in time, or none yet). */
  onFallback: boolean;
  /** The pool's fallback fee, pips: what it charges once it falls back. */
  fallbackFee: number;
  /**
   * Periods the pool stays live without an update, counting the current one: the hook's
   * `liveUntil` minus the current period (0 or less: the next swap puts it on its fallback fee).
   */
  periodsLeft: number;
  /** Quote tokens traders paid into the pool over the last `horizon` completed periods. */
  feeBase: number;
  /** Periods a fee change is assumed to persist (also the fee base's window). */
  horizon: number;
  /** Quote tokens this update's gas costs now; NaN where gas cannot be priced. */
  gasCost: number;
}

export interface UpdateRuleSettings {
  mode: UpdateRuleMode;
  keepAlive: KeepAliveMode;
  keepAlivePeriods: number;
  /** Mode "off" (and "pays" where gas is not priced): send changes of at least this many pips. */
  minChangePips: number;
}

export const DEFAULT_RULE_SETTINGS: UpdateRuleSettings = { mode: "pays", keepAlive: "on-change", keepAlivePeriods: DEFAULT_KEEP_ALIVE_PERIODS, minChangePips: DEFAULT_MIN_CHANGE_PIPS };

export interface UpdateDecision {
  send: boolean;
  /** One line for logs: why it is sent or skipped. */
  reason: string;
  /** The change in LP fees over the horizon the update is worth (quote; NaN where not computed). */
  value: number;
  /** Its gas (quote; NaN where not priced). */
  cost: number;
}

/** A quote amount for a log line: 3 significant digits, no exponent below 1e-6. */
export function formatQuote(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(3)).toString();
}

/** Decides one update. Pure: the same inputs give the same decision in the keeper and the backtester. */
export function decideUpdate(i: UpdateRuleInputs, s: UpdateRuleSettings): UpdateDecision {
  const lapsing = i.onFallback || i.periodsLeft <= s.keepAlivePeriods;
  if (!lapsing) return decideChange([{ from: i.currentFee, periods: 1 }], i, s, "");
  const left = Math.max(0, i.periodsLeft);
  if (s.keepAlive === "always") {
    // Liveness first, in both modes: the pool must never be left to fall back.
    const moves = `fee ${i.currentFee} -> ${i.candidateFee} pips`;
    if (i.onFallback) return { send: true, reason: `the pool is on its fallback fee; ${moves}`, value: NaN, cost: i.gasCost };
    return { send: true, reason: `keep-alive: the pool falls back in ${left} period${left === 1 ? "" : "s"} without an update; ${moves}`, value: NaN, cost: i.gasCost };
  }
  // On-change: without an update the pool charges its current fee for the periods it stays live and its
  // fallback fee after them; the update is judged as the change from that path to the candidate.
  if (i.onFallback || left === 0) {
    const state = i.onFallback
      ? `the pool is on its fallback fee ${i.fallbackFee} pips; `
      : `keep-alive: the pool falls back to its fallback fee ${i.fallbackFee} pips in 0 periods without an update; `;
    return decideChange([{ from: i.fallbackFee, periods: 1 }], i, s, state);
  }
  const state = `keep-alive: the pool falls back to its fallback fee ${i.fallbackFee} pips in ${left} period${left === 1 ? "" : "s"} without an update; `;
  if (i.currentFee === i.fallbackFee) return decideChange([{ from: i.fallbackFee, periods: 1 }], i, s, state);
  const h = Math.max(1, i.horizon);
  const now = Math.min(left, h);
  return decideChange([{ from: i.currentFee, periods: now }, { from: i.fallbackFee, periods: h - now }], i, s, state);
}

/**
 * Whether moving the pool's fee to the candidate is sent, where without the update the pool would charge
 * `path` (each fee for a number of periods: its current fee, or its current fee and then its fallback
 * fee); the value is the mean change over the path times the fee base. `prefix` starts the reason.
 */
function decideChange(path: { from: number; periods: number }[], i: UpdateRuleInputs, s: UpdateRuleSettings, prefix: string): UpdateDecision {
  const legs = path.filter((l) => l.periods > 0);
  const moves =
    prefix +
    (legs.length === 1
      ? `fee ${legs[0]!.from} -> ${i.candidateFee} pips`
      : `fee ${legs[0]!.from} -> ${i.candidateFee} pips for ${legs[0]!.periods} period${legs[0]!.periods === 1 ? "" : "s"}, then ${legs[1]!.from} -> ${i.candidateFee}`);
  const largest = Math.max(...legs.map((l) => Math.abs(i.candidateFee - l.from)));
  if (s.mode === "off" || !Number.isFinite(i.gasCost)) {
    const send = largest >= s.minChangePips;
    const why = s.mode === "off" ? "rule off" : "gas not priced";
    return { send, reason: send ? `${moves} (${why}: every change of at least ${s.minChangePips} pips)` : `${moves}: under ${s.minChangePips} pips (${why})`, value: NaN, cost: i.gasCost };
  }
  if (largest === 0) return { send: false, reason: `${prefix}fee unchanged at ${i.candidateFee} pips`, value: 0, cost: i.gasCost };
  const periods = legs.reduce((a, l) => a + l.periods, 0);
  const meanChange = legs.reduce((a, l) => a + Math.abs(i.candidateFee - l.from) * l.periods, 0) / periods;
  const value = (meanChange / 1e6) * i.feeBase;
  const send = value > i.gasCost;
  const why = `${formatQuote(value)} of LP fees over ${i.horizon} periods (on ${formatQuote(i.feeBase)} traded in the last ${i.horizon}) ${send ? ">" : "<="} ${formatQuote(i.gasCost)} of gas`;
  return { send, reason: `${moves}: ${send ? "pays" : "does not pay"}, ${why}`, value, cost: i.gasCost };
}

/** Quote tokens one update's gas costs: gas x gas price (gwei) x quote tokens per gas token (18 decimals). */
export function gasCostInQuote(gasPerUpdate: number, gasPriceGwei: number, gasTokenPrice: number): number {
  return gasPerUpdate * gasPriceGwei * 1e-9 * gasTokenPrice;
}

/** The raw price (raw token1 per raw token0) of a sqrtPriceX96, as the backtester computes it. */
export function rawPriceOf(sqrtPriceX96: bigint | number): number {
  return (Number(sqrtPriceX96) / 2 ** 96) ** 2;
}

/**
 * Quote tokens per gas token where the gas token is one of the pool's own tokens (`gasSide`, e.g.
 * WETH): from the raw price `rawPrice` (raw token1 per raw token0) and the tokens' decimals.
 */
export function gasTokenPriceInQuote(rawPrice: number, gasSide: 0 | 1, quote: 0 | 1, decimals0: number, decimals1: number): number {
  if (gasSide === quote) return 1;
  const human = rawPrice * 10 ** (decimals0 - decimals1); // token1 per token0
  return gasSide === 1 ? 1 / human : human;
}

/**
 * What traders paid into the pool in one swap (raw amounts in, fee included), in quote tokens at
 * the pool's price after the swap (raw token1 per raw token0 = (sqrtPriceX96 / 2^96)^2). The keeper
 * (from the PoolManager's Swap events) and the backtester (from the swaps it replays) both value
 * the fee base with this.
 */
export function swapValueInQuote(in0: number, in1: number, sqrtPriceX96: bigint | number, quote: 0 | 1, quoteDecimals: number): number {
  const s = Number(sqrtPriceX96) / 2 ** 96;
  const p = s * s;
  const raw = quote === 0 ? in0 + (in1 > 0 ? in1 / p : 0) : (in0 > 0 ? in0 * p : 0) + in1;
  return raw / 10 ** quoteDecimals;
}

/**
 * The fee base per period, from past swaps: `add` each swap's value in its period as it happens;
 * `total(asOf)` is the sum over the `horizon` completed periods asOf - horizon + 1 .. asOf (periods
 * without trades count as zero). Sums run in the order swaps were added, so the same swaps give
 * the same float in the keeper and the backtester.
 */
export class FeeBaseWindow {
  private periods: number[] = [];
  private sums: number[] = [];
  constructor(readonly horizon: number) {
    if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`update rule: the horizon must be a positive integer of periods, got ${horizon}`);
  }
  add(period: number, value: number): void {
    if (!(value > 0)) return;
    const n = this.periods.length;
    if (n > 0 && this.periods[n - 1] === period) this.sums[n - 1]! += value;
    else if (n === 0 || this.periods[n - 1]! < period) {
      this.periods.push(period);
      this.sums.push(value);
    } else throw new RangeError(`fee base: a swap in period ${period} after one in period ${this.periods[n - 1]}`);
  }
  total(asOf: number): number {
    const from = asOf - this.horizon + 1;
    let k = 0;
    while (k < this.periods.length && this.periods[k]! < from) k++;
    if (k > 0) {
      // Older periods can never be asked for again (asOf only grows).
      this.periods.splice(0, k);
      this.sums.splice(0, k);
    }
    let t = 0;
    for (let j = 0; j < this.periods.length && this.periods[j]! <= asOf; j++) t += this.sums[j]!;
    return t;
  }
  clear(): void {
    this.periods = [];
    this.sums = [];
  }
}

export interface ChainPreset {
  name: string;
  /** Gas price of an update, gwei. */
  gasPriceGwei: number;
  gasToken: "ETH";
  /** Where the figure comes from, and when. */
  source: string;
}

/**
 * Gas prices to judge updates at (`--chain`). Gas is paid in ETH on both and priced in the pool's
 * quote token at the pool's own price where the pool is a WETH pair (else `--gas-token-price`).
 * Sources as found from this workspace (no live data can be fetched here); backtest/README.md has
 * the full citations.
 */
export const CHAIN_PRESETS: Record<"mainnet" | "l2", ChainPreset> = {
  mainnet: {
    name: "Ethereum mainnet",
    gasPriceGwei: 2.7,
    gasToken: "ETH",
    source: "the 2025 average mainnet gas price after Dencun, 2.7 gwei, as published autumn 2025 (gate.com, incrypthos.com; secondary pages citing Etherscan/Dune, not a primary series)",
  },
  l2: {
    name: "a typical L2 (Base)",
    gasPriceGwei: 0.005,
    gasToken: "ETH",
    source: "Base mainnet's minimum L2 base fee, 5,000,000 wei (0.005 gwei) since 2026-02-19 (github.com/base/docs pull 1148; docs.base.org configuration changelog): L2 execution gas only, the L1 data fee is not included",
  },
};
