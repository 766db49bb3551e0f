// From files to a supervised dataset: one row per completed as-of period A with the hook's
// features as of A and the realized variance over A+1..A+H, plus the per-period squared returns
// the baselines run on. Everything is split into contiguous segments first (see data.ts), and no
// feature window, target or baseline recursion crosses a segment break.
import path from "node:path";
import { buildObservations, N_FEATURES, type Observations } from "../model/index.ts";
import {
  DataError, detectFormat, expandInputs, loadMinuteBars, loadSwaps, minuteSegments, swapSegments,
  MINUTE_FILE, SWAP_FILE, type DataFormat, type GapReport, type MinuteBars, type SwapEvents,
} from "../history/index.ts";
import { featureMatrix, HAR_WINDOWS, observationsFromMinuteBars, observationsFromSwaps, squaredReturns } from "./features.ts";

/**
 * Periods of history every row has behind it: the longest HAR window, so every forecast (the
 * model's and the baselines') is judged on the same rows.
 */
export const MAX_WINDOW = HAR_WINDOWS[HAR_WINDOWS.length - 1]!;

export interface SeriesSegment {
  /** Periods covered completely by the data: firstPeriod..lastPeriod. */
  firstPeriod: number;
  lastPeriod: number;
  obs: Observations;
  /** Squared tick change of each period firstPeriod..lastPeriod (0 where it did not trade). */
  r2: Float64Array;
}

export interface Series {
  format: DataFormat;
  sources: string[];
  period: number;
  rows: number;
  gaps: GapReport;
  segments: SeriesSegment[];
}

export interface LoadOptions {
  format?: DataFormat | "auto";
  period?: number;
  /** Keep rows with from <= time < to (unix seconds). */
  from?: number;
  to?: number;
  /** Minute bars: forward-fill holes up to this many minutes (default 5); longer holes split. */
  maxFill?: number;
  /** Per-swap rows: a silence longer than this many seconds splits the series (default 6 h). */
  maxGapSeconds?: number;
}

/** Resolves the format of a data spec: every file must be the same format. */
export function resolveFormat(spec: string | string[], format: DataFormat | "auto" = "auto"): { format: DataFormat; files: string[] } {
  if (format !== "auto") return { format, files: expandInputs(spec, format === "minute" ? MINUTE_FILE : SWAP_FILE, format === "minute" ? "minute-bar (*minute*.csv)" : "per-swap (*tick*.csv)") };
  const files = expandInputs(spec, () => true);
  const kinds = new Map<DataFormat, string[]>();
  const skipped: string[] = [];
  for (const f of files) {
    let kind: DataFormat;
    try {
      kind = detectFormat(f);
    } catch (e) {
      // In a folder, files of neither format (prices, licences as csv) are skipped, not errors; a file
      // named as a data file (".minute", ".tick") that is not one is an error, not a day silently lost.
      if (files.length > 1 && !MINUTE_FILE(path.basename(f)) && !SWAP_FILE(path.basename(f))) {
        skipped.push(f);
        continue;
      }
      throw e;
    }
    kinds.set(kind, [...(kinds.get(kind) ?? []), f]);
  }
  if (kinds.size === 0) throw new DataError(`${[spec].flat().join(",")}: no minute-bar or per-swap files found (skipped: ${skipped.join(", ")})`);
  if (kinds.size > 1) {
    throw new DataError(`${[spec].flat().join(",")}: mixes minute-bar files (${kinds.get("minute")![0]}, ...) and per-swap files (${kinds.get("swaps")![0]}, ...); pass --format minute or --format swaps`);
  }
  const [[kind, list]] = [...kinds.entries()] as [[DataFormat, string[]]];
  return { format: kind, files: list };
}

function lowerBound(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sliceBars(b: MinuteBars, s: number, e: number): MinuteBars {
  return {
    timestamps: b.timestamps.subarray(s, e), closeTick: b.closeTick.subarray(s, e), traded: b.traded.subarray(s, e), sources: b.sources,
    fileIndex: b.fileIndex?.subarray(s, e), line: b.line?.subarray(s, e),
  };
}

function sliceSwaps(w: SwapEvents, s: number, e: number): SwapEvents {
  return {
    blockNumber: w.blockNumber.subarray(s, e), timestamps: w.timestamps.subarray(s, e), logIndex: w.logIndex.subarray(s, e), tick: w.tick.subarray(s, e),
    fee: w.fee.subarray(s, e), sources: w.sources, fileIndex: w.fileIndex?.subarray(s, e), line: w.line?.subarray(s, e),
  };
}

/** Loads either format and cuts it into contiguous segments of oracle observations. */
export function loadSeries(spec: string | string[], options: LoadOptions = {}): Series {
  const period = options.period ?? 60;
  const { format, files } = resolveFormat(spec, options.format ?? "auto");
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const segments: SeriesSegment[] = [];
  let gaps: GapReport;
  let rows: number;
  let usedFiles: string[];
  if (format === "minute") {
    if (period % 60 !== 0) throw new DataError(`minute bars resolve periods that are whole minutes; got period ${period}`);
    let bars = loadMinuteBars(files);
    const span = spanOf(bars.timestamps);
    bars = sliceBars(bars, lowerBound(bars.timestamps, from), lowerBound(bars.timestamps, to));
    rows = bars.timestamps.length;
    if (rows === 0) throw new DataError(`${[spec].flat().join(",")}: no rows between the --from and --to dates (the data covers ${span})`);
    usedFiles = filesWithRows(bars.sources, bars.fileIndex);
    gaps = minuteSegments(bars, options.maxFill ?? 5);
    for (const s of gaps.segments) {
      const obs = observationsFromMinuteBars(bars, period, s.start, s.end);
      segments.push(segmentOf(obs, Math.ceil(s.fromTime / period), Math.floor(s.toTime / period) - 1));
    }
  } else {
    let swaps = loadSwaps(files);
    const span = spanOf(swaps.timestamps);
    swaps = sliceSwaps(swaps, lowerBound(swaps.timestamps, from), lowerBound(swaps.timestamps, to));
    rows = swaps.timestamps.length;
    if (rows === 0) throw new DataError(`${[spec].flat().join(",")}: no swaps between the --from and --to dates (the data covers ${span})`);
    usedFiles = filesWithRows(swaps.sources, swaps.fileIndex);
    gaps = swapSegments(swaps, options.maxGapSeconds ?? 6 * 3600);
    for (const s of gaps.segments) {
      const obs = observationsFromSwaps(swaps, period, s.start, s.end);
      // A swap file covers whole periods from its first swap's period to its last swap's period.
      segments.push(segmentOf(obs, Math.floor(s.fromTime / period), Math.floor((s.toTime - 1) / period)));
    }
  }
  return { format, sources: usedFiles, period, rows, gaps, segments };
}

/** "FROM .. TO UTC" of a time column (unix seconds), to the minute. */
function spanOf(ts: Float64Array): string {
  const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 16);
  return ts.length === 0 ? "no rows" : `${iso(ts[0]!)} .. ${iso(ts[ts.length - 1]!)} UTC`;
}

/** The files that hold rows inside the range, in their order (all of them where rows carry no file). */
function filesWithRows(files: string[], fileIndex: Uint16Array | undefined): string[] {
  if (!fileIndex) return files;
  const used = new Set(fileIndex);
  return files.filter((_, i) => used.has(i));
}

/**
 * The same real prices seen by a thinly traded pool: each period close kept with probability `keep`
 * (`rand`: a seeded uniform draw; a segment's first close always), the others dropped as if nothing
 * had traded then (training/thin.ts does the same to minute-bar files).
 */
export function thinnedSeries(series: Series, keep: number, rand: () => number): Series {
  const segments = series.segments.map((s) => {
    const closes: { period: number; tick: number }[] = [];
    for (let i = 0; i < s.obs.periods.length; i++) if (i === 0 || rand() < keep) closes.push({ period: s.obs.periods[i]!, tick: s.obs.ticks[i]! });
    return segmentOf(buildObservations(closes), s.firstPeriod, s.lastPeriod);
  });
  return { ...series, segments };
}

function segmentOf(obs: Observations, firstPeriod: number, lastPeriod: number): SeriesSegment {
  return { firstPeriod, lastPeriod, obs, r2: squaredReturns(obs, firstPeriod, lastPeriod) };
}

export interface Dataset {
  series: Series;
  period: number;
  horizon: number;
  n: number;
  asOf: Float64Array;
  /** Segment of each row and its index on that segment's period grid (A - firstPeriod). */
  segment: Uint16Array;
  gridIndex: Int32Array;
  /** N_FEATURES raw features per row (SPEC §2), exact integers. */
  raw: Float64Array;
  /** The same as reals, ticks^2 per period (raw / 2^18): what the level sum reads. */
  levels: Float64Array;
  /** N_FEATURES log inputs per row as reals (SPEC §3): what the correction reads. */
  inputs: Float32Array;
  /** Realized variance over the HAR windows ending at each row's as-of period (4 per row). */
  windows: Float64Array;
  /** Realized variance over the next `horizon` periods, ticks^2. */
  target: Float64Array;
}

/**
 * Rows for every as-of period A with a full 240-period window behind it and a full target window
 * ahead of it, inside one segment: firstPeriod + 240 <= A <= lastPeriod - horizon.
 */
export function buildDataset(series: Series, horizon: number): Dataset {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  const parts = series.segments.map((s, i) => ({ s, i, first: s.firstPeriod + MAX_WINDOW, last: s.lastPeriod - horizon })).filter((p) => p.last >= p.first);
  const n = parts.reduce((acc, p) => acc + (p.last - p.first + 1), 0);
  const ds: Dataset = {
    series, period: series.period, horizon, n,
    asOf: new Float64Array(n), segment: new Uint16Array(n), gridIndex: new Int32Array(n),
    raw: new Float64Array(n * N_FEATURES), levels: new Float64Array(n * N_FEATURES), inputs: new Float32Array(n * N_FEATURES),
    windows: new Float64Array(n * HAR_WINDOWS.length), target: new Float64Array(n),
  };
  let o = 0;
  for (const p of parts) {
    const fm = featureMatrix(p.s.obs, p.first, p.last, horizon);
    const m = fm.asOf.length;
    ds.asOf.set(fm.asOf, o);
    ds.raw.set(fm.raw, o * N_FEATURES);
    ds.levels.set(fm.levels, o * N_FEATURES);
    ds.inputs.set(fm.inputs, o * N_FEATURES);
    ds.windows.set(fm.windows, o * HAR_WINDOWS.length);
    ds.target.set(fm.target!, o);
    for (let r = 0; r < m; r++) {
      ds.segment[o + r] = p.i;
      ds.gridIndex[o + r] = fm.asOf[r]! - p.s.firstPeriod;
    }
    o += m;
  }
  return ds;
}

export interface Split {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
  /** Rows dropped at the end of train and validation so no target window reaches the next part. */
  purged: number;
}

function range(a: number, b: number): Int32Array {
  const out = new Int32Array(Math.max(0, b - a));
  for (let i = 0; i < out.length; i++) out[i] = a + i;
  return out;
}

/**
 * Walk-forward split by time (rows are in time order): the first `fractions[0]` of the rows train,
 * the next `fractions[1]` validate, the rest test. The last `horizon` rows of train and of
 * validation are purged: their targets would overlap the next part.
 */
export function walkForwardSplit(ds: Dataset, fractions: readonly [number, number] = [0.6, 0.2]): Split {
  const [ft, fv] = fractions;
  if (!(ft > 0 && fv >= 0 && ft + fv < 1)) throw new RangeError(`split fractions must be positive and sum below 1, got ${ft},${fv}`);
  const n = ds.n;
  const trainEnd = Math.floor(n * ft);
  const valEnd = Math.floor(n * (ft + fv));
  const purge = ds.horizon;
  const split = { train: range(0, trainEnd - purge), validation: range(trainEnd, valEnd - purge), test: range(valEnd, n), purged: 2 * purge };
  if (split.train.length < 100) throw new DataError(`only ${split.train.length} training rows after the split: give more data`);
  if (split.test.length < 10) throw new DataError(`only ${split.test.length} test rows after the split: give more data`);
  return split;
}

export function isoPeriod(period: number, periodSeconds: number): string {
  return new Date(period * periodSeconds * 1000).toISOString();
}

export function describeRows(ds: Dataset, rows: Int32Array): { from: string; to: string; n: number } {
  if (rows.length === 0) return { from: "", to: "", n: 0 };
  return { from: isoPeriod(ds.asOf[rows[0]!]!, ds.period), to: isoPeriod(ds.asOf[rows[rows.length - 1]!]!, ds.period), n: rows.length };
}

/**
 * One dataset holding the rows of `a` then the rows of `b` (segments renumbered), and the row
 * indices of each part in it. Used to add extra training rows (other days of the pool that precede
 * the test period) to a fit without changing the walk-forward split of the main series.
 */
export function concatDatasets(a: Dataset, b: Dataset): { ds: Dataset; offset: number } {
  if (a.period !== b.period || a.horizon !== b.horizon) throw new RangeError(`cannot join datasets with period/horizon ${a.period}/${a.horizon} and ${b.period}/${b.horizon}`);
  const cat = <T extends Float64Array | Float32Array | Int32Array | Uint16Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(x.length + y.length);
    out.set(x, 0);
    out.set(y, x.length);
    return out;
  };
  const segOffset = a.series.segments.length;
  const segB = Uint16Array.from(b.segment, (s) => s + segOffset);
  return {
    offset: a.n,
    ds: {
      series: { ...a.series, sources: [...a.series.sources, ...b.series.sources], rows: a.series.rows + b.series.rows, segments: [...a.series.segments, ...b.series.segments] },
      period: a.period,
      horizon: a.horizon,
      n: a.n + b.n,
      asOf: cat(a.asOf, b.asOf, (n) => new Float64Array(n)),
      segment: cat(a.segment, segB, (n) => new Uint16Array(n)),
      gridIndex: cat(a.gridIndex, b.gridIndex, (n) => new Int32Array(n)),
      raw: cat(a.raw, b.raw, (n) => new Float64Array(n)),
      levels: cat(a.levels, b.levels, (n) => new Float64Array(n)),
      inputs: cat(a.inputs, b.inputs, (n) => new Float32Array(n)),
      windows: cat(a.windows, b.windows, (n) => new Float64Array(n)),
      target: cat(a.target, b.target, (n) => new Float64Array(n)),
    },
  };
}

/**
 * The rows of train + validation as one block, for the refit after the hyper-parameters are
 * chosen: every row before the test part whose target window ends before it (the purge between
 * train and validation is no longer a boundary; the one before the test part stays).
 */
export function trainValidationRows(split: Split): Int32Array {
  const last = split.validation.length > 0 ? split.validation[split.validation.length - 1]! : split.train[split.train.length - 1]!;
  return range(0, last + 1);
}

/** A split whose training part is train + validation (no validation part left), test unchanged. */
export function refitSplit(split: Split): Split {
  return { train: trainValidationRows(split), validation: new Int32Array(0), test: split.test, purged: split.purged };
}
