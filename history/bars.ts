// Minute bars (demeter `*.minute.csv[.gz]`): per minute, the close tick, the gross raw inflows of
// each token (fee included) and, for the replay, the open tick, net flows and the active liquidity
// at the minute's end. Timestamps are minute starts, strictly increasing (also across files).
//
// One reader, two views of the same rows:
// - `loadMinuteBarsFull` (the replay): every column; refuses zero liquidity in a minute whose
//   price moved; counts the missing minutes between rows.
// - `loadMinuteBars` (the oracle's features): time, close and whether the minute traded.
import { MAX_TICK, MIN_TICK } from "../backtest/v4math.ts";
import { DataError, RowReader, column, expandInputs, readTable } from "./table.ts";
import { samePool } from "./pair.ts";

/** Every column of the bars: what the replay needs. */
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

/** Time, close and traded flag of each minute: what the oracle's features need (training). */
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

/** Folder filter for minute-bar files. */
export const MINUTE_FILE = (n: string) => n.includes("minute");
const MINUTE_FILES = "minute-bar (*minute*.csv[.gz])";

interface Columns {
  time: number[];
  close: number[];
  in0: number[];
  in1: number[];
  fileIndex: number[];
  line: number[];
  open: number[];
  net0: number[];
  net1: number[];
  liq: number[];
}

function readBarRows(spec: string | string[], replay: boolean): { files: string[]; out: Columns; missing: number } {
  const files = expandInputs(spec, MINUTE_FILE, MINUTE_FILES);
  samePool(files);
  const out: Columns = { time: [], close: [], in0: [], in1: [], fileIndex: [], line: [], open: [], net0: [], net1: [], liq: [] };
  let missing = 0;
  files.forEach((file, fi) => {
    const t = readTable(file);
    const r = new RowReader(t);
    const cTs = column(t, ["timestamp"]);
    const cClose = column(t, ["closeTick"]);
    const cIn0 = column(t, ["inAmount0"]);
    const cIn1 = column(t, ["inAmount1"]);
    const cOpen = replay ? column(t, ["openTick"]) : -1;
    const cNet0 = replay ? column(t, ["netAmount0"]) : -1;
    const cNet1 = replay ? column(t, ["netAmount1"]) : -1;
    const cLiq = replay ? column(t, ["currentLiquidity"]) : -1;
    for (let i = 0; i < t.lines.length; i++) {
      r.load(i);
      const time = r.time(cTs);
      if (time % 60 !== 0) r.fail(cTs, `${r.text(cTs)} is not the start of a minute`);
      const prev = out.time[out.time.length - 1];
      if (prev !== undefined) {
        if (time === prev) r.fail(cTs, "duplicates the row before it");
        if (time < prev) r.fail(cTs, "is earlier than the row before it; rows must be in time order");
        missing += (time - prev) / 60 - 1;
      }
      const close = r.int(cClose);
      if (close < MIN_TICK || close > MAX_TICK) r.fail(cClose, `${close} is outside the tick range [${MIN_TICK}, ${MAX_TICK}]`);
      const in0 = r.number(cIn0);
      const in1 = r.number(cIn1);
      if (in0 < 0) r.fail(cIn0, `negative gross inflow ${in0}`);
      if (in1 < 0) r.fail(cIn1, `negative gross inflow ${in1}`);
      if (replay) {
        const open = r.int(cOpen);
        if (open < MIN_TICK || open > MAX_TICK) r.fail(cOpen, `${open} is outside the tick range [${MIN_TICK}, ${MAX_TICK}]`);
        const liq = r.number(cLiq);
        if (liq < 0) r.fail(cLiq, `negative (${liq})`);
        if ((in0 > 0 || in1 > 0) && liq === 0 && close !== open) r.fail(cLiq, "zero active liquidity in a minute whose price moved");
        out.open.push(open);
        out.liq.push(liq);
        out.net0.push(r.number(cNet0));
        out.net1.push(r.number(cNet1));
      }
      out.time.push(time);
      out.close.push(close);
      out.in0.push(in0);
      out.in1.push(in1);
      out.fileIndex.push(fi);
      out.line.push(r.row);
    }
  });
  if (out.time.length === 0) throw new DataError(`${files.join(", ")}: no data rows`);
  return { files, out, missing };
}

/** Every column of the bars: the replay's input. */
export function loadMinuteBarsFull(spec: string | string[]): MinuteBarsFull {
  const { files, out, missing } = readBarRows(spec, true);
  return {
    n: out.time.length,
    time: Float64Array.from(out.time),
    closeTick: Int32Array.from(out.close),
    openTick: Int32Array.from(out.open),
    in0: Float64Array.from(out.in0),
    in1: Float64Array.from(out.in1),
    net0: Float64Array.from(out.net0),
    net1: Float64Array.from(out.net1),
    liquidity: Float64Array.from(out.liq),
    files,
    skipped: {},
    missingMinutes: missing,
  };
}

/** Time, close and traded flag of each minute: the oracle's input. */
export function loadMinuteBars(spec: string | string[]): MinuteBars {
  const { files, out } = readBarRows(spec, false);
  return {
    timestamps: Float64Array.from(out.time),
    closeTick: Int32Array.from(out.close),
    traded: Uint8Array.from(out.in0, (a, i) => (a > 0 || out.in1[i]! > 0 ? 1 : 0)),
    sources: files,
    fileIndex: Uint16Array.from(out.fileIndex),
    line: Uint32Array.from(out.line),
  };
}
