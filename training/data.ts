// Loading real pool history in its two common shapes: per-minute bars (the demeter format) and
// per-swap events (the v3/v4 Swap event as rows). CSV or CSV.gz; one file, a list, or a folder.
//
// Files are parsed with danfojs-node's own CSV parser (papaparse) into a danfo DataFrame, and the
// columns the oracle needs are validated row by row into typed arrays: every bad value is a
// one-line DataError naming file, row (1-based line number, header = line 1) and field. Hot loops
// downstream only ever see the typed arrays.
//
// Gaps (see `minuteSegments` / `swapSegments` and training/README.md):
// - A minute missing from a bar file is repaired by forward-filling it as a minute without swaps
//   (zero flows, close = previous close), up to `maxFill` consecutive minutes, with a count. For
//   the oracle this repair changes nothing: a minute without swaps appends no observation, so the
//   features, the target and the per-period returns the baselines use are the same with or
//   without the filled rows. Longer holes are not filled: they split the series into segments,
//   and no feature window, target or baseline recursion spans a segment break.
// - Per-swap rows have no notion of a missing minute (a quiet minute has no row); a silence
//   longer than `maxGapSeconds` between consecutive swaps is treated as missing data and splits
//   the series into segments.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import path from "node:path";

export interface MinuteBars {
  /** Unix seconds of each minute's start. */
  timestamps: Float64Array;
  closeTick: Int32Array;
  /** 1 when the minute had at least one swap (gross inflow of either token). */
  traded: Uint8Array;
  sources: string[];
  /** For each row, the index into `sources` of its file and its 1-based line number there. */
  fileIndex?: Uint16Array;
  line?: Uint32Array;
}

export interface SwapEvents {
  blockNumber: Float64Array;
  timestamps: Float64Array;
  logIndex: Float64Array;
  tick: Int32Array;
  /** Fee in pips where the rows carry one (v4 Swap events), else -1. */
  fee: Int32Array;
  sources: string[];
  fileIndex?: Uint16Array;
  line?: Uint32Array;
}

export class DataError extends Error {}

export type DataFormat = "minute" | "swaps";

// danfojs-node pulls in mathjs and xlsx (seconds to import): loaded on first use only, so modules
// that merely import this file (the e2e stage, the backtester) do not pay for it.
const requireHere = createRequire(import.meta.url);
interface DanfoFrame {
  shape: [number, number];
  columns: string[];
  column(name: string): { values: unknown[] };
}
interface Danfo {
  DataFrame: new (data: unknown, options?: { columns?: string[]; dtypes?: string[] }) => DanfoFrame;
}
interface PapaResult {
  data: string[][];
  errors: { row?: number; message: string }[];
}
let danfo: { dfd: Danfo; papa: { parse(text: string, options: object): PapaResult } } | undefined;
function danfoModules() {
  if (!danfo) {
    const dfd = requireHere("danfojs-node") as Danfo;
    // The same parser danfo's readCSV streams files through; called synchronously on the text so
    // .csv.gz works and the loaders stay synchronous.
    const papa = createRequire(requireHere.resolve("danfojs-node"))("papaparse");
    danfo = { dfd, papa };
  }
  return danfo;
}

/** A file, a comma-separated list of files, or a folder (its .csv and .csv.gz files, sorted). */
export function expandInputs(spec: string | string[], accept: (name: string) => boolean): string[] {
  const parts = (Array.isArray(spec) ? spec : spec.split(",")).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new DataError("no input files given");
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
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (file.endsWith(".gz")) {
    try {
      return gunzipSync(raw).toString("utf8");
    } catch (e) {
      throw new DataError(`${file}: not a valid gzip file (${(e as Error).message})`);
    }
  }
  return raw.toString("utf8");
}

/** The header line of a file, without parsing the rest. */
function headerOf(file: string): string[] {
  const text = readText(file);
  const end = text.search(/\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
}

interface Table {
  file: string;
  frame: DanfoFrame | undefined;
  header: string[];
  rows: number;
  /** 1-based line number of each data row (blank lines are skipped). */
  lines: number[];
}

function readTable(file: string): Table {
  const text = readText(file);
  if (text.trim() === "") throw new DataError(`${file}: empty file`);
  const { dfd, papa } = danfoModules();
  const parsed = papa.parse(text, { header: false, skipEmptyLines: false, dynamicTyping: false, delimiter: "," });
  const data = parsed.data;
  if (data.length === 0 || (data.length === 1 && data[0]!.length === 1 && data[0]![0] === "")) throw new DataError(`${file}: empty file`);
  const header = data[0]!.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new DataError(`${file}: row 1: column '${h}' appears twice in the header`);
    seen.add(h);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < data.length; r++) {
    const row = data[r]!;
    if (row.length === 1 && row[0] === "") continue; // blank line, typically the trailing newline
    if (row.length !== header.length) {
      throw new DataError(`${file}: row ${r + 1}: has ${row.length} fields, the header has ${header.length}`);
    }
    rows.push(row);
    lines.push(r + 1);
  }
  const frame = rows.length > 0 ? new dfd.DataFrame(rows, { columns: header, dtypes: header.map(() => "string") }) : undefined;
  return { file, frame, header, rows: rows.length, lines };
}

function columnName(t: Table, names: readonly string[], required = true): string | undefined {
  const found = names.find((n) => t.header.includes(n));
  if (!found && required) {
    const alt = names.length > 1 ? ` (or ${names.slice(1).map((n) => `'${n}'`).join(", ")})` : "";
    throw new DataError(`${t.file}: missing column '${names[0]}'${alt} (columns: ${t.header.join(", ")})`);
  }
  return found;
}

function columnValues(t: Table, name: string): string[] {
  return t.frame ? (t.frame.column(name).values as string[]) : [];
}

function badValue(t: Table, r: number, name: string, text: string | undefined, what: string): never {
  throw new DataError(`${t.file}: row ${t.lines[r]}: field '${name}': cannot parse ${JSON.stringify(text ?? "")} as ${what}`);
}

const NUMBER_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function parseNumber(t: Table, values: string[], r: number, name: string, integer: boolean): number {
  const text = values[r];
  const v = text !== undefined && NUMBER_RE.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v) || (integer && (!Number.isInteger(v) || !Number.isSafeInteger(v)))) {
    badValue(t, r, name, text, integer ? "an integer" : "a number");
  }
  return v;
}

const DATE_TIME_RE = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

function parseTimestamp(t: Table, values: string[], r: number, name: string): number {
  const text = (values[r] ?? "").trim();
  let seconds = NaN;
  if (/^\d{9,11}(\.\d+)?$/.test(text)) seconds = Number(text); // unix seconds
  else if (DATE_TIME_RE.test(text)) {
    const iso = text.replace(" ", "T");
    seconds = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`) / 1000;
  }
  if (!Number.isFinite(seconds)) badValue(t, r, name, text, "a UTC timestamp");
  return seconds;
}

/** Which of the two formats a file is, from its header. */
export function detectFormat(file: string): DataFormat {
  const header = headerOf(file);
  if (header.includes("closeTick")) return "minute";
  if (header.includes("current_tick") || header.includes("tick")) return "swaps";
  throw new DataError(`${file}: neither a minute-bar file (no 'closeTick' column) nor a per-swap file (no 'current_tick' column); columns: ${header.join(", ")}`);
}

export const MINUTE_FILE = (n: string) => n.includes("minute");
export const SWAP_FILE = (n: string) => n.includes("tick");

export function loadMinuteBars(spec: string | string[]): MinuteBars {
  const files = expandInputs(spec, MINUTE_FILE);
  const ts: number[] = [];
  const ticks: number[] = [];
  const traded: number[] = [];
  const fileIndex: number[] = [];
  const lineNo: number[] = [];
  files.forEach((file, fi) => {
    const t = readTable(file);
    const cTs = columnName(t, ["timestamp"])!;
    const cClose = columnName(t, ["closeTick"])!;
    const cIn0 = columnName(t, ["inAmount0"])!;
    const cIn1 = columnName(t, ["inAmount1"])!;
    const vTs = columnValues(t, cTs);
    const vClose = columnValues(t, cClose);
    const vIn0 = columnValues(t, cIn0);
    const vIn1 = columnValues(t, cIn1);
    for (let r = 0; r < t.rows; r++) {
      const time = parseTimestamp(t, vTs, r, cTs);
      if (time % 60 !== 0) throw new DataError(`${file}: row ${t.lines[r]}: field '${cTs}': ${vTs[r]} is not the start of a minute`);
      const prev = ts[ts.length - 1];
      if (prev !== undefined && time <= prev) {
        throw new DataError(`${file}: row ${t.lines[r]}: field '${cTs}': ${time === prev ? "duplicates" : "is earlier than"} the row before it`);
      }
      const tick = parseNumber(t, vClose, r, cClose, true);
      if (tick < -887272 || tick > 887272) throw new DataError(`${file}: row ${t.lines[r]}: field '${cClose}': ${tick} is outside the tick range`);
      const in0 = parseNumber(t, vIn0, r, cIn0, false);
      const in1 = parseNumber(t, vIn1, r, cIn1, false);
      if (in0 < 0 || in1 < 0) throw new DataError(`${file}: row ${t.lines[r]}: field '${in0 < 0 ? cIn0 : cIn1}': gross inflow is negative`);
      ts.push(time);
      ticks.push(tick);
      traded.push(in0 > 0 || in1 > 0 ? 1 : 0);
      fileIndex.push(fi);
      lineNo.push(t.lines[r]!);
    }
  });
  if (ts.length === 0) throw new DataError(`${files.join(", ")}: no data rows`);
  return {
    timestamps: Float64Array.from(ts),
    closeTick: Int32Array.from(ticks),
    traded: Uint8Array.from(traded),
    sources: files,
    fileIndex: Uint16Array.from(fileIndex),
    line: Uint32Array.from(lineNo),
  };
}

export function loadSwaps(spec: string | string[]): SwapEvents {
  const files = expandInputs(spec, SWAP_FILE);
  const out = { blockNumber: [] as number[], timestamps: [] as number[], logIndex: [] as number[], tick: [] as number[], fee: [] as number[] };
  const fileIndex: number[] = [];
  const lineNo: number[] = [];
  files.forEach((file, fi) => {
    const t = readTable(file);
    const cBlock = columnName(t, ["block_number", "blockNumber"])!;
    const cTs = columnName(t, ["block_timestamp", "timestamp", "blockTimestamp"])!;
    const cLog = columnName(t, ["pool_log_index", "log_index", "logIndex"])!;
    const cTick = columnName(t, ["current_tick", "tick"])!;
    const cType = columnName(t, ["tx_type"], false);
    const cFee = columnName(t, ["fee"], false);
    const vBlock = columnValues(t, cBlock);
    const vTs = columnValues(t, cTs);
    const vLog = columnValues(t, cLog);
    const vTick = columnValues(t, cTick);
    const vType = cType ? columnValues(t, cType) : undefined;
    const vFee = cFee ? columnValues(t, cFee) : undefined;
    for (let r = 0; r < t.rows; r++) {
      if (vType && vType[r] !== "SWAP") {
        if (!["MINT", "BURN", "COLLECT"].includes(vType[r]!)) badValue(t, r, cType!, vType[r], "an event type (SWAP, MINT, BURN, COLLECT)");
        continue;
      }
      const block = parseNumber(t, vBlock, r, cBlock, true);
      const log = parseNumber(t, vLog, r, cLog, true);
      const time = parseTimestamp(t, vTs, r, cTs);
      const n = out.blockNumber.length;
      if (n > 0) {
        const pb = out.blockNumber[n - 1]!;
        const pl = out.logIndex[n - 1]!;
        if (block < pb || (block === pb && log < pl)) throw new DataError(`${file}: row ${t.lines[r]}: field '${cBlock}': event is earlier than the one before it`);
        if (block === pb && log === pl) throw new DataError(`${file}: row ${t.lines[r]}: field '${cLog}': duplicates the row before it`);
        if (time < out.timestamps[n - 1]!) throw new DataError(`${file}: row ${t.lines[r]}: field '${cTs}': is earlier than the event before it`);
      }
      const tick = parseNumber(t, vTick, r, cTick, true);
      if (tick < -887272 || tick > 887272) throw new DataError(`${file}: row ${t.lines[r]}: field '${cTick}': ${tick} is outside the tick range`);
      out.blockNumber.push(block);
      out.timestamps.push(time);
      out.logIndex.push(log);
      out.tick.push(tick);
      out.fee.push(vFee ? parseNumber(t, vFee, r, cFee!, true) : -1);
      fileIndex.push(fi);
      lineNo.push(t.lines[r]!);
    }
  });
  if (out.tick.length === 0) throw new DataError(`${files.join(", ")}: no swap rows`);
  return {
    blockNumber: Float64Array.from(out.blockNumber),
    timestamps: Float64Array.from(out.timestamps),
    logIndex: Float64Array.from(out.logIndex),
    tick: Int32Array.from(out.tick),
    fee: Int32Array.from(out.fee),
    sources: files,
    fileIndex: Uint16Array.from(fileIndex),
    line: Uint32Array.from(lineNo),
  };
}

/** A contiguous stretch of data: events inside it are complete (after the documented repair). */
export interface Segment {
  /** Index range [start, end) into the loaded rows. */
  start: number;
  end: number;
  /** First and last covered second (for minute bars, the last minute's end). */
  fromTime: number;
  toTime: number;
}

export interface GapReport {
  /** Rows (minutes) forward-filled as untraded minutes. */
  filled: number;
  /** Where the fills happened: "n min before file:line". */
  fills: string[];
  segments: Segment[];
  /** Where the series was split: "file:line (gap)". */
  breaks: string[];
}

function where(sources: string[], fileIndex: Uint16Array | undefined, line: Uint32Array | undefined, i: number): string {
  if (!fileIndex || !line) return `row ${i}`;
  return `${path.basename(sources[fileIndex[i]!]!)}:${line[i]}`;
}

function duration(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/**
 * Gaps in minute bars: up to `maxFill` consecutive missing minutes are forward-filled (counted;
 * for the oracle a filled minute is an untraded one and adds no observation), longer holes split
 * the series into segments.
 */
export function minuteSegments(bars: MinuteBars, maxFill = 5): GapReport {
  const n = bars.timestamps.length;
  const report: GapReport = { filled: 0, fills: [], segments: [], breaks: [] };
  let start = 0;
  for (let i = 1; i <= n; i++) {
    const missing = i < n ? (bars.timestamps[i]! - bars.timestamps[i - 1]!) / 60 - 1 : Infinity;
    if (missing > maxFill) {
      report.segments.push({ start, end: i, fromTime: bars.timestamps[start]!, toTime: bars.timestamps[i - 1]! + 60 });
      if (i < n) report.breaks.push(`${where(bars.sources, bars.fileIndex, bars.line, i)} (${duration(missing * 60)} missing)`);
      start = i;
    } else if (missing > 0) {
      report.filled += missing;
      report.fills.push(`${missing} min before ${where(bars.sources, bars.fileIndex, bars.line, i)}`);
    }
  }
  return report;
}

/** Per-swap rows: a silence longer than `maxGapSeconds` is missing data and splits the series. */
export function swapSegments(swaps: SwapEvents, maxGapSeconds = 6 * 3600): GapReport {
  const n = swaps.timestamps.length;
  const report: GapReport = { filled: 0, fills: [], segments: [], breaks: [] };
  let start = 0;
  for (let i = 1; i <= n; i++) {
    const gap = i < n ? swaps.timestamps[i]! - swaps.timestamps[i - 1]! : Infinity;
    if (gap > maxGapSeconds) {
      report.segments.push({ start, end: i, fromTime: swaps.timestamps[start]!, toTime: swaps.timestamps[i - 1]! + 1 });
      if (i < n) report.breaks.push(`${where(swaps.sources, swaps.fileIndex, swaps.line, i)} (${duration(gap)} without swaps)`);
      start = i;
    }
  }
  return report;
}

/**
 * Minute bars with the short holes forward-filled (zero flows, the previous close): for
 * consumers that want a regular one-minute grid. The oracle features do not need it.
 */
export function forwardFillMinutes(bars: MinuteBars, maxFill = 5): { bars: MinuteBars; filled: number } {
  const n = bars.timestamps.length;
  let filled = 0;
  for (let i = 1; i < n; i++) {
    const missing = (bars.timestamps[i]! - bars.timestamps[i - 1]!) / 60 - 1;
    if (missing > 0 && missing <= maxFill) filled += missing;
  }
  const m = n + filled;
  const out: MinuteBars = { timestamps: new Float64Array(m), closeTick: new Int32Array(m), traded: new Uint8Array(m), sources: bars.sources };
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const missing = (bars.timestamps[i]! - bars.timestamps[i - 1]!) / 60 - 1;
      if (missing > 0 && missing <= maxFill) {
        for (let j = 1; j <= missing; j++) {
          out.timestamps[k] = bars.timestamps[i - 1]! + 60 * j;
          out.closeTick[k] = bars.closeTick[i - 1]!;
          out.traded[k] = 0;
          k++;
        }
      }
    }
    out.timestamps[k] = bars.timestamps[i]!;
    out.closeTick[k] = bars.closeTick[i]!;
    out.traded[k] = bars.traded[i]!;
    k++;
  }
  return { bars: out, filled };
}
