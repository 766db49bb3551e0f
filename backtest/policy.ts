// Fee policies: what a quant implements to put an idea through the backtester. A policy is asked
// for a fee at the start of each period (and, with `everyBlock`, at each further block) and sees
// only what the hook's oracle knew at that moment (completed periods). Example, a fee that doubles after a big move:
//
//   const jumpy: FeePolicy = {
//     name: "jumpy",
//     feeFor: (ctx) => (Math.abs(ctx.lastChange() ?? 0) > 20 ? 6000 : 3000),
//   };
// Only the light parts of model/ (its index also loads the Poseidon hash, seconds of start-up).
import { evaluateFixed, forecastVariance, type PoolTerms } from "../model/fixedpoint.ts";
import { countThrough, type Observations } from "../model/observations.ts";
import type { Model } from "../model/modelFile.ts";
import { decideUpdate, DEFAULT_FALLBACK_FEE, FeeBaseWindow, recommendedFallbackFee, type UpdateDecision, type UpdateRuleSettings } from "../model/updateRule.ts";
import { Ledger, type Clock, type Valuation } from "./ledger.ts";
import { Oracle } from "./oracle.ts";

export interface PolicyContext {
  /** Index of the period the fee will apply to: floor(timestamp / periodSeconds). */
  readonly period: number;
  readonly periodSeconds: number;
  /** Start of that period, unix seconds. */
  readonly timestamp: number;
  /** The fee in force until now, pips. */
  readonly currentFee: number;
  /**
   * For `everyBlock` policies asked at a block: the block (per-swap history: its number; minute
   * bars: the minute's start; simulation: the block's index) and the policy's pool tick before the
   * block's first swap (what a hook reads from slot0). At a period start: undefined.
   */
  readonly block: number | undefined;
  readonly poolTick: number | undefined;
  /** The raw oracle features as of period - 1 (SPEC §2): a model's exact inputs. */
  features(): bigint[];
  /** Observations of completed periods only (period <= this.period - 1). */
  observations(): Observations;
  /** Tick change between the last two completed traded periods, if any. */
  lastChange(): number | undefined;
  /**
   * Only for `foresight` policies (the perfect-foresight bound): realized variance of the reference
   * price in ticks^2 over periods period .. period + horizon - 1. Others get an error.
   */
  futureVariance(horizon: number): number;
}

export interface FeePolicy {
  readonly name: string;
  /** Fee in pips (hundredths of a bip) for period `ctx.period`; an integer in [0, 1_000_000]. */
  feeFor(ctx: PolicyContext): number;
  /**
   * Ask again at the first swap of every block, not only at each period start (a fee that reacts
   * within a period). Each change counts as a fee update (gas); fee statistics are then over the
   * periods and blocks it was asked at.
   */
  readonly everyBlock?: boolean;
  /**
   * Periods its fee is priced for (a model's forecast horizon): the update rule's default horizon,
   * the periods a change of this policy's fee is assumed to persist (model/updateRule.ts).
   */
  readonly horizon?: number;
  /** A fixed fee (a plain v4 pool, no hook): never updated, so the update rule does not apply. */
  readonly fixed?: boolean;
  /**
   * The fallback fee of this policy's hooked pool, pips (a model file's recommendation, `meta.fallbackFee`),
   * where the run does not set one for every pool (UpdateAccounting.rule.fallbackFee).
   */
  readonly fallbackFee?: number;
  /** Set only by the perfect-foresight bound: it may read the future, and reports mark it so. */
  readonly foresight?: boolean;
  /** Model policies: the model file they were built from (reports show it). */
  readonly source?: string;
  /** Policies that forecast volatility record it here (forecast vs realized plots). */
  readonly forecasts?: { horizon: number; periods: number[]; sigma: number[] };
}

/** A context over an incrementally built oracle; `future` serves foresight policies. */
export class OracleContext implements PolicyContext {
  period = 0;
  timestamp = 0;
  currentFee = 0;
  block: number | undefined = undefined;
  poolTick: number | undefined = undefined;
  private readonly allowFuture: boolean;
  constructor(
    private readonly oracle: Oracle,
    readonly periodSeconds: number,
    private readonly future: ((period: number, horizon: number) => number) | undefined,
    allowFuture: boolean,
  ) {
    this.allowFuture = allowFuture;
  }
  features(): bigint[] {
    return this.oracle.features(this.period - 1, this.period);
  }
  observations(): Observations {
    this.oracle.settle(this.period - 1, this.period); // the pending close, if complete
    const obs = this.oracle.observations();
    const k = countThrough(obs, this.period - 1);
    return { periods: obs.periods.subarray(0, k), ticks: obs.ticks.subarray(0, k), cumUp: obs.cumUp.subarray(0, k), cumDown: obs.cumDown.subarray(0, k) };
  }
  lastChange(): number | undefined {
    return this.oracle.lastChange(this.period - 1, this.period)?.change;
  }
  futureVariance(horizon: number): number {
    if (!this.allowFuture || !this.future) throw new Error("futureVariance: only a foresight policy may read the future");
    return this.future(this.period, horizon);
  }
}

export function checkFee(policy: FeePolicy, fee: number, period: number): number {
  if (!Number.isInteger(fee) || fee < 0 || fee > 1_000_000) {
    throw new Error(`policy ${policy.name}: fee for period ${period} is ${fee}; a fee is an integer number of pips in [0, 1000000]`);
  }
  return fee;
}

/**
 * How a run turns each policy's fees into fee updates and prices their gas. Plain data, so it
 * travels to worker threads (--sweep, --tune-policy).
 */
export interface UpdateAccounting {
  /**
   * The update rule (model/updateRule.ts) with the pool's liveness; absent: every change of a
   * policy's fee is an update and liveness is not modelled (replay()'s and simulate()'s default).
   */
  rule?: UpdateRuleSettings & {
    /** Periods without an update before the hook puts the pool on its fallback fee. */
    liveness: number;
    /** Periods a fee change is assumed to persist; default: each policy's own `horizon`. */
    horizon?: number;
    /**
     * Every hooked pool's fallback fee, pips (`--fallback-fee`); absent: each policy's own
     * (FeePolicy.fallbackFee), else DEFAULT_FALLBACK_FEE.
     */
    fallbackFee?: number;
  };
  gasPerUpdate: number;
  gasPriceGwei: number;
}

/** One decision of the update rule, for tests and reports. */
export interface RuleDecisionRecord {
  policy: string;
  period: number;
  block: number | undefined;
  currentFee: number;
  candidateFee: number;
  periodsLeft: number;
  feeBase: number;
  decision: UpdateDecision;
  /** A liveness lapse decided in a period without trades (the policy asked at that period only for it). */
  gap?: boolean;
}

/** What every backtest keeps per policy at a period boundary. */
export interface PeriodPolicyState {
  policy: FeePolicy;
  ctx: OracleContext;
  ledger: { setFee(period: number, fee: number): void; recordUpdate(period: number, gasCost: number): void };
  /** The fee the pool charges (the last one sent); -1 before the first ask. */
  fee: number;
  updates: UpdateState;
}

/** Per policy: the update rule's state. */
export interface UpdateState {
  /** Shared by the run's policies. */
  accounting: UpdateAccounting | undefined;
  /** Quote tokens one update's gas costs at time t (NaN: gas not priced). */
  gasCostAt: (t: number) => number;
  onDecision?: (d: RuleDecisionRecord) => void;
  /** With the rule: the horizon and the fee base over it (undefined for fixed fees). */
  horizon?: number;
  feeBase?: FeeBaseWindow;
  /** The period of the last update sent (the hook takes one per period). */
  sentPeriod: number;
  /** The hook's liveUntil: the first period on the fallback fee unless an update lands before. */
  liveUntil: number;
  /** The pool's fallback fee (with the rule), and whether the pool is on it. */
  fallbackFee: number;
  onFallback: boolean;
  /** The last period the policy was asked in (a traded period, or a quiet one where a lapse was decided). */
  askedPeriod: number;
  /** A data gap preceded this ask: liveness restarts (updates in unseen time are not counted). */
  restart: boolean;
}

/** What both backtests (replay, simulation) keep per policy; each adds its own fields. */
export interface PolicyCore extends PeriodPolicyState {
  oracle: Oracle;
  ledger: Ledger;
  /** Theoretical LVR accumulated, quote. */
  lvrTheory: number;
}

/**
 * One core per policy: its oracle (`sharedOracle` where all policies see one price path), a
 * context over it (the future only for foresight policies), a ledger on the run's clock, and the
 * update rule's state (`updates`; `gasCostAt` prices an update's gas at a time).
 */
export function policyCores(
  policies: FeePolicy[],
  o: {
    periodSeconds: number; future: (period: number, horizon: number) => number; valuation: Valuation; clock: Clock; sharedOracle?: Oracle;
    updates?: UpdateAccounting; gasCostAt?: (t: number) => number; onDecision?: (d: RuleDecisionRecord) => void;
  },
): PolicyCore[] {
  return policies.map((policy) => {
    const oracle = o.sharedOracle ?? new Oracle(o.periodSeconds);
    const rule = o.updates?.rule;
    let horizon: number | undefined;
    if (rule && policy.fixed !== true) {
      horizon = rule.horizon ?? policy.horizon;
      if (horizon === undefined) throw new Error(`policy ${policy.name}: the update rule needs the periods its fee is priced for (FeePolicy.horizon) or --rule-horizon`);
    }
    return {
      policy,
      oracle,
      ctx: new OracleContext(oracle, o.periodSeconds, o.future, policy.foresight === true),
      ledger: new Ledger({ name: policy.name, valuation: o.valuation, clock: o.clock }),
      fee: -1,
      lvrTheory: 0,
      updates: {
        accounting: o.updates, gasCostAt: o.gasCostAt ?? (() => NaN), onDecision: o.onDecision,
        horizon, feeBase: horizon !== undefined ? new FeeBaseWindow(horizon) : undefined, sentPeriod: -Infinity, liveUntil: -Infinity, restart: false,
        fallbackFee: rule?.fallbackFee ?? policy.fallbackFee ?? DEFAULT_FALLBACK_FEE, onFallback: false, askedPeriod: -Infinity,
      },
    };
  });
}

/** A swap's value paid into a policy's pool (quote), for its fee base: `period` is the swap's. */
export function noteFeeBase(st: PeriodPolicyState, period: number, value: number): void {
  st.updates.feeBase?.add(period, value);
}

/** A data gap (a new segment): each policy's liveness restarts at its next ask. */
export function noteDataGap(states: PeriodPolicyState[]): void {
  for (const st of states) st.updates.restart = true;
}

/**
 * A new period begins: each policy prices it from what it has seen so far, and the ledger records
 * the change. `applyFee` sets the fee on the policy's own pool where it has one.
 */
export function enterPeriod<S extends PeriodPolicyState>(states: S[], period: number, periodSeconds: number, applyFee?: (state: S, fee: number) => void): void {
  for (const st of states) {
    st.ctx.period = period;
    st.ctx.timestamp = period * periodSeconds;
    st.ctx.block = undefined;
    st.ctx.poolTick = undefined;
    ask(st, period, applyFee);
  }
}

/**
 * Asks a policy for its fee and turns it into what the pool charges: the first fee is the pool's
 * initial fee (not an update); after it, without the rule every change is an update, with it the
 * rule (model/updateRule.ts) decides, and a skipped change leaves the last fee sent in force.
 */
function ask<S extends PeriodPolicyState>(st: S, period: number, applyFee?: (state: S, fee: number) => void): void {
  st.ctx.currentFee = st.fee;
  const target = checkFee(st.policy, st.policy.feeFor(st.ctx), period);
  const u = st.updates;
  const rule = u.accounting?.rule;
  const time = st.ctx.timestamp;
  if (st.fee < 0) {
    st.fee = target;
    u.sentPeriod = period;
    if (rule) u.liveUntil = period + rule.liveness;
  } else if (!rule || st.policy.fixed === true) {
    if (target !== st.fee) {
      st.ledger.recordUpdate(period, u.gasCostAt(time));
      st.fee = target;
      u.sentPeriod = period;
    }
  } else {
    if (u.restart) {
      u.restart = false;
      u.liveUntil = Math.max(u.liveUntil, period + rule.liveness);
    }
    // Periods without a trade were not asked. The liveness lapse is decided at the first unasked period
    // where it is due, as a keeper deciding every period would: the policy is asked at that period (the
    // oracle then holds exactly the swaps before it, so its features are the keeper's: the last traded
    // period's close settled, the windows aged). Other changes are decided at traded periods only.
    for (let c = Math.max(u.liveUntil - rule.keepAlivePeriods, u.askedPeriod + 1); !u.onFallback && c < period && c > u.sentPeriod; c = Math.max(u.liveUntil - rule.keepAlivePeriods, u.askedPeriod + 1)) {
      const candidate = askAt(st, c);
      const cost = u.gasCostAt(c * st.ctx.periodSeconds);
      const gapBase = u.feeBase!.total(c - 1);
      const decision = decideUpdate({ currentFee: st.fee, candidateFee: candidate, onFallback: false, fallbackFee: u.fallbackFee, periodsLeft: u.liveUntil - c, feeBase: gapBase, horizon: u.horizon!, gasCost: cost }, rule);
      const gapDecision = { ...decision, reason: `${decision.reason} (a period without trades)` };
      u.onDecision?.({ policy: st.policy.name, period: c, block: undefined, currentFee: st.fee, candidateFee: candidate, periodsLeft: u.liveUntil - c, feeBase: gapBase, gap: true, decision: gapDecision });
      u.askedPeriod = c;
      if (!decision.send) break;
      st.ledger.recordUpdate(c, cost);
      st.fee = candidate;
      u.sentPeriod = c;
      u.liveUntil = c + rule.liveness;
    }
    const periodsLeft = u.liveUntil - period;
    const feeBase = u.feeBase!.total(period - 1);
    const decision: UpdateDecision =
      u.sentPeriod === period
        ? { send: false, reason: `already updated in period ${period} (the hook takes one update per period)`, value: NaN, cost: NaN }
        : decideUpdate({ currentFee: st.fee, candidateFee: target, onFallback: u.onFallback, fallbackFee: u.fallbackFee, periodsLeft, feeBase, horizon: u.horizon!, gasCost: u.gasCostAt(time) }, rule);
    u.onDecision?.({ policy: st.policy.name, period, block: st.ctx.block, currentFee: st.fee, candidateFee: target, periodsLeft, feeBase, decision });
    if (decision.send) {
      st.ledger.recordUpdate(period, decision.cost);
      st.fee = target;
      u.sentPeriod = period;
      u.liveUntil = period + rule.liveness;
      u.onFallback = false;
    } else if (!u.onFallback && period >= u.liveUntil) {
      // Not kept live: the hook puts the pool on its fallback fee at this period's first swap (the
      // keeper decided before it, at the period's first block, so it still saw the old fee).
      u.onFallback = true;
      st.fee = u.fallbackFee;
    }
  }
  u.askedPeriod = period;
  st.ledger.setFee(period, st.fee);
  applyFee?.(st, st.fee);
}

/** The policy's fee at an earlier, unasked period `c` of the current ask (a period without trades); the context is restored. */
function askAt(st: PeriodPolicyState, c: number): number {
  const ctx = st.ctx;
  const saved = { period: ctx.period, timestamp: ctx.timestamp, block: ctx.block, poolTick: ctx.poolTick, currentFee: ctx.currentFee };
  ctx.period = c;
  ctx.timestamp = c * ctx.periodSeconds;
  ctx.block = undefined;
  ctx.poolTick = undefined;
  ctx.currentFee = st.fee;
  try {
    return checkFee(st.policy, st.policy.feeFor(ctx), c);
  } finally {
    Object.assign(ctx, saved);
  }
}

/**
 * A new block begins (its first swap is next): `everyBlock` policies are asked again, within the
 * current period. `poolTick(state)` is the tick of the state's pool before the block.
 */
export function enterBlock<S extends PeriodPolicyState>(states: S[], block: number, timestamp: number, poolTick: (state: S) => number, applyFee?: (state: S, fee: number) => void): void {
  for (const st of states) {
    if (st.policy.everyBlock !== true) continue;
    st.ctx.timestamp = timestamp;
    st.ctx.block = block;
    st.ctx.poolTick = poolTick(st);
    ask(st, st.ctx.period, applyFee);
  }
}

// ---------------------------------------------------------------- built-in policies

/** A fixed fee; `bps` may be fractional (0.01 bp = 1 pip). */
export function staticPolicy(bps: number): FeePolicy {
  const fee = Math.round(bps * 100);
  return { name: `static-${bps}bp`, fixed: true, feeFor: () => fee };
}

export const STATIC_TIERS_BPS = [1, 5, 30, 100];

export interface EwmaOptions {
  /** Half-life of the EWMA of squared per-period tick changes, in traded periods. */
  halfLife?: number;
  /** Volatility horizon the fee prices, in periods (sigma scales with its square root). */
  horizon?: number;
  /** Pips per tick of horizon sigma (the model policy's slope / 256 is the same unit). */
  pipsPerTick?: number;
  minFee?: number;
  maxFee?: number;
  name?: string;
}

/** Fee proportional to an EWMA volatility of the pool's own oracle closes. */
export function ewmaPolicy(options: EwmaOptions = {}): FeePolicy {
  const halfLife = options.halfLife ?? 30;
  const horizon = options.horizon ?? 30;
  const pipsPerTick = options.pipsPerTick ?? 2200 / 256;
  const minFee = options.minFee ?? 100;
  const maxFee = options.maxFee ?? 10_000;
  const decay = Math.pow(0.5, 1 / halfLife);
  let variance = NaN;
  let consumed = 0;
  const forecasts = { horizon, periods: [] as number[], sigma: [] as number[] };
  return {
    name: options.name ?? `ewma-vol-hl${halfLife}`,
    horizon,
    forecasts,
    feeFor(ctx) {
      const obs = ctx.observations();
      if (obs.periods.length < consumed) consumed = 0; // a fresh run reusing the policy object
      for (let i = Math.max(consumed, 1); i < obs.periods.length; i++) {
        const d = obs.ticks[i]! - obs.ticks[i - 1]!;
        variance = Number.isNaN(variance) ? d * d : decay * variance + (1 - decay) * d * d;
      }
      consumed = obs.periods.length;
      if (Number.isNaN(variance)) return minFee;
      const sigma = Math.sqrt(variance * horizon);
      forecasts.periods.push(ctx.period);
      forecasts.sigma.push(sigma);
      const fee = Math.round(pipsPerTick * sigma);
      return Math.min(maxFee, Math.max(minFee, fee));
    },
  };
}

/** Pool terms a model policy is evaluated under (the hook's bounds); defaults allow every fee. */
export const OPEN_TERMS = { poolFeeMin: 0, poolFeeMax: 1_000_000 };

/** The fee the hook would accept from a proof: model/ evaluateFixed on the oracle features. */
export function modelPolicy(model: Model, options: { name?: string; source?: string; terms?: { poolFeeMin: number; poolFeeMax: number } } = {}): FeePolicy {
  const terms: PoolTerms = { ...(options.terms ?? OPEN_TERMS), period: model.file.period };
  const forecasts = { horizon: model.file.horizon, periods: [] as number[], sigma: [] as number[] };
  const fallbackFee = recommendedFallbackFee(model.file);
  return {
    name: options.name ?? "model",
    source: options.source,
    horizon: model.file.horizon,
    ...(fallbackFee !== undefined ? { fallbackFee } : {}),
    forecasts,
    feeFor(ctx) {
      if (ctx.periodSeconds !== model.file.period) {
        throw new Error(`model policy ${options.name ?? "model"}: the model's period is ${model.file.period} s, the backtest's is ${ctx.periodSeconds} s`);
      }
      const e = evaluateFixed(model.network, model.file.policy, ctx.features(), terms);
      forecasts.periods.push(ctx.period);
      forecasts.sigma.push(Math.sqrt(forecastVariance(e.forecast)));
      return e.fee;
    },
  };
}

/**
 * The upper bound: a model's own fee mapping (base + slope/256 x sigma, clamped to its bounds)
 * applied to the sigma that is actually realized over its horizon, i.e. a perfect forecast.
 */
export function foresightPolicy(mapping: { base: number; slope: number; modelFeeMin: number; modelFeeMax: number }, horizon: number, name = "perfect-foresight"): FeePolicy {
  return {
    name,
    foresight: true,
    horizon,
    feeFor(ctx) {
      const sigma = Math.sqrt(Math.max(0, ctx.futureVariance(horizon)));
      const raw = Math.floor(mapping.base + (mapping.slope / 256) * sigma);
      return Math.min(mapping.modelFeeMax, Math.max(mapping.modelFeeMin, raw));
    },
  };
}
