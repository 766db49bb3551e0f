// One backtest from parsed options to a report: shared by the CLI, --sweep workers and --tune-policy.
import path from "node:path";
import type { Model } from "../model/modelFile.ts";
import { InputError, describeFile, loadMinuteBarsFull, loadPoolEvents, loadReference, type ReferenceSeries } from "./data.ts";
import { computeReport, type Report, type RunView } from "./metrics.ts";
import { STATIC_TIERS_BPS, ewmaPolicy, foresightPolicy, modelPolicy, staticPolicy, type FeePolicy } from "./policy.ts";
import type { ForecastSeries } from "./report.ts";
import { eventsFromMinuteBars, eventsFromSwaps, replay, sliceEvents, type Counterfactual, type ReplayEvents } from "./replay.ts";
import { simulate, type SimConfig } from "./sim.ts";

export interface BacktestOptions {
  source: "swaps" | "bars" | "simulate";
  input?: string;
  counterfactual: Counterfactual;
  statics: number[];
  ewma: boolean;
  ewmaHalfLife: number;
  models: string[];
  foresight: boolean;
  elasticity: number;
  classifyHorizon: number;
  reference?: string;
  referenceColumn?: string;
  from?: string;
  to?: string;
  historicalFee?: number;
  tickSpacing?: number;
  quote: 0 | 1;
  decimals0: number;
  decimals1: number;
  period: number;
  gasPerUpdate: number;
  gasPriceGwei: number;
  gasTokenPrice?: number;
  sim: SimConfig;
  /** Overrides of model policy parameters (sweeps): applied to every model policy. */
  policyOverride?: Partial<{ base: number; slope: number; modelFeeMin: number; modelFeeMax: number }>;
}

export interface BacktestOutcome {
  report: Report;
  forecasts: ForecastSeries[];
  quoteName: string;
  seconds: number;
}

/**
 * Volume elasticity per bp of fee, estimated from how the same pair's volume splits between two fee
 * tiers on the same day (mainnet USDC/WETH 0.05% and 0.3% on 2024-01-05: the 0.3% pool traded 7.5%
 * of the 0.05% pool's volume, exp(-e x 25 bp) = 0.075, e = 0.104, 95% interval 0.091-0.121 by an
 * hourly bootstrap; backtest/README.md, "Elasticity from data"). Rounded to 0.1.
 */
export const ESTIMATED_ELASTICITY = 0.1;

export function defaultOptions(): BacktestOptions {
  return {
    source: "swaps",
    counterfactual: "same",
    statics: [...STATIC_TIERS_BPS],
    ewma: true,
    ewmaHalfLife: 30,
    models: [],
    foresight: true,
    elasticity: ESTIMATED_ELASTICITY,
    classifyHorizon: 60,
    quote: 0,
    decimals0: 6,
    decimals1: 18,
    period: 60,
    // a proven updateFee transaction: ~257k execution gas + the 21k base and calldata (demo mean receipt gas 278,189, 2026-12-05)
    gasPerUpdate: 280_000,
    gasPriceGwei: 20,
    sim: { seed: 1, days: 7, blockSeconds: 12, blockTiming: "fixed", price: { initial: 2000, sigma: 0.6 }, noise: { tradesPerDay: 2000, meanSize: 20_000, sdLog: 1, elasticity: 0.02 } },
  };
}

/** A time bound: ISO date/time (UTC), unix seconds, or a block number ("block:N" or an integer below 1e9). */
export function parseBound(text: string, what: string, ev?: ReplayEvents & { blocks?: Float64Array }, blocks?: Float64Array): number {
  const s = text.trim();
  const block = /^block:(\d+)$/.exec(s)?.[1] ?? (/^\d+$/.test(s) && Number(s) < 1e9 ? s : undefined);
  if (block !== undefined) {
    if (!ev || !blocks) throw new InputError(`--${what} ${s}: block numbers need per-swap data (--swaps)`);
    const b = Number(block);
    for (let i = 0; i < blocks.length; i++) if (blocks[i]! >= b) return ev.time[i]!;
    return Infinity;
  }
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(" ", "T")}Z`);
  if (!Number.isFinite(ms)) throw new InputError(`--${what} ${JSON.stringify(s)}: not a date (YYYY-MM-DD[THH:MM]), unix time or block number`);
  return ms / 1000;
}

/**
 * A model with another fee mapping, for backtesting only: the commitment is not recomputed (that
 * needs the Poseidon hash); --tune-policy writes files through model/ withPolicy + saveModel.
 */
export function withPolicyUncommitted(model: Model, policy: Model["file"]["policy"]): Model {
  for (const [k, v] of Object.entries(policy)) if (!Number.isInteger(v)) throw new InputError(`policy.${k} must be an integer, got ${v}`);
  if (policy.base < -(2 ** 23) || policy.base >= 2 ** 23) throw new InputError(`policy.base ${policy.base} is outside the signed 24-bit range`);
  if (policy.slope < 0 || policy.slope >= 2 ** 24) throw new InputError(`policy.slope ${policy.slope} is outside the unsigned 24-bit range`);
  if (policy.modelFeeMin < 0 || policy.modelFeeMax > 1_000_000 || policy.modelFeeMin > policy.modelFeeMax) throw new InputError(`policy bounds [${policy.modelFeeMin}, ${policy.modelFeeMax}] are not within [0, 1000000] in order`);
  return { ...model, file: { ...model.file, policy } };
}

export async function buildPolicies(o: BacktestOptions, loaded?: Map<string, Model>): Promise<FeePolicy[]> {
  const policies: FeePolicy[] = o.statics.map(staticPolicy);
  if (o.ewma) policies.push(ewmaPolicy({ halfLife: o.ewmaHalfLife }));
  for (const file of o.models) {
    // model/modelFile.ts pulls in the Poseidon hash (slow to load, and not safe in worker threads):
    // only when a model was not loaded (and verified) already.
    let model = loaded?.get(file);
    if (!model) model = await (await import("../model/modelFile.ts")).loadModel(file);
    if (o.policyOverride) model = withPolicyUncommitted(model, { ...model.file.policy, ...o.policyOverride });
    const name = o.models.length > 1 ? `model:${file.split("/").pop()!.replace(/\.json$/, "")}` : "model";
    policies.push(modelPolicy(model, { name, source: file }));
    if (o.foresight) policies.push(foresightPolicy(model.file.policy, model.file.horizon, o.models.length > 1 ? `foresight:${name.slice(6)}` : "perfect-foresight"));
  }
  if (o.foresight && o.models.length === 0) {
    // Without a model, the bound uses the EWMA rule's own mapping on the realized future sigma.
    policies.push(foresightPolicy({ base: 0, slope: 2200, modelFeeMin: 100, modelFeeMax: 10_000 }, 30, "perfect-foresight"));
  }
  const names = new Set<string>();
  for (const p of policies) {
    if (names.has(p.name)) throw new InputError(`two policies are both named ${p.name}`);
    names.add(p.name);
  }
  return policies;
}

export function loadHistory(o: BacktestOptions): { events: ReplayEvents; blocks?: Float64Array } {
  if (!o.input) throw new InputError(`--${o.source} needs a file, a comma-separated list or a folder`);
  if (o.source === "swaps") {
    const raw = loadPoolEvents(o.input);
    return { events: eventsFromSwaps(raw, { historicalFee: o.historicalFee }), blocks: raw.block };
  }
  return { events: eventsFromMinuteBars(loadMinuteBarsFull(o.input), { historicalFee: o.historicalFee }) };
}

function quoteName(o: BacktestOptions): string {
  if (o.source === "simulate") return "token1 (numeraire)";
  const names = /-([a-z0-9]+)-([a-z0-9]+)-\d{3}-/i.exec(o.input ?? "");
  const t = names ? [names[1]!.toUpperCase(), names[2]!.toUpperCase()] : ["token0", "token1"];
  if (!names && /usdc|0x45dd|0x88e6|0x8ad5/i.test(o.input ?? "")) return o.quote === 0 ? "USDC" : "WETH";
  return t[o.quote]!;
}

export async function runBacktest(o: BacktestOptions, onProgress?: (f: number) => void, loadedModels?: Map<string, Model>, history?: { events: ReplayEvents; blocks?: Float64Array }): Promise<BacktestOutcome> {
  const started = performance.now();
  const policies = await buildPolicies(o, loadedModels);
  let view: RunView;
  const costs = { gasPerUpdate: o.gasPerUpdate, gasPriceGwei: o.gasPriceGwei, gasTokenPrice: o.gasTokenPrice ?? NaN };
  let realized: (period: number, horizon: number) => number;
  if (o.source === "simulate") {
    const r = simulate({ ...o.sim, periodSeconds: o.period }, policies, onProgress);
    realized = r.realizedSigma;
    // Gas is paid in the simulated risky token (token0, ETH-like), priced in token1 at the end.
    if (o.gasTokenPrice === undefined) costs.gasTokenPrice = r.priceAt(r.t1) * 10 ** ((o.sim.pool?.decimals0 ?? 18) - (o.sim.pool?.decimals1 ?? 18));
    view = {
      mode: `simulation (seed ${o.sim.seed}, ${o.sim.days} days, sigma ${o.sim.price.sigma}, ${o.sim.blockSeconds} s ${o.sim.blockTiming ?? "fixed"} blocks)`,
      clock: r.clock,
      priceAt: r.priceAt,
      periodSeconds: o.period,
      policies: r.policies.map((p, i) => ({ name: policies[i]!.name, ledger: p.ledger, lvrTheory: p.lvrTheory, volumeRetained: NaN, foresight: policies[i]!.foresight === true, swaps: p.ledger.trades[0]! + p.ledger.trades[1]! })),
      swaps: r.swaps,
      from: r.t0,
      to: r.t1,
      assumptions: [
        "simulated reference price: GBM" + (o.sim.price.jumps ? " with jumps" : "") + (o.sim.price.regimes ? " with volatility regimes" : ""),
        "an arbitrageur trades at the top of every block to the edge of the no-arbitrage band; noise traders after it, fee-elastic",
        "one full-range LP position (a constant-product pool); values in token1",
      ],
      stats: { blocks: r.blocks, arbBlocks: r.policies.map((p) => p.arbBlocks) },
    };
  } else {
    const h = history ?? loadHistory(o);
    let events = h.events;
    if (o.from || o.to) {
      const from = o.from ? parseBound(o.from, "from", events, h.blocks) : -Infinity;
      const to = o.to ? parseBound(o.to, "to", events, h.blocks) : Infinity;
      if (!(from < to)) throw new InputError(`--from ${o.from} is not before --to ${o.to}`);
      events = sliceEvents(events, from, to);
    }
    let reference: ReferenceSeries | undefined;
    if (o.reference) reference = loadReference(o.reference, { column: o.referenceColumn, quote: o.quote, decimals0: o.decimals0, decimals1: o.decimals1 });
    const r = replay(events, policies, {
      counterfactual: o.counterfactual,
      periodSeconds: o.period,
      tickSpacing: o.tickSpacing,
      valuation: { quote: o.quote, decimals0: o.decimals0, decimals1: o.decimals1 },
      reference,
      classifyHorizon: o.classifyHorizon,
      elasticity: o.elasticity,
      onProgress,
    });
    realized = r.realizedSigma;
    if (o.gasTokenPrice === undefined) {
      // Gas is paid in ETH on Ethereum; the shipped Ethereum pools are USDC/WETH (token1 = WETH), so
      // it is priced at the reference. Elsewhere (Polygon pays in MATIC/POL) gas is reported in units
      // only unless --gas-token-price is given.
      const ethereumWeth = events.files.every((f) => /^ethereum-/.test(path.basename(f))) && /weth|0x88e6|0x8ad5/i.test(events.files.join(","));
      if (ethereumWeth) {
        const rawLast = r.priceAt(r.t1);
        const human = rawLast * 10 ** (o.decimals0 - o.decimals1); // token1 per token0
        costs.gasTokenPrice = o.quote === 0 ? 1 / human : 1;
      }
    }
    const fee = describeFile(events.files[0]!).feePips;
    view = {
      mode: `historical replay (${events.format === "swaps" ? "per-swap rows" : "minute bars"}, counterfactual ${o.counterfactual === "same" ? "(a) same swaps" : "(b) re-sized arbitrage + elastic volume"})`,
      clock: r.clock,
      priceAt: r.priceAt,
      periodSeconds: o.period,
      policies: r.policies.map((p, i) => ({ name: policies[i]!.name, ledger: p.ledger, lvrTheory: p.lvrTheory, volumeRetained: p.volumeRetained, foresight: policies[i]!.foresight === true, swaps: p.swaps })),
      swaps: r.stats.swaps,
      from: events.time[0]!,
      to: events.time[events.n - 1]!,
      assumptions: r.assumptions,
      stats: { ...r.stats, files: events.files, historicalFeePips: fee ?? o.historicalFee },
    };
  }
  const report = computeReport(view, costs);
  const forecasts: ForecastSeries[] = [];
  for (const p of policies) {
    if (!p.forecasts || p.forecasts.periods.length === 0) continue;
    const { periods, sigma, horizon } = p.forecasts;
    const every = Math.max(1, Math.ceil(periods.length / 3000));
    const f: ForecastSeries = { name: p.name, times: [], forecast: [], realized: [] };
    for (let i = 0; i < periods.length; i += every) {
      f.times.push(periods[i]! * o.period);
      f.forecast.push(sigma[i]!);
      f.realized.push(realized(periods[i]! - 1, horizon));
    }
    forecasts.push(f);
  }
  return { report, forecasts, quoteName: quoteName(o), seconds: (performance.now() - started) / 1000 };
}
