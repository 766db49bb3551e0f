import { beforeAll, describe, expect, it } from "vitest";
import { emptyOracleState, featuresAsOf, loadModel, periodCloses, recordClose, type Model } from "../model/index.ts";
import { EV_SWAP, loadMinuteBarsFull, loadPoolEvents, loadReference } from "../history/index.ts";
import { eventsFromMinuteBars, eventsFromSwaps, replay, sliceEvents, warmupBefore, type ReplayEvents } from "../backtest/replay.ts";
import { ewmaPolicy, foresightPolicy, modelPolicy, staticPolicy, type FeePolicy } from "../backtest/policy.ts";
import { Oracle } from "../backtest/oracle.ts";
import { Pool, fullRangeTicks } from "../backtest/pool.ts";
import { Rng } from "../backtest/rng.ts";
import { sqrtPriceAtTick } from "../backtest/v4math.ts";

const MAINNET = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const REL_PRICE = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.rel-price.csv.gz";
const valuation = { quote: 0 as const, decimals0: 6, decimals1: 18 };

let events: ReplayEvents;
let model: Model;
beforeAll(async () => {
  events = eventsFromSwaps(loadPoolEvents(MAINNET));
  model = await loadModel("model/default-model.json");
});

describe("historical replay on the shipped mainnet day (USDC/WETH 0.05%, 2024-01-05)", () => {
  it("reproduces the historical swaps: output amounts to the wei, fees at the historical 5 bp", () => {
    const r = replay(events, [staticPolicy(5)], { counterfactual: "same", valuation });
    const s = r.stats;
    expect(s.swaps).toBeGreaterThan(6000);
    console.log(`replay reproduced ${s.outputExact} of ${s.outputChecked} swaps' output amounts exactly (median relative error ${s.outputMedianRelError}); ${s.calibrations} liquidity corrections, ${s.solvedBuckets} buckets solved from amounts`);
    expect(s.outputExact / s.outputChecked).toBeGreaterThan(0.97);
    expect(s.outputMedianRelError).toBe(0);
    // Historical fees at 5 bp, from the rows: the input amount (fee included) times 500 / 1e6,
    // valued like the ledger values them (token1 at the reference price of the moment).
    let histQuote = 0;
    for (let i = 1; i < events.n; i++) {
      if (events.kind[i] !== EV_SWAP || events.segmentStart[i]) continue;
      const a0 = Number(events.amount0[i]!);
      const a1 = Number(events.amount1[i]!);
      histQuote += a0 > 0 ? (a0 * 500) / 1e6 / 1e6 : (a1 * 500) / 1e6 / r.priceAt(events.time[i]!) / 1e6;
    }
    const ours = r.policies[0]!.ledger.feeRevenue;
    expect(Math.abs(ours / histQuote - 1)).toBeLessThan(0.005);
  });

  it("(a) prices every policy's fee exactly as a pool charging that fee would (per-step ceil)", () => {
    const rng = new Rng("per-step-fee");
    const pool = new Pool({ sqrtPriceX96: sqrtPriceAtTick(199_000), tickSpacing: 10, lpFee: 500 });
    pool.modifyLiquidity({ ...fullRangeTicks(10), liquidityDelta: 10n ** 19n });
    for (let k = 0; k < 60; k++) {
      const lo = 199_000 + rng.int(-100, 100) * 10;
      pool.modifyLiquidity({ tickLower: lo, tickUpper: lo + rng.int(1, 20) * 10, liquidityDelta: 10n ** 18n * BigInt(rng.int(1, 50)), salt: String(k) });
    }
    for (let k = 0; k < 300; k++) {
      const zeroForOne = rng.next() < 0.5;
      const target = sqrtPriceAtTick(pool.tick + (zeroForOne ? -rng.int(1, 400) : rng.int(1, 400))) + 777n;
      const fee = [1, 100, 500, 3000, 10000, 123456][rng.int(0, 5)]!;
      const other = pool.clone();
      const ins: bigint[] = [];
      pool.stepIns = ins;
      pool.swap(zeroForOne, -(1n << 200n), target, 500);
      pool.stepIns = null;
      const charged = other.swap(zeroForOne, -(1n << 200n), target, fee).feeAmount;
      const f = BigInt(fee);
      const priced = ins.reduce((a, x) => a + (x * f + 999_999n - f) / (1_000_000n - f), 0n);
      expect(priced).toBe(charged);
    }
  });

  it("(b) with the historical fee stays close to (a): the re-sizing is consistent", () => {
    const a = replay(events, [staticPolicy(5)], { counterfactual: "same", valuation }).policies[0]!.ledger;
    const b = replay(events, [staticPolicy(5)], { counterfactual: "resize", valuation, elasticity: 0.02 }).policies[0]!.ledger;
    expect(Math.abs(b.feeRevenue / a.feeRevenue - 1)).toBeLessThan(0.03);
    expect(Math.abs(b.lvrTotal / a.lvrTotal - 1)).toBeLessThan(0.1);
    expect(b.trades[0]).toBeGreaterThan(a.trades[0]! * 0.95);
  });

  it("(b) a higher fee keeps less uninformed volume and fewer arbitrage trades", () => {
    const r = replay(events, [staticPolicy(1), staticPolicy(5), staticPolicy(30)], { counterfactual: "resize", valuation, elasticity: 0.02 });
    const [lo, mid, hi] = r.policies;
    expect(lo!.ledger.trades[0]!).toBeGreaterThan(0);
    expect(lo!.volumeRetained).toBeCloseTo(Math.exp(0.02 * 4), 3);
    expect(hi!.volumeRetained).toBeCloseTo(Math.exp(-0.02 * 25), 3);
    expect(hi!.ledger.trades[0]!).toBeLessThan(mid!.ledger.trades[0]! / 2);
  });

  it("takes a CEX-style reference series for LVR, markouts and re-sizing", () => {
    const ref = loadReference(REL_PRICE, { column: "eth", ...valuation });
    const r = replay(events, [staticPolicy(5)], { counterfactual: "resize", valuation, reference: ref });
    expect(r.assumptions.join(" ")).toContain("rel-price");
    const L = r.policies[0]!.ledger;
    expect(Number.isFinite(L.lvrTotal) && L.lvrTotal !== 0).toBe(true);
  });
});

describe("walk-forward: a policy never sees data from the period it prices or later", () => {
  function feesOf(policy: () => FeePolicy, ev: ReplayEvents, mode: "same" | "resize"): Map<number, number> {
    const r = replay(ev, [policy()], { counterfactual: mode, valuation });
    const L = r.policies[0]!.ledger;
    return new Map(L.feePeriods.map((p, i) => [p, L.feeValues[i]!]));
  }

  for (const mode of ["same", "resize"] as const) {
    it(`(${mode}) fees before a cut are identical whether or not the data after the cut exists`, () => {
      const cut = events.time[0]! + 13 * 3600 + 17 * 60 + 5;
      const truncated = sliceEvents(events, -Infinity, cut);
      for (const make of [() => modelPolicy(model), () => ewmaPolicy()]) {
        const full = feesOf(make, events, mode);
        const part = feesOf(make, truncated, mode);
        // Under (b) a past trade's arbitrage label uses its markout 60 s later (the market's
        // information, not the policy's), so the comparison stops one classification horizon early.
        const limit = Math.floor((cut - (mode === "resize" ? 60 : 0)) / 60);
        let compared = 0;
        for (const [p, fee] of part) {
          if (p >= limit) continue;
          expect(full.get(p), `period ${p}`).toBe(fee);
          compared++;
        }
        expect(compared).toBeGreaterThan(500);
      }
    });
  }

  it("(same) a range replayed with the swaps before it as warm-up prices every period as the whole history does", () => {
    const from = events.time[0]! + 14 * 3600 + 24 * 60;
    const range = sliceEvents(events, from, Infinity);
    const full = feesOf(() => modelPolicy(model), events, "same");
    const feesWith = (warmup?: ReturnType<typeof warmupBefore>) => {
      const L = replay(range, [modelPolicy(model)], { counterfactual: "same", valuation, warmup }).policies[0]!.ledger;
      return new Map(L.feePeriods.map((p, i) => [p, L.feeValues[i]!]));
    };
    const warm = feesWith(warmupBefore(events, from));
    const cold = feesWith();
    expect(warm.size).toBeGreaterThan(400);
    for (const [p, fee] of warm) expect(full.get(p), `period ${p}`).toBe(fee);
    // without it the first periods rest on a handful of moves
    expect([...cold].filter(([p, fee]) => full.get(p) !== fee).length).toBeGreaterThan(10);
  });

  it("the features a policy gets equal model/'s oracle over the swaps strictly before the period", () => {
    const seen: { period: number; features: bigint[] }[] = [];
    const spy: FeePolicy = {
      name: "spy",
      feeFor(ctx) {
        if (ctx.period % 37 === 0) seen.push({ period: ctx.period, features: ctx.features() });
        return 500;
      },
    };
    replay(events, [spy], { counterfactual: "same", valuation });
    expect(seen.length).toBeGreaterThan(20);
    const times: number[] = [];
    const ticks: number[] = [];
    for (let i = 0; i < events.n; i++) {
      if (events.kind[i] !== EV_SWAP) continue;
      times.push(events.time[i]!);
      ticks.push(events.tickAfter[i]!);
    }
    for (const { period, features } of seen) {
      const k = times.findIndex((t) => t >= period * 60);
      const before = k < 0 ? times.length : k;
      const closes = periodCloses(times.slice(0, before), ticks.slice(0, before), 60);
      const state = emptyOracleState();
      for (const c of closes) recordClose(state, c.period, c.tick);
      expect(features).toEqual(featuresAsOf(state, period - 1));
    }
  });

  it("the oracle refuses a period that is not complete, and only a foresight policy may read the future", () => {
    const o = new Oracle(60);
    o.onSwap(600, 10);
    o.onSwap(700, 12);
    expect(() => o.features(11, 11)).toThrow(/look-ahead/);
    const sneaky: FeePolicy = { name: "sneaky", feeFor: (ctx) => Math.round(ctx.futureVariance(30)) };
    expect(() => replay(events, [sneaky], { counterfactual: "same", valuation })).toThrow(/only a foresight policy/);
    expect(() => replay(events, [foresightPolicy(model.file.policy, 30)], { counterfactual: "same", valuation })).not.toThrow();
  });
});

describe("minute bars, as demeter replays them", () => {
  it("replays a week of Polygon minute bars with price moves and two-way volume", () => {
    const bars = eventsFromMinuteBars(loadMinuteBarsFull("data/polygon-usdc-weth-005-minute"));
    const week = sliceEvents(bars, Date.parse("2022-07-20T00:00:00Z") / 1000, Date.parse("2022-07-27T00:00:00Z") / 1000);
    const r = replay(week, [staticPolicy(5), staticPolicy(30), modelPolicy(model)], { counterfactual: "same", valuation });
    expect(r.stats.swaps).toBeGreaterThan(8000);
    const [five, thirty] = r.policies;
    // Same swaps: a bar pays f x its gross inflow, so fees scale with the fee (rounding to raw units
    // aside); LVR does not depend on it.
    expect(thirty!.ledger.feeRevenue / five!.ledger.feeRevenue).toBeCloseTo(6, 6);
    expect(thirty!.ledger.lvrTotal).toBeCloseTo(five!.ledger.lvrTotal, 6);
    // Most of a bar's volume is two-way flow that pays fees without moving the price.
    expect(five!.ledger.volume[1]!).toBeGreaterThan(five!.ledger.volume[0]!);
  });
});

describe("per-block fees (policies with everyBlock)", () => {
  it("are asked at each new block within a period, see the pool's tick before it, and reprice what follows", () => {
    const day = sliceEvents(events, Date.parse("2024-01-05T00:00:00Z") / 1000, Date.parse("2024-01-05T03:00:00Z") / 1000);
    for (const counterfactual of ["same", "resize"] as const) {
      const asks: { block: number | undefined; period: number; poolTick: number | undefined }[] = [];
      // 30 bp at period starts, 5 bp at every later block of the period.
      const blocky: FeePolicy = {
        name: "blocky",
        everyBlock: true,
        feeFor: (ctx) => {
          asks.push({ block: ctx.block, period: ctx.period, poolTick: ctx.poolTick });
          return ctx.block === undefined ? 3000 : 500;
        },
      };
      const flat: FeePolicy = { name: "flat", everyBlock: true, feeFor: () => 500 };
      const r = replay(day, [staticPolicy(5), staticPolicy(30), blocky, flat], { counterfactual, valuation });
      const [five, thirty, b, f] = r.policies;
      // One ask per period with a trade, one per further block with a trade in it.
      const blocksByPeriod = new Map<number, Set<number>>();
      for (let i = 0; i < day.n; i++) {
        if (day.kind[i] !== EV_SWAP) continue;
        const p = Math.floor(day.time[i]! / 60);
        if (!blocksByPeriod.has(p)) blocksByPeriod.set(p, new Set());
        blocksByPeriod.get(p)!.add(day.block[i]!);
      }
      const periodAsks = asks.filter((a) => a.block === undefined).length;
      const blockAsks = asks.filter((a) => a.block !== undefined);
      expect(blockAsks.length).toBe([...blocksByPeriod.values()].reduce((s, v) => s + v.size - 1, 0) + (periodAsks - blocksByPeriod.size));
      expect(blockAsks.length).toBeGreaterThan(100);
      for (const a of blockAsks) expect(blocksByPeriod.get(a.period)!.has(a.block!)).toBe(true);
      for (const a of blockAsks) expect(Number.isInteger(a.poolTick)).toBe(true);
      // A per-block policy with a constant fee is the static policy: never an update, the same revenue.
      expect(f!.ledger.feeUpdates).toBe(0);
      expect(f!.ledger.feeRevenue).toBeCloseTo(five!.ledger.feeRevenue, 6);
      // 30 bp on each period's first block, 5 bp after: in between the two static tiers, changing often.
      expect(b!.ledger.feeRevenue).toBeGreaterThan(counterfactual === "same" ? five!.ledger.feeRevenue : 0);
      if (counterfactual === "same") expect(b!.ledger.feeRevenue).toBeLessThan(thirty!.ledger.feeRevenue);
      expect(b!.ledger.feeUpdates).toBeGreaterThan(100);
    }
  });
});
