// Loading history for the replay, strictly: every malformed value is a one-line error naming the
// file, the row (1-based, the header is row 1) and the field; the only things skipped are listed
// in `skipped` with a count and appear in every report.
//
// Per-swap rows (demeter-fetch `*.tick.csv[.gz]`, the Swap/Mint/Burn events of one pool): the
// state columns (sqrtPriceX96, current_tick, total_liquidity) are the pool's state after the event,
// except that MINT/BURN rows carry total_liquidity forward from the last Swap event (the Swap event
// is what reports liquidity): a mint in range shows up in the next swap's row, not its own.
// Minute bars (demeter `*.minute.csv[.gz]`): closeTick, gross inflows and active liquidity per minute.
// Reference prices (a CEX series, or any timestamped price): one price per row.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { MAX_SQRT_PRICE, MIN_SQRT_PRICE, tickAtSqrtPrice, MAX_TICK, MIN_TICK } from "./v4math.ts";

export class InputError extends Error {}

export const EV_SWAP = 0;
export const EV_MINT = 1;
export const EV_BURN = 2;

/** Pool events in chain order (columnar). Amounts are the pool's side: + = into the pool. */
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
  /** Where each event came from, for messages. */
  fileIndex: Uint16Array;
  row: Int32Array;
  files: string[];
  skipped: Record<string, number>;
}

export interface MinuteBarsFull {
  n: number;
  time: Float64Array;
  closeTick: Int32Array;
  openTick: Int32Array;
  in0: Float64Array;
  in1: Float64Array;
  net0: Float64Array;
  net1: Float64Array;
  liquidity: Float64Array;
  files: string[];
  skipped: Record<string, number>;
  /** Missing minutes between consecutive rows (a gap of k minutes counts k - 1). */
  missingMinutes: number;
}

export interface ReferenceSeries {
  time: Float64Array;
  /** Raw token1 per raw token0, like the pool's own price. */
  price: Float64Array;
  file: string;
}

/** A file, a comma-separated list, or a folder (its matching .csv/.csv.gz files, sorted). */
export function expandInputs(spec: string, accept: (name: string) => boolean, what: string): string[] {
  const files: string[] = [];
  for (const p of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const inside = readdirSync(p).filter((n) => /\.csv(\.gz)?$/.test(n) && accept(n)).sort().map((n) => path.join(p, n));
      if (inside.length === 0) throw new InputError(`${p}: folder holds no ${what} files`);
      files.push(...inside);
    } else files.push(p);
  }
  if (files.length === 0) throw new InputError(`no ${what} files given`);
  return files;
}

interface Table {
  file: string;
  header: string[];
  lines: string[];
}

function readTable(file: string): Table {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let text: string;
  try {
    text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  } catch (e) {
    throw new InputError(`${file}: not a valid gzip file (${(e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new InputError(`${file}: empty file`);
  return { file, header: lines[0]!.split(",").map((h) => h.trim()), lines: lines.slice(1) };
}

function col(t: Table, names: string[], required = true): number {
  for (const n of names) {
    const i = t.header.indexOf(n);
    if (i >= 0) return i;
  }
  if (required) throw new InputError(`${t.file}: missing column '${names[0]}' (columns: ${t.header.join(", ")})`);
  return -1;
}

class RowReader {
  cells: string[] = [];
  row = 0;
  constructor(readonly t: Table) {}
  load(i: number): void {
    this.row = i + 2;
    this.cells = this.t.lines[i]!.split(",");
    if (this.cells.length !== this.t.header.length) {
      throw new InputError(`${this.t.file}: row ${this.row}: has ${this.cells.length} fields, the header has ${this.t.header.length}`);
    }
  }
  fail(field: string, why: string): never {
    throw new InputError(`${this.t.file}: row ${this.row}: field '${field}': ${why}`);
  }
  text(c: number): string {
    return this.cells[c]!.trim();
  }
  /** An exact integer, written plainly or as a float with a zero fraction ("199045.0"). */
  bigint(c: number, field: string): bigint {
    const s = this.text(c);
    const m = /^(-?\d+)(?:\.0*)?$/.exec(s);
    if (!m) this.fail(field, `cannot parse ${JSON.stringify(s)} as an integer`);
    return BigInt(m[1]!);
  }
  int(c: number, field: string): number {
    const v = this.bigint(c, field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(field, `${v} is out of range`);
    return Number(v);
  }
  number(c: number, field: string): number {
    const s = this.text(c);
    const v = s === "" ? NaN : Number(s);
    if (!Number.isFinite(v)) this.fail(field, `cannot parse ${JSON.stringify(s)} as a number`);
    return v;
  }
  time(c: number, field: string): number {
    const s = this.text(c);
    if (/^\d+(\.\d+)?$/.test(s)) {
      const v = Number(s);
      return v > 1e11 ? v / 1000 : v; // unix seconds or milliseconds
    }
    const ms = Date.parse(/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s) ? `${s.replace(" ", "T")}Z` : s);
    if (!Number.isFinite(ms)) this.fail(field, `cannot parse ${JSON.stringify(s)} as a UTC timestamp`);
    return ms / 1000;
  }
}

/** Fee tier and chain/pool prefix from a demeter-fetch file name, e.g. "ethereum-0x88e6-usdc-weth-005-2024-01-05". */
export function describeFile(file: string): { pool?: string; feePips?: number } {
  const base = path.basename(file);
  const pool = /^([a-z]+-0x[0-9a-f]{4})/i.exec(base)?.[1]?.toLowerCase();
  const tier = /-(001|005|030|100)-\d{4}-/.exec(base)?.[1];
  const known: Record<string, number> = { "polygon-0x45dd": 500, "ethereum-0x88e6": 500, "ethereum-0x8ad5": 3000 };
  const feePips = tier ? Number(tier) * 100 : pool ? known[pool] : undefined;
  return { pool, feePips };
}

function samePool(files: string[]): void {
  const pools = new Set(files.map((f) => describeFile(f).pool).filter(Boolean));
  if (pools.size > 1) throw new InputError(`${files.join(", ")}: events of different pools (${[...pools].join(", ")}); replay one pool at a time`);
}

export function loadPoolEvents(spec: string): PoolEvents {
  const files = expandInputs(spec, (n) => /tick\.csv/.test(n), "per-swap (*.tick.csv)");
  samePool(files);
  const ev = {
    kind: [] as number[], time: [] as number[], block: [] as number[], logIndex: [] as number[],
    amount0: [] as bigint[], amount1: [] as bigint[], sqrtPriceX96: [] as bigint[], tick: [] as number[], liquidity: [] as bigint[],
    tickLower: [] as number[], tickUpper: [] as number[], positionLiquidity: [] as bigint[], owner: [] as string[], fee: [] as number[],
    fileIndex: [] as number[], row: [] as number[],
  };
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  files.forEach((file, fi) => {
    const t = readTable(file);
    const r = new RowReader(t);
    const cBlock = col(t, ["block_number"]);
    const cTime = col(t, ["block_timestamp"]);
    const cType = col(t, ["tx_type"], false);
    const cLog = col(t, ["pool_log_index", "log_index"]);
    const cA0 = col(t, ["amount0"]);
    const cA1 = col(t, ["amount1"]);
    const cL = col(t, ["total_liquidity"]);
    const cSqrt = col(t, ["sqrtPriceX96"]);
    const cTick = col(t, ["current_tick"]);
    const cLo = col(t, ["tick_lower"], false);
    const cHi = col(t, ["tick_upper"], false);
    const cPosL = col(t, ["liquidity"], false);
    const cPos = col(t, ["position_id"], false);
    const cSender = col(t, ["sender"], false);
    const cFee = col(t, ["fee"], false);
    for (let i = 0; i < t.lines.length; i++) {
      r.load(i);
      const type = cType >= 0 ? r.text(cType) : "SWAP";
      let kind: number = EV_SWAP;
      if (type === "SWAP") kind = EV_SWAP;
      else if (type === "MINT") kind = EV_MINT;
      else if (type === "BURN") kind = EV_BURN;
      else if (type === "COLLECT") {
        skip("COLLECT rows (fee collection moves no price or liquidity)");
        continue;
      } else r.fail("tx_type", `unknown event type ${JSON.stringify(type)} (expected SWAP, MINT, BURN or COLLECT)`);
      const block = r.int(cBlock, "block_number");
      const log = r.int(cLog, t.header[cLog]!);
      const time = r.time(cTime, "block_timestamp");
      const n = ev.kind.length;
      if (n > 0) {
        const pb = ev.block[n - 1]!;
        const pl = ev.logIndex[n - 1]!;
        if (block < pb || (block === pb && log < pl)) r.fail("block_number", `event (block ${block}, log ${log}) is earlier than the one before it (block ${pb}, log ${pl}); rows must be in chain order`);
        if (block === pb && log === pl) r.fail(t.header[cLog]!, `duplicates the event before it (block ${block}, log ${log})`);
        if (time < ev.time[n - 1]!) r.fail("block_timestamp", "is earlier than the row before it");
      }
      const sqrtPriceX96 = r.bigint(cSqrt, "sqrtPriceX96");
      if (sqrtPriceX96 < MIN_SQRT_PRICE || sqrtPriceX96 >= MAX_SQRT_PRICE) r.fail("sqrtPriceX96", `${sqrtPriceX96} is outside the valid range [${MIN_SQRT_PRICE}, ${MAX_SQRT_PRICE})`);
      const tick = r.int(cTick, "current_tick");
      if (tick < MIN_TICK || tick > MAX_TICK) r.fail("current_tick", `${tick} is outside [${MIN_TICK}, ${MAX_TICK}]`);
      const implied = tickAtSqrtPrice(sqrtPriceX96);
      // v3/v4 leave the tick one below the price's tick after a swap that ends exactly on a boundary.
      if (tick !== implied && tick !== implied - 1) r.fail("current_tick", `${tick} does not match sqrtPriceX96 ${sqrtPriceX96} (tick ${implied}): absurd price or corrupted row`);
      const liquidity = r.bigint(cL, "total_liquidity");
      if (liquidity < 0n) r.fail("total_liquidity", `negative (${liquidity})`);
      const amount0 = r.bigint(cA0, "amount0");
      const amount1 = r.bigint(cA1, "amount1");
      let tickLower = 0;
      let tickUpper = 0;
      let posL = 0n;
      let owner = "";
      if (kind === EV_SWAP) {
        if (amount0 === 0n && amount1 === 0n) {
          skip("swaps with zero amounts");
          continue;
        }
        if ((amount0 > 0n && amount1 > 0n) || (amount0 < 0n && amount1 < 0n)) r.fail("amount0", `a swap must pay one token in and take the other out (amount0 ${amount0}, amount1 ${amount1})`);
      } else {
        if (cLo < 0 || cHi < 0 || cPosL < 0) r.fail("tick_lower", "MINT/BURN rows need tick_lower, tick_upper and liquidity columns");
        tickLower = r.int(cLo, "tick_lower");
        tickUpper = r.int(cHi, "tick_upper");
        if (tickLower >= tickUpper) r.fail("tick_upper", `tick_upper ${tickUpper} is not above tick_lower ${tickLower}`);
        if (tickLower < MIN_TICK || tickUpper > MAX_TICK) r.fail("tick_lower", `range [${tickLower}, ${tickUpper}] is outside the valid ticks`);
        posL = r.bigint(cPosL, "liquidity");
        if (posL < 0n) r.fail("liquidity", `negative (${posL})`);
        if (posL === 0n) {
          skip("MINT/BURN rows with zero liquidity (fee pokes)");
          continue;
        }
        const pid = cPos >= 0 ? r.text(cPos).replace(/\.0+$/, "") : "";
        owner = pid !== "" ? `nft:${pid}` : cSender >= 0 ? `addr:${r.text(cSender).toLowerCase()}` : "unknown";
      }
      let fee = -1;
      if (cFee >= 0 && kind === EV_SWAP) {
        fee = r.int(cFee, "fee");
        if (fee < 0 || fee > 1_000_000) r.fail("fee", `${fee} pips is outside [0, 1000000]`);
      }
      ev.kind.push(kind);
      ev.time.push(time);
      ev.block.push(block);
      ev.logIndex.push(log);
      ev.amount0.push(amount0);
      ev.amount1.push(amount1);
      ev.sqrtPriceX96.push(sqrtPriceX96);
      ev.tick.push(tick);
      ev.liquidity.push(liquidity);
      ev.tickLower.push(tickLower);
      ev.tickUpper.push(tickUpper);
      ev.positionLiquidity.push(posL);
      ev.owner.push(owner);
      ev.fee.push(fee);
      ev.fileIndex.push(fi);
      ev.row.push(r.row);
    }
  });
  const n = ev.kind.length;
  if (n === 0) throw new InputError(`${files.join(", ")}: no SWAP, MINT or BURN rows`);
  return {
    n,
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

export function loadMinuteBarsFull(spec: string): MinuteBarsFull {
  const files = expandInputs(spec, (n) => /minute\.csv/.test(n), "minute-bar (*.minute.csv)");
  samePool(files);
  const out = { time: [] as number[], close: [] as number[], open: [] as number[], in0: [] as number[], in1: [] as number[], net0: [] as number[], net1: [] as number[], liq: [] as number[] };
  const skipped: Record<string, number> = {};
  let missing = 0;
  for (const file of files) {
    const t = readTable(file);
    const r = new RowReader(t);
    const cTs = col(t, ["timestamp"]);
    const cClose = col(t, ["closeTick"]);
    const cOpen = col(t, ["openTick"]);
    const cIn0 = col(t, ["inAmount0"]);
    const cIn1 = col(t, ["inAmount1"]);
    const cNet0 = col(t, ["netAmount0"]);
    const cNet1 = col(t, ["netAmount1"]);
    const cLiq = col(t, ["currentLiquidity"]);
    for (let i = 0; i < t.lines.length; i++) {
      r.load(i);
      const time = r.time(cTs, "timestamp");
      if (time % 60 !== 0) r.fail("timestamp", `${r.text(cTs)} is not the start of a minute`);
      const prev = out.time[out.time.length - 1];
      if (prev !== undefined) {
        if (time === prev) r.fail("timestamp", "duplicates the row before it");
        if (time < prev) r.fail("timestamp", "is earlier than the row before it; rows must be in time order");
        missing += (time - prev) / 60 - 1;
      }
      const close = r.int(cClose, "closeTick");
      const open = r.int(cOpen, "openTick");
      for (const [v, f] of [[close, "closeTick"], [open, "openTick"]] as const) if (v < MIN_TICK || v > MAX_TICK) r.fail(f, `${v} is outside [${MIN_TICK}, ${MAX_TICK}]`);
      const in0 = r.number(cIn0, "inAmount0");
      const in1 = r.number(cIn1, "inAmount1");
      if (in0 < 0) r.fail("inAmount0", `negative gross inflow ${in0}`);
      if (in1 < 0) r.fail("inAmount1", `negative gross inflow ${in1}`);
      const liq = r.number(cLiq, "currentLiquidity");
      if (liq < 0) r.fail("currentLiquidity", `negative (${liq})`);
      const traded = in0 > 0 || in1 > 0;
      if (traded && liq === 0 && close !== open) r.fail("currentLiquidity", "zero active liquidity in a minute whose price moved");
      out.time.push(time);
      out.close.push(close);
      out.open.push(open);
      out.in0.push(in0);
      out.in1.push(in1);
      out.net0.push(r.number(cNet0, "netAmount0"));
      out.net1.push(r.number(cNet1, "netAmount1"));
      out.liq.push(liq);
    }
  }
  const n = out.time.length;
  if (n === 0) throw new InputError(`${files.join(", ")}: no rows`);
  return {
    n,
    time: Float64Array.from(out.time),
    closeTick: Int32Array.from(out.close),
    openTick: Int32Array.from(out.open),
    in0: Float64Array.from(out.in0),
    in1: Float64Array.from(out.in1),
    net0: Float64Array.from(out.net0),
    net1: Float64Array.from(out.net1),
    liquidity: Float64Array.from(out.liq),
    files,
    skipped,
    missingMinutes: missing,
  };
}

/**
 * A reference price series: the first column (or `timestamp`/`block_timestamp`) is the time, and
 * `column` (default `price`) the price of the non-quote token in quote tokens, in whole tokens
 * (e.g. ETH in USDC). Converted to raw token1 per raw token0.
 */
export function loadReference(file: string, options: { column?: string; quote: 0 | 1; decimals0: number; decimals1: number }): ReferenceSeries {
  const t = readTable(file);
  const r = new RowReader(t);
  let cTime = col(t, ["timestamp", "block_timestamp", "time", "date"], false);
  if (cTime < 0) cTime = 0;
  const name = options.column ?? "price";
  const cPrice = col(t, [name]);
  const time: number[] = [];
  const price: number[] = [];
  const rawPerHuman = 10 ** (options.decimals1 - options.decimals0);
  for (let i = 0; i < t.lines.length; i++) {
    r.load(i);
    const ts = r.time(cTime, t.header[cTime] || "timestamp");
    if (time.length > 0 && ts <= time[time.length - 1]!) r.fail(t.header[cTime] || "timestamp", ts === time[time.length - 1] ? "duplicates the row before it" : "is earlier than the row before it");
    const p = r.number(cPrice, name);
    if (!(p > 0) || p > 1e15) r.fail(name, `absurd price ${p}`);
    time.push(ts);
    // quote 0: p = token1 in token0 units -> token1 per token0 = 1 / p; quote 1: p = token0 in token1 units.
    price.push((options.quote === 0 ? 1 / p : p) * rawPerHuman);
  }
  if (time.length === 0) throw new InputError(`${file}: no rows`);
  return { time: Float64Array.from(time), price: Float64Array.from(price), file };
}

/** Price at time t: the last observation at or before t (the first one before the series starts). */
export function priceAt(ref: ReferenceSeries, t: number): number {
  const ts = ref.time;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return ref.price[Math.max(0, lo - 1)]!;
}
