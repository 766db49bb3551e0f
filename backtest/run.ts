// One backtest from parsed options to a report: shared by the CLI, --sweep workers and --tune-policy.
import path from "node:path";
import type { Model } from "../model/modelFile.ts";
import { DataError, checkReference, describePair, loadMinuteBarsFull, loadPoolEvents, loadReference, pairSummary, resolvePair, tickSpacingForFee, wethSideOf, type Pair, type PairFlags, type ReferenceSeries } from "../history/index.ts";
import { computeReport, type Report, type RunView } from "./metrics.ts";
import { STATIC_TIERS_BPS, ewmaPolicy, foresightPolicy, modelPolicy, staticPolicy, type FeePolicy, type UpdateAccounting } from "./policy.ts";
import { CHAIN_PRESETS, DEFAULT_FALLBACK_FEE, DEFAULT_GAS_PER_UPDATE, DEFAULT_KEEP_ALIVE_PERIODS, DEFAULT_LIVENESS_PERIODS, DEFAULT_MIN_CHANGE_PIPS, type KeepAliveMode, type UpdateRuleMode } from "../model/updateRule.ts";
import type { ForecastSeries } from "./report.ts";
import { eventsFromMinuteBars, eventsFromSwaps, replay, sliceEvents, warmupBefore, type Counterfactual, type OracleWarmup, type ReplayEvents } from "./replay.ts";
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
  /**
   * With `from`: the oracle sees the swaps before it first, as the hook's oracle of a pool deployed
   * earlier would have (default). false: the range starts on a new pool's oracle.
   */
  warmup?: boolean;
  /** The pair's terms as given (flags); what is not given is inferred from the data (history/pair.ts resolvePair). */
  historicalFee?: number;
  tickSpacing?: number;
  quote?: 0 | 1;
  decimals?: [number, number];
  period: number;
  gasPerUpdate: number;
  gasPriceGwei: number;
  gasTokenPrice?: number;
  /**
   * The gas-price preset the gas price came from (`--chain`): gas is paid in ETH, priced at the
   * pool's own price where the pool is a WETH pair, whichever chain the history is from.
   */
  chain?: keyof typeof CHAIN_PRESETS;
  /** Which fee changes are sent as updates (model/updateRule.ts): "pays" (default) or "off". */
  updateRule: UpdateRuleMode;
  /** Periods a fee change is assumed to persist; default: each policy's own horizon (a model's). */
  ruleHorizon?: number;
  /** The hook's livenessPeriods, and how many periods before the deadline an update must be sent. */
  liveness: number;
  keepAlivePeriods: number;
  /** Whether a lapse is repaired only when the change to the fallback fee pays (default) or always. */
  keepAlive: KeepAliveMode;
  /** Every hooked pool's fallback fee, pips; default: each model's recommendation, else DEFAULT_FALLBACK_FEE. */
  fallbackFee?: number;
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
    period: 60,
    gasPerUpdate: DEFAULT_GAS_PER_UPDATE,
    // Mainnet around the shipped mainnet days (late 2023 - early 2024); --chain mainnet|l2 for today's
    // (backtest/README.md, "Updates only when they pay", has the sources of both).
    gasPriceGwei: 20,
    updateRule: "pays",
    liveness: DEFAULT_LIVENESS_PERIODS,
    keepAlivePeriods: DEFAULT_KEEP_ALIVE_PERIODS,
    keepAlive: "on-change",
    sim: { seed: 1, days: 7, blockSeconds: 12, blockTiming: "fixed", price: { initial: 2000, sigma: 0.6 }, noise: { tradesPerDay: 2000, meanSize: 20_000, sdLog: 1, elasticity: 0.02 } },
  };
}

/** A time bound: ISO date/time (UTC), unix seconds, or a block number ("block:N" or an integer below 1e9). */
export function parseBound(text: string, what: string, ev?: ReplayEvents & { blocks?: Float64Array }, blocks?: Float64Array): number {
  const s = text.trim();
  const block = /^block:(\d+)$/.exec(s)?.[1] ?? (/^\d+$/.test(s) && Number(s) < 1e9 ? s : undefined);
  if (block !== undefined) {
    if (!ev || !blocks) throw new DataError(`--${what} ${s}: block numbers need per-swap data (--swaps)`);
    const b = Number(block);
    for (let i = 0; i < blocks.length; i++) if (blocks[i]! >= b) return ev.time[i]!;
    return Infinity;
  }
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(" ", "T")}Z`);
  if (!Number.isFinite(ms)) throw new DataError(`--${what} ${JSON.stringify(s)}: not a date (YYYY-MM-DD[THH:MM]), unix time or block number`);
  return ms / 1000;
}

/**
 * A model with another fee mapping, for backtesting only: the commitment is not recomputed (that
 * needs the Poseidon hash); --tune-policy writes files through model/ withPolicy + saveModel.
 */
export function withPolicyUncommitted(model: Model, policy: Model["file"]["policy"]): Model {
  for (const [k, v] of Object.entries(policy)) if (!Number.isInteger(v)) throw new DataError(`policy.${k} must be an integer, got ${v}`);
  if (policy.base < -(2 ** 23) || policy.base >= 2 ** 23) throw new DataError(`policy.base ${policy.base} is outside the signed 24-bit range`);
  if (policy.slope < 0 || policy.slope >= 2 ** 24) throw new DataError(`policy.slope ${policy.slope} is outside the unsigned 24-bit range`);
  if (policy.modelFeeMin < 0 || policy.modelFeeMax > 1_000_000 || policy.modelFeeMin > policy.modelFeeMax) throw new DataError(`policy bounds [${policy.modelFeeMin}, ${policy.modelFeeMax}] are not within [0, 1000000] in order`);
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
    if (names.has(p.name)) throw new DataError(`two policies are both named ${p.name}`);
    names.add(p.name);
  }
  return policies;
}

/** A loaded history: the replay's events and the pair they are of. */
export interface History {
  events: ReplayEvents;
  blocks?: Float64Array;
  pair: Pair;
}

export function pairFlags(o: BacktestOptions): PairFlags {
  return { quote: o.quote, decimals: o.decimals, historicalFee: o.historicalFee, tickSpacing: o.tickSpacing };
}

export function loadHistory(o: BacktestOptions): History {
  if (!o.input) throw new DataError(`--${o.source} needs a file, a comma-separated list or a folder`);
  if (o.source === "swaps") {
    const raw = loadPoolEvents(o.input);
    const pair = resolvePair(raw.files, pairFlags(o), raw);
    return { events: eventsFromSwaps(raw, { historicalFee: pair.feePips }), blocks: raw.block, pair };
  }
  const bars = loadMinuteBarsFull(o.input);
  const pair = resolvePair(bars.files, pairFlags(o));
  if (pair.feePips === undefined) throw new DataError(`${bars.files[0]}: cannot tell the pool's historical fee from the file name or the pool table (minute bars carry no swaps to infer it from); pass --historical-fee <pips>`);
  return { events: eventsFromMinuteBars(bars, { historicalFee: pair.feePips }), pair };
}

/**
 * The --reference series of `o` (if any), loaded in the pair's units and checked against the pool's
 * own price over `events` (history/reference.ts checkReference: a factor-2 disagreement is a
 * one-line error naming the file and the likely cause), with the line the report's assumptions say.
 */
export function referenceFor(o: BacktestOptions, events: ReplayEvents, pair: Pair): { reference?: ReferenceSeries; line?: string } {
  if (!o.reference) return {};
  const reference = loadReference(o.reference, { column: o.referenceColumn, quote: pair.quote, decimals0: pair.decimals[0], decimals1: pair.decimals[1] });
  const check = checkReference(reference, { time: events.time, n: events.n, rawPrice: (i) => (Number(events.sqrtAfter[i]!) / 2 ** 96) ** 2 }, pair);
  const covers = check.coverage < 1 ? `; it covers ${(100 * check.coverage).toFixed(1)}% of the replayed events (the rest, within minutes of its ends, take its end prices)` : "";
  return { reference, line: `reference checked against the pool's own price: median ratio ${check.ratio.toPrecision(4)} over ${check.samples} sampled events${covers}` };
}

/**
 * How the gas of an update is priced in the quote token: `--gas-token-price`; else, where gas is paid
 * in ETH (a --chain preset, or Ethereum history) and the pool is a WETH pair, at the pool's own
 * price of the moment; else not at all (Polygon pays in POL: gas in units only).
 */
export function gasTokenOf(o: BacktestOptions, pair: Pair): { fixedPrice?: number; poolSide?: 0 | 1 } | undefined {
  if (o.gasTokenPrice !== undefined) return { fixedPrice: o.gasTokenPrice };
  const ethGas = o.chain !== undefined || pair.chain === "ethereum";
  if (!ethGas) return undefined;
  const side = wethSideOf(pair);
  return side === undefined ? undefined : { poolSide: side };
}

/** The update accounting a backtest runs with (backtest/policy.ts). */
export function updateAccounting(o: BacktestOptions): UpdateAccounting {
  if (!(o.liveness > o.keepAlivePeriods)) throw new DataError(`--liveness ${o.liveness} must exceed --keep-alive-periods ${o.keepAlivePeriods}`);
  return {
    rule: { mode: o.updateRule, keepAlive: o.keepAlive, keepAlivePeriods: o.keepAlivePeriods, minChangePips: DEFAULT_MIN_CHANGE_PIPS, liveness: o.liveness, horizon: o.ruleHorizon, fallbackFee: o.fallbackFee },
    gasPerUpdate: o.gasPerUpdate,
    gasPriceGwei: o.gasPriceGwei,
  };
}

function ruleAssumption(o: BacktestOptions, gasPriced: boolean, gasWhat: string): string {
  const horizon = o.ruleHorizon !== undefined ? `${o.ruleHorizon}` : "each policy's own, a model's forecast horizon";
  const chain = o.chain ? ` (--chain ${o.chain}: ${CHAIN_PRESETS[o.chain].name})` : "";
  const gas = `${o.gasPerUpdate.toLocaleString("en-US")} gas per update at ${o.gasPriceGwei} gwei${chain}, ${gasPriced ? gasWhat : "not priced in the quote token (gas in units only)"}`;
  const fallback = o.fallbackFee !== undefined ? `${o.fallbackFee} pips` : `each model's recommended fee, else ${DEFAULT_FALLBACK_FEE} pips`;
  const live =
    o.keepAlive === "always"
      ? `the pool's liveness: ${o.liveness} periods, a keep-alive always sent ${o.keepAlivePeriods} periods before the deadline`
      : `the pool's liveness: ${o.liveness} periods, then its fallback fee (${fallback}); from ${o.keepAlivePeriods} periods before the deadline an update is judged as a change from the fallback fee, so a pool is left to fall back where keeping it live does not pay`;
  if (o.updateRule === "off") return `update rule off: every change of a dynamic policy's fee is an update (${live}); ${gas}`;
  return `update rule (model/updateRule.ts): a dynamic policy's fee change is sent when |change| x the fee base of the last H periods > its gas (H = ${horizon})${gasPriced ? "" : " (gas not priced here: every change is sent)"}; ${live}; the pool charges the last fee sent; ${gas}`;
}

export async function runBacktest(o: BacktestOptions, onProgress?: (f: number) => void, loadedModels?: Map<string, Model>, history?: History): Promise<BacktestOutcome> {
  const started = performance.now();
  const policies = await buildPolicies(o, loadedModels);
  let view: RunView;
  const updates = updateAccounting(o);
  const costs = { gasPerUpdate: o.gasPerUpdate, gasPriced: true };
  let realized: (period: number, horizon: number) => number;
  let quoteName = "token1 (numeraire)";
  if (o.source === "simulate") {
    // Gas is paid in the simulated risky token (token0, ETH-like), priced in token1 at each update's moment.
    const r = simulate({ ...o.sim, periodSeconds: o.period, updates, gasTokenPrice: o.gasTokenPrice }, policies, onProgress);
    realized = r.realizedSigma;
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
        ruleAssumption(o, true, o.gasTokenPrice !== undefined ? `at ${o.gasTokenPrice} token1 per gas token` : "paid in token0 (ETH-like) at the price of each update's moment"),
      ],
      stats: { blocks: r.blocks, arbBlocks: r.policies.map((p) => p.arbBlocks) },
    };
  } else {
    const h = history ?? loadHistory(o);
    const pair = h.pair;
    quoteName = pair.symbols[pair.quote];
    let events = h.events;
    let warmup: OracleWarmup | undefined;
    if (o.from || o.to) {
      const from = o.from ? parseBound(o.from, "from", events, h.blocks) : -Infinity;
      const to = o.to ? parseBound(o.to, "to", events, h.blocks) : Infinity;
      if (!(from < to)) throw new DataError(o.to ? `--from ${o.from} is not before --to ${o.to}` : `--from ${o.from} is after the data's end (${new Date(events.time[events.n - 1]! * 1000).toISOString()})`);
      events = sliceEvents(events, from, to);
      if (o.warmup !== false) warmup = warmupBefore(h.events, from);
    }
    const pairLines = [`${describePair(pair)}; tick spacing ${o.tickSpacing ?? pair.tickSpacing ?? tickSpacingForFee(events.fee[0]!)}`];
    const { reference, line } = referenceFor(o, events, pair);
    if (line) pairLines.push(line);
    const gasToken = gasTokenOf(o, pair);
    costs.gasPriced = gasToken !== undefined;
    const r = replay(events, policies, {
      counterfactual: o.counterfactual,
      periodSeconds: o.period,
      tickSpacing: o.tickSpacing,
      valuation: { quote: pair.quote, decimals0: pair.decimals[0], decimals1: pair.decimals[1] },
      reference,
      classifyHorizon: o.classifyHorizon,
      elasticity: o.elasticity,
      updates,
      gasToken,
      warmup,
      onProgress,
    });
    realized = r.realizedSigma;
    view = {
      mode: `historical replay (${events.format === "swaps" ? "per-swap rows" : "minute bars"}, counterfactual ${o.counterfactual === "same" ? "(a) same swaps" : "(b) re-sized arbitrage + elastic volume"})`,
      clock: r.clock,
      priceAt: r.priceAt,
      periodSeconds: o.period,
      policies: r.policies.map((p, i) => ({ name: policies[i]!.name, ledger: p.ledger, lvrTheory: p.lvrTheory, volumeRetained: p.volumeRetained, foresight: policies[i]!.foresight === true, swaps: p.swaps })),
      swaps: r.stats.swaps,
      from: events.time[0]!,
      to: events.time[events.n - 1]!,
      assumptions: [...pairLines, ...r.assumptions, ruleAssumption(o, gasToken !== undefined, gasToken?.fixedPrice !== undefined ? `at ${gasToken.fixedPrice} quote tokens per gas token` : reference ? "paid in ETH at the reference's last close before each update" : "paid in ETH at the pool's own WETH price of each update's moment")],
      stats: { ...r.stats, files: events.files, historicalFeePips: pair.feePips, pair: pairSummary(pair) },
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
  return { report, forecasts, quoteName, seconds: (performance.now() - started) / 1000 };
}
