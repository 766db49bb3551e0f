// Gaps in a history, and what "repair" means (training/README.md, "Gaps"):
// - A minute missing from a bar file is repaired by forward-filling it as a minute without swaps
//   (zero flows, close = previous close), up to `maxFill` consecutive minutes, with a count. For
//   the oracle this repair changes nothing: a minute without swaps appends no observation, so the
//   features, the target and the per-period returns the baselines use are the same with or
//   without the filled rows. Longer holes are not filled: they split the series into segments,
//   and no feature window, target or baseline recursion spans a segment break.
// - Per-swap rows have no notion of a missing minute (a quiet minute has no row); a silence
//   longer than `maxGapSeconds` between consecutive swaps is treated as missing data and splits
//   the series into segments.
// The replay's own segmentation (a gap between files or bars restarts its book) is in
// backtest/replay.ts.
import path from "node:path";
import type { MinuteBars } from "./bars.ts";
import type { SwapEvents } from "./swaps.ts";

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
