// The update rule (model/updateRule.ts): its decisions, the backtester counting exactly the updates
// it sends, and the keeper (keeper/updateRule.ts, the code keeper.ts runs) making the same decisions
// as the backtester on the same history.
import { beforeAll, describe, expect, it } from "vitest";
import { emptyOracleState, evaluateFixed, featuresAsOf, loadModel, recordClose, type Model } from "../model/index.ts";
import {
  decideUpdate, DEFAULT_RULE_SETTINGS, FeeBaseWindow, gasCostInQuote, gasTokenPriceInQuote, rawPriceOf, swapValueInQuote, type UpdateRuleInputs,
} from "../model/updateRule.ts";
import { EV_SWAP, loadPoolEvents, loadReference, type PoolEvents } from "../history/index.ts";
import { eventsFromSwaps, replay, sliceEvents, type ReplayEvents } from "../backtest/replay.ts";
import { computeReport } from "../backtest/metrics.ts";
import { modelPolicy, OPEN_TERMS, staticPolicy, type FeePolicy, type RuleDecisionRecord, type UpdateAccounting } from "../backtest/policy.ts";
import { defaultOptions, runBacktest } from "../backtest/run.ts";
import { keeperDecision, SwapFeeBase, type GasPricing } from "../keeper/updateRule.ts";

const MAINNET = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const POLYGON_THIN = "data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2021-12-22.tick.csv.gz";
const valuation = { quote: 0 as const, decimals0: 6, decimals1: 18 };

const base: UpdateRuleInputs = { currentFee: 900, candidateFee: 950, onFallback: false, fallbackFee: 3000, periodsLeft: 40, feeBase: 1_000_000, horizon: 30, gasCost: 10 };
const rule = DEFAULT_RULE_SETTINGS;
const always = { ...DEFAULT_RULE_SETTINGS, keepAlive: "always" as const };

describe("the rule", () => {
  it("sends a change worth more than its gas, and says why", () => {
    // 50 pips on 1,000,000 traded: 50 of LP fees over the horizon, against 10 of gas.
    const d = decideUpdate(base, rule);
    expect(d).toMatchObject({ send: true, value: 50, cost: 10 });
    expect(d.reason).toBe("fee 900 -> 950 pips: pays, 50 of LP fees over 30 periods (on 1,000,000 traded in the last 30) > 10 of gas");
    // Down as well as up: the fee at stake is |change| x the fee base.
    expect(decideUpdate({ ...base, candidateFee: 850 }, rule).send).toBe(true);
  });

  it("skips a change not worth its gas, an unchanged fee, and a change whose value only equals its gas", () => {
    const d = decideUpdate({ ...base, gasCost: 60 }, rule);
    expect(d.send).toBe(false);
    expect(d.reason).toBe("fee 900 -> 950 pips: does not pay, 50 of LP fees over 30 periods (on 1,000,000 traded in the last 30) <= 60 of gas");
    expect(decideUpdate({ ...base, candidateFee: 900 }, rule)).toMatchObject({ send: false, reason: "fee unchanged at 900 pips" });
    expect(decideUpdate({ ...base, gasCost: 50 }, rule).send).toBe(false);
    expect(decideUpdate({ ...base, gasCost: 49.999 }, rule).send).toBe(true);
    // No trades in the window: no change pays.
    expect(decideUpdate({ ...base, feeBase: 0, gasCost: 1e-12 }, rule).send).toBe(false);
  });

  it("keep-alive always: sends when the pool would fall back within keepAlivePeriods, or is on its fallback fee, in both modes", () => {
    const never = { ...base, candidateFee: 900, gasCost: 1e9 };
    for (const mode of ["pays", "off"] as const) {
      const s = { ...always, mode, minChangePips: 100 };
      expect(decideUpdate({ ...never, periodsLeft: s.keepAlivePeriods + 1 }, s).send).toBe(false);
      const at = decideUpdate({ ...never, periodsLeft: s.keepAlivePeriods }, s);
      expect(at.send).toBe(true);
      expect(at.reason).toBe("keep-alive: the pool falls back in 2 periods without an update; fee 900 -> 900 pips");
      expect(decideUpdate({ ...never, periodsLeft: 1 }, s).send).toBe(true);
      expect(decideUpdate({ ...never, periodsLeft: -5 }, s).reason).toMatch(/falls back in 0 periods/);
      expect(decideUpdate({ ...never, onFallback: true }, s)).toMatchObject({ send: true, reason: "the pool is on its fallback fee; fee 900 -> 900 pips" });
    }
  });

  it("keep-alive on-change (the default): a lapse is a change to the fallback fee, sent only when that change would be", () => {
    expect(rule.keepAlive).toBe("on-change");
    // Due (2 periods left): without an update the pool charges 900 for 2 more periods, then 3000; the
    // update is worth the mean change over the horizon: (0 x 2 + 2100 x 28) / 30 = 1960 pips.
    const due = { ...base, periodsLeft: 2 };
    expect(decideUpdate({ ...due, candidateFee: 900 }, rule)).toMatchObject({
      send: true, value: 1960, reason: "keep-alive: the pool falls back to its fallback fee 3000 pips in 2 periods without an update; fee 900 -> 900 pips for 2 periods, then 3000 -> 900: pays, 1,960 of LP fees over 30 periods (on 1,000,000 traded in the last 30) > 10 of gas",
    });
    // A candidate at the fallback fee: only the 2 periods left at 900 are at stake (2100 x 2 / 30 = 140).
    expect(decideUpdate({ ...due, candidateFee: 3000 }, rule)).toMatchObject({ send: true, value: 140 });
    expect(decideUpdate({ ...due, candidateFee: 3000, gasCost: 140 }, rule).send).toBe(false);
    // A pool already at its fallback fee: falling back is no change, so no keep-alive.
    const atFallback = { ...due, currentFee: 3000 };
    expect(decideUpdate({ ...atFallback, candidateFee: 3000 }, rule)).toMatchObject({ send: false, value: 0, reason: "keep-alive: the pool falls back to its fallback fee 3000 pips in 2 periods without an update; fee unchanged at 3000 pips" });
    // Near it: 10 pips on 1,000,000 is 10 of LP fees, not more than 10 of gas; 11 pips is.
    expect(decideUpdate({ ...atFallback, candidateFee: 2990 }, rule).send).toBe(false);
    expect(decideUpdate({ ...atFallback, candidateFee: 3011 }, rule).send).toBe(true);
    // Not yet due: the change from the fee the pool charges (900 -> 2990 pays here).
    expect(decideUpdate({ ...base, periodsLeft: 3, candidateFee: 2990 }, rule)).toMatchObject({ send: true, value: 2090 });
    expect(decideUpdate({ ...base, periodsLeft: 3, candidateFee: 900 }, rule)).toMatchObject({ send: false, reason: "fee unchanged at 900 pips" });
    // Past the deadline (the next swap puts it on the fallback fee) and on it: the change from the fallback fee alone.
    expect(decideUpdate({ ...base, periodsLeft: -5, candidateFee: 3000 }, rule)).toMatchObject({ send: false, reason: "keep-alive: the pool falls back to its fallback fee 3000 pips in 0 periods without an update; fee unchanged at 3000 pips" });
    expect(decideUpdate({ ...base, currentFee: 3000, onFallback: true, candidateFee: 3004 }, rule)).toMatchObject({ send: false, reason: "the pool is on its fallback fee 3000 pips; fee 3000 -> 3004 pips: does not pay, 4 of LP fees over 30 periods (on 1,000,000 traded in the last 30) <= 10 of gas" });
    expect(decideUpdate({ ...base, currentFee: 3000, onFallback: true, candidateFee: 950 }, rule).send).toBe(true);
    // No trades: nothing pays, not even leaving the fallback fee.
    expect(decideUpdate({ ...base, onFallback: true, feeBase: 0, candidateFee: 950 }, rule).send).toBe(false);
    // Off (and pays without a gas price): sent when the candidate differs by minChangePips from a fee the pool would charge without it.
    for (const s of [{ ...rule, mode: "off" as const, minChangePips: 100 }, { ...rule, minChangePips: 100 }]) {
      const gas = s.mode === "off" ? 1e9 : NaN;
      expect(decideUpdate({ ...atFallback, gasCost: gas, candidateFee: 2901 }, s).send).toBe(false);
      expect(decideUpdate({ ...atFallback, gasCost: gas, candidateFee: 2900 }, s).send).toBe(true);
      expect(decideUpdate({ ...due, gasCost: gas, candidateFee: 2950 }, s).send).toBe(true); // 900 until the deadline
      expect(decideUpdate({ ...due, currentFee: 3000, onFallback: true, gasCost: gas, candidateFee: 3099 }, s).send).toBe(false);
    }
  });

  it("off: every change of at least minChangePips; pays without a gas price: the same", () => {
    const off = { ...rule, mode: "off" as const, minChangePips: 5 };
    expect(decideUpdate({ ...base, candidateFee: 904, gasCost: 1e9 }, off).send).toBe(false);
    expect(decideUpdate({ ...base, candidateFee: 905, gasCost: 1e9 }, off).send).toBe(true);
    expect(decideUpdate({ ...base, candidateFee: 901, gasCost: NaN }, rule)).toMatchObject({ send: true, reason: "fee 900 -> 901 pips (gas not priced: every change of at least 1 pips)" });
  });

  it("the fee base counts completed periods of the window only, in the order swaps came", () => {
    const w = new FeeBaseWindow(3);
    w.add(10, 1);
    w.add(11, 2);
    w.add(11, 3);
    w.add(13, 7);
    w.add(14, 100); // the current period: not completed at asOf 13
    expect(w.total(13)).toBe(0 + 5 + 7); // periods 11, 12, 13
    expect(w.total(14)).toBe(7 + 100);
    expect(() => w.add(12, 1)).toThrow(/a swap in period 12 after one in period 14/);
    expect(() => new FeeBaseWindow(0)).toThrow(/positive integer/);
  });

  it("values swaps and gas in the quote token: USDC/WETH at 2,000 USDC per ETH", () => {
    // raw WETH per raw USDC = 1e18 / (2000 x 1e6)
    const raw = 1e18 / 2000e6;
    const sqrt = BigInt(Math.round(Math.sqrt(raw) * 2 ** 96));
    expect(rawPriceOf(sqrt) / raw).toBeCloseTo(1, 12);
    expect(gasTokenPriceInQuote(raw, 1, 0, 6, 18)).toBeCloseTo(2000, 9);
    expect(gasTokenPriceInQuote(raw, 1, 1, 6, 18)).toBe(1);
    expect(swapValueInQuote(0, 1e18, sqrt, 0, 6)).toBeCloseTo(2000, 6); // 1 WETH in
    expect(swapValueInQuote(2500e6, 0, sqrt, 0, 6)).toBe(2500); // 2,500 USDC in
    // 280,000 gas at 20 gwei, ETH at 2,000 USDC: 11.2 USDC.
    expect(gasCostInQuote(280_000, 20, 2000)).toBeCloseTo(11.2, 9);
  });
});

let events: ReplayEvents;
let raw: PoolEvents;
let model: Model;
beforeAll(async () => {
  raw = loadPoolEvents(MAINNET);
  events = eventsFromSwaps(raw);
  model = await loadModel("model/default-model.json");
});

function accounting(gwei: number, liveness = 60, keepAlive: "on-change" | "always" = "on-change", fallbackFee = 3000): UpdateAccounting {
  return { rule: { ...DEFAULT_RULE_SETTINGS, keepAlive, liveness, fallbackFee }, gasPerUpdate: 280_000, gasPriceGwei: gwei };
}

describe("the backtester charges exactly the updates the rule sends", () => {
  it("on the mainnet day: updates, their gas and the fee the pool charges are the rule's", () => {
    const decisions: RuleDecisionRecord[] = [];
    const r = replay(events, [staticPolicy(5), modelPolicy(model)], {
      counterfactual: "resize", valuation, elasticity: 0.1, updates: accounting(20), gasToken: { poolSide: 1 }, onDecision: (d) => decisions.push(d),
    });
    const L = r.policies[1]!.ledger;
    const sends = decisions.filter((d) => d.decision.send);
    expect(sends.length).toBeGreaterThan(50);
    expect(decisions.length - sends.length).toBeGreaterThan(500); // most changes do not pay at 20 gwei
    expect(L.feeUpdates).toBe(sends.length);
    expect(L.updatePeriods).toEqual(sends.map((d) => d.period));
    expect(L.gasCost).toBeCloseTo(sends.reduce((a, d) => a + d.decision.cost, 0), 9);
    for (const d of decisions) expect(d.decision.cost).toBeGreaterThan(10); // 280k gas at 20 gwei, ETH ~ 2,250 USDC: ~12.6
    // The pool charges the last fee sent: each decision starts from the fee the previous send set.
    let charged = L.feeValues[0]!;
    for (const d of decisions) {
      expect(d.currentFee).toBe(charged);
      if (d.decision.send) charged = d.candidateFee;
    }
    // Nothing is left to fall back: between two updates (the initial fee counts) at most liveness - keep-alive periods.
    const times = [L.feePeriods[0]!, ...L.updatePeriods];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(58);
    // The report's figures are the ledger's: gas and net after gas count exactly these updates.
    const report = computeReport(
      { mode: "t", clock: r.clock, priceAt: r.priceAt, periodSeconds: 60, swaps: r.stats.swaps, from: r.t0, to: r.t1, assumptions: [], stats: {}, policies: r.policies.map((p, i) => ({ name: ["static-5bp", "model"][i]!, ledger: p.ledger, lvrTheory: 0, volumeRetained: 1, foresight: false, swaps: p.swaps })) },
      { gasPerUpdate: 280_000, gasPriced: true },
    );
    const m = report.policies[1]!;
    expect(m.feeUpdates).toBe(sends.length);
    expect(m.gasUsed).toBe(280_000 * sends.length);
    expect(m.netPnlAfterGas).toBeCloseTo(m.netPnl - L.gasCost, 6);
    expect(report.policies[0]!.feeUpdates).toBe(0); // a fixed fee is a plain pool: never updated, no keep-alive
  });

  const thin = () => eventsFromSwaps(loadPoolEvents(POLYGON_THIN));
  const flat: FeePolicy = { name: "flat-dynamic", horizon: 30, feeFor: () => 500 };

  it("keep-alive always: keeps a dynamic pool alive through periods without trades (thin Polygon day): keep-alives are counted, never a lapse", () => {
    const decisions: RuleDecisionRecord[] = [];
    const r = replay(thin(), [flat], { counterfactual: "same", valuation, updates: accounting(20, 10, "always"), gasToken: { fixedPrice: 2000 }, onDecision: (d) => decisions.push(d) });
    const L = r.policies[0]!.ledger;
    // The fee never changes: every update is a keep-alive, most of them in periods without a trade.
    expect(decisions.filter((d) => d.gap).length).toBeGreaterThan(10);
    for (const d of decisions.filter((x) => x.decision.send)) expect(d.decision.reason).toMatch(/^keep-alive/);
    expect(L.feeUpdates).toBe(decisions.filter((d) => d.decision.send).length);
    const times = [L.feePeriods[0]!, ...L.updatePeriods];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(8); // liveness 10 - keep-alive 2
    // The last update is recent enough: the pool is live at the last ask.
    expect(L.feePeriods[L.feePeriods.length - 1]! - times[times.length - 1]!).toBeLessThan(10);
  });

  it("a lapse in a period without trades is decided on the fee a keeper would prove there: the hook's features as of that period", () => {
    const thinRaw = loadPoolEvents(POLYGON_THIN);
    // keep-alive always: every lapse is decided (and sent), many of them in periods without trades
    const decisions: RuleDecisionRecord[] = [];
    replay(eventsFromSwaps(thinRaw), [modelPolicy(model)], { counterfactual: "same", valuation, updates: accounting(20, 10, "always", 3000), gasToken: { fixedPrice: 2000 }, onDecision: (d) => decisions.push(d) });
    const gaps = decisions.filter((d) => d.gap);
    expect(gaps.length).toBeGreaterThan(5);
    // The keeper's view: the hook's oracle fed the day's swaps, read as of c - 1 with the last traded period's close pending.
    const terms = { ...OPEN_TERMS, period: 60 };
    const oracle = emptyOracleState();
    let last: { period: number; tick: number } | undefined;
    let k = 0;
    let moved = 0;
    for (let i = 0; i <= thinRaw.n && k < gaps.length; i++) {
      const p = i < thinRaw.n ? Math.floor(thinRaw.time[i]! / 60) : Infinity;
      for (; k < gaps.length && gaps[k]!.period <= p; k++) {
        const c = gaps[k]!.period;
        const fee = evaluateFixed(model.network, model.file.policy, featuresAsOf(oracle, c - 1, last && last.period <= c - 1 ? last : undefined), terms).fee;
        expect(gaps[k]!.candidateFee, `period ${c}`).toBe(fee);
        if (fee !== gaps[k]!.currentFee) moved++;
      }
      if (i === thinRaw.n || thinRaw.kind[i] !== EV_SWAP) continue;
      if (last !== undefined && p > last.period) recordClose(oracle, last.period, last.tick);
      last = { period: p, tick: thinRaw.tick[i]! };
    }
    expect(k).toBe(gaps.length);
    expect(moved).toBeGreaterThan(0); // the aged features move the fee: the last asked fee would not do
  });

  it("keep-alive on-change: a fee that does not move, at the fallback fee, pays no update at all (a static pool's cost)", () => {
    const decisions: RuleDecisionRecord[] = [];
    const r = replay(thin(), [flat], { counterfactual: "same", valuation, updates: accounting(20, 10, "on-change", 500), gasToken: { fixedPrice: 2000 }, onDecision: (d) => decisions.push(d) });
    const L = r.policies[0]!.ledger;
    expect(L.feeUpdates).toBe(0);
    expect(L.gasCost).toBe(0);
    expect(new Set(L.feeValues)).toEqual(new Set([500]));
    // Every lapse was decided, and skipped as no change: the pool went on its fallback fee and stayed.
    expect(decisions.filter((d) => /fallback fee 500 pips/.test(d.decision.reason)).length).toBeGreaterThan(0);
    for (const d of decisions) expect(d.decision.reason).toMatch(/fee unchanged at 500 pips/);
  });

  it("keep-alive on-change: far from the fallback fee, a keep-alive is sent when it pays, else the pool falls back and charges the fallback fee", () => {
    const decisions: RuleDecisionRecord[] = [];
    const r = replay(thin(), [flat], { counterfactual: "same", valuation, updates: accounting(20, 10, "on-change", 3000), gasToken: { fixedPrice: 2000 }, onDecision: (d) => decisions.push(d) });
    const L = r.policies[0]!.ledger;
    const lapses = decisions.filter((d) => /fallback fee 3000 pips/.test(d.decision.reason));
    const sent = lapses.filter((d) => d.decision.send);
    const skipped = lapses.filter((d) => !d.decision.send);
    // 2,500 pips at stake against 280k gas at 20 gwei (11.2 USDC): the thin day's fee base decides, both ways.
    expect(sent.length).toBeGreaterThan(0);
    expect(skipped.length).toBeGreaterThan(0);
    for (const d of sent) expect(d.decision.value).toBeGreaterThan(d.decision.cost);
    for (const d of skipped) expect(d.decision.value).toBeLessThanOrEqual(d.decision.cost);
    expect(L.feeUpdates).toBe(decisions.filter((d) => d.decision.send).length);
    // The pool charged the flat fee while kept live, the fallback fee after a lapse was skipped, nothing else.
    expect(new Set(L.feeValues)).toEqual(new Set([500, 3000]));
    // Each decision starts from what the pool charged at the previous one (the fallback fee once it fell back).
    for (const d of decisions.filter((x) => !x.gap)) expect([500, 3000]).toContain(d.currentFee);
  });

  it("--update-rule off sends every change (and keep-alives); runBacktest prices each update at its moment's ETH price", async () => {
    const o = { ...defaultOptions(), source: "swaps" as const, input: MAINNET, counterfactual: "resize" as const, statics: [5], ewma: false, foresight: false, models: ["model/default-model.json"], from: "2024-01-05T00:00", to: "2024-01-05T06:00" };
    const models = new Map([["model/default-model.json", model]]);
    const [pays, off] = await Promise.all([runBacktest(o, undefined, models), runBacktest({ ...o, updateRule: "off" }, undefined, models)]);
    const p = pays.report.policies.find((x) => x.name === "model")!;
    const f = off.report.policies.find((x) => x.name === "model")!;
    expect(f.feeUpdates).toBeGreaterThan(2 * p.feeUpdates);
    expect(p.netPnlAfterGas).toBeGreaterThan(f.netPnlAfterGas);
    for (const m of [p, f]) {
      expect(m.gasUsed).toBe(m.feeUpdates * 280_000);
      expect(m.gasCost / m.feeUpdates).toBeGreaterThan(11);
      expect(m.gasCost / m.feeUpdates).toBeLessThan(14);
    }
    expect(pays.report.assumptions.some((a) => /^update rule \(model\/updateRule\.ts\)/.test(a))).toBe(true);
    expect(off.report.assumptions.some((a) => /^update rule off/.test(a))).toBe(true);
  });
});

describe("the gas a decision weighs is priced at what the keeper knows", () => {
  it("with a CEX reference, every update's gas is priced at one of its closes, never interpolated towards the next", async () => {
    // The mainnet day of 2023-11-10 against the Binance minutes (real data): LVR reads the market at the
    // trade's moment (interpolated between closes), a keeper deciding at t knows only the last close.
    const reference = loadReference("data/reference-binance-ethusdt/binance-ethusdt-1m-2023-11-09..2023-11-11.csv.gz", { quote: 0, decimals0: 6, decimals1: 18 });
    const events = eventsFromSwaps(loadPoolEvents("data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz"), { historicalFee: 500 });
    const day = sliceEvents(events, Date.parse("2023-11-10T12:00:00Z") / 1000, Date.parse("2023-11-10T15:00:00Z") / 1000);
    const model = await loadModel("model/default-model.json");
    const decisions: RuleDecisionRecord[] = [];
    const updates: UpdateAccounting = { rule: { ...DEFAULT_RULE_SETTINGS, liveness: 60, fallbackFee: 3000 }, gasPerUpdate: 280_000, gasPriceGwei: 20 };
    replay(day, [modelPolicy(model)], { counterfactual: "same", valuation, updates, gasToken: { poolSide: 1 }, reference, onDecision: (d) => decisions.push(d) });
    expect(decisions.length).toBeGreaterThan(100);
    const closes = new Set(Array.from(reference.price, (raw) => gasCostInQuote(280_000, 20, gasTokenPriceInQuote(raw, 1, 0, 6, 18)).toPrecision(12)));
    for (const d of decisions) expect(closes.has(d.decision.cost.toPrecision(12)), `period ${d.period}: ${d.decision.cost}`).toBe(true);
  });
});

describe("keeper and backtester: the same decisions on the same history", () => {
  // The keeper's view of the mainnet day, as a chain would show it: every event is a block's worth of
  // state; swaps are the PoolManager's Swap events (the swapper's deltas: the rows' pool-side amounts
  // negated); the hook's oracle and liveness evolve as ProvenFeeHook's; the keeper decides at the
  // first block of each period, through keeper/updateRule.ts as keeper.ts does.
  // Keep-alive always, and on-change with the fallback fee far from the model's fee (keep-alives pay)
  // and at it (the pool is left to fall back, then brought back when a change pays). NEAR_FEE is the
  // default model's recommended fallback fee, 1,500 pips, also its upper bound, where its fee rests in
  // stretches of these hours; at 100 gwei a change pays less often than at 20, so the pool gets to
  // lapse (at 20 gwei the refitted model's fee moves enough that every lapse is preceded by an update).
  const NEAR_FEE = 1500;
  const cases = [
    { gwei: 20, keepAlive: "always" as const, fallbackFee: 3000 },
    { gwei: 2.7, keepAlive: "always" as const, fallbackFee: 3000 },
    { gwei: 20, keepAlive: "on-change" as const, fallbackFee: 3000 },
    { gwei: 100, keepAlive: "on-change" as const, fallbackFee: NEAR_FEE },
  ];
  for (const { gwei, keepAlive, fallbackFee } of cases) {
    it(`the default model at ${gwei} gwei, keep-alive ${keepAlive}, fallback fee ${fallbackFee}: every send or skip, with the same reason`, () => {
      const day = sliceEvents(events, Date.parse("2024-01-05T00:00:00Z") / 1000, Date.parse("2024-01-05T12:00:00Z") / 1000);
      const backtest: RuleDecisionRecord[] = [];
      const settings = { ...DEFAULT_RULE_SETTINGS, keepAlive };
      const updates: UpdateAccounting = { rule: { ...settings, liveness: 60, fallbackFee }, gasPerUpdate: 280_000, gasPriceGwei: gwei };
      const r = replay(day, [modelPolicy(model)], { counterfactual: "same", valuation, updates, gasToken: { poolSide: 1 }, onDecision: (d) => backtest.push(d) });
      expect(backtest.some((d) => d.gap)).toBe(false);

      const pricing: GasPricing = { quote: 0, decimals0: 6, decimals1: 18, gasTokenSide: 1, describe: "" };
      const feeBase = new SwapFeeBase(model.file.horizon, 60, pricing);
      const terms = { ...OPEN_TERMS, period: 60 };
      const oracle = emptyOracleState();
      let lastSwapPeriod: number | undefined;
      let lastTick = 0;
      const hook = { lpFee: -1, liveUntil: 0, lastUpdatePeriod: -1, onFallback: false };
      const keeper: { period: number; send: boolean; reason: string }[] = [];
      const from = Date.parse("2024-01-05T00:00:00Z") / 1000;
      const to = Date.parse("2024-01-05T12:00:00Z") / 1000;
      let decidedPeriod = -1;
      for (let i = 0; i < raw.n; i++) {
        const t = raw.time[i]!;
        if (t < from || t >= to) continue;
        const p = Math.floor(t / 60);
        // The keeper decides at the first block of a new period (the block's own swaps belong to
        // period p, outside the as-of window, so they are added after the decision here).
        if (p > decidedPeriod) {
          decidedPeriod = p;
          const asOf = p - 1;
          const pending = lastSwapPeriod !== undefined && lastSwapPeriod <= asOf ? { period: lastSwapPeriod, tick: lastTick } : undefined;
          const fee = evaluateFixed(model.network, model.file.policy, featuresAsOf(oracle, asOf, pending), terms).fee;
          if (hook.lpFee < 0) {
            // The backtester's first fee is the pool's initial fee: the keeper's first update.
            Object.assign(hook, { lpFee: fee, liveUntil: p + 60, lastUpdatePeriod: asOf });
          } else if (asOf > hook.lastUpdatePeriod) {
            const { decision } = keeperDecision({
              settings, liveUntil: hook.liveUntil, onFallback: hook.onFallback, fallbackFee, asOfPeriod: asOf, currentFee: hook.lpFee, candidateFee: fee,
              feeBase, pricing, gasPerUpdate: 280_000, gasPriceWei: BigInt(Math.round(gwei * 1e9)),
            });
            keeper.push({ period: p, send: decision.send, reason: decision.reason });
            if (decision.send) Object.assign(hook, { lpFee: fee, liveUntil: p + 60, lastUpdatePeriod: asOf, onFallback: false });
          }
        }
        if (raw.kind[i] !== EV_SWAP) continue;
        // The hook's beforeSwap: a pool not updated in time goes on its fallback fee, for this very swap.
        if (!hook.onFallback && p >= hook.liveUntil) Object.assign(hook, { onFallback: true, lpFee: fallbackFee });
        // ... and the close of the last traded period, at the tick before this swap.
        if (lastSwapPeriod !== undefined && p > lastSwapPeriod) recordClose(oracle, lastSwapPeriod, lastTick);
        lastSwapPeriod = p;
        lastTick = raw.tick[i]!;
        feeBase.add({ blockNumber: BigInt(raw.block[i]!), timestamp: t, amount0: -raw.amount0[i]!, amount1: -raw.amount1[i]!, sqrtPriceX96: raw.sqrtPriceX96[i]! });
      }
      const sends = keeper.filter((d) => d.send).length;
      expect(sends).toBeGreaterThan(20);
      expect(keeper.length - sends).toBeGreaterThan(20);
      expect(keeper).toEqual(backtest.map((d) => ({ period: d.period, send: d.decision.send, reason: d.decision.reason })));
      expect(r.policies[0]!.ledger.feeUpdates).toBe(sends);
      const lapses = keeper.filter((d) => /fallback fee/.test(d.reason));
      if (keepAlive === "on-change" && fallbackFee === NEAR_FEE) {
        // The model's fee sits near NEAR_FEE pips here: the pool falls back, and an update brings it back.
        expect(lapses.some((d) => !d.send)).toBe(true);
        expect(keeper.some((d) => d.send && d.reason.startsWith(`the pool is on its fallback fee ${NEAR_FEE} pips`))).toBe(true);
      } else expect(keeper.filter((d) => /keep-alive/.test(d.reason)).every((d) => d.send)).toBe(true);
    });
  }
});
