// --tune-policy: fits a model's whole fee policy (model/SPEC.md §5: intercept `base`, `slope`, and
// the bounds `modelFeeMin`, `modelFeeMax`) to what LPs earn: net LP PnL after the gas of the policy's
// fee updates (fees - LVR - gas, where gas is priced; fees - LVR where it is not) backtested on a
// validation range under counterfactual (b), where a higher fee costs arbitrage and volume.
//
// The search, coarse to fine, every candidate an exact backtest of the validation range:
//   1. intercept x slope on a grid (bounds as in the model), the model's own policy among them;
//   2. the bounds on a grid at the best intercept and slope (and at `boundFees`: the best constant fee);
//   3. a pattern search: the best so far moved by +-step in each of the four parameters, a move
//      kept while it improves, the steps halved when none does, until the steps are small.
// The result is the best of every candidate evaluated (ties: the earlier). Candidates of a stage are
// backtested together (one replay, one pool per candidate), split over worker threads.
import { availableParallelism } from "node:os";
import type { Model } from "../model/modelFile.ts";
import { loadHistory, pairFlags, runBacktest, withPolicyUncommitted, type BacktestOptions, type History } from "./run.ts";
import { WorkerPool } from "./sweep.ts";

export interface PolicyParams {
  base: number;
  slope: number;
  modelFeeMin: number;
  modelFeeMax: number;
}

export interface TuneEvaluation {
  policy: PolicyParams;
  /** Net LP PnL after the gas of fee updates on the validation range, quote token. */
  netPnl: number;
  stage: "grid: base x slope" | "grid: bounds" | "pattern search";
}

export interface TuneResult {
  best: TuneEvaluation;
  original: TuneEvaluation;
  /** Every distinct candidate, in the order evaluated. */
  evaluated: TuneEvaluation[];
}

// SPEC §5 ranges: base signed 24-bit; slope, modelFeeMin, modelFeeMax unsigned 24-bit; fees <= 1e6.
const BASE_MIN = -(2 ** 23);
const BASE_MAX = 2 ** 23 - 1;
const SLOPE_MAX = 2 ** 24 - 1;
const FEE_MAX = 1_000_000;

const clampInt = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));

/** The nearest valid policy: integers in the SPEC's ranges, modelFeeMin <= modelFeeMax. */
export function validPolicy(p: PolicyParams): PolicyParams {
  const modelFeeMax = clampInt(p.modelFeeMax, 0, FEE_MAX);
  return { base: clampInt(p.base, BASE_MIN, BASE_MAX), slope: clampInt(p.slope, 0, SLOPE_MAX), modelFeeMin: clampInt(p.modelFeeMin, 0, modelFeeMax), modelFeeMax };
}

const keyOf = (p: PolicyParams) => `${p.base},${p.slope},${p.modelFeeMin},${p.modelFeeMax}`;

// Histories loaded per process (the main thread, or a worker), by what identifies the input.
const historyKey = (bt: BacktestOptions) => JSON.stringify([bt.source, bt.input, pairFlags(bt)]);
const histories = new Map<string, History>();
function historyFor(bt: BacktestOptions): History {
  const key = historyKey(bt);
  let h = histories.get(key);
  if (!h) {
    h = loadHistory(bt);
    histories.set(key, h);
  }
  return h;
}

/** Net LP PnL after gas of each candidate policy on `bt`'s range: one replay with one model policy per candidate. */
export async function evaluateCandidates(bt: BacktestOptions, model: Model, candidates: PolicyParams[]): Promise<number[]> {
  if (candidates.length === 0) return [];
  const models = new Map<string, Model>();
  const names = candidates.map((c, k) => {
    const name = `candidate-${k}`;
    models.set(name, withPolicyUncommitted(model, validPolicy(c)));
    return name;
  });
  const o: BacktestOptions = { ...bt, models: names, statics: [], ewma: false, foresight: false, policyOverride: undefined };
  const outcome = await runBacktest(o, undefined, models, historyFor(bt));
  return outcome.report.policies.map((p) => p.netPnlAfterGas);
}

export interface TuneOptions {
  /** Worker threads for candidate batches (default: one per core; 1 = in this thread). */
  workers?: number;
  /** The history of `validation` where the caller has it loaded already. */
  history?: History;
  /** Pattern-search rounds at most (default 10). */
  maxRounds?: number;
  /**
   * Further candidates evaluated with the first grid (e.g. the best constant fee as slope 0): the
   * search then starts from the best of everything, so the result is never worse on validation than
   * any of them.
   */
  seeds?: PolicyParams[];
  /**
   * Further fees (pips) the bounds grid tries as modelFeeMin and as modelFeeMax, e.g. the best constant
   * fee: the fee then moves only above it, or only below it. The grid's own bounds scale with the
   * model's (10 bp at most for the floor where the model has none), so a floor at a higher constant
   * would otherwise be out of the search's reach.
   */
  boundFees?: number[];
  onProgress?: (fraction: number) => void;
}

/**
 * Tunes `model`'s fee policy on `validation` (a BacktestOptions with the validation range as
 * from/to; its counterfactual should be "resize"). Returns the best candidate and every evaluation.
 */
export async function tunePolicy(model: Model, validation: BacktestOptions, options: TuneOptions = {}): Promise<TuneResult> {
  const bt: BacktestOptions = { ...validation, models: [], statics: [], ewma: false, foresight: false, policyOverride: undefined };
  const workers = options.workers;
  const cache = new Map<string, TuneEvaluation>();
  const evaluated: TuneEvaluation[] = [];
  let best: TuneEvaluation | undefined;
  let progress = 0;
  const budget = 120; // for the progress bar only
  if (options.history) histories.set(historyKey(bt), options.history);
  const useWorkers = (workers ?? availableParallelism()) > 1;
  if (!useWorkers) historyFor(bt); // load once, outside the timed batches

  const run = async (list: PolicyParams[], stage: TuneEvaluation["stage"]): Promise<void> => {
    const fresh: PolicyParams[] = [];
    for (const c of list.map(validPolicy)) if (!cache.has(keyOf(c)) && !fresh.some((f) => keyOf(f) === keyOf(c))) fresh.push(c);
    if (fresh.length === 0) return;
    let pnl: number[];
    if (!useWorkers || fresh.length < 2) pnl = await evaluateCandidates(bt, model, fresh);
    else {
      // Chunks of about equal size, one or two per worker.
      const n = Math.min(fresh.length, 2 * (workers ?? availableParallelism()));
      const chunks: PolicyParams[][] = Array.from({ length: n }, () => []);
      fresh.forEach((c, k) => chunks[k % n]!.push(c));
      pool ??= new WorkerPool({ kind: "tune", base: bt, model }, workers ?? availableParallelism());
      const parts = await pool.run<PolicyParams[], number[]>(chunks);
      pnl = new Array(fresh.length);
      chunks.forEach((chunk, j) => chunk.forEach((c, k) => (pnl[fresh.indexOf(c)] = parts[j]![k]!)));
    }
    fresh.forEach((policy, k) => {
      const e: TuneEvaluation = { policy, netPnl: pnl[k]!, stage };
      cache.set(keyOf(policy), e);
      evaluated.push(e);
      if (!best || e.netPnl > best.netPnl) best = e;
    });
    progress += fresh.length;
    options.onProgress?.(Math.min(0.99, progress / budget));
  };

  let pool: WorkerPool | undefined;
  try {
    return await search();
  } finally {
    await pool?.close();
  }

  async function search(): Promise<TuneResult> {
    const p0 = validPolicy(model.file.policy);
    // 1. intercept x slope. Offsets in pips around the model's intercept; slopes around its own
    // (8000 = 31.25 pips per tick of forecast sigma where the model has none).
    const slopeRef = p0.slope > 0 ? p0.slope : 8000;
    const bases = [-1000, -300, 0, 300, 1000, 3000].map((d) => p0.base + d);
    const slopes = [0, 0.25, 0.5, 1, 2, 4].map((k) => slopeRef * k);
    await run(
      [...bases.flatMap((base) => slopes.map((slope) => ({ ...p0, base, slope }))), ...(options.seeds ?? [])],
      "grid: base x slope",
    );
    // 2. bounds at the best intercept and slope.
    const b1 = best!.policy;
    const minRef = p0.modelFeeMin > 0 ? p0.modelFeeMin : 100;
    const maxRef = p0.modelFeeMax > 0 ? p0.modelFeeMax : 10_000;
    const extra = options.boundFees ?? [];
    const mins = [...[0, 0.5, 1, 2, 5, 10].map((k) => minRef * k), ...extra];
    const maxs = [...[0.25, 0.5, 1, 2, 5].map((k) => maxRef * k), ...extra];
    await run(
      mins.flatMap((modelFeeMin) => maxs.filter((modelFeeMax) => modelFeeMin <= modelFeeMax).map((modelFeeMax) => ({ ...b1, modelFeeMin, modelFeeMax }))),
      "grid: bounds",
    );
    // 3. pattern search from the best so far.
    const step = { base: 200, slope: Math.max(1, slopeRef / 4), modelFeeMin: Math.max(10, minRef / 2), modelFeeMax: Math.max(10, maxRef / 4) };
    const floor = { base: 25, slope: Math.max(1, slopeRef / 32), modelFeeMin: 10, modelFeeMax: 100 };
    const keys = ["base", "slope", "modelFeeMin", "modelFeeMax"] as const;
    for (let round = 0; round < (options.maxRounds ?? 10); round++) {
      const center = best!;
      const moves: PolicyParams[] = [];
      for (const k of keys) for (const sign of [-1, 1]) moves.push({ ...center.policy, [k]: center.policy[k] + sign * step[k] });
      await run(moves, "pattern search");
      if (best === center) {
        // No move improved: finer steps, until every step is at its floor.
        let any = false;
        for (const k of keys) {
          if (step[k] > floor[k]) {
            step[k] = Math.max(floor[k], step[k] / 2);
            any = true;
          }
        }
        if (!any) break;
      }
    }
    options.onProgress?.(1);
    return { best: best!, original: cache.get(keyOf(p0))!, evaluated };
  }
}
