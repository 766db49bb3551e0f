// The token pair of a history, found from the data rather than assumed: token symbols, decimals,
// which token values are quoted in, and the pool's historical fee tier. Each comes from the first
// of: an explicit flag (--quote, --decimals, --historical-fee); the file name's symbols and tier
// (`ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz`); the table of well-known pools keyed by
// chain and address (history/pools.ts; `ethereum-0x4e68ccd3...-2023-10-01.tick.csv`); and, for the
// fee tier only, the per-swap rows themselves (`inferFeeTier`). Where nothing identifies the pair,
// the old defaults apply (token0 quote, decimals 6,18: the shipped USDC/WETH pools) and `pair.how`
// says so, for the report's assumptions.
import path from "node:path";
import { DataError } from "./table.ts";
import { knownPool } from "./pools.ts";
import type { PoolEvents } from "./swaps.ts";
import { EV_SWAP } from "./swaps.ts";

/** Standard v3 fee tiers, pips. */
export const FEE_TIERS = [100, 500, 3000, 10000] as const;

/** Tick spacing of a fee tier (v3's, which v4 pools of the same fee commonly use); 60 otherwise. */
export function tickSpacingForFee(fee: number): number {
  const table: Record<number, number> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };
  return table[fee] ?? 60;
}

const STABLES = new Set(["USDC", "USDC.E", "USDT", "DAI", "BUSD", "FRAX", "LUSD", "TUSD", "USDP", "GUSD", "PYUSD", "USDE", "USDS", "CRVUSD", "GHO", "FDUSD"]);
const ETHS = new Set(["WETH", "ETH"]);
/** Decimals of the token symbols this module recognizes in file names. */
export const SYMBOL_DECIMALS: Record<string, number> = { USDC: 6, "USDC.E": 6, USDT: 6, DAI: 18, WETH: 18, ETH: 18, WBTC: 8 };

export interface FileName {
  /** e.g. "ethereum", "polygon" (demeter-fetch's chain names). */
  chain?: string;
  /** The pool address or its prefix (lowercase, 0x + 4-40 hex digits). */
  address?: string;
  /** chain-address prefix, e.g. "ethereum-0x88e6": files of one pool share it. */
  pool?: string;
  symbols?: [string, string];
  feePips?: number;
}

/** What a history file's name says: chain, pool address, token symbols, fee tier. */
export function describeFile(file: string): FileName {
  const base = path.basename(file).toLowerCase();
  const id = /^([a-z][a-z0-9]*)-(0x[0-9a-f]{4,40})(?=[-_.])/.exec(base);
  const named = /(?:^|[-_.])([a-z][a-z0-9.]*?)-([a-z][a-z0-9.]*?)-(001|005|030|100)(?=[-_.])/.exec(base);
  const out: FileName = {};
  if (id) {
    out.chain = id[1]!;
    out.address = id[2]!;
    out.pool = `${id[1]}-${id[2]!.slice(0, 6)}`;
  } else {
    // A name that is (or holds) a full pool address without a chain: `0x4e68...6fa36.csv`.
    const bare = /(?:^|[^0-9a-z])(0x[0-9a-f]{40})(?![0-9a-z])/.exec(base)?.[1];
    if (bare) [out.address, out.pool] = [bare, bare.slice(0, 6)];
  }
  if (named) {
    out.symbols = [named[1]!.toUpperCase(), named[2]!.toUpperCase()];
    out.feePips = Number(named[3]) * 100;
  }
  return out;
}

/** Refuses files of different pools (by their chain-address prefix) in one history. */
export function samePool(files: string[]): void {
  const pools = new Set(files.map((f) => describeFile(f).pool).filter(Boolean));
  if (pools.size > 1) throw new DataError(`${files.join(", ")}: events of different pools (${[...pools].join(", ")}); load one pool at a time`);
}

export interface PairFlags {
  quote?: 0 | 1;
  decimals?: [number, number];
  historicalFee?: number;
  tickSpacing?: number;
}

export interface Pair {
  chain?: string;
  address?: string;
  symbols: [string, string];
  decimals: [number, number];
  quote: 0 | 1;
  /** The pool's historical LP fee, pips; undefined where nothing tells (minute bars of an unknown pool). */
  feePips?: number;
  tickSpacing?: number;
  /** Where each was found, in words (for the report's assumptions). */
  how: { symbols: string; decimals: string; quote: string; fee: string };
}

/** The quote token of a pair: the stablecoin side, else the WETH side, else token0. */
export function quoteOf(symbols: [string, string]): { quote: 0 | 1; why: string } {
  const [a, b] = symbols;
  if (STABLES.has(a)) return { quote: 0, why: `${a} is a stablecoin` };
  if (STABLES.has(b)) return { quote: 1, why: `${b} is a stablecoin` };
  if (ETHS.has(a)) return { quote: 0, why: `no stablecoin; ${a} side` };
  if (ETHS.has(b)) return { quote: 1, why: `no stablecoin; ${b} side` };
  return { quote: 0, why: "neither a stablecoin nor WETH: token0" };
}

/** Which token (0 or 1) is WETH/ETH, if either. */
export function wethSideOf(pair: Pick<Pair, "symbols">): 0 | 1 | undefined {
  return ETHS.has(pair.symbols[0]) ? 0 : ETHS.has(pair.symbols[1]) ? 1 : undefined;
}

/** The name every file of a history agrees on (symbols and tier must agree too). */
function nameOf(files: string[]): FileName {
  const names = files.map(describeFile);
  const first = names[0] ?? {};
  for (const [i, n] of names.entries()) {
    if (String(n.symbols) !== String(first.symbols) || n.feePips !== first.feePips) {
      throw new DataError(`${files[i]}: its name says ${n.symbols ? `${n.symbols.join("/")} ${n.feePips} pips` : "no pair"}, ${files[0]}'s ${first.symbols ? `${first.symbols.join("/")} ${first.feePips} pips` : "no pair"}; load one pool at a time`);
    }
  }
  return first;
}

/**
 * The pair of a history: flags, then the file names, then the pool table, then (the fee tier only)
 * the per-swap rows; else the old defaults, said so in `how`. `strict` (default): a file named by a
 * pool address the table does not know is an error unless --quote and --decimals are given.
 */
export function resolvePair(files: string[], flags: PairFlags = {}, rows?: PoolEvents, options: { strict?: boolean } = {}): Pair {
  const name = nameOf(files);
  const known = knownPool(name.chain, name.address);
  const where = known ? `the pool table (${known.chain} ${known.address})` : "";
  // A file named by a pool's address is a real pool's history: the shipped defaults (USDC/WETH,
  // 6/18) would value it in the wrong units without a word, so a pool the table does not know needs
  // its terms given. A file with no pool in its name keeps the defaults (said so in `how`).
  if ((options.strict ?? true) && name.address && !name.symbols && !known && (flags.quote === undefined || flags.decimals === undefined)) {
    const missing = [flags.quote === undefined ? "--quote 0|1" : "", flags.decimals === undefined ? "--decimals D0,D1" : ""].filter(Boolean).join(" and ");
    throw new DataError(`${files[0]}: pool ${name.chain ? `${name.chain} ` : ""}${name.address} is not in the pool table (history/pools.ts) and the file name carries no token symbols: pass ${missing}`);
  }
  let symbols: [string, string];
  let symbolsHow: string;
  if (name.symbols) [symbols, symbolsHow] = [name.symbols, "the file name"];
  else if (known) [symbols, symbolsHow] = [[known.token0, known.token1], where];
  else [symbols, symbolsHow] = [["token0", "token1"], "unknown: no symbols in the file name, pool not in the table"];
  const identified = name.symbols !== undefined || known !== undefined;

  let decimals: [number, number];
  let decimalsHow: string;
  if (flags.decimals) [decimals, decimalsHow] = [flags.decimals, "--decimals"];
  else if (identified) {
    const d = symbols.map((s) => SYMBOL_DECIMALS[s]);
    if (d[0] === undefined || d[1] === undefined) {
      const unknown = symbols.filter((s) => SYMBOL_DECIMALS[s] === undefined).join(" and ");
      throw new DataError(`${files[0]}: the decimals of ${unknown} (from ${symbolsHow}) are not known here; pass --decimals D0,D1`);
    }
    [decimals, decimalsHow] = [[d[0], d[1]], `${symbols[0]} ${d[0]}, ${symbols[1]} ${d[1]} (${symbolsHow})`];
  } else [decimals, decimalsHow] = [[6, 18], "the default (the shipped USDC/WETH pools'): nothing identifies the pair; pass --decimals D0,D1 if it is another"];

  let quote: 0 | 1;
  let quoteHow: string;
  if (flags.quote !== undefined) [quote, quoteHow] = [flags.quote, "--quote"];
  else if (identified) {
    const q = quoteOf(symbols);
    [quote, quoteHow] = [q.quote, q.why];
  } else [quote, quoteHow] = [0, "the default: nothing identifies the pair; pass --quote 1 for values in token1"];

  let feePips: number | undefined;
  let feeHow: string;
  const swapFees = rows ? rowFees(rows) : undefined;
  if (flags.historicalFee !== undefined) [feePips, feeHow] = [flags.historicalFee, "--historical-fee"];
  else if (name.feePips !== undefined) [feePips, feeHow] = [name.feePips, "the file name"];
  else if (known) [feePips, feeHow] = [known.feePips, where];
  else if (swapFees !== undefined) [feePips, feeHow] = [swapFees, "the rows' fee column"];
  else if (rows) {
    const inferred = inferFeeTier(rows);
    [feePips, feeHow] = [inferred.feePips, inferred.how];
  } else [feePips, feeHow] = [undefined, "unknown"];
  const tickSpacing = flags.tickSpacing ?? (feePips !== undefined ? tickSpacingForFee(feePips) : undefined);
  return { chain: known?.chain ?? name.chain, address: known?.address ?? name.address, symbols, decimals, quote, feePips, tickSpacing, how: { symbols: symbolsHow, decimals: decimalsHow, quote: quoteHow, fee: feeHow } };
}

/** The fee every swap row carries (v4 Swap events), if the rows carry one. */
function rowFees(ev: PoolEvents): number | undefined {
  for (let i = 0; i < ev.n; i++) if (ev.kind[i] === EV_SWAP) return ev.fee[i]! >= 0 ? ev.fee[i] : undefined;
  return undefined;
}

/** The historical fee of the pool, for the replay: the flag, the name, the table; else a one-line error. */
export function historicalFeeOf(files: string[], given: number | undefined): number {
  if (given !== undefined) return given;
  const fee = resolvePair(files, {}, undefined, { strict: false }).feePips;
  if (fee === undefined) throw new DataError(`${files[0]}: cannot tell the pool's historical fee from the file name or the pool table; pass --historical-fee <pips>`);
  return fee;
}

/** The pair as a plain record, for JSON reports and model files. */
export function pairSummary(p: Pair) {
  return {
    token0: p.symbols[0],
    token1: p.symbols[1],
    decimals: p.decimals,
    quote: `token${p.quote} (${p.symbols[p.quote]})`,
    historicalFeePips: p.feePips ?? null,
    tickSpacing: p.tickSpacing ?? null,
    ...(p.address ? { pool: `${p.chain} ${p.address}` } : {}),
    found: p.how,
  };
}

/** A one-line description of a pair and where each part came from. */
export function describePair(p: Pair): string {
  const [a, b] = p.symbols;
  const fee = p.feePips === undefined ? "historical fee unknown" : `historical fee ${p.feePips} pips (${p.how.fee})`;
  const quote = p.symbols[p.quote] === `token${p.quote}` ? `token${p.quote}` : `${p.symbols[p.quote]}, token${p.quote}`;
  const decimals = p.how.decimals.startsWith(`${a} `) ? p.how.decimals : `${p.decimals.join(",")} (${p.how.decimals})`;
  return `pair ${a}/${b} (${p.how.symbols}); decimals ${decimals}; values in ${quote} (${p.how.quote}); ${fee}`;
}

const Q96 = 2 ** 96;

/**
 * The LP fee implied by swaps that move the price without crossing liquidity: for a swap whose
 * active liquidity L is the one left by the swap just before it (so the price moved within one
 * liquidity range), v3/v4 move the price by the input net of the fee:
 *   token1 in: delta sqrtP = amount1 (1 - f) / L;   token0 in: delta (1 / sqrtP) = amount0 (1 - f) / L
 * (sqrtP in Q96). Only moves of at least 1e6 in sqrtPriceX96 and inputs of at least 1e6 raw units
 * count (rounding then moves f by well under a pip). Returns the median in pips, snapped to the
 * nearest standard tier when within 10% of it; else a one-line error asking for --historical-fee.
 */
export function inferFeeTier(ev: PoolEvents, minSwaps = 10): { feePips: number; medianPips: number; swaps: number; how: string } {
  const implied: number[] = [];
  for (let i = 1; i < ev.n; i++) {
    if (ev.kind[i] !== EV_SWAP || ev.kind[i - 1] !== EV_SWAP || ev.fileIndex[i] !== ev.fileIndex[i - 1]) continue;
    const L = ev.liquidity[i]!;
    if (L === 0n || L !== ev.liquidity[i - 1]) continue;
    const before = ev.sqrtPriceX96[i - 1]!;
    const after = ev.sqrtPriceX96[i]!;
    const a0 = ev.amount0[i]!;
    const a1 = ev.amount1[i]!;
    let f: number;
    if (a1 > 0n) {
      const d = after - before;
      if (d < 1_000_000n || a1 < 1_000_000n) continue;
      f = 1 - (Number(d) * Number(L)) / (Number(a1) * Q96);
    } else if (a0 > 0n) {
      const d = before - after;
      if (d < 1_000_000n || a0 < 1_000_000n) continue;
      f = 1 - (Number(L) * Q96 * Number(d)) / (Number(after) * Number(before) * Number(a0));
    } else continue;
    implied.push(f * 1e6);
  }
  const file = ev.files[0];
  if (implied.length < minSwaps) {
    throw new DataError(`${file}: cannot tell the pool's historical fee: the file name and the pool table do not, and only ${implied.length} swap(s) move the price within one liquidity range (${minSwaps} needed to infer it); pass --historical-fee <pips>`);
  }
  implied.sort((x, y) => x - y);
  const mid = implied.length >> 1;
  const median = implied.length % 2 ? implied[mid]! : (implied[mid - 1]! + implied[mid]!) / 2;
  const tier = FEE_TIERS.reduce((best, t) => (Math.abs(t - median) < Math.abs(best - median) ? t : best));
  if (Math.abs(tier - median) > 0.1 * tier) {
    throw new DataError(`${file}: the fee implied by ${implied.length} swaps is ${median.toFixed(0)} pips (median), not within 10% of a standard tier (${FEE_TIERS.join(", ")}); pass --historical-fee <pips>`);
  }
  return { feePips: tier, medianPips: median, swaps: implied.length, how: `inferred from ${implied.length} swaps within one liquidity range (median implied fee ${median.toFixed(1)} pips)` };
}
