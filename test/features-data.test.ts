import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadMinuteBars, loadSwaps } from "../history/index.ts";
import { observationsFromMinuteBars, observationsFromSwaps } from "../training/features.ts";
import { featureSeries } from "../model/index.ts";

const dir = "data/swaps-usdc-weth";

describe("features from both input formats (real data)", () => {
  it("are identical from per-swap rows and from minute bars of the same mainnet day", () => {
    const stem = `${dir}/ethereum-0x88e6-usdc-weth-005-2024-01-05`;
    const bars = loadMinuteBars(`${stem}.minute.csv.gz`);
    const swaps = loadSwaps(`${stem}.tick.csv.gz`);
    expect(swaps.tick.length).toBe(6046);
    const fromBars = observationsFromMinuteBars(bars, 60);
    const fromSwaps = observationsFromSwaps(swaps, 60);
    expect(fromBars.periods.length).toBe(fromSwaps.periods.length);
    const p0 = Math.floor(bars.timestamps[0]! / 60);
    expect([...fromBars.ticks]).toEqual([...fromSwaps.ticks]);
    const a = featureSeries(fromBars.periods, fromBars.ticks, p0, p0 + 1439);
    const b = featureSeries(fromSwaps.periods, fromSwaps.ticks, p0, p0 + 1439);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.some((v) => v > 0)).toBe(true);
  });

  it("shows why the Polygon minute files cannot be used for parity: their closeTick can lie outside the minute's own range", () => {
    const bars = loadMinuteBars(`${dir}/polygon-0x45dd-usdc-weth-005-2022-01-05.minute.csv.gz`);
    const i = bars.timestamps.indexOf(Date.parse("2022-01-05T00:09:00Z") / 1000);
    // The only swap in that minute left the pool at tick 193949 (lowest = highest = 193949), yet the bar says 193952.
    expect(bars.closeTick[i]).toBe(193952);
    const swaps = loadSwaps(`${dir}/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz`);
    const j = swaps.timestamps.indexOf(Date.parse("2022-01-05T00:09:07Z") / 1000);
    expect(swaps.tick[j]).toBe(193949);
  });
});

describe("loading bad input", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "provenfee-data-"));
  const header = "timestamp,netAmount0,netAmount1,closeTick,openTick,lowestTick,highestTick,inAmount0,inAmount1,currentLiquidity";
  const row = (ts: string, tick = "100", in0 = "5") => `${ts},1,1,${tick},100,100,100,${in0},0,1000`;
  const write = (name: string, lines: string[]) => {
    const p = path.join(tmp, name);
    writeFileSync(p, lines.join("\n"));
    return p;
  };

  it("names the missing column", () => {
    const p = write("a.minute.csv", ["timestamp,closeTick", "2022-01-01 00:00:00,1"]);
    expect(() => loadMinuteBars(p)).toThrow(/a\.minute\.csv: missing column 'inAmount0'/);
  });

  it("names file, row and field of an unparsable number", () => {
    const p = write("b.minute.csv", [header, row("2022-01-01 00:00:00"), row("2022-01-01 00:01:00", "12x")]);
    expect(() => loadMinuteBars(p)).toThrow(/b\.minute\.csv: row 3: field 'closeTick': cannot parse "12x"/);
  });

  it("refuses rows out of time order and duplicated rows", () => {
    const late = write("c.minute.csv", [header, row("2022-01-01 00:05:00"), row("2022-01-01 00:01:00")]);
    expect(() => loadMinuteBars(late)).toThrow(/c\.minute\.csv: row 3: field 'timestamp': is earlier/);
    const dup = write("d.minute.csv", [header, row("2022-01-01 00:05:00"), row("2022-01-01 00:05:00")]);
    expect(() => loadMinuteBars(dup)).toThrow(/d\.minute\.csv: row 3: field 'timestamp': duplicates/);
  });

  it("names an unparsable timestamp", () => {
    const p = write("e.minute.csv", [header, row("yesterday")]);
    expect(() => loadMinuteBars(p)).toThrow(/e\.minute\.csv: row 2: field 'timestamp'/);
  });

  it("names a path that does not exist", () => {
    expect(() => loadMinuteBars(path.join(tmp, "nope"))).toThrow(/nope: no such file or folder/);
  });
});
