// Loading both input formats (file, list, folder; csv and csv.gz), every bad-input case, the
// documented gap repair, feature parity with model/ and the absence of look-ahead.
import { describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { emptyOracleState, featuresAsOf, recordClose, floatInputs, modelInputs, buildObservations, periodCloses, N_FEATURES, FEATURE_MAX, type Observations } from "../model/index.ts";
import { loadMinuteBars, loadPoolEvents, loadSwaps, minuteSegments, swapSegments, forwardFillMinutes, DataError } from "../history/index.ts";
import { featureMatrix, fastLog2Number, futureVariance, observationsFromMinuteBars, observationsFromSwaps, squaredReturns } from "../training/features.ts";
import { buildDataset, loadSeries, resolveFormat, thinnedSeries, walkForwardSplit, MAX_WINDOW } from "../training/dataset.ts";
import { mulberry32 } from "../training/fit.ts";
import { fastLog2Fixed } from "../model/index.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "provenfee-training-"));
const write = (name: string, lines: string[], gz = false) => {
  const p = path.join(tmp, name);
  const text = `${lines.join("\n")}\n`;
  writeFileSync(p, gz ? gzipSync(text) : text);
  return p;
};
const MIN_HEADER = "timestamp,netAmount0,netAmount1,closeTick,openTick,lowestTick,highestTick,inAmount0,inAmount1,currentLiquidity";
const bar = (ts: string, tick: number | string = 100, in0: number | string = 5) => `${ts},1,1,${tick},100,100,100,${in0},0,1000`;
const SWAP_HEADER = "block_number,block_timestamp,tx_type,transaction_hash,pool_tx_index,pool_log_index,proxy_log_index,sender,receipt,amount0,amount1,total_liquidity,total_liquidity_delta,sqrtPriceX96,current_tick,position_id,tick_lower,tick_upper,liquidity";
const swap = (block: number, ts: string, log: number, tick: number | string, type = "SWAP") => `${block},${ts},${type},0xab,1,${log},,0x1,0x2,-5,7,100,0,79228162514264337593543950336,${tick},,,,`;
const minutes = (start: string, n: number, tick = (i: number) => 100 + (i % 7)) =>
  Array.from({ length: n }, (_, i) => bar(new Date(Date.parse(`${start}Z`) + i * 60_000).toISOString().slice(0, 19).replace("T", " "), tick(i)));

describe("loading minute bars and per-swap rows", () => {
  it("reads a file, a .csv.gz, a comma-separated list and a folder to the same numbers", () => {
    const dir = path.join(tmp, "folder");
    mkdirSync(dir);
    const a = minutes("2022-01-01T00:00:00", 3);
    const b = minutes("2022-01-01T00:03:00", 2);
    writeFileSync(path.join(dir, "x-1.minute.csv"), `${[MIN_HEADER, ...a].join("\n")}\n`);
    writeFileSync(path.join(dir, "x-2.minute.csv.gz"), gzipSync(`${[MIN_HEADER, ...b].join("\n")}\n`));
    writeFileSync(path.join(dir, "notes.txt"), "ignored");
    const fromFolder = loadMinuteBars(dir);
    const fromList = loadMinuteBars(`${path.join(dir, "x-1.minute.csv")},${path.join(dir, "x-2.minute.csv.gz")}`);
    expect(fromFolder.timestamps.length).toBe(5);
    expect([...fromFolder.closeTick]).toEqual([100, 101, 102, 100, 101]);
    expect([...fromList.timestamps]).toEqual([...fromFolder.timestamps]);
    expect(fromFolder.timestamps[0]).toBe(Date.parse("2022-01-01T00:00:00Z") / 1000);
  });

  it("reads the real shipped per-swap files, both column spellings (pool_log_index and log_index)", () => {
    const a = loadSwaps("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz");
    const b = loadSwaps("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.pool.tick.csv.gz");
    expect(a.tick.length).toBe(6046);
    expect([...b.tick]).toEqual([...a.tick]);
    expect([...b.timestamps]).toEqual([...a.timestamps]);
    const c = loadSwaps("data/swaps-usdc-weth/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz");
    expect(c.tick.length).toBe(267);
  });

  it("skips MINT/BURN/COLLECT rows and reads unix-second timestamps", () => {
    const p = write("events.tick.csv", [SWAP_HEADER, swap(1, "1700000000", 0, 10), swap(1, "1700000000", 1, 11, "MINT"), swap(2, "1700000012", 0, "12.0")]);
    const s = loadSwaps(p);
    expect([...s.tick]).toEqual([10, 12]);
    expect([...s.timestamps]).toEqual([1700000000, 1700000012]);
  });

  it("reads the timestamp spellings of exports: ISO with Z or an offset, and BigQuery's trailing UTC", () => {
    const p = write("spellings.tick.csv", [
      SWAP_HEADER,
      swap(1, "2023-11-10 00:00:11 UTC", 0, 10),
      swap(2, "2023-11-10 00:00:23.000 UTC", 0, 11),
      swap(3, "2023-11-10T00:00:35Z", 0, 12),
      swap(4, "2023-11-10T01:00:47+01:00", 0, 13),
    ]);
    const s = loadSwaps(p);
    const t0 = Date.parse("2023-11-10T00:00:11Z") / 1000;
    expect([...s.timestamps]).toEqual([t0, t0 + 12, t0 + 24, t0 + 36]);
  });

  it("reads v4-style and Dune-style (evt_*) column names to the same swaps", () => {
    const v4 = write("v4.tick.csv", ["blockNumber,timestamp,logIndex,tick", "1,1700000000,0,10", "2,1700000012,3,12"]);
    const dune = write("dune.tick.csv", [
      "contract_address,evt_tx_hash,evt_index,evt_block_time,evt_block_number,sender,recipient,amount0,amount1,sqrtPriceX96,liquidity,tick",
      "0x88e6,0xab,0,2023-11-14 22:13:20.000 UTC,1,0x1,0x2,-5,7,79228162514264337593543950336,100,10",
      "0x88e6,0xcd,3,2023-11-14 22:13:32.000 UTC,2,0x1,0x2,-5,7,79228162514264337593543950336,100,12",
    ]);
    for (const s of [loadSwaps(v4), loadSwaps(dune)]) {
      expect([...s.tick]).toEqual([10, 12]);
      expect([...s.timestamps]).toEqual([1700000000, 1700000012]);
    }
  });

  it("replays a Dune Swap-event export (evt_* names, `liquidity` = the pool's) as the same events as demeter-fetch's rows", () => {
    // The first 300 Swap rows of a real day, written both ways.
    const lines = gunzipSync(readFileSync("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz")).toString("utf8").split("\n");
    const header = lines[0]!.split(",");
    const col = (name: string) => header.indexOf(name);
    const rows = lines.slice(1).filter((l) => l.split(",")[col("tx_type")] === "SWAP").slice(0, 300);
    const demeter = write("demeter-swaps.tick.csv", [lines[0]!, ...rows]);
    const dune = write("dune-swaps.tick.csv", [
      "contract_address,evt_tx_hash,evt_index,evt_block_time,evt_block_number,sender,recipient,amount0,amount1,sqrtPriceX96,liquidity,tick",
      ...rows.map((l) => {
        const c = l.split(",");
        const at = (name: string) => c[col(name)]!;
        return ["0x88e6", at("transaction_hash"), at("pool_log_index"), `${at("block_timestamp")}.000 UTC`, at("block_number"), at("sender"), at("receipt"), at("amount0"), at("amount1"), at("sqrtPriceX96"), at("total_liquidity"), at("current_tick")].join(",");
      }),
    ]);
    const a = loadPoolEvents(demeter);
    const b = loadPoolEvents(dune);
    expect(b.n).toBe(300);
    for (const k of ["kind", "time", "block", "logIndex", "tick", "amount0", "amount1", "sqrtPriceX96", "liquidity"] as const) expect([...b[k]]).toEqual([...a[k]]);
  });

  it("thinnedSeries keeps a seeded share of the period closes, each segment's first always, and the targets follow", () => {
    const series = loadSeries("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz");
    const closes = (x: typeof series) => x.segments.reduce((n, s) => n + s.obs.periods.length, 0);
    expect(closes(thinnedSeries(series, 1, mulberry32(1)))).toBe(closes(series));
    expect(closes(thinnedSeries(series, 0, mulberry32(1)))).toBe(series.segments.length);
    const a = thinnedSeries(series, 0.2, mulberry32(7));
    const b = thinnedSeries(series, 0.2, mulberry32(7));
    expect([...a.segments[0]!.obs.periods]).toEqual([...b.segments[0]!.obs.periods]);
    expect(closes(a) / closes(series)).toBeGreaterThan(0.15);
    expect(closes(a) / closes(series)).toBeLessThan(0.25);
    // every kept close is a real one, at its real tick
    const real = new Map(Array.from(series.segments[0]!.obs.periods, (p, i) => [p, series.segments[0]!.obs.ticks[i]!]));
    a.segments[0]!.obs.periods.forEach((p, i) => expect(a.segments[0]!.obs.ticks[i]).toBe(real.get(p)));
    // the realized variances are the thinned path's: fewer, larger moves, on the same period grid
    expect(a.segments[0]!.r2.length).toBe(series.segments[0]!.r2.length);
  });

  it("detects the format from the header and refuses a folder that mixes both", () => {
    expect(resolveFormat("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2021-12-22.tick.csv.gz").format).toBe("swaps");
    expect(resolveFormat("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2021-12-22.minute.csv.gz").format).toBe("minute");
    expect(() => resolveFormat("data/swaps-usdc-weth")).toThrow(/mixes minute-bar files .* and per-swap files .*; pass --format/);
    expect(resolveFormat("data/swaps-usdc-weth", "minute").files.every((f) => f.includes(".minute."))).toBe(true);
  });

  it("in a folder, skips files of neither format but refuses a day file that is not one (a day never lost silently)", () => {
    // The real minute folder holds a price file (skipped); a day whose closeTick column is gone is not.
    const folder = mkdtempSync(path.join(tmpdir(), "training-format-"));
    const days = ["2022-07-19", "2022-07-20"].map((d) => `polygon-0x45dd-${d}.minute.csv`);
    for (const d of days) writeFileSync(path.join(folder, d), gunzipSync(readFileSync(`data/polygon-usdc-weth-005-minute/${d}.gz`)));
    writeFileSync(path.join(folder, "prices.csv"), "time,price\n1,2\n");
    expect(resolveFormat(folder).files.map((f) => path.basename(f))).toEqual(days);
    const text = readFileSync(path.join(folder, days[1]!), "utf8").replace("closeTick", "close_tick");
    writeFileSync(path.join(folder, days[1]!), text);
    expect(() => resolveFormat(folder)).toThrow(new RegExp(`${days[1]!.replace(/[.]/g, "\\.")}: neither a minute-bar file \\(no 'closeTick' column\\)`));
  });

  it("a range keeps only the files that hold its rows as the series' sources (what a model says it was trained on)", () => {
    const s = loadSeries("data/polygon-usdc-weth-005-minute", { from: Date.parse("2022-07-20T00:00:00Z") / 1000, to: Date.parse("2022-07-22T00:00:00Z") / 1000 });
    expect(s.sources.map((f) => path.basename(f))).toEqual(["polygon-0x45dd-2022-07-20.minute.csv.gz", "polygon-0x45dd-2022-07-21.minute.csv.gz"]);
  });
});

describe("bad input: one line naming file, row and field", () => {
  const cases: [string, () => unknown, RegExp][] = [
    ["missing column (minute)", () => loadMinuteBars(write("m1.minute.csv", ["timestamp,closeTick,inAmount0", "2022-01-01 00:00:00,1,1"])), /m1\.minute\.csv: missing column 'inAmount1'/],
    ["missing column (swaps)", () => loadSwaps(write("s1.tick.csv", ["block_number,block_timestamp,pool_log_index", "1,1700000000,0"])), /s1\.tick\.csv: missing column 'current_tick' \(or 'tick'\)/],
    ["unparsable tick", () => loadMinuteBars(write("m2.minute.csv", [MIN_HEADER, bar("2022-01-01 00:00:00"), bar("2022-01-01 00:01:00", "12x")])), /m2\.minute\.csv: row 3: field 'closeTick': cannot parse "12x" as an integer/],
    ["unparsable amount", () => loadMinuteBars(write("m3.minute.csv", [MIN_HEADER, bar("2022-01-01 00:00:00", 1, "lots")])), /m3\.minute\.csv: row 2: field 'inAmount0': cannot parse "lots" as a number/],
    ["empty field", () => loadSwaps(write("s2.tick.csv", [SWAP_HEADER, swap(1, "1700000000", 0, "")])), /s2\.tick\.csv: row 2: field 'current_tick': cannot parse "" as an integer/],
    ["fractional tick", () => loadSwaps(write("s3.tick.csv", [SWAP_HEADER, swap(1, "1700000000", 0, "10.5")])), /s3\.tick\.csv: row 2: field 'current_tick'/],
    ["tick out of range", () => loadSwaps(write("s4.tick.csv", [SWAP_HEADER, swap(1, "1700000000", 0, 900000)])), /s4\.tick\.csv: row 2: field 'current_tick': 900000 is outside the tick range/],
    ["bad timestamp", () => loadMinuteBars(write("m4.minute.csv", [MIN_HEADER, bar("2022-13-45 99:00:00")])), /m4\.minute\.csv: row 2: field 'timestamp'/],
    ["timestamp not on a minute", () => loadMinuteBars(write("m5.minute.csv", [MIN_HEADER, bar("2022-01-01 00:00:30")])), /m5\.minute\.csv: row 2: field 'timestamp': .* not the start of a minute/],
    ["rows out of order (minute)", () => loadMinuteBars(write("m6.minute.csv", [MIN_HEADER, bar("2022-01-01 00:05:00"), bar("2022-01-01 00:01:00")])), /m6\.minute\.csv: row 3: field 'timestamp': is earlier than the row before it/],
    ["duplicated row (minute)", () => loadMinuteBars(write("m7.minute.csv", [MIN_HEADER, bar("2022-01-01 00:05:00"), bar("2022-01-01 00:05:00")])), /m7\.minute\.csv: row 3: field 'timestamp': duplicates the row before it/],
    ["rows out of order (swaps)", () => loadSwaps(write("s5.tick.csv", [SWAP_HEADER, swap(5, "1700000000", 0, 1), swap(4, "1700000000", 0, 1)])), /s5\.tick\.csv: row 3: field 'block_number': event is earlier/],
    ["duplicated row (swaps)", () => loadSwaps(write("s6.tick.csv", [SWAP_HEADER, swap(5, "1700000000", 3, 1), swap(5, "1700000000", 3, 1)])), /s6\.tick\.csv: row 3: field 'pool_log_index': duplicates the row before it/],
    ["unknown event type", () => loadSwaps(write("s7.tick.csv", [SWAP_HEADER, swap(5, "1700000000", 3, 1, "FLASH")])), /s7\.tick\.csv: row 2: field 'tx_type'/],
    ["ragged row", () => loadMinuteBars(write("m8.minute.csv", [MIN_HEADER, "2022-01-01 00:00:00,1,1,100"])), /m8\.minute\.csv: row 2: has 4 fields, the header has 10/],
    ["duplicate header column", () => loadMinuteBars(write("m9.minute.csv", [`${MIN_HEADER},closeTick`, `${bar("2022-01-01 00:00:00")},1`])), /m9\.minute\.csv: row 1: column 'closeTick' appears twice/],
    ["empty file", () => loadMinuteBars(write("m10.minute.csv", [])), /m10\.minute\.csv: empty file/],
    ["header only", () => loadMinuteBars(write("m11.minute.csv", [MIN_HEADER])), /m11\.minute\.csv: no data rows/],
    ["not gzip", () => loadMinuteBars(write("m12.minute.csv.gz", [MIN_HEADER])), /m12\.minute\.csv\.gz: not a valid gzip file/],
    ["missing path", () => loadMinuteBars(path.join(tmp, "nope")), /nope: no such file or folder/],
    ["order across files", () => loadMinuteBars([write("m13.minute.csv", [MIN_HEADER, ...minutes("2022-01-02T00:00:00", 2)]), write("m14.minute.csv", [MIN_HEADER, ...minutes("2022-01-01T00:00:00", 2)])]), /m14\.minute\.csv: row 2: field 'timestamp': is earlier/],
  ];
  it.each(cases)("%s", (_name, load, message) => {
    let error: unknown;
    try {
      load();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("gaps: the documented repair", () => {
  it("forward-fills short holes with a count, splits at long ones, and the repair changes no feature", () => {
    // 00:00..00:09, then 00:12.. (2 missing minutes), then a 3-hour hole.
    const rows = [...minutes("2022-03-01T00:00:00", 10), ...minutes("2022-03-01T00:12:00", 5, (i) => 90 + i), ...minutes("2022-03-01T03:20:00", 4)];
    const bars = loadMinuteBars(write("gaps.minute.csv", [MIN_HEADER, ...rows]));
    const report = minuteSegments(bars, 5);
    expect(report.filled).toBe(2);
    expect(report.fills).toEqual(["2 min before gaps.minute.csv:12"]);
    expect(report.segments.map((s) => s.end - s.start)).toEqual([15, 4]);
    expect(report.breaks[0]).toMatch(/gaps\.minute\.csv:17 \(3\.1 h missing\)|gaps\.minute\.csv:17 \(/);
    const { bars: filled, filled: count } = forwardFillMinutes(bars, 5);
    expect(count).toBe(2);
    expect(filled.timestamps.length).toBe(bars.timestamps.length + 2);
    expect(filled.closeTick[10]).toBe(bars.closeTick[9]);
    expect(filled.traded[10]).toBe(0);
    // For the oracle a filled minute is a minute without swaps: identical observations.
    const o1 = observationsFromMinuteBars(bars, 60, 0, 15);
    const o2 = observationsFromMinuteBars(filled, 60, 0, 17);
    expect([...o2.periods]).toEqual([...o1.periods]);
    expect([...o2.cumUp]).toEqual([...o1.cumUp]);
  });

  it("splits the shipped Polygon folder into the contiguous 35 days and the isolated later days, with 10 minutes filled in 2022", () => {
    const s = loadSeries("data/polygon-usdc-weth-005-minute", { to: Date.parse("2022-08-23T00:00:00Z") / 1000 });
    expect(s.gaps.filled).toBe(10);
    expect(s.gaps.fills.length).toBe(7);
    expect(s.segments.length).toBe(1);
    expect(s.segments[0]!.lastPeriod - s.segments[0]!.firstPeriod + 1).toBe(35 * 1440);
  });

  it("treats a long silence between swaps as missing data", () => {
    const p = write("quiet.tick.csv", [SWAP_HEADER, swap(1, "1700000000", 0, 1), swap(2, "1700003600", 0, 2), swap(3, String(1700003600 + 7 * 3600), 0, 3)]);
    const r = swapSegments(loadSwaps(p), 6 * 3600);
    expect(r.segments.map((s) => s.end - s.start)).toEqual([2, 1]);
    expect(r.breaks[0]).toMatch(/quiet\.tick\.csv:4 \(7\.0 h without swaps\)/);
  });
});

/** model/'s oracle fed every close of `obs` up to `asOf`, then asked for the features as of `asOf`. */
function oracleFeatures(obs: Observations, asOf: number): bigint[] {
  const state = emptyOracleState();
  for (let i = 0; i < obs.periods.length && obs.periods[i]! <= asOf; i++) recordClose(state, obs.periods[i]!, obs.ticks[i]!);
  return featuresAsOf(state, asOf);
}

describe("features are model/'s (the hook's), built fast", () => {
  it("fast log2 equals model/'s fastLog2Fixed", () => {
    const values = [0, 1, 2, 3, 5, 255, 256, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 33 - 2, 123456789012, 2 ** 38 - 1];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(2 ** (Math.random() * 38)));
    for (const v of values) expect(fastLog2Number(v)).toBe(Number(fastLog2Fixed(BigInt(v))));
  });

  it("equal featuresAsOf and modelInputs for every as-of minute of a real mainnet day (per-swap rows)", () => {
    const swaps = loadSwaps("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz");
    const obs = observationsFromSwaps(swaps, 60);
    const first = Math.floor(swaps.timestamps[0]! / 60) - 5;
    const last = first + 1450;
    const fm = featureMatrix(obs, first, last, 30);
    for (let r = 0; r < fm.asOf.length; r += 3) {
      const A = first + r;
      const ref = oracleFeatures(obs, A);
      const o = r * N_FEATURES;
      expect(Array.from(fm.raw.subarray(o, o + N_FEATURES), (v) => BigInt(v))).toEqual(ref);
      expect(Array.from(fm.inputs.subarray(o, o + N_FEATURES))).toEqual(floatInputs(ref).logs.map(Math.fround));
      expect(Array.from(fm.levels.subarray(o, o + N_FEATURES))).toEqual(floatInputs(ref).levels);
      expect(Array.from(fm.inputs.subarray(o, o + N_FEATURES), (v) => BigInt(v * 256))).toEqual(modelInputs(ref));
      expect(fm.target![r]).toBe(futureVariance(obs, A, 30));
    }
  });

  it("equal them on the 35-day Polygon minute series (every 97th minute) and saturate like the hook", () => {
    const s = loadSeries("data/polygon-usdc-weth-005-minute", { to: Date.parse("2022-08-23T00:00:00Z") / 1000 });
    const ds = buildDataset(s, 30);
    const obs = s.segments[0]!.obs;
    for (let i = 0; i < ds.n; i += 97) {
      expect(Array.from(ds.raw.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), (v) => BigInt(v))).toEqual(oracleFeatures(obs, ds.asOf[i]!));
    }
    const jump = buildObservations([{ period: 0, tick: -800_000 }, { period: 1, tick: 800_000 }]);
    const fm = featureMatrix(jump, 1, 1);
    expect(Array.from(fm.raw, (v) => BigInt(v))).toEqual(new Array(N_FEATURES).fill(FEATURE_MAX));
  });

  it("the per-period squared returns sum to the realized variance, and the HAR windows are its window sums", () => {
    const closes = periodCloses([0, 61, 125, 300, 301, 610], [5, 9, 2, 2, 7, 1], 60);
    const obs = buildObservations(closes);
    const r2 = squaredReturns(obs, 0, 10);
    expect([...r2]).toEqual([0, 16, 49, 0, 0, 25, 0, 0, 0, 0, 36]);
    expect(r2.reduce((a, b) => a + b, 0)).toBe(obs.cumUp[obs.cumUp.length - 1]! + obs.cumDown[obs.cumDown.length - 1]!);
    const fm = featureMatrix(obs, 0, 10);
    // windows [1, 5, 30, 240] ending at period 5: 25, 16 + 49 + 25, everything up to it
    expect(Array.from(fm.windows.subarray(5 * 4, 6 * 4))).toEqual([25, 90, 90, 90]);
  });
});

describe("no look-ahead", () => {
  const s = loadSeries("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz");
  const ds = buildDataset(s, 30);

  it("features as of A are the same when every swap after A is deleted or changed", () => {
    const swaps = loadSwaps("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz");
    for (const r of [0, 100, 555, ds.n - 1]) {
      const A = ds.asOf[r]!;
      const cut = swaps.timestamps.findIndex((t) => Math.floor(t / 60) > A);
      const truncated = observationsFromSwaps(swaps, 60, 0, cut);
      const changed = { ...swaps, tick: swaps.tick.map((t, i) => (i >= cut ? t + 500 * (i % 3) : t)) };
      const a = featureMatrix(truncated, A, A);
      const b = featureMatrix(observationsFromSwaps(changed, 60), A, A);
      expect([...a.raw]).toEqual([...ds.raw.subarray(r * N_FEATURES, (r + 1) * N_FEATURES)]);
      expect([...b.raw]).toEqual([...ds.raw.subarray(r * N_FEATURES, (r + 1) * N_FEATURES)]);
    }
  });

  it("the target of A uses only periods A+1..A+H, and features never see it", () => {
    const swaps = loadSwaps("data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz");
    const r = 400;
    const A = ds.asOf[r]!;
    // Move every swap strictly after A+H: the target of A is unchanged.
    const after = swaps.timestamps.findIndex((t) => Math.floor(t / 60) > A + 30);
    const moved = observationsFromSwaps({ ...swaps, tick: swaps.tick.map((t, i) => (i >= after ? t + 777 : t)) }, 60);
    expect(featureMatrix(moved, A, A, 30).target![0]).toBe(ds.target[r]);
    // The first as-of period after a segment start has a full 240-period window behind it.
    expect(ds.asOf[0]).toBe(s.segments[0]!.firstPeriod + MAX_WINDOW);
  });

  it("the walk-forward split is in time order and purges the rows whose targets reach the next part", () => {
    const sp = walkForwardSplit(ds, [0.6, 0.2]);
    const lastTrain = ds.asOf[sp.train[sp.train.length - 1]!]!;
    const firstVal = ds.asOf[sp.validation[0]!]!;
    const lastVal = ds.asOf[sp.validation[sp.validation.length - 1]!]!;
    const firstTest = ds.asOf[sp.test[0]!]!;
    expect(lastTrain + 30).toBeLessThan(firstVal);
    expect(lastVal + 30).toBeLessThan(firstTest);
    expect(sp.test[sp.test.length - 1]).toBe(ds.n - 1);
  });
});

describe("errors are DataErrors", () => {
  it("a dataset too small to split says so", () => {
    const p = write("small.minute.csv", [MIN_HEADER, ...minutes("2022-05-01T00:00:00", 300)]);
    expect(() => walkForwardSplit(buildDataset(loadSeries(p), 30))).toThrow(DataError);
  });
});
