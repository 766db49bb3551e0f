// The fee-policy step of `provenfee train`: the policy is chosen on the validation range only (no
// look-ahead into the test range), the best constant fee is among what the policy can express, and
// the ranges follow the walk-forward split.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadModel } from "../model/index.ts";
import { evaluateCandidates, tunePolicy } from "../backtest/tune.ts";
import { defaultOptions, loadHistory, runBacktest, type BacktestOptions } from "../backtest/run.ts";
import { constantFeesOf, fitFeePolicy, withinValidatedFees } from "../backtest/policyFit.ts";
import { policyRanges, prepare } from "../training/pipeline.ts";
import { policyFitTable } from "../training/cli.ts";
import type { PolicyFitOptions, PolicyFitResult } from "../backtest/policyFit.ts";

const DAY = "data/swaps-usdc-weth/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz";
const tmp = mkdtempSync(path.join(tmpdir(), "provenfee-policy-"));

describe("policy fit", () => {
  const p = prepare({ data: DAY, split: [0.6, 0.2], period: 60 }, 30);
  const ranges = policyRanges(p);
  /** The policy fit of DAY at one elasticity (shipped), with the default model's forecaster, on one thread. */
  const fitDay = async (elasticity: number, more: Partial<PolicyFitOptions> = {}) =>
    fitFeePolicy(await loadModel("model/default-model.json"), { source: "swaps", input: DAY, ...ranges, elasticities: [elasticity], shipElasticity: elasticity, period: 60, workers: 1, maxRounds: 1, ...more });

  it("validation covers the validation rows' forecast windows and ends before the test range starts", () => {
    expect(ranges.validation.from).toBe((p.ds.asOf[p.split.validation[0]!]! + 1) * 60);
    expect(ranges.validation.to).toBeLessThanOrEqual(ranges.test.from);
    expect(ranges.test.from).toBe((p.ds.asOf[p.split.test[0]!]! + 1) * 60);
  });

  it("chooses the same policy when every event after the validation range is deleted (no look-ahead)", async () => {
    const model = await loadModel("model/default-model.json");
    // The same file cut at the end of the validation range.
    const lines = gunzipSync(readFileSync(DAY)).toString("utf8").split("\n");
    const header = lines[0]!.split(",");
    const ts = header.indexOf("block_timestamp");
    const cut = lines.filter((l, i) => i === 0 || (l !== "" && Date.parse(`${l.split(",")[ts]!.replace(" ", "T")}Z`) / 1000 < ranges.validation.to));
    expect(cut.length).toBeLessThan(lines.length - 20);
    const truncated = path.join(tmp, "ethereum-0x8ad5-usdc-weth-030-2024-01-05.cut.pool.tick.csv");
    writeFileSync(truncated, `${cut.join("\n")}\n`);
    const validation = (input: string): BacktestOptions => ({
      ...defaultOptions(), source: "swaps", input, counterfactual: "resize", statics: [], ewma: false, foresight: false, models: [],
      from: String(ranges.validation.from), to: String(ranges.validation.to),
    });
    const full = await tunePolicy(model, validation(DAY), { workers: 1, maxRounds: 2, history: loadHistory(validation(DAY)) });
    const short = await tunePolicy(model, validation(truncated), { workers: 1, maxRounds: 2, history: loadHistory(validation(truncated)) });
    expect(short.best).toEqual(full.best);
    expect(short.evaluated.map((e) => e.netPnl)).toEqual(full.evaluated.map((e) => e.netPnl));
  }, 120_000);

  it("reports the fitted policy against every static tier and the best constant fee, on the test range", async () => {
    const fit = await fitDay(0.1);
    expect(fit.shipped).toEqual(fit.rows[0]!.fitted);
    const row = fit.rows[0]!;
    expect(row.edges.map((e) => e.versus)).toEqual(["static-1bp", "static-5bp", "static-30bp", "static-100bp", `best constant (${row.validation.bestConstantBps} bp, chosen on validation)`]);
    for (const e of row.edges) {
      expect(e.lo).toBeLessThanOrEqual(e.hi);
      // the edge is the fitted policy's net minus the other's, after gas
      const other = e.versus.startsWith("best") ? `static-${row.validation.bestConstantBps}bp` : e.versus;
      expect(e.edge).toBeCloseTo(row.test.fitted!.net - row.test[other]!.net, 6);
    }
    expect(row.beatsBestConstant).toBe(row.edges[4]!.edge > 0);
    // The model file ships the pool's fallback fee as its recommendation.
    expect(fit.shippedFallbackFee).toBe(row.fallbackFee);
  }, 120_000);

  it("a fit that ships the best constant: its pool rests on it, nets exactly the static pool on validation and on test; with a fallback fee fixed elsewhere it pays its keep-alives", async () => {
    // At 0.05 on this day the dynamics do not beat the best constant on validation.
    const fit = await fitDay(0.05);
    const row = fit.rows[0]!;
    expect(row.validation.shipsConstant).toBe(true);
    const pips = Math.round(row.validation.bestConstantBps * 100);
    expect(row.fitted).toEqual({ base: pips, slope: 0, modelFeeMin: pips, modelFeeMax: pips });
    expect(row.fallbackFee).toBe(pips);
    expect(row.validation.fittedNet).toBeCloseTo(row.validation.bestConstantNet, 6);
    expect(row.test.fitted!.updates).toBe(0);
    expect(row.edges.at(-1)!.edge).toBeCloseTo(0, 6);
    // The same fit with the pool's fallback fee fixed at 1 bp: the constant pays to stay off it (gas is
    // priced on this mainnet day), so on validation it nets less than the static pool.
    const fixed = await fitDay(0.05, { fallbackFee: 100 });
    const r2 = fixed.rows[0]!;
    expect(r2.fallbackFee).toBe(100);
    expect(r2.validation.shipsConstant).toBe(true);
    expect(r2.validation.fittedNet).toBeLessThan(r2.validation.bestConstantNet - 10);
    expect(r2.test.fitted!.updates).toBeGreaterThan(0);
  }, 120_000);

  it("a constant the search finds beyond the grid is the benchmark, not a dynamic win", async () => {
    // Volume that does not respond to the fee (e = 0): the higher the fee the more LPs net, so the
    // search's pattern moves take the constant above the grid's 100 bp. That is a better constant.
    const fit = await fitDay(0, { maxRounds: 2 });
    const row = fit.rows[0]!;
    expect(row.validation.gridBestBps).toBe(100);
    const fitted = constantFeesOf([row.fitted]);
    expect(fitted).toHaveLength(1); // the fitted fee does not move
    expect(fitted[0]!).toBeGreaterThan(10_000);
    expect(row.validation.bestConstantBps).toBe(fitted[0]! / 100);
    expect(row.validation.shipsConstant).toBe(true);
    // it ships that constant and rests on it: no update, exactly the static pool's net
    expect(row.fallbackFee).toBe(fitted[0]!);
    expect(row.test.fitted!.updates).toBe(0);
    expect(row.edges.at(-1)!.versus).toBe(`best constant (${fitted[0]! / 100} bp, chosen on validation)`);
    expect(row.edges.at(-1)!.edge).toBeCloseTo(0, 6);
    expect(row.beatsBestConstant).toBe(false);
  }, 120_000);

  it("where the fit ships the constant, the dynamic policy it set aside is run on test and reported (never chosen)", async () => {
    const fit = await fitDay(0.01);
    const row = fit.rows[0]!;
    expect(row.validation.shipsConstant).toBe(true);
    const aside = row.notShipped!;
    expect(aside.policy).not.toEqual(row.fitted);
    expect(aside.policy.slope).toBeGreaterThan(0);
    // run with the fallback fee the search ran with, and judged against the same benchmark on the same range
    expect(aside.fallbackFee).toBe(Math.round(row.validation.gridBestBps * 100));
    expect(aside.edge.versus).toBe(row.edges.at(-1)!.versus);
    expect(aside.edge.edge).toBeCloseTo(aside.net - row.test[`static-${row.validation.bestConstantBps}bp`]!.net, 6);
    expect(aside.edge.lo).toBeLessThanOrEqual(aside.edge.hi);
    expect(policyFitTable(fit)).toMatch(/set aside: the dynamic policy \(base \d+ slope \d+ bounds \[\d+, \d+\]\) would have netted .* vs the best constant \(reported only\)/);
  }, 120_000);

  it("constantFeesOf: slope 0 (the intercept within the bounds) or bounds that meet", () => {
    expect(constantFeesOf([
      { base: 1200, slope: 0, modelFeeMin: 0, modelFeeMax: 1_000_000 },
      { base: 1200, slope: 0, modelFeeMin: 1500, modelFeeMax: 3000 },
      { base: -100, slope: 300, modelFeeMin: 900, modelFeeMax: 900 },
      { base: 500, slope: 300, modelFeeMin: 0, modelFeeMax: 1_000_000 },
      { base: 1200, slope: 0, modelFeeMin: 100, modelFeeMax: 5000 },
    ])).toEqual([900, 1200, 1500]);
  });

  it("the best constant fee as a policy at its own fallback fee nets exactly what the static pool nets: no keep-alive gas", async () => {
    const model = await loadModel("model/default-model.json");
    const o = (keepAlive: "on-change" | "always"): BacktestOptions => ({
      ...defaultOptions(), source: "swaps", input: DAY, counterfactual: "resize", elasticity: 0.02, statics: [30], ewma: false, foresight: false, models: [],
      fallbackFee: 3000, keepAlive, from: String(ranges.validation.from), to: String(ranges.test.to),
    });
    const constant = { base: 3000, slope: 0, modelFeeMin: 0, modelFeeMax: 1_000_000 };
    const history = loadHistory(o("on-change"));
    const [onChange] = await evaluateCandidates(o("on-change"), model, [constant]);
    const [always] = await evaluateCandidates(o("always"), model, [constant]);
    const statics = await runBacktest({ ...o("on-change"), models: [] }, undefined, undefined, history);
    const staticNet = statics.report.policies.find((x) => x.name === "static-30bp")!.netPnlAfterGas;
    expect(onChange).toBeCloseTo(staticNet, 6);
    // with keep-alive always the same fee pays an update every liveness periods (gas priced on mainnet)
    expect(always).toBeLessThan(staticNet - 10);
  }, 120_000);

  it("narrows the tuned policy's bounds to the fees it charged on validation, where it nets exactly the same", async () => {
    const model = await loadModel("model/default-model.json");
    const validation: BacktestOptions = {
      ...defaultOptions(), source: "swaps", input: DAY, counterfactual: "resize", elasticity: 0, statics: [], ewma: false, foresight: false, models: [],
      from: String(ranges.validation.from), to: String(ranges.validation.to),
    };
    const history = loadHistory(validation);
    // A steep policy with wide bounds: on validation its fee moves, but stays well inside them.
    const wide = { base: 0, slope: 4000, modelFeeMin: 0, modelFeeMax: 1_000_000 };
    const narrowed = await withinValidatedFees(model, wide, validation, history);
    expect(narrowed.base).toBe(wide.base);
    expect(narrowed.slope).toBe(wide.slope);
    expect(narrowed.modelFeeMin).toBeGreaterThan(0);
    expect(narrowed.modelFeeMax).toBeLessThan(1_000_000);
    expect(narrowed.modelFeeMin).toBeLessThan(narrowed.modelFeeMax);
    const [wideNet, narrowedNet, tighterNet] = await evaluateCandidates(validation, model, [
      wide, narrowed, { ...narrowed, modelFeeMin: narrowed.modelFeeMin + 50 },
    ]);
    expect(narrowedNet).toBe(wideNet);
    // and the bounds are tight: 50 pips more of floor changes what validation charges
    expect(tighterNet).not.toBe(wideNet);
  }, 120_000);

  it("the report says when the fitted fee does not move: a static pool charges the same without the hook's updates", () => {
    const row = (slope: number) => ({
      elasticity: 0.1,
      fitted: { base: 950, slope, modelFeeMin: 0, modelFeeMax: 1_000_000 },
      validation: { fittedNet: 1, dynamicNet: 1, shipsConstant: false, bestConstantBps: 10, bestConstantNet: 1, gridBestBps: 10, candidates: 3 },
      fallbackFee: 1000,
      test: { fitted: { net: 10, fees: 20, lvr: 5, gas: 5, updates: 148, meanFeeBps: 9.5 }, "static-10bp": { net: 12, fees: 17, lvr: 5, gas: 0, updates: 0, meanFeeBps: 10 } },
      edges: [{ versus: "best constant (10 bp, chosen on validation)", edge: -2, lo: -3, hi: -1, pPositive: 0 }],
      beatsBestConstant: false,
      beatsEveryTier: false,
    });
    const fit = (slope: number) => ({ shipped: row(slope).fitted, shipElasticity: 0.1, gasPriced: true, updateRule: "pays", gasPriceGwei: 20, rows: [row(slope)], seconds: 1 }) as unknown as PolicyFitResult;
    expect(policyFitTable(fit(0))).toMatch(/note: the fitted fee does not move \(950 pips\): a static pool at that fee charges the same without the hook's updates \(148 on the test range\)/);
    expect(policyFitTable(fit(500))).not.toMatch(/does not move/);
    const atFallback = { ...fit(0), rows: [{ ...row(0), fitted: { base: 1000, slope: 0, modelFeeMin: 0, modelFeeMax: 1_000_000 } }] } as unknown as PolicyFitResult;
    expect(policyFitTable(atFallback)).toMatch(/note: the fitted fee does not move \(1000 pips, the fallback fee\): the pool is left on its fallback fee, as a static pool/);
  });
});
