import { describe, expect, it } from "vitest";
import { selectBackend, inferBatch, type InferenceJob } from "../keeper/inference.ts";
import { loadModel, evaluateFixed, FEATURE_MAX, N_FEATURES } from "../model/index.ts";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe("keeper inference (TensorFlow.js)", () => {
  it("picks the best backend present and honours an explicit choice", async () => {
    // No native TensorFlow here: the automatic choice falls through to wasm.
    expect(await selectBackend("auto")).toBe("wasm");
    expect(await selectBackend("cpu")).toBe("cpu");
    await expect(selectBackend("tensorflow-gpu")).rejects.toThrow(/not available/);
  });

  for (const backend of ["wasm", "cpu"] as const) {
    it(`matches the proven fixed-point fee within 1 pip, batched over many pools (${backend})`, async () => {
      await selectBackend(backend);
      const models = [await loadModel("model/default-model.json"), await loadModel("test/fixtures/other-model.json")];
      const r = rng(backend === "wasm" ? 1 : 2);
      const jobs: InferenceJob[] = Array.from({ length: 300 }, (_, i) => ({
        model: models[i % 2]!,
        features: Array.from({ length: N_FEATURES }, () => (r() < 0.1 ? 0n : BigInt(Math.floor(2 ** (r() * 38))) % (FEATURE_MAX + 1n))),
        terms: { poolFeeMin: 10, poolFeeMax: 100_000, period: 60 },
      }));
      const results = inferBatch(jobs);
      jobs.forEach((job, i) => {
        const fixed = evaluateFixed(job.model.network, job.model.file.policy, job.features, job.terms);
        // Whole pips on both sides, as the keeper compares them (float32 can land a hair past an integer).
        expect(Math.abs(fixed.fee - Math.floor(results[i]!.fee))).toBeLessThanOrEqual(1);
      });
    });
  }
});
