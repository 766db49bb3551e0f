import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadModel, batchPoolWord, batchTermsWords, evaluateFixed, featureWord, FEATURE_MAX, SNARK_FIELD, type Model } from "../model/index.ts";
import { BatchProver, buildBatchInput, proveBatch, type BatchPool } from "../prover/batch.ts";
import { Prover } from "../prover/prover.ts";
import { batchArtifacts } from "../prover/paths.ts";
import { sha256File } from "../prover/ceremony.ts";

// The batch circuits (SPEC §7b) against model/: every pool's fee is evaluateFixed's, the public words
// are model/'s packing, and a proof stops verifying when any one pool's lane or the context changes.
describe("batch proofs (prover/batch.ts)", () => {
  let models: Model[];
  let prover: BatchProver;
  const pools = (): BatchPool[] => [
    { model: models[0]!, features: [3n << 18n, 5n << 18n, 7n << 18n, 9n << 18n, 11n << 18n], terms: { poolFeeMin: 100, poolFeeMax: 100_000, period: 60 } },
    { model: models[1]!, features: [40n << 18n, 30n << 18n, 20n << 18n, 10n << 18n, 5n << 18n], terms: { poolFeeMin: 500, poolFeeMax: 9_000, period: 60 } },
  ];

  beforeAll(async () => {
    models = [await loadModel("model/default-model.json"), await loadModel("test/fixtures/other-model.json")];
    prover = await BatchProver.load(2);
  });
  afterAll(() => Prover.shutdown());

  it("proves two pools with two models; each fee is model/'s, each word model/'s packing", async () => {
    const result = await prover.proveBatch(pools(), 12345n);
    pools().forEach((p, i) => {
      const expected = evaluateFixed((p.model as Model).network, (p.model as Model).file.policy, p.features, p.terms);
      expect(result.entries[i]).toEqual({ fee: expected.fee, forecast: expected.forecast, featureWord: featureWord(p.features) });
      expect(BigInt(result.publicSignals[i]!)).toBe(batchPoolWord(p.features, expected.fee, expected.forecast));
      expect(BigInt(result.publicSignals[2 + i]!)).toBe((p.model as Model).commitment);
    });
    expect(result.publicSignals.slice(4)).toEqual([String(batchTermsWords(pools().map((p) => p.terms))[0]), "12345"]);
    expect(result.entries[0]!.fee).not.toBe(result.entries[1]!.fee);
    expect(await prover.verify(result.publicSignals, result.proof)).toBe(true);
  });

  it("a proof verifies for its own public signals only: any lane of either pool, a swap of the pools, the context", async () => {
    const { publicSignals, proof } = await prover.proveBatch(pools(), 777n);
    const changed = (i: number, v: bigint) => publicSignals.map((s, j) => (j === i ? String(v) : s));
    expect(await prover.verify(changed(0, BigInt(publicSignals[0]!) + (1n << 190n)), proof)).toBe(false); // pool 0's fee
    expect(await prover.verify(changed(1, BigInt(publicSignals[1]!) + 1n), proof)).toBe(false); // pool 1's first feature
    expect(await prover.verify(changed(3, BigInt(publicSignals[2]!)), proof)).toBe(false); // pool 1 claims pool 0's model
    expect(await prover.verify(changed(4, BigInt(publicSignals[4]!) + (1n << 80n)), proof)).toBe(false); // pool 1's poolFeeMin
    expect(await prover.verify(changed(5, 778n), proof)).toBe(false);
    const swapped = [publicSignals[1]!, publicSignals[0]!, publicSignals[3]!, publicSignals[2]!, ...publicSignals.slice(4)];
    expect(await prover.verify(swapped, proof)).toBe(false);
  });

  it("refuses a size without a circuit, a prover of another size, and a context outside the field", async () => {
    await expect(buildBatchInput(pools().slice(0, 1), 1n)).rejects.toThrow(/batch size 1 is not one of 2, 4, 8/);
    await expect(proveBatch([...pools(), pools()[0]!], 1n)).rejects.toThrow(/batch size 3/);
    await expect(prover.proveBatch([...pools(), ...pools()], 1n)).rejects.toThrow(/takes batches of 2 pools, got 4/);
    await expect(prover.proveBatch(pools(), SNARK_FIELD)).rejects.toThrow(/not a field element/);
    const bad = pools();
    bad[0] = { ...bad[0]!, features: [FEATURE_MAX + 1n, 0n, 0n, 0n, 0n] };
    await expect(prover.proveBatch(bad, 1n)).rejects.toThrow(/feature/i);
  });

  it("the committed artifacts are the ones their manifests name", () => {
    for (const size of [2, 4, 8]) {
      const files = batchArtifacts(size);
      const manifest = JSON.parse(readFileSync(files.manifest, "utf8"));
      expect(manifest.pools).toBe(size);
      expect(manifest.publicInputs).toBe(2 * size + Math.ceil(size / 3) + 1);
      for (const [file, hash] of Object.entries(manifest.sha256)) expect(sha256File(file), file).toBe(hash);
    }
  });
});
