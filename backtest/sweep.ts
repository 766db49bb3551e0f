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
  const n = Math.max(1, Math.min(values.length, workers ?? availableParallelism()));
  const results: SweepPoint[] = new Array(values.length);
  let next = 0;
  let done = 0;
  const url = new URL("./sweep-worker.mjs", import.meta.url);
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const w = new Worker(url, { workerData: { base, name, models }, execArgv: [] });
        const feed = () => {
          if (next >= values.length) {
            void w.terminate();
            resolve();
            return;
          }
          const i = next++;
          w.postMessage({ i, value: values[i] });
        };
        w.on("message", (m: { i: number; point?: SweepPoint; error?: string }) => {
          if (m.error) {
            void w.terminate();
            reject(new Error(m.error));
            return;
          }
          results[m.i] = m.point!;
          onProgress?.(++done / values.length);
          feed();
        });
        w.on("error", reject);
        feed();
      }),
    ),
  );
  return results;
}
