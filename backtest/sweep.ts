// --sweep: one backtest per parameter value, spread over worker threads (one per core by default).
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { jsonSummary } from "./metrics.ts";
import { runBacktest, type BacktestOptions } from "./run.ts";
import type { Model } from "../model/modelFile.ts";

export interface SweepPoint {
  value: string;
  summary: Record<string, unknown>;
}

export const SWEEP_PARAMS = ["elasticity", "classify-horizon", "ewma-half-life", "slope", "fee-min", "fee-max", "static", "sigma", "block-seconds"] as const;

/** The options of one sweep point. */
export function applySweep(base: BacktestOptions, name: string, value: string): BacktestOptions {
  const o: BacktestOptions = structuredClone(base);
  const x = Number(value);
  if (!Number.isFinite(x)) throw new Error(`--sweep ${name}: ${JSON.stringify(value)} is not a number`);
  switch (name) {
    case "elasticity":
      o.elasticity = x;
      if (o.sim.noise) o.sim.noise.elasticity = x;
      break;
    case "classify-horizon":
      o.classifyHorizon = x;
      break;
    case "ewma-half-life":
      o.ewmaHalfLife = x;
      break;
    case "slope":
      o.policyOverride = { ...o.policyOverride, slope: Math.round(x) };
      break;
    case "fee-min":
      o.policyOverride = { ...o.policyOverride, modelFeeMin: Math.round(x) };
      break;
    case "fee-max":
      o.policyOverride = { ...o.policyOverride, modelFeeMax: Math.round(x) };
      break;
    case "static":
      o.statics = [x];
      break;
    case "sigma":
      o.sim.price.sigma = x;
      break;
    case "block-seconds":
      o.sim.blockSeconds = x;
      break;
    default:
      throw new Error(`--sweep: unknown parameter ${JSON.stringify(name)} (one of ${SWEEP_PARAMS.join(", ")})`);
  }
  if (["slope", "fee-min", "fee-max"].includes(name) && o.models.length === 0) throw new Error(`--sweep ${name} changes a model's policy: give --model FILE`);
  return o;
}

export async function runPoint(base: BacktestOptions, name: string, value: string, models?: Map<string, Model>): Promise<SweepPoint> {
  const outcome = await runBacktest(applySweep(base, name, value), undefined, models);
  return { value, summary: jsonSummary(outcome.report) };
}

export async function runSweep(base: BacktestOptions, name: string, values: string[], workers?: number, onProgress?: (f: number) => void): Promise<SweepPoint[]> {
  for (const v of values) applySweep(base, name, v); // fail fast on a bad value
  // Models are loaded and verified here, once; workers get them ready-made (model/'s Poseidon code
  // is not safe to load inside worker threads).
  const models = new Map<string, Model>();
  if (base.models.length) {
    const { loadModel } = await import("../model/modelFile.ts");
    for (const f of base.models) models.set(f, await loadModel(f));
  }
  return onWorkers<string, SweepPoint>({ kind: "sweep", base, name, models }, values, workers, onProgress);
}

/** What a worker is started with: a sweep's base options, or a --tune-policy evaluation's. */
export type WorkerJob =
  | { kind: "sweep"; base: BacktestOptions; name: string; models: Map<string, Model> }
  | { kind: "tune"; base: BacktestOptions; model: Model };

/** Runs `tasks` on up to `workers` worker threads (default: one per core); results in the tasks' order. */
export async function onWorkers<T, R>(job: WorkerJob, tasks: T[], workers?: number, onProgress?: (f: number) => void): Promise<R[]> {
  const pool = new WorkerPool(job, Math.min(tasks.length, workers ?? availableParallelism()));
  try {
    return await pool.run<T, R>(tasks, onProgress);
  } finally {
    await pool.close();
  }
}

/**
 * Worker threads started once with `job` and kept for batch after batch of tasks (--tune-policy's
 * stages), each fed one task at a time. The first error rejects the batch.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  constructor(job: WorkerJob, n: number) {
    const url = new URL("./sweep-worker.mjs", import.meta.url);
    this.workers = Array.from({ length: Math.max(1, n) }, () => new Worker(url, { workerData: job, execArgv: [] }));
  }

  get size(): number {
    return this.workers.length;
  }

  async run<T, R>(tasks: T[], onProgress?: (f: number) => void): Promise<R[]> {
    const results: R[] = new Array(tasks.length);
    let next = 0;
    let done = 0;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const stop = (e?: Error) => {
              w.off("message", onMessage);
              w.off("error", stop);
              if (e) reject(e);
              else resolve();
            };
            const feed = () => {
              if (next >= tasks.length) return stop();
              const i = next++;
              w.postMessage({ i, task: tasks[i] });
            };
            const onMessage = (m: { i: number; result?: R; error?: string }) => {
              if (m.error !== undefined) return stop(new Error(m.error));
              results[m.i] = m.result!;
              onProgress?.(++done / tasks.length);
              feed();
            };
            w.on("message", onMessage);
            w.on("error", stop);
            feed();
          }),
      ),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
