import { describe, expect, it } from "vitest";
import {
  fastLog2Fixed, modelInputs, evaluateFixed, evaluateFloat, buildObservations, periodCloses, featuresAsOf,
  packFeatureWords, unpackFeatureWords, loadModel, parseModel, networkWords, policyWord, poseidonHash,
  quantizeNetwork, dequantizeNetwork, FEATURE_MAX, HORIZONS, contextOf, createModel, type PoolTerms,
} from "../model/index.ts";
import { readFileSync } from "node:fs";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function randomFeatures(r: () => number): bigint[] {
  const big = () => {
    const kind = r();
    if (kind < 0.1) return 0n;
    if (kind < 0.15) return FEATURE_MAX;
    return BigInt(Math.floor(2 ** (r() * 32))) % (FEATURE_MAX + 1n);
  };
  const up = HORIZONS.map(big);
  const down = HORIZONS.map(big);
  const count = HORIZONS.map((h) => BigInt(Math.floor(r() * (h + 1))));
  return [...up, ...down, ...count];
}

describe("fast log2", () => {
  it("is exact at powers of two and linear between them", () => {
    expect(fastLog2Fixed(0n)).toBe(0n);
    expect(fastLog2Fixed(1n)).toBe(0n);
    for (let k = 0n; k < 40n; k++) expect(fastLog2Fixed(1n << k)).toBe(k * 256n);
    expect(fastLog2Fixed(3n)).toBe(256n + 128n);
    expect(fastLog2Fixed(6n)).toBe(512n + 128n);
    expect(fastLog2Fixed(1000n)).toBe(9n * 256n + ((1000n - 512n) * 256n) / 512n);
  });

  it("is monotone", () => {
    let prev = -1n;
    for (let v = 0n; v < 5000n; v++) {
      const l = fastLog2Fixed(v);
      expect(l >= prev).toBe(true);
      prev = l;
    }
  });
});

describe("oracle reference (SPEC §1-2)", () => {
  it("stores the close of each traded period and sums squared moves up and down", () => {
    // period 60: events at t=0 (tick 10), t=30 (tick 12), t=70 (tick 9), t=250 (tick 15)
    const closes = periodCloses([0, 30, 70, 250], [10, 12, 9, 15], 60);
    expect(closes).toEqual([{ period: 0, tick: 12 }, { period: 1, tick: 9 }, { period: 4, tick: 15 }]);
    const obs = buildObservations(closes);
    expect([...obs.cumUp]).toEqual([0, 0, 36]);
    expect([...obs.cumDown]).toEqual([0, 9, 9]);
    // As of period 4, window 1 holds period 4 (up 36); window 5 holds periods 0..4.
    expect(featuresAsOf(obs, 4)).toEqual([36n, 36n, 36n, 36n, 0n, 9n, 9n, 9n, 1n, 3n, 3n, 3n]);
    // As of period 3, the period-4 close does not exist yet: nothing after period 3 is used.
    expect(featuresAsOf(obs, 3)).toEqual([0n, 0n, 0n, 0n, 0n, 9n, 9n, 9n, 0n, 2n, 2n, 2n]);
  });

  it("uses nothing after the as-of period (no look-ahead)", () => {
    const r = rng(3);
    const closes = Array.from({ length: 400 }, (_, i) => ({ period: i * 2 + (r() < 0.5 ? 1 : 0), tick: Math.floor(r() * 200) }));
    const full = buildObservations(closes);
    for (const A of [10, 100, 401, 700]) {
      const truncated = buildObservations(closes.filter((c) => c.period <= A));
      expect(featuresAsOf(full, A)).toEqual(featuresAsOf(truncated, A));
    }
  });

  it("saturates variance features at 2^32 - 1", () => {
    const obs = buildObservations([{ period: 0, tick: -800_000 }, { period: 1, tick: 800_000 }]);
    expect(featuresAsOf(obs, 1)[0]).toBe(FEATURE_MAX);
  });

  it("refuses events out of time order", () => {
    expect(() => periodCloses([0, 120, 60], [1, 2, 3], 60)).toThrow(/event 2/);
  });
});

describe("fixed-point model", () => {
  const terms: PoolTerms = { poolFeeMin: 50, poolFeeMax: 50_000, period: 60 };

  it("matches the float model within 1 pip on hundreds of random inputs", async () => {
    const r = rng(11);
    for (const path of ["model/default-model.json", "test/fixtures/other-model.json"]) {
      const model = await loadModel(path);
      for (let t = 0; t < 400; t++) {
        const features = randomFeatures(r);
        const fixed = evaluateFixed(model.network, model.file.policy, features, terms);
        const float = evaluateFloat(dequantizeNetwork(model.network), model.file.policy, features, terms);
        expect(Math.abs(fixed.fee - float.fee)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("keeps the fee within the intersection of the model's and the pool's bounds", async () => {
    const model = await loadModel("model/default-model.json");
    const r = rng(5);
    for (let t = 0; t < 200; t++) {
      const { fee } = evaluateFixed(model.network, model.file.policy, randomFeatures(r), terms);
      expect(fee).toBeGreaterThanOrEqual(Math.max(terms.poolFeeMin, model.file.policy.modelFeeMin));
      expect(fee).toBeLessThanOrEqual(Math.min(terms.poolFeeMax, model.file.policy.modelFeeMax));
    }
  });

  it("computes inputs as log2 of RV, downside semivariance and activity", () => {
    const f = [3n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 1n, 2n, 0n, 0n];
    expect(modelInputs(f).slice(0, 1)).toEqual([fastLog2Fixed(4n)]);
    expect(modelInputs(f)[4]).toBe(0n);
    expect(modelInputs(f)[9]).toBe(256n);
  });

  it("refuses a weight that does not fit 16 bits rather than clipping it", () => {
    const net = { W: [[...Array(12).fill(0)], [...Array(12).fill(0)], [...Array(12).fill(0)], [...Array(12).fill(9)]], c: [0, 0, 0, 0], a: Array(12).fill(0), v: [0, 0, 0, 0], b: 0 };
    expect(() => quantizeNetwork(net)).toThrow(/W\[3\]\[0\]/);
  });

  it("refuses a network whose forecast could leave the circuit's range", () => {
    const net = { W: Array.from({ length: 4 }, () => Array(12).fill(7.9)), c: [0, 0, 0, 0], a: Array(12).fill(7.9), v: [7.9, 7.9, 7.9, 7.9], b: 0 };
    expect(() => quantizeNetwork(net)).toThrow(/45-bit/);
  });
});

describe("commitment and model file", () => {
  it("is Poseidon over the packed network words and the policy word", async () => {
    const model = await loadModel("model/default-model.json");
    const words = networkWords(model.network);
    expect(words).toHaveLength(5);
    const expected = await poseidonHash([...words, policyWord(model.file.policy, model.file.period, model.file.horizon)]);
    expect(model.commitment).toBe(expected);
  });

  it("changes with the policy, the period and the horizon", async () => {
    const model = await loadModel("model/default-model.json");
    const other = await createModel({ float: model.file.float, policy: { ...model.file.policy, slope: model.file.policy.slope + 1 } });
    const otherPeriod = await createModel({ float: model.file.float, policy: model.file.policy, period: 120 });
    const otherHorizon = await createModel({ float: model.file.float, policy: model.file.policy, horizon: 31 });
    const all = new Set([model.commitment, other.commitment, otherPeriod.commitment, otherHorizon.commitment]);
    expect(all.size).toBe(4);
  });

  it("names the file and field of a tampered model", async () => {
    const json = JSON.parse(readFileSync("model/default-model.json", "utf8"));
    await expect(parseModel({ ...json, commitment: "0x1" }, "m.json")).rejects.toThrow(/^m\.json: commitment:/);
    const q = structuredClone(json);
    q.quantized.a[0] += 1;
    await expect(parseModel(q, "m.json")).rejects.toThrow(/^m\.json: quantized\.a:/);
    await expect(parseModel({ ...json, architecture: { ...json.architecture, hidden: 8 } }, "m.json")).rejects.toThrow(/architecture\.hidden/);
    await expect(loadModel("nope/missing.json")).rejects.toThrow(/^nope\/missing\.json: cannot read model file/);
  });
});

describe("public signals", () => {
  it("packs and unpacks the feature words losslessly", () => {
    const r = rng(9);
    for (let t = 0; t < 100; t++) {
      const features = randomFeatures(r);
      const terms = { poolFeeMin: Math.floor(r() * 1000), poolFeeMax: 1000 + Math.floor(r() * 999_000), period: 1 + Math.floor(r() * 3600) };
      const fee = Math.floor(r() * 1_000_000);
      const [w0, w1] = packFeatureWords(features, terms, fee);
      expect(w0 < 1n << 253n && w1 < 1n << 253n).toBe(true);
      expect(unpackFeatureWords(w0, w1)).toEqual({ features, terms, fee });
    }
  });

  it("binds the context to chain, hook, pool and period, inside the field", () => {
    const hook = "0x0000000000000000000000000000000000001080" as const;
    const pool = `0x${"11".repeat(32)}` as const;
    const c = contextOf(31337, hook, pool, 100);
    expect(c < 1n << 250n).toBe(true);
    expect(contextOf(31337, hook, pool, 101)).not.toBe(c);
    expect(contextOf(1, hook, pool, 100)).not.toBe(c);
  });

  it("refuses out-of-range features and terms", () => {
    const f = Array(12).fill(0n);
    expect(() => packFeatureWords([...f.slice(0, 8), 2n, 0n, 0n, 0n], { poolFeeMin: 0, poolFeeMax: 1, period: 60 }, 0)).toThrow(/feature 8/);
    expect(() => packFeatureWords(f, { poolFeeMin: 10, poolFeeMax: 1, period: 60 }, 0)).toThrow(/poolFeeMin/);
  });
});
