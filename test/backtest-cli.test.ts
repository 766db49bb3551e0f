import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadModel } from "../model/index.ts";
import { loadMinuteBarsFull, loadPoolEvents, loadReference } from "../history/index.ts";
import { parseArgs } from "../backtest/cli.ts";
import { hasChromium, renderInChromium, MEASURE_CHARTS, type DrawnChart } from "./browser.ts";

const MAINNET = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const MAINNET_NOV = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz";

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", "import { backtestCommand } from './backtest/cli.ts'; process.exitCode = await backtestCommand(process.argv.slice(1));", "--", ...args],
    { encoding: "utf8", timeout: 120_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let rows: string[];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "backtest-cli-"));
  rows = gunzipSync(readFileSync(MAINNET)).toString("utf8").trim().split("\n").slice(0, 400);
});

/** A copy of the first rows of the mainnet day, with `edit` applied to the data lines. */
function variant(name: string, edit: (lines: string[]) => string[]): string {
  const f = path.join(dir, `ethereum-0x88e6-usdc-weth-005-2024-01-05.${name}.tick.csv`);
  writeFileSync(f, edit(rows.slice()).join("\n") + "\n");
  return f;
}

describe("provenfee backtest (CLI)", () => {
  it("--help exits 0; usage errors exit 2 with one line", () => {
    const h = cli(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--counterfactual");
    const u = cli(["--swaps"]);
    expect(u.code).toBe(2);
    expect(u.stderr.trim().split("\n")).toHaveLength(1);
    expect(() => parseArgs(["--frobnicate"])).toThrow(/unknown option/);
    expect(() => parseArgs(["--simulate", "--counterfactual", "maybe"])).toThrow(/same or resize/);
    expect(() => parseArgs(["--swaps", "x", "--bars", "y"])).toThrow(/one data source/);
    expect(() => parseArgs(["--swaps", "x", "--quote", "2"])).toThrow(/0 or 1/);
    const keepAlive = parseArgs(["--swaps", "x", "--keep-alive", "always", "--fallback-fee", "500"]);
    expect(keepAlive !== "help" && keepAlive.bt).toMatchObject({ keepAlive: "always", fallbackFee: 500 });
    const defaults = parseArgs(["--swaps", "x"]);
    expect(defaults !== "help" && defaults.bt.keepAlive).toBe("on-change");
    expect(defaults !== "help" && defaults.bt.fallbackFee).toBeUndefined();
    expect(() => parseArgs(["--swaps", "x", "--keep-alive", "sometimes"])).toThrow(/--keep-alive: expected on-change or always, got 'sometimes'/);
    expect(() => parseArgs(["--swaps", "x", "--fallback-fee", "2.5"])).toThrow(/--fallback-fee: .*integer number of pips/);
  });

  it("--json prints exactly one object with the fields the issue fixes, and writes JSON, CSV, HTML and PNGs", () => {
    const out = path.join(dir, "out-json");
    const r = cli(["--swaps", MAINNET, "--model", "model/default-model.json", "--json", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    expect(j.swaps).toBeGreaterThan(6000);
    expect(typeof j.from).toBe("string");
    expect(typeof j.to).toBe("string");
    const names = j.policies.map((p: { name: string }) => p.name);
    expect(names).toEqual(["static-1bp", "static-5bp", "static-30bp", "static-100bp", "ewma-vol-hl30", "model", "perfect-foresight"]);
    for (const p of j.policies) {
      for (const k of ["name", "feeRevenue", "lvr", "netPnl", "recapture", "volumeRetained", "meanFeePips"]) expect(p, k).toHaveProperty(k);
      expect(p.netPnl).toBeCloseTo(p.feeRevenue - p.lvr, 6);
    }
    for (const f of ["backtest.json", "policies.csv", "hourly.csv", "report.html", "fee.png", "cumulative-net-pnl.png", "forecast-vs-realized.png"]) expect(existsSync(path.join(out, f)), f).toBe(true);
    const csv = readFileSync(path.join(out, "policies.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(8);
  });

  // Skipped (and counted as skipped in npm test's closing line) where chromium is not installed.
  it.skipIf(!hasChromium)("the HTML report renders in headless Chromium: three charts with labelled axes and legends, human table headings, no console errors", async () => {
    const out = path.join(dir, "out-html");
    const r = cli(["--swaps", MAINNET, "--model", "model/default-model.json", "--from", "2024-01-05T00:00", "--to", "2024-01-05T06:00", "--quiet", "--no-png", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const html = path.join(out, "report.html");
    const { result, errors } = await renderInChromium<{ charts: DrawnChart[]; rawKeys: string[] }>(html, MEASURE_CHARTS);
    expect(errors).toEqual([]);
    expect(result.charts.map((c) => c.id)).toEqual(["plot-fee", "plot-cumulative-net-pnl", "plot-forecast-vs-realized"]);
    const yLabels = Object.fromEntries(result.charts.map((c) => [c.id, c.yLabel.text]));
    expect(yLabels).toEqual({ "plot-fee": "LP fee (bps)", "plot-cumulative-net-pnl": "cumulative net LP PnL (USDC)", "plot-forecast-vs-realized": "volatility over the horizon (ticks, 1 tick = 1 bp of price)" });
    for (const c of result.charts) {
      expect(c.xLabel.text, c.id).toBe("time (UTC)");
      for (const label of [c.xLabel, c.yLabel]) expect(label.width * label.height, `${c.id}: ${label.text}`).toBeGreaterThan(0);
      // One legend entry per line drawn, each drawn.
      expect(c.lines, c.id).toBeGreaterThan(0);
      expect(c.legend.length, c.id).toBe(c.lines);
      expect(c.legend.every((l) => l.drawn && l.text.length > 0), c.id).toBe(true);
      expect(Math.min(c.xTicks, c.yTicks), c.id).toBeGreaterThanOrEqual(2);
    }
    expect(result.charts[0]!.legend.map((l) => l.text)).toEqual(["static-1bp", "static-5bp", "static-30bp", "static-100bp", "ewma-vol-hl30", "model", "perfect-foresight"]);
    expect(result.rawKeys).toEqual([]);
    // Self-contained: nothing to fetch.
    expect(readFileSync(html, "utf8")).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Laid out in a 1300-pixel window: the page never scrolls sideways; a table wider than the
    // window scrolls inside its own box.
    const layout = (await renderInChromium<{ width: number; page: number; tables: { id: string; table: number; right: number; inner: number; scrolls: boolean }[] }>(html, `({ width: innerWidth, page: document.documentElement.scrollWidth, tables: [...document.querySelectorAll("table")].filter((t) => t.id !== "data").map((t) => { const box = t.parentElement; return { id: t.id, table: t.scrollWidth, right: box.getBoundingClientRect().right, inner: box.clientWidth, scrolls: box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === "auto" }; }) })`, 60_000, [1300, 900])).result;
    expect(layout.width).toBe(1300);
    expect(layout.page).toBeLessThanOrEqual(layout.width);
    expect(layout.tables.map((t) => t.id)).toEqual(["policies", "markouts", "edges", "regimes"]);
    for (const t of layout.tables) {
      expect(t.right, t.id).toBeLessThanOrEqual(layout.width);
      if (t.table > t.inner) expect(t.scrolls, `${t.id} scrolls in its box`).toBe(true);
    }
  }, 120_000);

  it("bad input: a one-line error naming file, row and field, exit 1", () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    const unsorted = variant("unsorted", (l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)]);
    expect(err(() => loadPoolEvents(unsorted))).toMatch(new RegExp(`${unsorted}: row 3: field 'block_number': .*earlier`));
    const missing = variant("missing", (l) => l.map((x) => x.split(",").filter((_, i) => i !== 13).join(",")));
    expect(err(() => loadPoolEvents(missing))).toMatch(/missing column 'sqrtPriceX96'/);
    const garbage = variant("garbage", (l) => l.map((x, i) => (i === 5 ? x.split(",").map((c, k) => (k === 9 ? "12abc" : c)).join(",") : x)));
    expect(err(() => loadPoolEvents(garbage))).toMatch(/row 6: field 'amount0': cannot parse "12abc"/);
    const absurd = variant("absurd", (l) => l.map((x, i) => (i === 7 ? x.replace(/,(\d{5,})\.0,/, ",99999.0,") : x)));
    expect(err(() => loadPoolEvents(absurd))).toMatch(/row 8: field 'current_tick': 99999 does not match sqrtPriceX96/);
    const dup = variant("dup", (l) => [l[0]!, l[1]!, l[1]!, ...l.slice(2)]);
    expect(err(() => loadPoolEvents(dup))).toMatch(/row 3: field 'pool_log_index': duplicates/);
    const negL = variant("negl", (l) => l.map((x, i) => (i === 4 ? x.split(",").map((c, k) => (k === 11 ? `-${c}` : c)).join(",") : x)));
    expect(err(() => loadPoolEvents(negL))).toMatch(/row 5: field 'total_liquidity': negative/);
    const short = variant("short", (l) => l.map((x, i) => (i === 9 ? x.split(",").slice(0, 5).join(",") : x)));
    expect(err(() => loadPoolEvents(short))).toMatch(/row 10: has 5 fields, the header has 19/);
    const bars = path.join(dir, "polygon-0x45dd-2022-07-19.minute.csv");
    const barRows = gunzipSync(readFileSync("data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-19.minute.csv.gz")).toString("utf8").trim().split("\n").slice(0, 50);
    barRows[10] = barRows[10]!.split(",").map((c, k) => (k === 9 ? "0" : c)).join(",");
    writeFileSync(bars, barRows.join("\n") + "\n");
    expect(err(() => loadMinuteBarsFull(bars))).toMatch(/row 11: field 'currentLiquidity': zero active liquidity/);
    const bars2 = path.join(dir, "polygon-0x45dd-2022-07-20.minute.csv");
    const rows2 = gunzipSync(readFileSync("data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-20.minute.csv.gz")).toString("utf8").trim().split("\n").slice(0, 50);
    rows2[21] = rows2[20]!;
    writeFileSync(bars2, rows2.join("\n") + "\n");
    expect(err(() => loadMinuteBarsFull(bars2))).toMatch(/row 22: field 'timestamp': duplicates/);
    const ref = path.join(dir, "ref.csv");
    writeFileSync(ref, "timestamp,price\n2024-01-05 00:00:00,2270\n2024-01-05 00:01:00,-5\n");
    expect(err(() => loadReference(ref, { quote: 0, decimals0: 6, decimals1: 18 }))).toMatch(/ref\.csv: row 3: field 'price': absurd price -5/);
    // Through the CLI: the same message, one line on stderr, exit 1.
    const r = cli(["--swaps", absurd, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/row 8: field 'current_tick'/);
    expect(cli(["--swaps", path.join(dir, "nope.csv")]).stderr).toMatch(/nope\.csv: no such file/);
    // A range outside the data, one bound given: says where the data is.
    expect(cli(["--swaps", MAINNET, "--from", "2024-01-06"]).stderr.trim()).toBe("provenfee backtest: no events from 2024-01-06T00:00:00.000Z (the data covers 2024-01-05T00:00:23.000Z to 2024-01-05T23:59:59.000Z)");
  });

  it("reads Binance klines as a reference as they come: headerless (ms) or with the header (µs), close at the minute's end", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "provenfee-klines-"));
    const rows = gunzipSync(readFileSync("data/reference-binance-ethusdt/binance-ethusdt-1m-2023-11-09..2023-11-11.csv.gz")).toString("utf8").trim().split("\n").slice(1, 201);
    const kline = (unit: number) => rows.map((l) => {
      const [end, close] = l.split(",") as [string, string];
      const t = Number(end);
      // open = high = low = close, as in a quiet minute: a first row whose cells repeat is still data
      return [(t - 60) * unit, close, close, close, close, "10", t * unit - 1, "20", "5", "3", "6", "0"].join(",");
    });
    const plain = path.join(dir, "ref.csv");
    writeFileSync(plain, ["time,price", ...rows].join("\n") + "\n");
    const headerless = path.join(dir, "ETHUSDT-1m-2023-11.csv");
    writeFileSync(headerless, kline(1000).join("\n") + "\n");
    const withHeader = path.join(dir, "klines-us.csv");
    writeFileSync(withHeader, ["open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore", ...kline(1_000_000)].join("\n") + "\n");
    const terms = { quote: 1 as const, decimals0: 18, decimals1: 6 };
    const a = loadReference(plain, terms);
    expect(a.time.length).toBe(200);
    for (const f of [headerless, withHeader]) {
      const b = loadReference(f, terms);
      expect([...b.time]).toEqual([...a.time]);
      expect([...b.price]).toEqual([...a.price]);
    }
    // Rows are numbered as in the file: the headerless file's first line is row 1.
    const bad = kline(1000);
    bad[0] = bad[0]!.split(",").map((c, k) => (k === 4 ? "-3" : c)).join(",");
    writeFileSync(headerless, bad.join("\n") + "\n");
    expect(() => loadReference(headerless, terms)).toThrow(/ETHUSDT-1m-2023-11\.csv: row 1: field 'close': absurd price -3/);
  });

  it("documented skips and data gaps are counted in the output, never silent", () => {
    const r = cli(["--swaps", `${MAINNET_NOV},${MAINNET}`, "--json", "--no-html", "--no-png", "--no-foresight", "--no-ewma", "--static", "5", "--out", path.join(dir, "gaps")]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.stats.segments).toBe(2);
    expect(j.stats.gaps).toBe(1);
    expect(j.stats.skipped["COLLECT rows (fee collection moves no price or liquidity)"]).toBe(165 + 65);
    expect(j.stats.skipped["MINT/BURN rows with zero liquidity (fee pokes)"]).toBe(25 + 14);
  });

  it("--tune-policy fits the whole fee policy on a validation range, writes a committed model file, reports on a later test range", async () => {
    const tuned = path.join(dir, "tuned-model.json");
    const refuse = cli(["--swaps", MAINNET, "--tune-policy", "model/default-model.json", "--validation", "2024-01-05T00:00..2024-01-05T12:00", "--test", "2024-01-05T12:00..2024-01-06", "--tuned-out", "model/default-model.json"]);
    expect(refuse.code).toBe(2);
    expect(refuse.stderr).toMatch(/refusing to overwrite/);
    const early = cli(["--swaps", MAINNET, "--tune-policy", "model/default-model.json", "--validation", "2024-01-05T06:00..2024-01-05T10:00", "--test", "2024-01-05T00:00..2024-01-05T06:00", "--tuned-out", path.join(dir, "never.json")]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/must come after the validation range/);
    const VALID = ["2024-01-05T00:00", "2024-01-05T06:00"];
    const r = cli(["--swaps", MAINNET, "--tune-policy", "model/default-model.json", "--validation", VALID.join(".."), "--test", "2024-01-05T06:00..2024-01-05T10:00", "--tuned-out", tuned, "--json", "--workers", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const evaluated: { base: number; slope: number; modelFeeMin: number; modelFeeMax: number; netPnl: number; stage: string }[] = j.tuning.validation.evaluated;
    expect(j.tuning.validation.candidates).toBe(evaluated.length);
    expect(evaluated.length).toBeGreaterThan(40);
    // The search covers the whole policy: intercept, slope and both bounds each take several values.
    for (const k of ["base", "slope", "modelFeeMin", "modelFeeMax"] as const) expect(new Set(evaluated.map((e) => e[k])).size, k).toBeGreaterThan(3);
    expect(new Set(evaluated.map((e) => e.stage))).toEqual(new Set(["grid: base x slope", "grid: bounds", "pattern search"]));
    // Every candidate is distinct and within SPEC §5's ranges.
    expect(new Set(evaluated.map((e) => `${e.base},${e.slope},${e.modelFeeMin},${e.modelFeeMax}`)).size).toBe(evaluated.length);
    for (const e of evaluated) {
      expect(Number.isInteger(e.base) && e.base >= -(2 ** 23) && e.base < 2 ** 23).toBe(true);
      expect(Number.isInteger(e.slope) && e.slope >= 0 && e.slope < 2 ** 24).toBe(true);
      expect(0 <= e.modelFeeMin && e.modelFeeMin <= e.modelFeeMax && e.modelFeeMax <= 1_000_000).toBe(true);
    }
    // The chosen policy is the best on validation among those evaluated, and beats the original there.
    const bestPnl = Math.max(...evaluated.map((e) => e.netPnl));
    expect(j.tuning.tuned.validationNetPnl).toBe(bestPnl);
    const chosen = evaluated.find((e) => e.netPnl === bestPnl)!;
    expect(j.tuning.tuned.searched).toEqual({ base: chosen.base, slope: chosen.slope, modelFeeMin: chosen.modelFeeMin, modelFeeMax: chosen.modelFeeMax });
    // shipped with its bounds narrowed to the fees it charged on validation (the same net there: below)
    const t = j.tuning.tuned.policy;
    expect([t.base, t.slope]).toEqual([chosen.base, chosen.slope]);
    expect(chosen.modelFeeMin <= t.modelFeeMin && t.modelFeeMin <= t.modelFeeMax && t.modelFeeMax <= chosen.modelFeeMax).toBe(true);
    const o = j.tuning.original.policy;
    expect(o).toEqual((await loadModel("model/default-model.json")).file.policy);
    expect(j.tuning.original.validationNetPnl).toBe(evaluated.find((e) => e.base === o.base && e.slope === o.slope && e.modelFeeMin === o.modelFeeMin && e.modelFeeMax === o.modelFeeMax)!.netPnl);
    expect(bestPnl).toBeGreaterThanOrEqual(j.tuning.original.validationNetPnl);
    // Reported on the later test range.
    expect(j.from >= "2024-01-05T06:00").toBe(true);
    expect(j.policies.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["model:tuned-model", "model:default-model", "static-30bp"]));
    // The written file loads (its commitment is re-checked on load) and carries the new policy.
    const m = await loadModel(tuned);
    const original = await loadModel("model/default-model.json");
    expect(m.file.policy).toEqual(j.tuning.tuned.policy);
    expect(m.file.quantized).toEqual(original.file.quantized);
    expect(m.commitment).toBe(BigInt(j.tuning.tuned.commitment));
    expect(m.file.meta.fallbackFee).toBe(original.file.meta.fallbackFee); // tuned at the input's recommended fallback fee
    if (JSON.stringify(m.file.policy) !== JSON.stringify(original.file.policy)) expect(m.commitment).not.toBe(original.commitment);
    // The file, backtested on its own over the validation range, earns what the search measured (net
    // of the gas of the updates the update rule sends, at the same fallback fee: the file keeps its recommendation).
    const again = cli(["--swaps", MAINNET, "--model", tuned, "--counterfactual", "resize", "--from", VALID[0]!, "--to", VALID[1]!, "--no-foresight", "--json", "--no-html", "--no-png", "--out", path.join(dir, "tuned-again")]);
    expect(again.code, again.stderr).toBe(0);
    const replayed = JSON.parse(again.stdout).policies.find((p: { name: string }) => p.name === "model").netPnlAfterGas;
    expect(replayed).toBeCloseTo(bestPnl, 6);
  });

  it("--sweep runs one backtest per value on worker threads", () => {
    const r = cli(["--swaps", MAINNET, "--from", "2024-01-05T00:00", "--to", "2024-01-05T04:00", "--counterfactual", "resize", "--sweep", "elasticity=0,0.05", "--workers", "2", "--json", "--no-foresight", "--out", path.join(dir, "sweep")]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sweep).toHaveLength(2);
    // --out holds what stdout printed
    expect(JSON.parse(readFileSync(path.join(dir, "sweep", "sweep.json"), "utf8"))).toEqual(j);
    const at = (k: number, name: string) => j.sweep[k].policies.find((p: { name: string }) => p.name === name);
    expect(at(0, "static-30bp").volumeRetained).toBeCloseTo(1, 6);
    expect(at(1, "static-30bp").volumeRetained).toBeCloseTo(Math.exp(-0.05 * 25), 3);
  });

  it("--simulate runs the GBM market with the same outputs", () => {
    const r = cli(["--simulate", "--days", "1", "--sigma", "0.8", "--seed", "7", "--json", "--no-html", "--no-png", "--out", path.join(dir, "sim")]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.policies).toHaveLength(6);
    expect(j.swaps).toBeGreaterThan(1000);
  });
});
