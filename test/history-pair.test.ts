// The pair of a history, from the data: the pool table, file names, the fee tier inferred from
// per-swap rows, and the reference check. Real data: every shipped per-swap file, the Binance
// ETH/USDT minutes, and a real excerpt of a pool outside the table whose token0 is WETH
// (test/fixtures/history/README.md). Fixtures built here in code are labelled synthetic.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import {
  DataError, KNOWN_POOLS, TOKENS, checkReference, describeFile, inferFeeTier, knownPool, loadReference, priceAt, loadPoolEvents, loadSwaps, resolvePair,
  EV_SWAP, type PoolEvents, type ReferenceSeries,
} from "../history/index.ts";
import { Pool } from "../backtest/pool.ts";
import { defaultOptions, loadHistory, referenceFor, runBacktest, type BacktestOptions } from "../backtest/run.ts";
import { preparePolicyFit } from "../backtest/policyFit.ts";
import { parsePairFlags } from "../cli/pairFlags.ts";
import { UsageError } from "../cli/options.ts";
import { MAX_SQRT_PRICE, MIN_SQRT_PRICE, sqrtPriceAtTick } from "../backtest/v4math.ts";

const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error("expected an error");
};

describe("the pool table", () => {
  it("lists each pool's tokens in pool order (token0 has the lower address), on its chain, at a standard tier", () => {
    for (const p of KNOWN_POOLS) {
      const t0 = TOKENS[p.chain]![p.token0]!;
      const t1 = TOKENS[p.chain]![p.token1]!;
      expect(t0.address < t1.address, `${p.address} ${p.token0}/${p.token1}`).toBe(true);
      expect(p.address).toMatch(/^0x[0-9a-f]{40}$/);
      expect([100, 500, 3000, 10000]).toContain(p.feePips);
    }
    expect(new Set(KNOWN_POOLS.map((p) => p.address)).size).toBe(KNOWN_POOLS.length);
  });

  it("finds a pool by chain and address prefix (at least 4 hex digits), and nothing on another chain or an ambiguous prefix", () => {
    expect(knownPool("ethereum", "0x4e68")?.token0).toBe("WETH");
    expect(knownPool("ethereum", "0x4e68ccd3e89f51c3074ca5072bbac773960dfa36")?.feePips).toBe(3000);
    expect(knownPool("polygon", "0x4e68")).toBeUndefined();
    expect(knownPool("ethereum", "0x4e6")).toBeUndefined();
    expect(knownPool("ethereum", "0x")).toBeUndefined();
  });
});

describe("the pair from names, the table and flags", () => {
  it("reads the shipped names: USDC/WETH, 6/18, values in USDC, the tier", () => {
    const p = resolvePair(["data/swaps-usdc-weth/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz"]);
    expect(p).toMatchObject({ chain: "ethereum", symbols: ["USDC", "WETH"], decimals: [6, 18], quote: 0, feePips: 3000, tickSpacing: 60 });
    expect(p.address).toBe("0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8");
    const m = resolvePair(["data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-19.minute.csv.gz"]);
    expect(m).toMatchObject({ symbols: ["USDC", "WETH"], decimals: [6, 18], quote: 0, feePips: 500 });
    expect(m.how.symbols).toMatch(/pool table \(polygon 0x45dda9cb/);
  });

  it("a demeter-fetch default name (chain and address only) of WETH/USDT 0.3%: token0 WETH 18, token1 USDT 6, values in USDT", () => {
    const p = resolvePair(["ethereum-0x4e68ccd3e89f51c3074ca5072bbac773960dfa36-2023-10-01.tick.csv"]);
    expect(p).toMatchObject({ symbols: ["WETH", "USDT"], decimals: [18, 6], quote: 1, feePips: 3000, tickSpacing: 60 });
    expect(p.how.quote).toBe("USDT is a stablecoin");
  });

  it("a name that is only the pool address (no chain): found by the full address, chain from the table", () => {
    const p = resolvePair(["/tmp/0x4e68ccd3e89f51c3074ca5072bbac773960dfa36.csv"]);
    expect(p).toMatchObject({ chain: "ethereum", symbols: ["WETH", "USDT"], decimals: [18, 6], quote: 1, feePips: 3000 });
    expect(resolvePair(["0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8_2023-10-01_2023-11-30.tick.csv.gz"])).toMatchObject({ chain: "ethereum", symbols: ["USDC", "WETH"], decimals: [6, 18], quote: 0, feePips: 3000, tickSpacing: 60 });
    expect(knownPool(undefined, "0x4e68")).toBeUndefined(); // a prefix needs the chain
    expect(err(() => resolvePair(["0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c.csv"]))).toMatch(/^0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c\.csv: pool 0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c is not in the pool table/);
  });

  it("symbols in the name: the stablecoin side, else the WETH side, else token0; decimals of known symbols", () => {
    expect(resolvePair(["x-wbtc-weth-030-2024-01-01.tick.csv"])).toMatchObject({ symbols: ["WBTC", "WETH"], decimals: [8, 18], quote: 1, feePips: 3000 });
    expect(resolvePair(["x-usdc-usdt-001-2024-01-01.tick.csv"])).toMatchObject({ decimals: [6, 6], quote: 0, feePips: 100 });
    expect(resolvePair(["x-weth-usdt-005-2024-01-01.tick.csv"])).toMatchObject({ decimals: [18, 6], quote: 1, feePips: 500 });
    expect(err(() => resolvePair(["x-link-weth-030-2024-01-01.tick.csv"]))).toMatch(/decimals of LINK .* pass --decimals D0,D1/);
    expect(resolvePair(["x-link-weth-030-2024-01-01.tick.csv"], { decimals: [18, 18] })).toMatchObject({ decimals: [18, 18], quote: 1 });
  });

  it("flags come first; with nothing to go on, the old defaults, said so", () => {
    const p = resolvePair(["ethereum-0x4e68ccd3e89f51c3074ca5072bbac773960dfa36-2023-10-01.tick.csv"], { quote: 0, decimals: [18, 6], historicalFee: 500, tickSpacing: 1 });
    expect(p).toMatchObject({ quote: 0, feePips: 500, tickSpacing: 1, how: { quote: "--quote", decimals: "--decimals", fee: "--historical-fee" } });
    const d = resolvePair(["history.tick.csv"]);
    expect(d).toMatchObject({ symbols: ["token0", "token1"], decimals: [6, 18], quote: 0, feePips: undefined });
    expect(d.how.decimals).toMatch(/default/);
    expect(d.how.quote).toMatch(/default/);
  });

  it("refuses files of different pools, or names that disagree", () => {
    expect(describeFile("ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz")).toMatchObject({ pool: "ethereum-0x88e6", symbols: ["USDC", "WETH"], feePips: 500 });
    expect(err(() => resolvePair(["a-usdc-weth-005-2024.tick.csv", "a-usdc-weth-030-2024.tick.csv"]))).toMatch(/its name says USDC\/WETH 3000 pips/);
  });
});

describe("the historical fee tier from per-swap rows", () => {
  const files = readdirSync("data/swaps-usdc-weth").filter((n) => n.includes(".tick.csv"));

  it.each(files)("%s: the known tier", (name) => {
    const file = `data/swaps-usdc-weth/${name}`;
    const known = describeFile(file).feePips!;
    const r = inferFeeTier(loadPoolEvents(file));
    expect(r.feePips).toBe(known);
    expect(Math.abs(r.medianPips - known)).toBeLessThan(1);
    expect(r.swaps).toBeGreaterThan(150);
  });

  /** SYNTHETIC: swaps on a v4 pool of one full-range position at `fee`, as per-swap rows (pool side amounts). */
  function synthetic(fee: number, swaps: number): PoolEvents {
    const spacing = 60;
    const pool = new Pool({ sqrtPriceX96: sqrtPriceAtTick(-196_000), tickSpacing: spacing, lpFee: fee }); // ~3,000 USDT per WETH, WETH 18 / USDT 6
    pool.modifyLiquidity({ tickLower: -887_220, tickUpper: 887_220, liquidityDelta: 10n ** 18n });
    const ev = { amount0: [] as bigint[], amount1: [] as bigint[], sqrt: [] as bigint[], liq: [] as bigint[] };
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < swaps; i++) {
      const zeroForOne = rand() < 0.5;
      const size = BigInt(Math.floor((zeroForOne ? 1e18 : 3e9) * (0.05 + 5 * rand())));
      const r = pool.swap(zeroForOne, -size, zeroForOne ? MIN_SQRT_PRICE + 1n : MAX_SQRT_PRICE - 1n);
      ev.amount0.push(-r.amount0);
      ev.amount1.push(-r.amount1);
      ev.sqrt.push(pool.sqrtPriceX96);
      ev.liq.push(pool.liquidity);
    }
    const n = swaps;
    return {
      n, kind: new Uint8Array(n).fill(EV_SWAP), time: Float64Array.from({ length: n }, (_, i) => 1.7e9 + 12 * i), block: Float64Array.from({ length: n }, (_, i) => i),
      logIndex: new Float64Array(n), amount0: ev.amount0, amount1: ev.amount1, sqrtPriceX96: ev.sqrt, tick: new Int32Array(n), liquidity: ev.liq,
      tickLower: new Int32Array(n), tickUpper: new Int32Array(n), positionLiquidity: new Array(n).fill(0n), owner: new Array(n).fill(""), fee: new Int32Array(n).fill(-1),
      fileIndex: new Uint16Array(n), row: Int32Array.from({ length: n }, (_, i) => i + 2), files: ["synthetic.tick.csv"], skipped: {},
    };
  }

  it("a synthetic pool at each standard tier gives that tier; both directions count", () => {
    for (const fee of [100, 500, 3000, 10000]) {
      const r = inferFeeTier(synthetic(fee, 200));
      expect(r.feePips, `fee ${fee}`).toBe(fee);
      expect(Math.abs(r.medianPips - fee)).toBeLessThan(0.5);
      expect(r.swaps).toBe(199);
    }
  });

  it("a fee that is not a standard tier, or too few usable swaps, is a one-line error asking for --historical-fee", () => {
    expect(err(() => inferFeeTier(synthetic(2000, 200)))).toMatch(/synthetic\.tick\.csv: the fee implied by 199 swaps is 2000 pips .*not within 10% of a standard tier.*pass --historical-fee/);
    expect(err(() => inferFeeTier(synthetic(3000, 5)))).toMatch(/only 4 swap\(s\) move the price .*pass --historical-fee/);
    // Through resolvePair, with nothing in the name: inferred and said so.
    const p = resolvePair(["synthetic.tick.csv"], {}, synthetic(3000, 50));
    expect(p.feePips).toBe(3000);
    expect(p.how.fee).toMatch(/inferred from 49 swaps/);
  });
});

describe("the reference against the pool's own price (synthetic price paths)", () => {
  // SYNTHETIC: a sine-shaped price path, to pin the message for each kind of mismatch. WETH/USDT: token0 WETH (18), token1 USDT (6), ETH at about 2,000 USDT: raw token1 per raw token0 = 2000e-12.
  const pair = { symbols: ["WETH", "USDT"] as [string, string], decimals: [18, 6] as [number, number], quote: 1 as const };
  const times = Float64Array.from({ length: 600 }, (_, i) => 1.7e9 + 60 * i);
  const poolRaw = (i: number) => (2000 + Math.sin(i / 50) * 20) * 1e-12;
  const pool = { time: times, n: times.length, rawPrice: poolRaw };
  /** A reference of `human(i)` per row, converted as loadReference does for `quote` and `decimals`. */
  const ref = (human: (i: number) => number, quote: 0 | 1, decimals: [number, number], shift = 0): ReferenceSeries => ({
    time: Float64Array.from(times, (t) => t + shift),
    price: Float64Array.from(times, (_, i) => (quote === 0 ? 1 / human(i) : human(i)) * 10 ** (decimals[1] - decimals[0])),
    file: "ref.csv",
  });

  it("accepts the right series (Binance ETH/USDT as WETH in USDT, quote 1)", () => {
    const c = checkReference(ref((i) => poolRaw(i) * 1e12 * 1.001, 1, [18, 6]), pool, pair);
    expect(c.ratio).toBeCloseTo(1.001, 6);
    expect(c.coverage).toBe(1);
  });

  it("names the file and says what a wrong series looks like: the inverse, wrong decimals, another asset", () => {
    // Values in WETH (--quote 0) with an ETH/USDT series: read as USDT in WETH, it is the inverse.
    const inverse = err(() => checkReference(ref((i) => poolRaw(i) * 1e12, 0, [18, 6]), pool, { ...pair, quote: 0 }));
    expect(inverse).toMatch(/^ref\.csv: reference does not match the pool: its median 2,00\d \(read as USDT in WETH\) .* the pool's own price of USDT in WETH, 4\.99\de-4; it is the inverse, the price of WETH in USDT: pass --quote 1/);
    expect(inverse).not.toContain("\n");
    // The shipped pair's decimals (6,18) on WETH/USDT.
    expect(err(() => checkReference(ref((i) => poolRaw(i) * 1e12, 1, [6, 18]), pool, { ...pair, decimals: [6, 18] }))).toMatch(/off by 10\^24: wrong decimals \(now 6,18\)\? pass --decimals/);
    // A BTC series.
    expect(err(() => checkReference(ref(() => 43_000, 1, [18, 6]), pool, pair))).toMatch(/21\.4\d times the pool's own price of WETH in USDT, 2,00\d; not this pair's price: another asset or market\?$/);
  });

  it("refuses a reference that does not overlap the history", () => {
    expect(err(() => checkReference(ref((i) => poolRaw(i) * 1e12, 1, [18, 6], 86_400), pool, pair))).toMatch(/^ref\.csv: the reference covers .* the history .*: they do not overlap/);
  });

  it("refuses one that covers only part of the history, and takes one that starts or ends minutes short of it", () => {
    // Shifted by 2 hours: the history's first 2 of its 10 hours lie before the reference starts.
    expect(err(() => checkReference(ref((i) => poolRaw(i) * 1e12, 1, [18, 6], 7_200), pool, pair))).toBe(
      "ref.csv: the reference covers 2023-11-15T00:13 .. 2023-11-15T10:12 UTC, only 80.0% of the history's events (2023-11-14T22:13 .. 2023-11-15T08:12 UTC); give a reference covering the history, or --from/--to inside the reference's dates",
    );
    expect(checkReference(ref((i) => poolRaw(i) * 1e12, 1, [18, 6], 300), pool, pair).coverage).toBeCloseTo(595 / 600, 9);
    expect(checkReference(ref((i) => poolRaw(i) * 1e12, 1, [18, 6], -300), pool, pair).coverage).toBeCloseTo(595 / 600, 9);
  });
});

describe("the price between a reference's samples", () => {
  const series = (sampled: boolean): ReferenceSeries => ({ time: Float64Array.of(60, 120, 180), price: Float64Array.of(100, 200, 50), file: "ref.csv", sampled });

  it("a CEX's closes are interpolated log-linearly; the pool's own price is a step", () => {
    const cex = series(true);
    expect(priceAt(cex, 60)).toBe(100);
    expect(priceAt(cex, 90)).toBeCloseTo(100 * Math.SQRT2, 9);
    expect(priceAt(cex, 119)).toBeCloseTo(100 * 2 ** (59 / 60), 9);
    expect(priceAt(cex, 150)).toBeCloseTo(100, 9);
    expect([priceAt(cex, 0), priceAt(cex, 500)]).toEqual([100, 50]);
    // what a decision at t may know: the last close; interpolated only towards a sample known by then
    expect([priceAt(cex, 90, { causal: true }), priceAt(cex, 120, { causal: true })]).toEqual([100, 200]);
    expect(priceAt(cex, 90, { knownBy: 120 })).toBeCloseTo(100 * Math.SQRT2, 9);
    expect(priceAt(cex, 90, { knownBy: 119 })).toBe(100);
    const own = series(false);
    expect([priceAt(own, 90), priceAt(own, 119), priceAt(own, 120), priceAt(own, 0), priceAt(own, 500)]).toEqual([100, 100, 200, 100, 50]);
  });

  it("loadReference marks a file's series as sampled", () => {
    expect(loadReference(BINANCE, { quote: 0, decimals0: 6, decimals1: 18 }).sampled).toBe(true);
  });
});

// A real excerpt: the Uniswap v3 WETH/oSQTH 0.3% pool on mainnet, 2024-01-05 (token0 = WETH, both
// 18 decimals), named by its address only, as demeter-fetch names its files; not in the pool table.
const OSQTH = "test/fixtures/history/ethereum-0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c-2024-01-05.pool.tick.csv";
const MAINNET_DAY = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz";
const BINANCE = "data/reference-binance-ethusdt/binance-ethusdt-1m-2023-11-09..2023-11-11.csv.gz";

describe("a real pool outside the table, named by address only (WETH/oSQTH 0.3%, token0 = WETH)", () => {
  it("is refused without --quote and --decimals, in one line naming the file and the flags", () => {
    const m = err(() => resolvePair([OSQTH], {}, loadPoolEvents(OSQTH)));
    expect(m).toBe(`${OSQTH}: pool ethereum 0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c is not in the pool table (history/pools.ts) and the file name carries no token symbols: pass --quote 0|1 and --decimals D0,D1`);
    expect(err(() => resolvePair([OSQTH], { quote: 0 }))).toMatch(/: pass --decimals D0,D1$/);
  });

  it("with the flags: its fee tier inferred from its own rows (3000 pips), tick spacing 60", () => {
    const ev = loadPoolEvents(OSQTH);
    const r = inferFeeTier(ev);
    expect(r.feePips).toBe(3000);
    expect(Math.abs(r.medianPips - 3000)).toBeLessThan(0.01);
    expect(r.swaps).toBe(12);
    const p = resolvePair([OSQTH], { quote: 0, decimals: [18, 18] }, ev);
    expect(p).toMatchObject({ chain: "ethereum", address: "0x82c427adfdf2d245ec51d8046b41c4ee87f0d29c", decimals: [18, 18], quote: 0, feePips: 3000, tickSpacing: 60 });
    expect(p.how.fee).toMatch(/^inferred from 12 swaps/);
  });

  it("replays in the flags' units, the inferred fee as its historical fee, the pair in the report", async () => {
    const o: BacktestOptions = { ...defaultOptions(), source: "swaps", input: OSQTH, quote: 0, decimals: [18, 18], statics: [30], ewma: false, foresight: false };
    const h = loadHistory(o);
    expect(h.pair.feePips).toBe(3000);
    expect(h.events.fee[0]).toBe(3000);
    const out = await runBacktest(o, undefined, undefined, h);
    expect(out.quoteName).toBe("token0");
    expect(out.report.assumptions[0]).toMatch(/^pair token0\/token1 .*decimals 18,18 \(--decimals\); values in token0 \(--quote\); historical fee 3000 pips \(inferred from 12 swaps/);
    // The historical fee tier charged on the historical swaps: a static 30 bp policy earns fees.
    expect(out.report.policies[0]!.name).toBe("static-30bp");
    expect(out.report.policies[0]!.feeRevenue).toBeGreaterThan(0);
  });
});

describe("the reference on real data: the mainnet USDC/WETH 0.05% day against Binance ETH/USDT minutes", () => {
  const base: BacktestOptions = { ...defaultOptions(), source: "swaps", input: MAINNET_DAY, reference: BINANCE };
  const check = (o: Partial<BacktestOptions>) => {
    const bt = { ...base, ...o };
    const h = loadHistory(bt);
    return referenceFor(bt, h.events, h.pair);
  };

  it("accepts it with the inferred pair (USDC quote, 6/18): median ratio within 1% (USDT is not USDC)", () => {
    const { reference, line } = check({});
    expect(reference!.time.length).toBe(4320);
    const ratio = Number(/median ratio ([\d.]+)/.exec(line!)![1]);
    expect(Math.abs(ratio - 1)).toBeLessThan(0.01);
  });

  it("refuses it with the wrong quote (the inverse) or the wrong decimals (a power of ten), naming the file", () => {
    expect(err(() => check({ quote: 1 }))).toMatch(new RegExp(`^${BINANCE.replace(/[.]/g, "\\.")}: reference does not match the pool: .* it is the inverse, the price of WETH in USDC: pass --quote 0`));
    expect(err(() => check({ decimals: [18, 6] }))).toMatch(/: reference does not match the pool: .* off by 10\^24: wrong decimals \(now 18,6\)\? pass --decimals D0,D1$/);
  });

  it("a minute bar's move is measured against the CEX price of the same minute, not the one before (LVR's sign)", () => {
    // The 35-day Polygon bars' first two days against Binance: the bar's close is the pool's price at
    // the minute's end, and so is Binance's row of that minute. The last close at or before the bar's
    // move (a minute stale) made the pool lead the market: LVR -30,026 USDC, the LPs "gaining" from
    // arbitrage; against the pool's own price LVR is +64,057.
    const bars: BacktestOptions = { ...defaultOptions(), source: "bars", input: "data/polygon-usdc-weth-005-minute", from: "2022-07-19", to: "2022-07-21", statics: [5], ewma: false, foresight: false, models: [] };
    const lvr = async (reference?: string) => (await runBacktest({ ...bars, reference })).report.policies[0]!.lvr;
    return Promise.all([lvr("data/reference-binance-ethusdt/binance-ethusdt-1m-2022-07-18..2022-08-23.csv.gz"), lvr()]).then(([cex, own]) => {
      expect(own).toBeGreaterThan(60_000);
      expect(cex).toBeGreaterThan(own * 0.8);
      expect(cex).toBeLessThan(own * 1.5);
    });
  });

  it("the policy fit needs a reference for the ranges it replays only, not for the whole file they are cut from", () => {
    // The real Binance minutes of 2023-11-10 from 12:00 on: they cover an afternoon's validation and
    // evening's test, not the morning of the same file.
    const dir = mkdtempSync(path.join(tmpdir(), "history-pair-ref-"));
    const afternoon = path.join(dir, "binance-afternoon.csv");
    const noon = Date.parse("2023-11-10T12:00:00Z") / 1000;
    const lines = gunzipSync(readFileSync(BINANCE)).toString("utf8").trim().split("\n");
    writeFileSync(afternoon, [lines[0], ...lines.slice(1).filter((l) => Number(l.split(",")[0]) >= noon)].join("\n") + "\n");
    const at = (hour: number) => Date.parse(`2023-11-10T${String(hour).padStart(2, "0")}:00:00Z`) / 1000;
    const fit = (from: number) => preparePolicyFit({ source: "swaps", input: MAINNET_DAY, reference: afternoon, validation: { from, to: at(18) }, test: { from: at(18), to: at(23) }, elasticities: [0.1], shipElasticity: 0.1, period: 60 });
    expect(fit(at(14)).history.events.n).toBeGreaterThan(6000);
    expect(err(() => fit(at(6)))).toMatch(/binance-afternoon\.csv: the reference covers 2023-11-10T12:00 \.\. .*, only \d+\.\d% of the history's events \(2023-11-10T06:00/);
  });

  it("refuses a reference of other dates: the WETH/oSQTH day of 2024 against the 2023 minutes", () => {
    const bt: BacktestOptions = { ...base, input: OSQTH, quote: 0, decimals: [18, 18] };
    const h = loadHistory(bt);
    expect(err(() => referenceFor(bt, h.events, h.pair))).toMatch(/: the reference covers 2023-11-09T00:01 \.\. 2023-11-12T00:00 UTC, the history 2024-01-05T01:50 \.\. 2024-01-05T23:15 UTC: they do not overlap/);
  });

  it("minute bars of a pool whose fee nothing tells need --historical-fee", () => {
    // The real shipped minute file of the 0.05% pool, under a name that says nothing about its pool.
    const dir = mkdtempSync(path.join(tmpdir(), "history-pair-"));
    const file = path.join(dir, "history.minute.csv.gz");
    copyFileSync("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.minute.csv.gz", file);
    const bars: BacktestOptions = { ...base, reference: undefined, source: "bars", input: file };
    expect(err(() => loadHistory(bars))).toBe(`${file}: cannot tell the pool's historical fee from the file name or the pool table (minute bars carry no swaps to infer it from); pass --historical-fee <pips>`);
    const h = loadHistory({ ...bars, historicalFee: 500 });
    expect(h.pair).toMatchObject({ feePips: 500, tickSpacing: 10, decimals: [6, 18], quote: 0 });
    expect(h.pair.how.decimals).toMatch(/default/);
  });
});

describe("the pair flags: one parser for train and backtest", () => {
  const refusal = (v: Parameters<typeof parsePairFlags>[0]) => {
    try {
      parsePairFlags(v);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  it("reads each flag and refuses each bad value naming its flag", () => {
    expect(parsePairFlags({ quote: "1", decimals: "18,6", "historical-fee": "3000", "tick-spacing": "60" })).toEqual({ quote: 1, decimals: [18, 6], historicalFee: 3000, tickSpacing: 60 });
    expect(refusal({ quote: "2" })).toMatch(/^--quote: /);
    expect(refusal({ decimals: "18" })).toBe("--decimals: expected D0,D1 (integers in [0, 36]), got '18'");
    expect(refusal({ decimals: "18,x" })).toMatch(/^--decimals: /);
    expect(refusal({ decimals: "18,40" })).toMatch(/^--decimals: /);
    expect(refusal({ "historical-fee": "1000000" })).toMatch(/^--historical-fee: /);
    expect(refusal({ "tick-spacing": "0" })).toMatch(/^--tick-spacing: /);
  });

  // The bin as a user runs it, from another folder (paths absolute).
  const BIN = path.resolve("bin/provenfee.js");
  const provenfee = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmpdir(), encoding: "utf8", timeout: 120_000 });
    return { code: r.status, lines: r.stderr.trim().split("\n") };
  };
  const abs = (f: string) => path.resolve(f);

  it.each(["train", "backtest"])("%s: a typo gets 'did you mean', a bad value exit 2, both one line", (job) => {
    expect(provenfee([job, "--qoute", "1"])).toEqual({ code: 2, lines: [`provenfee ${job}: --qoute: unknown option (did you mean --quote?)`] });
    expect(provenfee([job, "--decimal", "18,6"])).toEqual({ code: 2, lines: [`provenfee ${job}: --decimal: unknown option (did you mean --decimals?)`] });
    expect(provenfee([job, job === "train" ? "--data" : "--swaps", abs(MAINNET_DAY), "--decimals", "18"])).toEqual({ code: 2, lines: [`provenfee ${job}: --decimals: expected D0,D1 (integers in [0, 36]), got '18'`] });
  });

  it("train refuses the wrong quote against the reference before it fits anything: exit 1, one line", () => {
    const r = provenfee(["train", "--data", abs(MAINNET_DAY), "--reference", abs(BINANCE), "--quote", "1", "--quiet", "--out", path.join(tmpdir(), "history-pair-never.json")]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^provenfee train: .*binance-ethusdt-1m-2023-11-09\.\.2023-11-11\.csv\.gz: reference does not match the pool: .*pass --quote 0/);
  });
});

describe("bad rows: one reader, the same one-line error from both views (training's and the replay's)", () => {
  // The real WETH/oSQTH excerpt with one field corrupted here (a corrupted copy, not history).
  const lines = readFileSync(OSQTH, "utf8").trimEnd().split("\n");
  const header = lines[0]!.split(",");
  const dir = mkdtempSync(path.join(tmpdir(), "history-bad-"));
  const corrupt = (name: string, row: number, field: string, value: string, extraColumn?: string) => {
    const out = lines.map((l, i) => {
      const cells = l.split(",");
      if (extraColumn) cells.push(i === 0 ? extraColumn : "3000");
      if (i === row - 1) cells[header.indexOf(field) >= 0 ? header.indexOf(field) : cells.length - 1] = value;
      return cells.join(",");
    });
    const file = path.join(dir, `${name}.tick.csv`);
    writeFileSync(file, `${out.join("\n")}\n`);
    return file;
  };
  const cases: [string, string, string][] = [
    // name, file, expected message after "<file>: "
    ["tick", corrupt("tick", 4, "current_tick", "12.5"), `row 4: field 'current_tick': cannot parse "12.5" as an integer`],
    ["block", corrupt("block", 4, "block_number", "18937920"), "row 4: field 'block_number': event is earlier than the one before it"],
    ["type", corrupt("type", 2, "tx_type", "FLASH"), `row 2: field 'tx_type': unknown event type "FLASH" (expected SWAP, MINT, BURN or COLLECT)`],
    ["time", corrupt("time", 2, "block_timestamp", "yesterday"), `row 2: field 'block_timestamp': cannot parse "yesterday" as a UTC timestamp`],
    ["fee", corrupt("fee", 2, "fee", "2000000", "fee"), "row 2: field 'fee': 2000000 pips is outside [0, 1000000]"],
  ];

  it.each(cases)("%s", (_, file, message) => {
    const a = err(() => loadSwaps(file));
    const b = err(() => loadPoolEvents(file));
    expect(a.startsWith(`${file}: ${message}`), a).toBe(true);
    expect(b.startsWith(`${file}: ${message}`), b).toBe(true);
    expect(a).not.toContain("\n");
  });

  it("a ragged row and a tick that contradicts sqrtPriceX96 (the replay reads the price columns too)", () => {
    const ragged = path.join(dir, "ragged.tick.csv");
    writeFileSync(ragged, `${[...lines.slice(0, 3), `${lines[3]},x`, ...lines.slice(4)].join("\n")}\n`);
    expect(err(() => loadSwaps(ragged))).toBe(`${ragged}: row 4: has 18 fields, the header has 17`);
    expect(err(() => loadPoolEvents(corrupt("absurd", 2, "current_tick", "-28444")))).toMatch(/: row 2: field 'current_tick': -28444 does not match sqrtPriceX96 \d+ \(tick 28444\): absurd price or corrupted row$/);
  });
});
