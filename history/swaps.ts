// Per-swap rows: one row per pool event (demeter-fetch `*.tick.csv[.gz]`, the Swap/Mint/Burn events
// of one pool; v4-style spellings blockNumber, logIndex, tick; Dune's evt_* ones; unix or ISO timestamps). The
// state columns (sqrtPriceX96, current_tick, total_liquidity) are the pool's state after the event,
// except that MINT/BURN rows carry total_liquidity forward from the last Swap event (the Swap event
// is what reports liquidity): a mint in range shows up in the next swap's row, not its own.
//
// One reader, two views of the same rows:
// - `loadPoolEvents` (the replay): every column; SWAP, MINT and BURN rows; amounts, price and
//   liquidity checked against each other. Skipped, with a count in `skipped`: COLLECT rows,
//   MINT/BURN rows with zero liquidity, zero-amount swaps.
// - `loadSwaps` (the oracle's features): block, log index, time, tick and fee of the SWAP rows only;
//   other event types are passed over (they move no price), other columns are not read.
import { MAX_SQRT_PRICE, MIN_SQRT_PRICE, MAX_TICK, MIN_TICK, tickAtSqrtPrice } from "../backtest/v4math.ts";
import { DataError, RowReader, column, expandInputs, readTable } from "./table.ts";
import { samePool } from "./pair.ts";

export const EV_SWAP = 0;
export const EV_MINT = 1;
export const EV_BURN = 2;

/** Pool events in chain order (columnar), every column: what the replay needs. Amounts are the pool's side: + = into the pool. */
export interface PoolEvents {
  n: number;
  kind: Uint8Array;
  time: Float64Array;
  block: Float64Array;
  logIndex: Float64Array;
  amount0: bigint[];
  amount1: bigint[];
  /** State after the event. */
  sqrtPriceX96: bigint[];
  tick: Int32Array;
  liquidity: bigint[];
  /** Mint/burn only. */
  tickLower: Int32Array;
  tickUpper: Int32Array;
  positionLiquidity: bigint[];
  owner: string[];
  /** v4 Swap events carry the fee (pips); -1 where the rows have none. */
  fee: Int32Array;
  /** Where each event came from, for messages: its file and 1-based line number. */
  fileIndex: Uint16Array;
  row: Int32Array;
  files: string[];
  skipped: Record<string, number>;
}

/** The SWAP rows' identity, tick and fee: what the oracle's features need (training). */
export interface SwapEvents {
  blockNumber: Float64Array;
  timestamps: Float64Array;
  logIndex: Float64Array;
  tick: Int32Array;
  /** Fee in pips where the rows carry one (v4 Swap events), else -1. */
  fee: Int32Array;
  sources: string[];
  /** For each row, the index into `sources` of its file and its 1-based line number there. */
  fileIndex?: Uint16Array;
  line?: Uint32Array;
}

/** Folder filter for per-swap files. */
export const SWAP_FILE = (n: string) => n.includes("tick");
const SWAP_FILES = "per-swap (*tick*.csv[.gz])";

// demeter-fetch's names first, then v4-style ones, then Dune's decoded Swap event tables (evt_*).
const COLUMNS = {
  block: ["block_number", "blockNumber", "evt_block_number"],
  time: ["block_timestamp", "timestamp", "blockTimestamp", "evt_block_time"],
  log: ["pool_log_index", "log_index", "logIndex", "evt_index"],
  tick: ["current_tick", "tick"],
} as const;

const SKIP_COLLECT = "COLLECT rows (fee collection moves no price or liquidity)";
const SKIP_POKE = "MINT/BURN rows with zero liquidity (fee pokes)";
const SKIP_ZERO = "swaps with zero amounts";

interface Columns {
  kind: number[];
  time: number[];
  block: number[];
  logIndex: number[];
  tick: number[];
  fee: number[];
  fileIndex: number[];
  row: number[];
  amount0: bigint[];
  amount1: bigint[];
  sqrtPriceX96: bigint[];
  liquidity: bigint[];
  tickLower: number[];
  tickUpper: number[];
  positionLiquidity: bigint[];
  owner: string[];
}

/** Reads per-swap files; `replay` reads every column (and keeps MINT/BURN rows), else the oracle's columns of the SWAP rows. */
function readSwapRows(spec: string | string[], replay: boolean): { files: string[]; ev: Columns; skipped: Record<string, number> } {
  const files = expandInputs(spec, SWAP_FILE, SWAP_FILES);
  samePool(files);
  const ev: Columns = {
    kind: [], time: [], block: [], logIndex: [], tick: [], fee: [], fileIndex: [], row: [],
    amount0: [], amount1: [], sqrtPriceX96: [], liquidity: [], tickLower: [], tickUpper: [], positionLiquidity: [], owner: [],
  };
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  files.forEach((file, fi) => {
    const t = readTable(file);
    const r = new RowReader(t);
    const cBlock = column(t, COLUMNS.block);
    const cTime = column(t, COLUMNS.time);
    const cLog = column(t, COLUMNS.log);
    const cTick = column(t, COLUMNS.tick);
    const cType = column(t, ["tx_type"], false);
    const cFee = column(t, ["fee"], false);
    const cA0 = replay ? column(t, ["amount0"]) : -1;
    const cA1 = replay ? column(t, ["amount1"]) : -1;
    // A file of Swap events only (no tx_type, as Dune's decoded Swap tables) names the pool's active
    // liquidity after the swap `liquidity`, the Swap event's own field; demeter-fetch's `liquidity` is a
    // MINT/BURN row's position liquidity and its pool liquidity is `total_liquidity`.
    const swapEventsOnly = cType < 0 && column(t, ["total_liquidity"], false) < 0;
    const cL = replay ? column(t, swapEventsOnly ? ["liquidity"] : ["total_liquidity"]) : -1;
    const cSqrt = replay ? column(t, ["sqrtPriceX96"]) : -1;
    const cLo = column(t, ["tick_lower"], false);
    const cHi = column(t, ["tick_upper"], false);
    const cPosL = swapEventsOnly ? -1 : column(t, ["liquidity"], false);
    const cPos = column(t, ["position_id"], false);
    const cSender = column(t, ["sender"], false);
    for (let i = 0; i < t.lines.length; i++) {
      r.load(i);
      const type = cType >= 0 ? r.text(cType) : "SWAP";
      let kind: number = EV_SWAP;
      if (type === "MINT") kind = EV_MINT;
      else if (type === "BURN") kind = EV_BURN;
      else if (type === "COLLECT") {
        if (replay) skip(SKIP_COLLECT);
        continue;
      } else if (type !== "SWAP") r.fail(cType, `unknown event type ${JSON.stringify(type)} (expected SWAP, MINT, BURN or COLLECT)`);
      if (kind !== EV_SWAP && !replay) continue;
      const block = r.int(cBlock);
      const log = r.int(cLog);
      const time = r.time(cTime);
      const n = ev.kind.length;
      if (n > 0) {
        const pb = ev.block[n - 1]!;
        const pl = ev.logIndex[n - 1]!;
        if (block < pb || (block === pb && log < pl)) r.fail(cBlock, `event is earlier than the one before it (block ${block}, log ${log} after block ${pb}, log ${pl}); rows must be in chain order`);
        if (block === pb && log === pl) r.fail(cLog, `duplicates the row before it (block ${block}, log ${log})`);
        if (time < ev.time[n - 1]!) r.fail(cTime, "is earlier than the row before it");
      }
      let sqrtPriceX96 = 0n;
      if (replay) {
        sqrtPriceX96 = r.bigint(cSqrt);
        if (sqrtPriceX96 < MIN_SQRT_PRICE || sqrtPriceX96 >= MAX_SQRT_PRICE) r.fail(cSqrt, `${sqrtPriceX96} is outside the valid range [${MIN_SQRT_PRICE}, ${MAX_SQRT_PRICE})`);
      }
      const tick = r.int(cTick);
      if (tick < MIN_TICK || tick > MAX_TICK) r.fail(cTick, `${tick} is outside the tick range [${MIN_TICK}, ${MAX_TICK}]`);
      let fee = -1;
      if (cFee >= 0 && kind === EV_SWAP) {
        fee = r.int(cFee);
        if (fee < 0 || fee > 1_000_000) r.fail(cFee, `${fee} pips is outside [0, 1000000]`);
      }
      if (replay) {
        const implied = tickAtSqrtPrice(sqrtPriceX96);
        // v3/v4 leave the tick one below the price's tick after a swap that ends exactly on a boundary.
        if (tick !== implied && tick !== implied - 1) r.fail(cTick, `${tick} does not match sqrtPriceX96 ${sqrtPriceX96} (tick ${implied}): absurd price or corrupted row`);
        const liquidity = r.bigint(cL);
        if (liquidity < 0n) r.fail(cL, `negative (${liquidity})`);
        const amount0 = r.bigint(cA0);
        const amount1 = r.bigint(cA1);
        let tickLower = 0;
        let tickUpper = 0;
        let posL = 0n;
        let owner = "";
        if (kind === EV_SWAP) {
          if (amount0 === 0n && amount1 === 0n) {
            skip(SKIP_ZERO);
            continue;
          }
          if ((amount0 > 0n && amount1 > 0n) || (amount0 < 0n && amount1 < 0n)) r.fail(cA0, `a swap must pay one token in and take the other out (amount0 ${amount0}, amount1 ${amount1})`);
        } else {
          if (cLo < 0 || cHi < 0 || cPosL < 0) r.fail("tick_lower", "MINT/BURN rows need tick_lower, tick_upper and liquidity columns");
          tickLower = r.int(cLo);
          tickUpper = r.int(cHi);
          if (tickLower >= tickUpper) r.fail(cHi, `tick_upper ${tickUpper} is not above tick_lower ${tickLower}`);
          if (tickLower < MIN_TICK || tickUpper > MAX_TICK) r.fail(cLo, `range [${tickLower}, ${tickUpper}] is outside the valid ticks`);
          posL = r.bigint(cPosL);
          if (posL < 0n) r.fail(cPosL, `negative (${posL})`);
          if (posL === 0n) {
            skip(SKIP_POKE);
            continue;
          }
          const pid = cPos >= 0 ? r.text(cPos).replace(/\.0+$/, "") : "";
          owner = pid !== "" ? `nft:${pid}` : cSender >= 0 ? `addr:${r.text(cSender).toLowerCase()}` : "unknown";
        }
        ev.amount0.push(amount0);
        ev.amount1.push(amount1);
        ev.sqrtPriceX96.push(sqrtPriceX96);
        ev.liquidity.push(liquidity);
        ev.tickLower.push(tickLower);
        ev.tickUpper.push(tickUpper);
        ev.positionLiquidity.push(posL);
        ev.owner.push(owner);
      }
      ev.kind.push(kind);
      ev.time.push(time);
      ev.block.push(block);
      ev.logIndex.push(log);
      ev.tick.push(tick);
      ev.fee.push(fee);
      ev.fileIndex.push(fi);
      ev.row.push(r.row);
    }
  });
  if (ev.kind.length === 0) throw new DataError(`${files.join(", ")}: no ${replay ? "SWAP, MINT or BURN" : "swap"} rows`);
  return { files, ev, skipped };
}

/** Every event of the files (SWAP, MINT, BURN), every column: the replay's input. */
export function loadPoolEvents(spec: string | string[]): PoolEvents {
  const { files, ev, skipped } = readSwapRows(spec, true);
  return {
    n: ev.kind.length,
    kind: Uint8Array.from(ev.kind),
    time: Float64Array.from(ev.time),
    block: Float64Array.from(ev.block),
    logIndex: Float64Array.from(ev.logIndex),
    amount0: ev.amount0,
    amount1: ev.amount1,
    sqrtPriceX96: ev.sqrtPriceX96,
    tick: Int32Array.from(ev.tick),
    liquidity: ev.liquidity,
    tickLower: Int32Array.from(ev.tickLower),
    tickUpper: Int32Array.from(ev.tickUpper),
    positionLiquidity: ev.positionLiquidity,
    owner: ev.owner,
    fee: Int32Array.from(ev.fee),
    fileIndex: Uint16Array.from(ev.fileIndex),
    row: Int32Array.from(ev.row),
    files,
    skipped,
  };
}

/** The SWAP rows' block, log index, time, tick and fee: the oracle's input. */
export function loadSwaps(spec: string | string[]): SwapEvents {
  const { files, ev } = readSwapRows(spec, false);
  return {
    blockNumber: Float64Array.from(ev.block),
    timestamps: Float64Array.from(ev.time),
    logIndex: Float64Array.from(ev.logIndex),
    tick: Int32Array.from(ev.tick),
    fee: Int32Array.from(ev.fee),
    sources: files,
    fileIndex: Uint16Array.from(ev.fileIndex),
    line: Uint32Array.from(ev.row),
  };
}
