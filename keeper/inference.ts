// Float inference of the committed model in TensorFlow.js, batched over every pool the keeper
// serves, on the best backend present. The proof computes the fee in fixed point; this float pass
// is the cross-check (they must agree within 1 pip) and what makes many pools cheap to screen.
import * as tf from "@tensorflow/tfjs";
import { dequantizeNetwork, fastLog2, feeFromForecastFloat, floatInputs, HIDDEN, N_FEATURES, type Model, type PoolTerms } from "../model/index.ts";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_PREFERENCE: BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === "tensorflow-gpu") {
      // Optional dependency: present on GPU hosts that could install it, absent elsewhere.
      await import("@tensorflow/tfjs-node-gpu" as string);
      return (await tf.setBackend("tensorflow")) && tf.getBackend() === "tensorflow";
    }
    if (name === "tensorflow") {
      const mod = await import("@tensorflow/tfjs-node" as string).catch(() => undefined);
      // npm overrides alias tfjs-node to plain tfjs here; only a real native binding registers "tensorflow".
      if (!mod || !tf.findBackendFactory("tensorflow")) return false;
      return await tf.setBackend("tensorflow");
    }
    if (name === "wasm") {
      await import("@tensorflow/tfjs-backend-wasm");
      return await tf.setBackend("wasm");
    }
    return await tf.setBackend("cpu");
  } catch {
    return false;
  }
}

/** Picks `requested`, or the first backend that loads from the preference order. */
export async function selectBackend(requested?: BackendName | "auto"): Promise<BackendName> {
  const order = !requested || requested === "auto" ? BACKEND_PREFERENCE : [requested];
  for (const name of order) {
    if (await tryBackend(name)) {
      await tf.ready();
      return name;
    }
  }
  throw new Error(`backend ${requested} is not available here (available order: ${BACKEND_PREFERENCE.join(", ")})`);
}

export interface InferenceJob {
  model: Model;
  features: bigint[];
  terms: PoolTerms;
}

export interface InferenceResult {
  /** Forecast log2 variance over the model's horizon. */
  y: number;
  sigma: number;
  /** Fee in pips before the final floor, from the committed weights run in float. */
  fee: number;
}

/** One forward pass per distinct model, all pools of that model in one batch (SPEC §4's float form). */
export function inferBatch(jobs: InferenceJob[]): InferenceResult[] {
  const results: InferenceResult[] = new Array(jobs.length);
  const byModel = new Map<Model, number[]>();
  jobs.forEach((job, i) => byModel.set(job.model, [...(byModel.get(job.model) ?? []), i]));
  for (const [model, indices] of byModel) {
    const net = dequantizeNetwork(model.network);
    const ys = tf.tidy(() => {
      const inputs = indices.map((i) => floatInputs(jobs[i]!.features));
      const levels = tf.tensor2d(inputs.map((x) => x.levels), [indices.length, N_FEATURES]);
      const logs = tf.tensor2d(inputs.map((x) => x.logs), [indices.length, N_FEATURES]);
      const sum = levels.matMul(tf.tensor2d(net.w, [N_FEATURES, 1])).add(net.c0).reshape([-1]);
      const hidden = tf.relu(logs.matMul(tf.tensor2d(net.W, [HIDDEN, N_FEATURES]).transpose()).add(tf.tensor1d(net.c)));
      const correction = hidden.matMul(tf.tensor2d(net.v, [HIDDEN, 1])).reshape([-1]).add(net.b);
      return { sums: sum.dataSync(), corrections: correction.dataSync() };
    });
    indices.forEach((i, k) => {
      // The piecewise-linear log2 of the level sum (SPEC §4) in plain arithmetic: tfjs has no exact
      // floor(log2) for it, and it is one number per pool.
      const y = fastLog2(ys.sums[k]!) + ys.corrections[k]!;
      results[i] = { y, ...feeFromForecastFloat(y, model.file.policy, jobs[i]!.terms) };
    });
  }
  return results;
}
