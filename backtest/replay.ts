// Historical replay: real pool history through the tick-exact pool, with each policy setting the
// fee at every period. The counterfactual assumptions are explicit and reported with every run:
//
// (a) "same": the same swaps under the new fee. Every historical swap moves the pool from its
//     historical pre-swap price to its historical post-swap price (a price-limited swap, exactly as
//     v4 computes it); the traders pay the policy's fee on the same net amounts. Volume and the
//     price path are unchanged (no elasticity, no re-sizing). One pool serves all policies: the
//     per-step input amounts are recorded and each policy's fee is ceil(in x f / (1e6 - f)) per step,
//     which is what v4 charges for that step at fee f.
// (b) "resize": swaps are classified by the trader's markout against the reference price
//     `classifyHorizon` seconds later (profitable after fees = arbitrage). Each policy runs its own
//     pool. Arbitrage is re-sized to the policy's fee: the arbitrageur trades the pool to the edge
//     of the no-arbitrage band around the reference price (and not at all inside it). Other swaps
//     are replayed as exact-input orders of their historical net size times
//     exp(-elasticity x (fee - historical fee) in bps).
//
// Reference price: a CEX series when given (`reference`), else the pool's own price at the end of
// the trade's block (for arbitrage re-sizing under (b): that price moved back by the historical fee
// in the trade's direction, i.e. the fair price the historical arbitrageur traded to within its band).
//
// Liquidity book: the data carries the active liquidity after every event but not the positions of
// LPs who minted before the window. The book is reconstructed per data segment: each tick-spacing
// bucket starts at the first active liquidity observed in it (less in-window mints, plus in-window
// burns, before that observation); buckets crossed inside a swap without being landed on get the
// common liquidity that reproduces the swap's output amount; unseen buckets take their nearest
// observed neighbour's. MINT/BURN rows are applied as they happen. Before each swap the active
// liquidity is checked against history and the current bucket corrected if it differs (counted).
// Under (b) the counterfactual pools' prices, and so the policies' oracles, depend on the book, so
// there it is built causally: the first event's liquidity everywhere, corrected only as history
// reaches each bucket (no future observation enters the book).
//
// Minute bars (as demeter replays them): each traded minute is one price move from the previous close
// to this close (the middle of the close tick: bars carry ticks, not prices), and the bar's gross
// inflows beyond that move are two-way volume that pays fees but moves no price. The fee base is the
// volume the bar records, as demeter charges it: per token, a minute pays f x its gross inflow
// (floor, raw units) and never more, whatever the replayed move needs. Ticks are rounded and the
// bar's liquidity is the end-of-minute one, so the exact move can need more input than was recorded;
// the price path is kept exact, the move's fee is capped at what the inflow pays and its input beyond
// the inflow is fee-free repositioning (such minutes are counted in the stats and the assumptions).
// Under (b) uninformed flow pays f x inflow x the volume kept; a re-sized arbitrage pays the policy's
// fee on its own trade, except on the share of the historical move the inflow did not cover, and the
// inflow beyond the historical move pays f x the volume kept as two-way flow.
import { EV_BURN, EV_MINT, EV_SWAP, DataError, historicalFeeOf, tickSpacingForFee, type MinuteBarsFull, type PoolEvents, type ReferenceSeries, priceAt } from "../history/index.ts";
import { ARB, Clock, NOISE, type Ledger, type Valuation } from "./ledger.ts";
import { Oracle } from "./oracle.ts";
import { enterBlock, enterPeriod, noteDataGap, noteFeeBase, policyCores, type FeePolicy, type PolicyCore, type RuleDecisionRecord, type UpdateAccounting } from "./policy.ts";
import { gasCostInQuote, gasTokenPriceInQuote, swapValueInQuote } from "../model/updateRule.ts";
import { Pool, type SwapOut } from "./pool.ts";
import { MAX_SQRT_PRICE, MIN_SQRT_PRICE, sqrtPriceAtTick } from "./v4math.ts";
import { arbMove, arbitrageMove } from "./sim.ts";

export const EV_VOLUME = 3;
const MIN_SQRT_PRICE_PLUS_1 = MIN_SQRT_PRICE + 1n;
const MAX_SQRT_PRICE_MINUS_1 = MAX_SQRT_PRICE - 1n;
const TWO96 = 2 ** 96;
const LN_TICK = Math.log(1.0001);

export type Counterfactual = "same" | "resize";

/** History normalized for the replay core (from per-swap rows or from minute bars). */
export interface ReplayEvents {
  format: "swaps" | "minute-bars";
  n: number;
  kind: Uint8Array;
  time: Float64Array;
  /** Block of each event (per-swap rows: block_number; minute bars: the minute's timestamp). */
  block: Float64Array;
  sqrtAfter: bigint[];
  tickAfter: Int32Array;
  liqAfter: bigint[];
  /** Pool side, fee included (+ = into the pool); known for per-swap rows only. */
  amount0: bigint[];
  amount1: bigint[];
  amountsKnown: boolean;
  tickLower: Int32Array;
  tickUpper: Int32Array;
  posL: bigint[];
  /** Minute bars: gross inflows of the minute (raw), on both of a bar's events (the move and EV_VOLUME). */
  vol0: Float64Array;
  vol1: Float64Array;
  /** Historical fee of each swap, pips. */
  fee: Int32Array;
  /** 1 where a data segment starts: the event's post state is taken as given, not replayed. */
  segmentStart: Uint8Array;
  where: (i: number) => string;
  files: string[];
  skipped: Record<string, number>;
  gaps: number;
}

export interface HistoryOptions {
  /** Historical LP fee (pips) where the rows do not carry one (history/pair.ts resolvePair); else from the file name or the pool table. */
  historicalFee?: number;
  /** A gap longer than this (seconds) between files or bars starts a new segment. */
  maxGapSeconds?: number;
}

export function eventsFromSwaps(ev: PoolEvents, options: HistoryOptions = {}): ReplayEvents {
  const histFee = historicalFeeOf(ev.files, options.historicalFee);
  const maxGap = options.maxGapSeconds ?? 3600;
  const n = ev.n;
  const seg = new Uint8Array(n);
  let gaps = 0;
  seg[0] = 1;
  for (let i = 1; i < n; i++) {
    // Within a file every event is present, so the state carries over however long the pause;
    // between files a gap means unseen events.
    if (ev.fileIndex[i] !== ev.fileIndex[i - 1] && ev.time[i]! - ev.time[i - 1]! > maxGap) {
      seg[i] = 1;
      gaps++;
    }
  }
  const fee = new Int32Array(n);
  for (let i = 0; i < n; i++) fee[i] = ev.fee[i]! >= 0 ? ev.fee[i]! : histFee;
  const kind = Uint8Array.from(ev.kind);
  return {
    format: "swaps",
    n,
    kind,
    time: ev.time,
    block: ev.block,
    sqrtAfter: ev.sqrtPriceX96,
    tickAfter: ev.tick,
    liqAfter: ev.liquidity,
    amount0: ev.amount0,
    amount1: ev.amount1,
    amountsKnown: true,
    tickLower: ev.tickLower,
    tickUpper: ev.tickUpper,
    posL: ev.positionLiquidity,
    vol0: new Float64Array(n),
    vol1: new Float64Array(n),
    fee,
    segmentStart: seg,
    where: (i) => `${ev.files[ev.fileIndex[i]!]}: row ${ev.row[i]}`,
    files: ev.files,
    skipped: { ...ev.skipped },
    gaps,
  };
}

/** The middle of a tick (bars carry ticks, not prices). */
function midOfTick(tick: number): bigint {
  return (sqrtPriceAtTick(tick) + sqrtPriceAtTick(tick + 1)) / 2n;
}

export function eventsFromMinuteBars(bars: MinuteBarsFull, options: HistoryOptions = {}): ReplayEvents {
  const histFee = historicalFeeOf(bars.files, options.historicalFee);
  const maxGap = options.maxGapSeconds ?? 600;
  const kind: number[] = [];
  const time: number[] = [];
  const sqrtAfter: bigint[] = [];
  const tickAfter: number[] = [];
  const liqAfter: bigint[] = [];
  const vol0: number[] = [];
  const vol1: number[] = [];
  const seg: number[] = [];
  const src: number[] = [];
  let gaps = 0;
  let lastTime = -Infinity;
  let started = false;
  const skipped: Record<string, number> = { ...bars.skipped };
  for (let i = 0; i < bars.n; i++) {
    const traded = bars.in0[i]! > 0 || bars.in1[i]! > 0;
    if (!traded) continue;
    const t = bars.time[i]! + 59;
    const newSegment = !started || t - lastTime > maxGap;
    if (started && newSegment) gaps++;
    started = true;
    lastTime = t;
    const tick = bars.closeTick[i]!;
    const L = BigInt(Math.round(bars.liquidity[i]!));
    // The price move (a swap even when the close repeats: the period traded).
    kind.push(EV_SWAP);
    time.push(t);
    sqrtAfter.push(midOfTick(tick));
    tickAfter.push(tick);
    liqAfter.push(L);
    vol0.push(bars.in0[i]!); // the inflow that pays the move's fee
    vol1.push(bars.in1[i]!);
    seg.push(newSegment ? 1 : 0);
    src.push(i);
    // The rest of the minute's gross flow.
    kind.push(EV_VOLUME);
    time.push(t);
    sqrtAfter.push(midOfTick(tick));
    tickAfter.push(tick);
    liqAfter.push(L);
    vol0.push(bars.in0[i]!);
    vol1.push(bars.in1[i]!);
    seg.push(0);
    src.push(i);
  }
  const n = kind.length;
  if (n === 0) throw new DataError(`${bars.files.join(", ")}: no minute with a swap`);
  const rowOf = (i: number) => {
    // Rows are numbered per file; recover the file from the timestamp order.
    const bar = src[i]!;
    return `minute bar ${new Date(bars.time[bar]! * 1000).toISOString().slice(0, 16).replace("T", " ")}`;
  };
  return {
    format: "minute-bars",
    n,
    kind: Uint8Array.from(kind),
    time: Float64Array.from(time),
    block: Float64Array.from(time), // a bar is its own "block": one price move per minute
    sqrtAfter,
    tickAfter: Int32Array.from(tickAfter),
    liqAfter,
    amount0: new Array<bigint>(n).fill(0n),
    amount1: new Array<bigint>(n).fill(0n),
    amountsKnown: false,
    tickLower: new Int32Array(n),
    tickUpper: new Int32Array(n),
    posL: new Array<bigint>(n).fill(0n),
    vol0: Float64Array.from(vol0),
    vol1: Float64Array.from(vol1),
    fee: new Int32Array(n).fill(histFee),
    segmentStart: Uint8Array.from(seg),
    where: rowOf,
    files: bars.files,
    skipped,
    gaps,
  };
}

/** Events with from <= time < to (a new segment starts at the first kept event). */
export function sliceEvents(ev: ReplayEvents, from: number, to: number): ReplayEvents {
  const keep: number[] = [];
  for (let i = 0; i < ev.n; i++) if (ev.time[i]! >= from && ev.time[i]! < to) keep.push(i);
  const iso = (t: number) => new Date(t * 1000).toISOString();
  const range = Number.isFinite(from) && Number.isFinite(to) ? `between ${iso(from)} and ${iso(to)}` : Number.isFinite(from) ? `from ${iso(from)}` : `before ${iso(to)}`;
  if (keep.length === 0) throw new DataError(`no events ${range} (the data covers ${iso(ev.time[0]!)} to ${iso(ev.time[ev.n - 1]!)})`);
  const pick = <T>(a: ArrayLike<T>) => keep.map((i) => a[i]!);
  const seg = Uint8Array.from(pick(ev.segmentStart));
  seg[0] = 1;
  // A minute bar's volume event must not start a segment on its own.
  if (ev.kind[keep[0]!] === EV_VOLUME) seg[0] = 1;
  return {
    ...ev,
    n: keep.length,
    kind: Uint8Array.from(pick(ev.kind)),
    time: Float64Array.from(pick(ev.time)),
    block: Float64Array.from(pick(ev.block)),
    sqrtAfter: pick(ev.sqrtAfter),
    tickAfter: Int32Array.from(pick(ev.tickAfter)),
    liqAfter: pick(ev.liqAfter),
    amount0: pick(ev.amount0),
    amount1: pick(ev.amount1),
    tickLower: Int32Array.from(pick(ev.tickLower)),
    tickUpper: Int32Array.from(pick(ev.tickUpper)),
    posL: pick(ev.posL),
    vol0: Float64Array.from(pick(ev.vol0)),
    vol1: Float64Array.from(pick(ev.vol1)),
    fee: Int32Array.from(pick(ev.fee)),
    segmentStart: seg,
    where: (i) => ev.where(keep[i]!),
  };
}

// ---------------------------------------------------------------- liquidity book reconstruction

function bucketOf(tick: number, spacing: number): number {
  return Math.floor(tick / spacing);
}

interface BookChange {
  lower: number;
  upper: number;
  delta: bigint;
}

function netChangeAt(changes: BookChange[], tick: number): bigint {
  let d = 0n;
  for (const c of changes) if (c.lower <= tick && tick < c.upper) d += c.delta;
  return d;
}

/**
 * The liquidity of each tick-spacing bucket at the start of the segment [s, e) (see the header).
 * Returns runs [fromBucket, toBucket, liquidity] covering the observed range plus `extend` buckets.
 */
export function reconstructBook(ev: ReplayEvents, s: number, e: number, spacing: number, extend = 200, causal = false): { runs: [number, number, bigint][]; solvedBuckets: number } {
  const prof = new Map<number, bigint>();
  const changes: BookChange[] = [];
  let solved = 0;
  const note = (c: number, L: bigint) => {
    if (!prof.has(c)) prof.set(c, L - netChangeAt(changes, c * spacing));
  };
  // Causal: only what is known at the segment's first event; the rest is learned as history visits it.
  if (causal) e = Math.min(e, s + 1);
  // Rows' total_liquidity is the Swap event's (after the swap); MINT/BURN rows carry the last swap's
  // value forward, so the liquidity before a swap is the last swap's plus the mints and burns since
  // that cover the current tick.
  let expected = ev.liqAfter[s]!;
  let lastSwapL = ev.liqAfter[s]!;
  for (let i = s; i < e; i++) {
    const k = ev.kind[i]!;
    if (k === EV_MINT || k === EV_BURN) {
      const delta = k === EV_MINT ? ev.posL[i]! : -ev.posL[i]!;
      changes.push({ lower: ev.tickLower[i]!, upper: ev.tickUpper[i]!, delta });
      if (i > s && ev.tickLower[i]! <= ev.tickAfter[i]! && ev.tickAfter[i]! < ev.tickUpper[i]!) expected += delta;
      continue;
    } else if (k === EV_SWAP && i > s && ev.amountsKnown) {
      // Buckets strictly between the pre- and post-swap buckets that were never landed on.
      const c0 = bucketOf(ev.tickAfter[i - 1]!, spacing);
      const c1 = bucketOf(ev.tickAfter[i]!, spacing);
      if (Math.abs(c1 - c0) >= 2) {
        const down = c1 < c0;
        const lo = Math.min(c0, c1) + 1;
        const hi = Math.max(c0, c1) - 1;
        const unknown: number[] = [];
        for (let c = lo; c <= hi && unknown.length < 20000; c++) if (!prof.has(c)) unknown.push(c);
        if (unknown.length > 0) {
          const sa = Number(ev.sqrtAfter[i - 1]!) / TWO96;
          const sb = Number(ev.sqrtAfter[i]!) / TWO96;
          // Output: token1 for a downward move (sum L dsqrt), token0 upward (sum L d(1/sqrt)).
          const out = Number(down ? -ev.amount1[i]! : -ev.amount0[i]!);
          const w = (x: number, y: number) => (down ? Math.abs(x - y) : Math.abs(1 / x - 1 / y));
          const edge = (c: number) => Number(sqrtPriceAtTick(Math.max(-887272, Math.min(887272, c * spacing)))) / TWO96;
          let known = 0;
          let weightUnknown = 0;
          const preEdge = down ? edge(c0) : edge(c0 + 1);
          const postEdge = down ? edge(c1 + 1) : edge(c1);
          known += Number(expected) * w(sa, preEdge) + Number(ev.liqAfter[i]!) * w(postEdge, sb);
          const unknownSet = new Set(unknown);
          for (let c = lo; c <= hi; c++) {
            const width = w(edge(c), edge(c + 1));
            if (unknownSet.has(c)) weightUnknown += width;
            else known += Number(prof.get(c)! + netChangeAt(changes, c * spacing)) * width;
          }
          const Lmid = weightUnknown > 0 ? Math.max(0, (out - known) / weightUnknown) : 0;
          for (const c of unknown) {
            prof.set(c, BigInt(Math.floor(Lmid)) - netChangeAt(changes, c * spacing));
            solved++;
          }
        }
      }
    }
    if (k === EV_SWAP) {
      note(bucketOf(ev.tickAfter[i]!, spacing), ev.liqAfter[i]!);
      expected = lastSwapL = ev.liqAfter[i]!;
    }
  }
  void lastSwapL;
  const keys = [...prof.keys()].sort((a, b) => a - b);
  const runs: [number, number, bigint][] = [];
  if (keys.length === 0) return { runs, solvedBuckets: solved };
  const first = keys[0]!;
  const last = keys[keys.length - 1]!;
  let cur = prof.get(first)!;
  let runStart = first - extend;
  for (let c = first; c <= last; c++) {
    const v = prof.get(c) ?? cur; // unseen bucket inside the range: nearest lower observed
    if (v !== cur) {
      runs.push([runStart, c - 1, cur]);
      runStart = c;
      cur = v;
    }
  }
  runs.push([runStart, last + extend, cur]);
  return { runs, solvedBuckets: solved };
}

// ---------------------------------------------------------------- the replay

export interface ReplayOptions {
  counterfactual: Counterfactual;
  periodSeconds?: number;
  tickSpacing?: number;
  valuation: Valuation;
  reference?: ReferenceSeries;
  /** Seconds after a trade at which its markout classifies it (default 60). */
  classifyHorizon?: number;
  /** Volume elasticity of non-arbitrage flow per bp of fee above the historical fee (resize). */
  elasticity?: number;
  /**
   * Fee updates: the update rule and the gas of an update. Absent: every change of a policy's fee
   * is an update, liveness is not modelled and gas is not priced.
   */
  updates?: UpdateAccounting;
  /**
   * The gas token's price in quote tokens: fixed, or the pool's own (reference) price at the
   * moment of each update where one of the pool's tokens is the gas token (`poolSide`, e.g. WETH).
   * Neither: gas is not priced (counted in units only).
   */
  gasToken?: { fixedPrice?: number; poolSide?: 0 | 1 };
  /** Every decision of the update rule, as it is made. */
  onDecision?: (d: RuleDecisionRecord) => void;
  onProgress?: (fraction: number) => void;
  /** Keep each policy's fees per minute in raw token units, exactly (`minuteFeesRaw`). */
  minuteFeesRaw?: boolean;
  /**
   * The pool's swaps before the replayed range (time, tick after), oldest first: every policy's
   * oracle sees them before the first event, as a hook deployed before the range would have. Without
   * them a range starts on a new pool's oracle, whose first forecasts rest on a handful of moves.
   */
  warmup?: OracleWarmup;
}

/** Swaps that only feed the oracle: times (seconds, not decreasing) and the tick after each. */
export interface OracleWarmup {
  time: Float64Array;
  tick: Int32Array;
}

/** The swaps of `ev` before `from` (seconds), for a replay of what follows to warm its oracles on. */
export function warmupBefore(ev: ReplayEvents, from: number): OracleWarmup {
  const time: number[] = [];
  const tick: number[] = [];
  for (let i = 0; i < ev.n && ev.time[i]! < from; i++) {
    if (ev.kind[i] !== EV_SWAP) continue;
    time.push(ev.time[i]!);
    tick.push(ev.tickAfter[i]!);
  }
  return { time: Float64Array.from(time), tick: Int32Array.from(tick) };
}

export interface ReplayPolicyResult {
  ledger: Ledger;
  lvrTheory: number;
  /** Swaps this policy's pool executed (resize) or priced (same). */
  swaps: number;
  /** Of the fee-paying flow, the share of historical non-arbitrage volume kept (resize), 1 under same. */
  volumeRetained: number;
  clamped: number;
  /** With `minuteFeesRaw`: the LP fees paid in each minute of `clock.minuteStarts`, raw token0 and token1. */
  minuteFeesRaw?: { fee0: bigint[]; fee1: bigint[] };
}

export interface ReplayStats {
  swaps: number;
  events: number;
  segments: number;
  calibrations: number;
  calibrationShare: number;
  solvedBuckets: number;
  /** Per-swap data under the historical fee: swaps whose output amount the book reproduced exactly. */
  outputExact: number;
  outputChecked: number;
  /** Median relative error of the output amount. */
  outputMedianRelError: number;
  arbitrageSwaps: number;
  skipped: Record<string, number>;
  gaps: number;
  /**
   * Minute bars only: traded minutes whose replayed price move needs more input (at the historical
   * fee, v4's amounts) than the bar's recorded gross inflow of that token, and the value of that
   * excess input (quote): fee-free repositioning, the fee base being capped at the inflow.
   */
  minutesMoveBeyondInflow?: number;
  moveInputBeyondInflow?: number;
}

export interface ReplayResult {
  policies: ReplayPolicyResult[];
  stats: ReplayStats;
  t0: number;
  t1: number;
  /** Reference price (raw token1 per raw token0) at time t. */
  priceAt: (t: number) => number;
  clock: Clock;
  /** Realized sigma (ticks) of the reference over `horizon` periods from each period (forecast plots). */
  realizedSigma: (period: number, horizon: number) => number;
  firstPeriod: number;
  periodSeconds: number;
  assumptions: string[];
}


export function assumptionsText(options: ReplayOptions, ev: ReplayEvents, stats?: ReplayStats): string[] {
  const a: string[] = [];
  if (options.counterfactual === "same") {
    a.push("counterfactual (a) same swaps: every historical swap moves the pool along its historical price path; traders pay the policy's fee on the same net amounts; volume is unchanged");
  } else {
    a.push(
      `counterfactual (b) resize: swaps profitable to the trader at the reference price ${options.classifyHorizon ?? 60} s later are arbitrage and are re-sized to each policy's fee (traded to the edge of the no-arbitrage band, not at all inside it); other volume is scaled by exp(-${options.elasticity ?? 0} x (fee - historical fee) in bp): a higher fee shrinks the swap, and the volume a lower fee brings pays the fee without moving the price (more trades, not bigger ones)`,
    );
  }
  a.push(options.reference ? `reference price: ${options.reference.file}` : "reference price: the pool's own price at the end of each trade's block (no CEX series given)");
  a.push(
    options.counterfactual === "same"
      ? "liquidity: reconstructed per data segment from the active liquidity after each event and the MINT/BURN rows; checked against history before every swap"
      : "liquidity: built causally per data segment (the first event's active liquidity everywhere, corrected as history reaches each tick-spacing bucket) plus the MINT/BURN rows; shared by all policies' pools",
  );
  if (ev.format === "minute-bars") {
    a.push("minute bars: one price move per traded minute to the middle of its close tick; gross inflows beyond it are two-way volume that pays fees and moves no price");
    const beyond = stats?.minutesMoveBeyondInflow ?? 0;
    a.push(
      `minute-bar fees: per token, a minute pays f x its recorded gross inflow (demeter's rule)${options.counterfactual === "resize" ? " x the uninformed volume kept; a re-sized arbitrage pays the policy's fee on its own trade but not on the share of the historical move the inflow did not cover" : ""}, never more; ` +
        `in ${beyond.toLocaleString("en-US")} of ${(stats?.swaps ?? 0).toLocaleString("en-US")} replayed minutes the exact move to the close needed more input than recorded (rounded ticks, end-of-minute liquidity): the price path is kept, the input beyond the inflow (${Math.round(stats?.moveInputBeyondInflow ?? 0).toLocaleString("en-US")} in token${options.valuation.quote}) is fee-free repositioning`,
    );
  }
  a.push(`values in token${options.valuation.quote}; LVR = loss against rebalancing at the reference price; net LP PnL = fees - LVR`);
  return a;
}

interface PState extends PolicyCore {
  pool: Pool;
  swaps: number;
  /** exp(-elasticity x (keptFee - keptHistFee) / 100): the share of non-arbitrage volume kept, for the last fees seen. */
  kept: number;
  keptFee: number;
  keptHistFee: number;
  volHist: number;
  volKept: number;
  /** Minute bars: the fee the bar's move charged toward the bar's fee budget, raw token0 and token1. */
  barCharged0: bigint;
  barCharged1: bigint;
  /** With `minuteFeesRaw`: fees per compact minute of the clock, raw. */
  rawFee0: bigint[];
  rawFee1: bigint[];
}

/**
 * A minute bar's fee budget: floor(inflow x fee x kept / 1e6) raw units (f x the recorded inflow
 * times the share of volume kept, which exceeds 1 below the historical fee). Exact in integers when
 * all of the volume is kept.
 */
function barFeeBudget(inflow: bigint, fee: number, kept: number): bigint {
  if (fee >= 1_000_000 || inflow <= 0n) return 0n; // a 100% fee stops all trading
  if (kept === 1) return (inflow * BigInt(fee)) / 1_000_000n;
  return BigInt(Math.floor((Number(inflow) * kept * fee) / 1e6));
}

/** A raw inflow read as a float (whole units; > 2^53 the float is an integer already). */
function rawUnits(x: number): bigint {
  return x > 0 ? BigInt(Math.floor(x)) : 0n;
}

export function replay(ev: ReplayEvents, policies: FeePolicy[], options: ReplayOptions): ReplayResult {
  const periodSeconds = options.periodSeconds ?? 60;
  const spacing = options.tickSpacing ?? tickSpacingForFee(ev.fee[0]!);
  const valuation = options.valuation;
  const mode = options.counterfactual;
  const classifyHorizon = options.classifyHorizon ?? 60;
  const elasticity = options.elasticity ?? 0;
  const t0 = Math.floor(ev.time[0]! / 60) * 60;
  const t1 = ev.time[ev.n - 1]! + 1;

  // --- reference price R(t), raw token1 per raw token0
  const histT: number[] = [];
  const histP: number[] = [];
  for (let i = 0; i < ev.n; i++) {
    const p = (Number(ev.sqrtAfter[i]!) / TWO96) ** 2;
    if (histT.length > 0 && histT[histT.length - 1] === ev.time[i]) histP[histP.length - 1] = p;
    else {
      histT.push(ev.time[i]!);
      histP.push(p);
    }
  }
  const own: ReferenceSeries = { time: Float64Array.from(histT), price: Float64Array.from(histP), file: "(pool)" };
  const ref = options.reference ?? own;
  const R = (t: number) => priceAt(ref, t);

  const firstPeriod = Math.floor(t0 / periodSeconds);
  // Close tick of the reference per period, computed on demand (foresight and forecast plots only).
  const closeCache = new Map<number, number>();
  const closeTick = (p: number): number => {
    let v = closeCache.get(p);
    if (v === undefined) {
      v = Math.log(R((p + 1) * periodSeconds - 1e-6)) / LN_TICK;
      closeCache.set(p, v);
    }
    return v;
  };
  const future = (period: number, horizon: number) => {
    let v = 0;
    for (let p = period; p < period + horizon; p++) v += (closeTick(p) - closeTick(p - 1)) ** 2;
    return v;
  };
  const realizedSigma = (period: number, horizon: number) => Math.sqrt(future(period + 1, horizon));

  // --- classification: trader's markout after fees at R(t + horizon)
  const isArb = new Uint8Array(ev.n);
  let arbCount = 0;
  if (ev.amountsKnown) {
    for (let i = 0; i < ev.n; i++) {
      if (ev.kind[i] !== EV_SWAP) continue;
      const r = R(ev.time[i]! + classifyHorizon);
      const gain = -(Number(ev.amount0[i]!) * r + Number(ev.amount1[i]!));
      if (gain > 0) {
        isArb[i] = 1;
        arbCount++;
      }
    }
  }

  const stats: ReplayStats = {
    swaps: 0,
    events: ev.n,
    segments: 0,
    calibrations: 0,
    calibrationShare: 0,
    solvedBuckets: 0,
    outputExact: 0,
    outputChecked: 0,
    outputMedianRelError: 0,
    arbitrageSwaps: arbCount,
    skipped: ev.skipped,
    gaps: ev.gaps,
  };
  const bars = ev.format === "minute-bars";
  if (bars) {
    stats.minutesMoveBeyondInflow = 0;
    stats.moveInputBeyondInflow = 0;
  }
  const relErrors: number[] = [];

  const shared = mode === "same" ? new Oracle(periodSeconds) : undefined;
  const clock = new Clock();
  // Gas of an update at time t, in quote tokens: the gas token priced at the reference's last price
  // before t (what a keeper knows when it decides: not interpolated towards a later close).
  const quoteDecimals = valuation.quote === 1 ? valuation.decimals1 : valuation.decimals0;
  const gasToken = options.gasToken;
  const gasTokenPriceAt = (t: number): number => {
    if (gasToken?.fixedPrice !== undefined) return gasToken.fixedPrice;
    if (gasToken?.poolSide === undefined) return NaN;
    return gasTokenPriceInQuote(priceAt(ref, t - 1e-6, { causal: true }), gasToken.poolSide, valuation.quote, valuation.decimals0, valuation.decimals1);
  };
  const updates = options.updates;
  const gasCostAt = updates ? (t: number) => gasCostInQuote(updates.gasPerUpdate, updates.gasPriceGwei, gasTokenPriceAt(t)) : undefined;
  const states: PState[] = policyCores(policies, { periodSeconds, future, valuation, clock, sharedOracle: shared, updates, gasCostAt, onDecision: options.onDecision }).map((core) => ({
    ...core,
    pool: undefined as unknown as Pool, // set per segment (resize) or unused (same: one base pool)
    swaps: 0,
    kept: 1,
    keptFee: -1,
    keptHistFee: -1,
    volHist: 0,
    volKept: 0,
    barCharged0: 0n,
    barCharged1: 0n,
    rawFee0: [],
    rawFee1: [],
  }));
  const warm = options.warmup;
  if (warm) {
    for (let j = 0; j < warm.time.length; j++) {
      if (shared) shared.onSwap(warm.time[j]!, warm.tick[j]!);
      else for (const st of states) st.oracle.onSwap(warm.time[j]!, warm.tick[j]!);
    }
  }
  const keepRaw = options.minuteFeesRaw === true;
  const noteRaw = (st: PState, fee0: bigint, fee1: bigint): void => {
    const m = clock.minute;
    while (st.rawFee0.length <= m) {
      st.rawFee0.push(0n);
      st.rawFee1.push(0n);
    }
    st.rawFee0[m]! += fee0;
    st.rawFee1[m]! += fee1;
  };

  const out: SwapOut = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
  let base: Pool | undefined;
  const stepIns: bigint[] = [];
  let period = -Infinity;
  let lastPeriodR = NaN;
  const perBlock = policies.some((p) => p.everyBlock === true);
  let lastBlock = NaN;
  let lastBlockPeriod = NaN;
  let calibrated = 0n;
  let lastMoveIn0 = 0;
  let lastMoveIn1 = 0;
  // Minute bars: the bar's recorded gross inflows (raw), the inflow its two-way rest is charged on,
  // and the share of the historical move's input the inflow covers (1 unless the move exceeds it).
  let barIn0 = 0n;
  let barIn1 = 0n;
  let restBase0 = 0n;
  let restBase1 = 0n;
  let barCovered = 1;
  // Active liquidity history implies before the next swap (see reconstructBook on the rows' liquidity).
  let expectedL = 0n;
  let liquiditySeen = 0n;
  const scaleQ = 10 ** (valuation.quote === 1 ? valuation.decimals1 : valuation.decimals0);
  const toQuote = (token1Raw: number, r: number) => (valuation.quote === 1 ? token1Raw / scaleQ : token1Raw / r / scaleQ);
  const quoteValue = (x: number, y: number, r: number) => (valuation.quote === 1 ? (x * r + y) / scaleQ : (x + y / r) / scaleQ);
  const rawMinutes = (st: PState) => {
    const fee0 = st.rawFee0.slice();
    const fee1 = st.rawFee1.slice();
    while (fee0.length < clock.minuteStarts.length) {
      fee0.push(0n);
      fee1.push(0n);
    }
    return { fee0, fee1 };
  };
  const progressEvery = Math.max(1, Math.floor(ev.n / 200));

  // The update rule's fee base: what traders paid into each policy's pool, swap by swap. Under (a)
  // the historical swaps themselves (their gross amounts; a bar's recorded inflows), the same for
  // every policy.
  const feeBaseOn = states.some((st) => st.updates.feeBase !== undefined);
  const noteHistoricalFeeBase = (i: number, t: number): void => {
    const a0 = ev.amountsKnown ? Number(ev.amount0[i]!) : ev.vol0[i]!;
    const a1 = ev.amountsKnown ? Number(ev.amount1[i]!) : ev.vol1[i]!;
    const value = swapValueInQuote(a0 > 0 ? a0 : 0, a1 > 0 ? a1 : 0, ev.sqrtAfter[i]!, valuation.quote, quoteDecimals);
    const period = Math.floor(t / periodSeconds);
    for (const st of states) noteFeeBase(st, period, value);
  };

  // Segment bounds
  const segEnds: number[] = [];
  for (let i = 1; i <= ev.n; i++) if (i === ev.n || ev.segmentStart[i]) segEnds.push(i);
  let segEndIdx = 0;
  let segEnd = 0;

  const calibrate = (pool: Pool, target: bigint, applyAll: boolean): void => {
    if (target === pool.liquidity) return;
    const diff = target - pool.liquidity;
    const c = bucketOf(pool.tick, spacing);
    pool.adjustBook(c * spacing, (c + 1) * spacing, diff);
    if (applyAll) for (const st of states) if (st.pool !== pool) st.pool.adjustBook(c * spacing, (c + 1) * spacing, diff);
    stats.calibrations++;
    calibrated += diff < 0n ? -diff : diff;
  };

  for (let i = 0; i < ev.n; i++) {
    const t = ev.time[i]!;
    const k = ev.kind[i]!;
    clock.advance(t);
    if (ev.segmentStart[i]) {
      // New segment: rebuild the book and put every pool at the historical state.
      segEnd = segEnds[segEndIdx++]!;
      stats.segments++;
      if (i > 0) noteDataGap(states);
      const { runs, solvedBuckets } = reconstructBook(ev, i, segEnd, spacing, mode === "resize" ? 2000 : 200, mode === "resize");
      stats.solvedBuckets += solvedBuckets;
      base = new Pool({ sqrtPriceX96: ev.sqrtAfter[i]!, tickSpacing: spacing, lpFee: ev.fee[i]! });
      base.clampLiquidity = true;
      base.trackFeeGrowth = false; // book only, no positions: fees are counted from the swaps' fee amounts
      // Book as it was before the segment's first event; a first MINT/BURN is then applied below.
      for (const [c0, c1, L] of runs) if (L > 0n) base.adjustBook(c0 * spacing, (c1 + 1) * spacing, L);
      base.setPrice(ev.sqrtAfter[i]!, ev.tickAfter[i]!);
      if (mode === "resize") for (const st of states) st.pool = base.clone();
      expectedL = ev.liqAfter[i]!;
    }
    const p = Math.floor(t / periodSeconds);
    if (p !== period) {
      // Theoretical LVR of the period that just ended: (d log R)^2 / 4 x L sqrt(R), per pool.
      const r = R(t);
      if (!Number.isNaN(lastPeriodR) && p > period) {
        const v = Math.log(r / lastPeriodR) ** 2;
        for (const st of states) {
          const L = Number((mode === "same" ? base! : st.pool).liquidity);
          st.lvrTheory += toQuote((v / 4) * L * Math.sqrt(r), r);
        }
      }
      lastPeriodR = r;
      period = p;
      enterPeriod(states, p, periodSeconds, mode === "resize" ? (st, fee) => st.pool.setFee(fee) : undefined);
    }
    if (perBlock && (k === EV_SWAP || k === EV_VOLUME) && ev.block[i] !== lastBlock) {
      // A new block's first trade: per-block policies are asked again (pool state before the block),
      // unless this trade also opened the period (they were just asked).
      const opened = lastBlockPeriod !== p;
      lastBlock = ev.block[i]!;
      lastBlockPeriod = p;
      if (!opened) enterBlock(states, lastBlock, t, mode === "same" ? () => base!.tick : (st) => st.pool.tick, mode === "resize" ? (st, fee) => st.pool.setFee(fee) : undefined);
    }
    if (k === EV_MINT || k === EV_BURN) {
      const d = k === EV_MINT ? ev.posL[i]! : -ev.posL[i]!;
      base!.adjustBook(ev.tickLower[i]!, ev.tickUpper[i]!, d);
      if (mode === "resize") for (const st of states) st.pool.adjustBook(ev.tickLower[i]!, ev.tickUpper[i]!, d);
      if (!ev.segmentStart[i] && ev.tickLower[i]! <= base!.tick && base!.tick < ev.tickUpper[i]!) expectedL += d;
      continue;
    }
    if (ev.segmentStart[i] && k === EV_SWAP) {
      // The anchor: its pre-state is unknown, so it is not replayed; the oracle still sees it, and
      // under (a) it is part of every policy's fee base (its historical amounts).
      if (mode === "same" && feeBaseOn) noteHistoricalFeeBase(i, t);
      calibrate(base!, ev.liqAfter[i]!, mode === "resize");
      expectedL = ev.liqAfter[i]!;
      if (shared) shared.onSwap(t, ev.tickAfter[i]!);
      else for (const st of states) st.oracle.onSwap(t, st.pool.tick);
      // A bar anchoring a segment moves nothing: its whole inflow is two-way volume.
      if (bars) {
        startBar(i);
        lastMoveIn0 = 0;
        lastMoveIn1 = 0;
      }
      continue;
    }
    const rNow = R(t);
    if (k === EV_VOLUME) {
      // Two-way minute volume beyond the bar's price move (recorded by the move just before). Its
      // fee is what the bar's inflow pays at the policy's fee less what the move already charged.
      const f0 = ev.fee[i]!;
      const g0 = Math.max(0, (ev.vol0[i]! * (1e6 - f0)) / 1e6 - lastMoveIn0);
      const g1 = Math.max(0, (ev.vol1[i]! * (1e6 - f0)) / 1e6 - lastMoveIn1);
      for (const st of states) {
        const m = mode === "resize" ? Math.exp((-elasticity * (st.fee - f0)) / 100) : 1;
        const rest0 = barFeeBudget(restBase0, st.fee, m) - st.barCharged0;
        const rest1 = barFeeBudget(restBase1, st.fee, m) - st.barCharged1;
        const fee0 = rest0 > 0n ? rest0 : 0n;
        const fee1 = rest1 > 0n ? rest1 : 0n;
        st.ledger.recordVolume(NOISE, g0 * m, g1 * m, Number(fee0), Number(fee1), rNow);
        if (mode === "resize" && feeBaseOn) noteFeeBase(st, p, swapValueInQuote(g0 * m, g1 * m, st.pool.sqrtPriceX96, valuation.quote, quoteDecimals));
        if (keepRaw) noteRaw(st, fee0, fee1);
        st.volHist += st.ledger.value(g0, g1, rNow);
        st.volKept += st.ledger.value(g0 * m, g1 * m, rNow);
      }
      continue;
    }
    // --- a swap
    stats.swaps++;
    if (mode === "same" && feeBaseOn) noteHistoricalFeeBase(i, t);
    const histFee = ev.fee[i]!;
    calibrate(base!, expectedL, mode === "resize");
    liquiditySeen += base!.liquidity;
    const target = ev.sqrtAfter[i]!;
    const pre = base!.sqrtPriceX96;
    let zeroForOne: boolean;
    let moved = target !== pre;
    if (ev.amountsKnown) zeroForOne = ev.amount0[i]! > 0n;
    else zeroForOne = target < pre;
    if (moved && zeroForOne !== target < pre) moved = false; // inconsistent row: price moved against the flow
    // Base pool follows history (price-limited to the post price) at the historical fee.
    stepIns.length = 0;
    base!.stepIns = stepIns;
    let in0 = 0;
    let in1 = 0;
    let baseDx = 0;
    let baseDy = 0;
    if (moved && mode === "resize" && ev.amountsKnown) {
      // Under (b) with per-swap rows the historical pool only has to be at the right state (for the
      // liquidity checks): move it there without swapping.
      base!.setPrice(target, ev.tickAfter[i]!);
    } else if (moved && target > MIN_SQRT_PRICE && target < MAX_SQRT_PRICE) {
      // The historical price move, fee excluded (each policy's fee is priced from the step inputs).
      base!.swapToPrice(out, zeroForOne, target);
      baseDx = -Number(out.amount0);
      baseDy = -Number(out.amount1);
      if (ev.amountsKnown) {
        const histOut = zeroForOne ? -ev.amount1[i]! : -ev.amount0[i]!;
        const ourOut = zeroForOne ? out.amount1 : out.amount0;
        stats.outputChecked++;
        if (histOut === ourOut) stats.outputExact++;
        relErrors.push(histOut === 0n ? 0 : Math.abs(Number(ourOut - histOut) / Number(histOut)));
      }
    } else {
      // No price change to follow: the swap's net input still pays fees (exact-in of its historical size).
      const gross = ev.amountsKnown ? Number(zeroForOne ? ev.amount0[i]! : ev.amount1[i]!) : 0;
      const net = Math.floor((gross * (1e6 - histFee)) / 1e6);
      if (net > 0) stepIns.push(BigInt(net));
      baseDx = zeroForOne ? net : 0;
      baseDy = zeroForOne ? 0 : net;
    }
    base!.stepIns = null;
    if (ev.tickAfter[i] !== base!.tick && Math.abs(ev.tickAfter[i]! - base!.tick) > 1) base!.setPrice(target, ev.tickAfter[i]!);
    lastMoveIn0 = baseDx > 0 ? baseDx : 0;
    lastMoveIn1 = baseDy > 0 ? baseDy : 0;
    // Classification of bars (no amounts): the move's own markout at the historical fee.
    let cls = isArb[i] ? ARB : NOISE;
    if (!ev.amountsKnown) {
      const r = R(t + classifyHorizon);
      const feeIn = stepIns.reduce((a, b) => a + Number(b), 0) * (histFee / (1e6 - histFee));
      const gain = -((baseDx + (zeroForOne ? feeIn : 0)) * r + baseDy + (zeroForOne ? 0 : feeIn));
      if (gain > 0 && (baseDx !== 0 || baseDy !== 0)) {
        cls = ARB;
        stats.arbitrageSwaps++;
      }
    }
    if (bars) {
      startBar(i);
      if (stepIns.length > 0 && histFee < 1_000_000) {
        // The move's gross input at the historical fee (v4's per-step fee included) against the
        // bar's recorded inflow of that token.
        const fb = BigInt(histFee);
        const den = 1_000_000n - fb;
        let moveGross = 0n;
        for (const a of stepIns) {
          const prod = a * fb;
          const q = prod / den;
          moveGross += a + (prod % den !== 0n ? q + 1n : q);
        }
        const inflow = zeroForOne ? barIn0 : barIn1;
        if (moveGross > inflow) {
          stats.minutesMoveBeyondInflow!++;
          const excess = Number(moveGross - inflow);
          stats.moveInputBeyondInflow! += zeroForOne ? quoteValue(excess, 0, rNow) : quoteValue(0, excess, rNow);
          barCovered = Number(inflow) / Number(moveGross);
        }
        if (mode === "resize" && cls === ARB) {
          // A re-sized arbitrage is not the bar's recorded flow: the two-way rest is the inflow
          // beyond the historical move.
          const used = moveGross < inflow ? moveGross : inflow;
          if (zeroForOne) restBase0 = barIn0 - used;
          else restBase1 = barIn1 - used;
        }
      }
    }

    if (mode === "same") {
      for (const st of states) {
        const f = st.fee;
        if (f >= 1_000_000) continue; // a 100% fee stops all trading
        let fee = 0n;
        if (f > 0) {
          const fb = BigInt(f);
          const den = 1_000_000n - fb;
          for (const a of stepIns) {
            const prod = a * fb;
            const q = prod / den;
            fee += prod % den !== 0n ? q + 1n : q;
          }
        }
        if (bars) {
          // Never more than the bar's inflow pays at this fee; the rest of it is charged with the
          // two-way volume, and a move beyond the inflow repositions fee-free.
          const budget = barFeeBudget(zeroForOne ? barIn0 : barIn1, f, 1);
          if (fee > budget) fee = budget;
          if (zeroForOne) st.barCharged0 = fee;
          else st.barCharged1 = fee;
        }
        const feeN = Number(fee);
        st.ledger.record(cls, baseDx, baseDy, zeroForOne ? feeN : 0, zeroForOne ? 0 : feeN, rNow);
        if (keepRaw) noteRaw(st, zeroForOne ? fee : 0n, zeroForOne ? 0n : fee);
        st.swaps++;
      }
      shared!.onSwap(t, ev.tickAfter[i]!);
    } else {
      // Reference for re-sizing arbitrage. The arbitrage moves the policies' pools, whose ticks their
      // oracles (and per-block policies) read, so it may use a CEX sample only from within the period
      // (the next fee is decided after it ends), and none after t where a policy decides every block.
      let rArb = options.reference ? priceAt(options.reference, t, perBlock ? { causal: true } : { knownBy: (Math.floor(t / periodSeconds) + 1) * periodSeconds }) : rNow;
      if (!options.reference) {
        const g = 1 - histFee / 1e6;
        const post = (Number(target) / TWO96) ** 2;
        rArb = zeroForOne ? post * g : post / g;
      }
      const sqrtRArb = Math.sqrt(rArb);
      // The trader's net (fee-excluded) input: from the row where it is known, else the replayed move.
      const grossHist = ev.amountsKnown ? Number(zeroForOne ? ev.amount0[i]! : ev.amount1[i]!) : 0;
      const netHist = ev.amountsKnown ? Math.floor((grossHist * (1e6 - histFee)) / 1e6) : zeroForOne ? baseDx : baseDy;
      for (const st of states) {
        const f = st.fee;
        if (f >= 1_000_000) continue;
        const pool = st.pool;
        if (cls === ARB) {
          // Re-sized: to the edge of the policy's no-arbitrage band, not at all inside it.
          // On bars it pays no fee on the share of the historical move the inflow did not cover.
          if (arbitrageMove(pool.sqrtPriceX96, sqrtRArb, f)) execute(st, pool, ARB, t, arbMove.zeroForOne, 0n, arbMove.limit, rNow, -1n, barCovered);
        } else {
          if (f !== st.keptFee || histFee !== st.keptHistFee) {
            st.keptFee = f;
            st.keptHistFee = histFee;
            st.kept = Math.exp((-elasticity * (f - histFee)) / 100);
          }
          const m = st.kept;
          st.volHist += st.ledger.value(zeroForOne ? netHist : 0, zeroForOne ? 0 : netHist, rNow);
          // A fee below the historical one brings volume that history never traded here (m > 1).
          // It is more trades, not bigger ones: spread between the arbitrages that keep the price
          // near the reference, on net it moves no price, so it pays the fee as two-way volume
          // (as a minute bar's flow beyond its move does) and the historical trade moves the price
          // as it did. Scaling the trade itself by m would give it m^2 times the price impact, and the
          // LPs' mark-to-reference gain on that impact grew without bound as the fee fell (a 0.3%
          // pool at 0.01 bp "netted" 2.6M USDC on 18.6M of volume at elasticity 0.1). Volume that a
          // higher fee drives away (m < 1) shrinks the trade, as before.
          const net = m < 1 ? netHist * m : netHist;
          const extra = m > 1 ? netHist * (m - 1) : 0;
          if (!(net >= 1)) continue;
          st.volKept += st.ledger.value(zeroForOne ? net + extra : 0, zeroForOne ? 0 : net + extra, rNow);
          const minusGross = BigInt(-Math.ceil((net * 1e6) / (1e6 - f))); // exact input
          // On bars its fee counts toward the bar's budget, f x inflow x kept, and never exceeds it.
          const cap = bars ? barFeeBudget(zeroForOne ? barIn0 : barIn1, f, m) : -1n;
          const limit = zeroForOne ? MIN_SQRT_PRICE_PLUS_1 : MAX_SQRT_PRICE_MINUS_1;
          // A pool already at its price bound on that side cannot trade the swap (execute counts it
          // as skipped), nor the volume it would have brought.
          const blocked = zeroForOne ? pool.sqrtPriceX96 <= limit : pool.sqrtPriceX96 >= limit;
          let charged = execute(st, pool, NOISE, t, zeroForOne, minusGross, limit, rNow, cap);
          if (extra >= 1 && !blocked) charged += chargeElasticVolume(st, t, zeroForOne, extra, rNow, bars ? cap - charged : -1n);
          if (bars) {
            if (zeroForOne) st.barCharged0 = charged;
            else st.barCharged1 = charged;
          }
        }
      }
    }
    if (base!.liquidity !== ev.liqAfter[i]!) calibrate(base!, ev.liqAfter[i]!, mode === "resize");
    expectedL = ev.liqAfter[i]!;
    if (options.onProgress && i % progressEvery === 0) options.onProgress(i / ev.n);
  }
  relErrors.sort((a, b) => a - b);
  stats.outputMedianRelError = relErrors.length ? relErrors[Math.floor(relErrors.length / 2)]! : 0;
  stats.calibrationShare = liquiditySeen > 0n ? Number(calibrated) / Number(liquiditySeen) : 0;
  options.onProgress?.(1);

  return {
    policies: states.map((st) => ({
      ledger: st.ledger,
      lvrTheory: st.lvrTheory,
      swaps: st.swaps,
      volumeRetained: st.volHist > 0 ? st.volKept / st.volHist : 1,
      clamped: mode === "same" ? base?.clamped ?? 0 : st.pool?.clamped ?? 0,
      ...(keepRaw ? { minuteFeesRaw: rawMinutes(st) } : {}),
    })),
    stats,
    t0,
    t1,
    priceAt: R,
    clock,
    realizedSigma,
    firstPeriod,
    periodSeconds,
    assumptions: assumptionsText(options, ev, stats),
  };

  /**
   * `amount` 0n: to the price limit, whatever it takes (an arbitrageur's swap). Minute bars: the LPs
   * earn `feeShare` of v4's fee, at most `feeCap` (>= 0n); the reserves move by the whole trade.
   * Returns the fee the LPs earn.
   */
  function execute(st: PState, pool: Pool, cls: number, time: number, dir: boolean, amount: bigint, limit: bigint, r: number, feeCap = -1n, feeShare = 1): bigint {
    if (amount !== 0n && (dir ? pool.sqrtPriceX96 <= limit : pool.sqrtPriceX96 >= limit)) {
      // A policy's own pool (counterfactual (b)) can run out of liquidity on one side, its price at
      // v4's bound: a trade that way has nothing to trade against. Counted, not replayed.
      const why = "re-sized trades into a policy pool already at a price bound (no liquidity on that side)";
      stats.skipped[why] = (stats.skipped[why] ?? 0) + 1;
      return 0n;
    }
    if (amount === 0n) pool.swapToPrice(out, dir, limit, st.fee);
    else pool.swapInto(out, dir, amount, limit, st.fee);
    const feeV4 = Number(out.feeAmount);
    let earned = out.feeAmount;
    if (feeShare < 1) earned = BigInt(Math.floor(feeV4 * feeShare));
    if (feeCap >= 0n && earned > feeCap) earned = feeCap;
    const fee = earned === out.feeAmount ? feeV4 : Number(earned);
    const a0 = Number(out.amount0);
    const a1 = Number(out.amount1);
    st.ledger.record(cls, dir ? -a0 - feeV4 : -a0, dir ? -a1 : -a1 - feeV4, dir ? fee : 0, dir ? 0 : fee, r);
    if (keepRaw) noteRaw(st, dir ? earned : 0n, dir ? 0n : earned);
    // What the trader paid in (fee included), at the policy pool's price after the trade.
    if (feeBaseOn) noteFeeBase(st, Math.floor(time / periodSeconds), swapValueInQuote(dir ? -a0 : 0, dir ? 0 : -a1, pool.sqrtPriceX96, valuation.quote, quoteDecimals));
    st.oracle.onSwap(time, pool.tick);
    st.swaps++;
    return earned;
  }

  /**
   * Volume beyond the historical trade that a lower fee brings (net input `net` raw units of the
   * input token): it pays the policy's fee as v4 charges it on that input, within `feeCap` where one
   * is given (a bar's budget left), and moves no price. Returns the fee charged, raw units.
   */
  function chargeElasticVolume(st: PState, time: number, dir: boolean, net: number, r: number, feeCap: bigint): bigint {
    const f = st.fee;
    let fee = BigInt(Math.ceil((net * f) / (1e6 - f)));
    if (feeCap >= 0n && fee > feeCap) fee = feeCap;
    const feeN = Number(fee);
    st.ledger.recordVolume(NOISE, dir ? net : 0, dir ? 0 : net, dir ? feeN : 0, dir ? 0 : feeN, r);
    if (keepRaw) noteRaw(st, dir ? fee : 0n, dir ? 0n : fee);
    if (feeBaseOn) noteFeeBase(st, Math.floor(time / periodSeconds), swapValueInQuote(dir ? net + feeN : 0, dir ? 0 : net + feeN, st.pool.sqrtPriceX96, valuation.quote, quoteDecimals));
    return fee;
  }

  /** A bar's state before its move: its inflows, the base of its two-way rest, nothing charged yet. */
  function startBar(i: number): void {
    barIn0 = rawUnits(ev.vol0[i]!);
    barIn1 = rawUnits(ev.vol1[i]!);
    restBase0 = barIn0;
    restBase1 = barIn1;
    barCovered = 1;
    for (const st of states) {
      st.barCharged0 = 0n;
      st.barCharged1 = 0n;
    }
  }
}

