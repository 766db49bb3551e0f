// Loading real pool history in its two common shapes: per-minute bars (the demeter format) and
// per-swap events (the v3/v4 Swap event as rows). Hot loops downstream take the typed arrays.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";

export interface MinuteBars {
  /** Unix seconds of each minute's start. */
  timestamps: Float64Array;
  closeTick: Int32Array;
  /** 1 when the minute had at least one swap (gross inflow of either token). */
  traded: Uint8Array;
  sources: string[];
}

export interface SwapEvents {
  blockNumber: Float64Array;
  timestamps: Float64Array;
  logIndex: Float64Array;
  tick: Int32Array;
  /** Fee in pips where the rows carry one (v4 Swap events), else -1. */
  fee: Int32Array;
  sources: string[];
}

export class DataError extends Error {}

/** A file, a comma-separated list of files, or a folder (its .csv and .csv.gz files, sorted). */
export function expandInputs(spec: string | string[], accept: (name: string) => boolean): string[] {
  const parts = (Array.isArray(spec) ? spec : spec.split(",")).map((s) => s.trim()).filter(Boolean);
  const files: string[] = [];
  for (const p of parts) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new DataError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const inside = readdirSync(p).filter((n) => /\.csv(\.gz)?$/.test(n) && accept(n)).sort().map((n) => path.join(p, n));
      if (inside.length === 0) throw new DataError(`${p}: folder holds no matching .csv or .csv.gz files`);
      files.push(...inside);
    } else files.push(p);
  }
  return files;
}

function readText(file: string): string {
  const raw = readFileSync(file);
  return (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
}

interface Table {
  file: string;
  header: string[];
  rows: string[][];
}

function readCsv(file: string): Table {
  const lines = readText(file).split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new DataError(`${file}: empty file`);
  return { file, header: lines[0]!.split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

function column(t: Table, name: string): number {
  const i = t.header.indexOf(name);
  if (i < 0) throw new DataError(`${t.file}: missing column '${name}' (columns: ${t.header.join(", ")})`);
  return i;
}

function parseNumber(t: Table, row: number, col: number, name: string, integer: boolean): number {
  const text = t.rows[row]![col];
  const v = text === undefined || text === "" ? NaN : Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new DataError(`${t.file}: row ${row + 2}: field '${name}': cannot parse ${JSON.stringify(text ?? "")} as ${integer ? "an integer" : "a number"}`);
  }
  return v;
}

function parseTimestamp(t: Table, row: number, col: number, name: string): number {
  const text = t.rows[row]![col] ?? "";
  const ms = Date.parse(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$/.test(text) ? `${text.replace(" ", "T")}Z` : text);
  if (!Number.isFinite(ms)) throw new DataError(`${t.file}: row ${row + 2}: field '${name}': cannot parse ${JSON.stringify(text)} as a UTC timestamp`);
  return ms / 1000;
}

export function loadMinuteBars(spec: string | string[]): MinuteBars {
  const files = expandInputs(spec, (n) => n.includes("minute"));
  const ts: number[] = [];
  const ticks: number[] = [];
  const traded: number[] = [];
  for (const file of files) {
    const t = readCsv(file);
    const cTs = column(t, "timestamp");
    const cClose = column(t, "closeTick");
    const cIn0 = column(t, "inAmount0");
    const cIn1 = column(t, "inAmount1");
    for (let r = 0; r < t.rows.length; r++) {
      const time = parseTimestamp(t, r, cTs, "timestamp");
      const prev = ts[ts.length - 1];
      if (prev !== undefined && time <= prev) {
        throw new DataError(`${file}: row ${r + 2}: field 'timestamp': ${time <= prev && time === prev ? "duplicates" : "is earlier than"} the row before it`);
      }
      ts.push(time);
      ticks.push(parseNumber(t, r, cClose, "closeTick", true));
      traded.push(parseNumber(t, r, cIn0, "inAmount0", false) > 0 || parseNumber(t, r, cIn1, "inAmount1", false) > 0 ? 1 : 0);
    }
  }
  return { timestamps: Float64Array.from(ts), closeTick: Int32Array.from(ticks), traded: Uint8Array.from(traded), sources: files };
}

export function loadSwaps(spec: string | string[]): SwapEvents {
  const files = expandInputs(spec, (n) => n.includes("tick"));
  const out = { blockNumber: [] as number[], timestamps: [] as number[], logIndex: [] as number[], tick: [] as number[], fee: [] as number[] };
  for (const file of files) {
    const t = readCsv(file);
    const cBlock = column(t, "block_number");
    const cTs = column(t, "block_timestamp");
    const cLog = column(t, "pool_log_index");
    const cTick = column(t, "current_tick");
    const cType = t.header.indexOf("tx_type");
    const cFee = t.header.indexOf("fee");
    for (let r = 0; r < t.rows.length; r++) {
      if (cType >= 0 && t.rows[r]![cType] !== "SWAP") continue;
      const block = parseNumber(t, r, cBlock, "block_number", true);
      const log = parseNumber(t, r, cLog, "pool_log_index", true);
      const n = out.blockNumber.length;
      if (n > 0) {
        const pb = out.blockNumber[n - 1]!;
        const pl = out.logIndex[n - 1]!;
        if (block < pb || (block === pb && log < pl)) throw new DataError(`${file}: row ${r + 2}: field 'block_number': event is earlier than the one before it`);
        if (block === pb && log === pl) throw new DataError(`${file}: row ${r + 2}: field 'pool_log_index': duplicates the row before it`);
      }
      out.blockNumber.push(block);
      out.timestamps.push(parseTimestamp(t, r, cTs, "block_timestamp"));
      out.logIndex.push(log);
      out.tick.push(parseNumber(t, r, cTick, "current_tick", true));
      out.fee.push(cFee >= 0 ? parseNumber(t, r, cFee, "fee", true) : -1);
    }
  }
  return {
    blockNumber: Float64Array.from(out.blockNumber),
    timestamps: Float64Array.from(out.timestamps),
    logIndex: Float64Array.from(out.logIndex),
    tick: Int32Array.from(out.tick),
    fee: Int32Array.from(out.fee),
    sources: files,
  };
}
