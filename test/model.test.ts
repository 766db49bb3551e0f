import { describe, expect, it } from "vitest";
import {
  fastLog2Fixed, modelInputs, evaluateFixed, evaluateFloat, periodCloses, featuresAsOf, featureSeries, recordClose, emptyOracleState,
  pow64, decayQ64, featureWord, termsWord, unpackFeatureWord, unpackTermsWord, loadModel, parseModel, correctionWords, levelWord,
  policyWord, poseidonHash, quantizeNetwork, dequantizeNetwork, FEATURE_MAX, HALF_LIVES, N_FEATURES, ONE_Q64, DECAY_Q64,
  contextOf, createModel, forecastVariance, PeriodSupersededError, recommendedFallbackFee, type PoolTerms, type FloatNetwork,
} from "../model/index.ts";
import { readFileSync } from "node:fs";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function randomFeatures(r: () => number): bigint[] {
  return Array.from({ length: N_FEATURES }, () => {
    const kind = r();
    if (kind < 0.1) return 0n;
    if (kind < 0.15) return FEATURE_MAX;
    return BigInt(Math.floor(2 ** (r() * 38))) % (FEATURE_MAX + 1n);
  });
}

const zeros = () => new Array<number>(N_FEATURES).fill(0);
const levelsOnly = (w: number[], c0 = 0): FloatNetwork => ({ w, c0, W: [zeros(), zeros(), zeros(), zeros()], c: [0, 0, 0, 0], v: [0, 0, 0, 0], b: 0 });

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
  it("pow64 and decay: exact at zero, one half per half-life, zero after 64 halvings", () => {
    for (let k = 0; k < N_FEATURES; k++) {
      expect(decayQ64(k, 0)).toBe(ONE_Q64);
      expect(decayQ64(k, 1)).toBe(DECAY_Q64[k]);
      expect(pow64(DECAY_Q64[k]!, 1)).toBe(DECAY_Q64[k]);
      // 2^(-1/h) to the h-th power is one half, up to the floors of h products
      const half = decayQ64(k, HALF_LIVES[k]!);
      expect(half).toBe(ONE_Q64 >> 1n);
      const near = Number(pow64(DECAY_Q64[k]!, HALF_LIVES[k]!)) / 2 ** 63;
      expect(Math.abs(near - 1)).toBeLessThan(1e-15 * HALF_LIVES[k]! + 1e-12);
      expect(decayQ64(k, 64 * HALF_LIVES[k]!)).toBe(0n);
      // monotone in the gap
      let prev = ONE_Q64 + 1n;
      for (let g = 0; g < 3 * HALF_LIVES[k]!; g += Math.max(1, HALF_LIVES[k]! >> 3)) {
        const d = decayQ64(k, g);
        expect(d < prev).toBe(true);
        prev = d;
      }
    }
  });

  it("records the first close, ignores a close without a move, and weights a move by A_k", () => {
    const s = emptyOracleState();
    recordClose(s, 100, 5000);
    expect(s).toEqual({ hasClose: true, lastCloseTick: 5000, statePeriod: 100, firstPeriod: 100, variances: [0n, 0n, 0n, 0n, 0n] });
    recordClose(s, 103, 5000);
    expect(s.statePeriod).toBe(100);
    recordClose(s, 104, 4990);
    expect(s.statePeriod).toBe(104);
    expect(s.lastCloseTick).toBe(4990);
    expect(s.variances).toEqual(DECAY_Q64.map((l) => ((ONE_Q64 - l) * 100n) >> 46n));
  });

  it("bias-corrects: one move right after the first close reads as d^2 per period", () => {
    const s = emptyOracleState();
    recordClose(s, 10, 0);
    recordClose(s, 11, 7);
    const f = featuresAsOf(s, 11);
    for (let k = 0; k < N_FEATURES; k++) {
      const exact = 49 * 2 ** 18;
      // floors in E (one unit) and in the division: within 2^64 / A_k units
      expect(Math.abs(Number(f[k]!) - exact)).toBeLessThanOrEqual(Number(ONE_Q64 / (ONE_Q64 - DECAY_Q64[k]!)) + 1);
    }
  });

  it("is a per-period EWMA: matches the float recursion within fixed-point error", () => {
    const r = rng(17);
    const closes: { period: number; tick: number }[] = [];
    let tick = 0;
    for (let p = 0; p < 3000; p++) {
      if (r() < 0.4) continue;
      tick += Math.round((r() - 0.5) * 12);
      closes.push({ period: p, tick });
    }
    const s = emptyOracleState();
    const lambda = HALF_LIVES.map((h) => 2 ** (-1 / h));
    const ewma = lambda.map(() => 0);
    let last = closes[0]!;
    recordClose(s, last.period, last.tick);
    let n = 0;
    for (let p = closes[0]!.period + 1, i = 1; p <= 2999; p++) {
      const c = closes[i];
      let r2 = 0;
      if (c && c.period === p) {
        r2 = (c.tick - last.tick) ** 2;
        recordClose(s, c.period, c.tick);
        last = c;
        i++;
      }
      n++;
      lambda.forEach((l, k) => (ewma[k] = l * ewma[k]! + (1 - l) * r2));
      if (p % 97 === 0) {
        const f = featuresAsOf(s, p);
        lambda.forEach((l, k) => {
          const expected = ewma[k]! / (1 - l ** n);
          // each increment floors at 2^-18 ticks^2: for the slowest state (A_k * 2^18 = 178 units per
          // tick^2) one-tick moves lose up to 1/178 each, a downward bias of a few parts in 10^3
          expect(Math.abs(Number(f[k]!) / 2 ** 18 - expected)).toBeLessThanOrEqual(3e-3 * expected + 2 ** -16);
        });
      }
    }
  });

  it("a close without a move changes nothing: dust in idle periods leaves every feature as it was", () => {
    const r = rng(23);
    const plain: { period: number; tick: number }[] = [];
    const dusty: { period: number; tick: number }[] = [];
    let tick = 1000;
    for (let p = 0; p < 2000; p++) {
      if (r() < 0.3) {
        tick += Math.round((r() - 0.5) * 40);
        plain.push({ period: p, tick });
        dusty.push({ period: p, tick });
      } else if (dusty.length > 0) dusty.push({ period: p, tick }); // a 100-wei swap: the tick stays
    }
    const a = featureSeries(plain.map((c) => c.period), plain.map((c) => c.tick), 0, 2100);
    const b = featureSeries(dusty.map((c) => c.period), dusty.map((c) => c.tick), 0, 2100);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it("counts the pending close only from its own period on, and refuses a superseded as-of period", () => {
    const s = emptyOracleState();
    recordClose(s, 5, 100);
    expect(featuresAsOf(s, 8, { period: 9, tick: 130 })).toEqual(featuresAsOf(s, 8));
    const withPending = featuresAsOf(s, 9, { period: 9, tick: 130 });
    recordClose(s, 9, 130);
    expect(featuresAsOf(s, 9)).toEqual(withPending);
    expect(() => featuresAsOf(s, 8)).toThrow(PeriodSupersededError);
  });

  it("uses nothing after the as-of period (no look-ahead)", () => {
    const r = rng(3);
    const closes = Array.from({ length: 400 }, (_, i) => ({ period: i * 2 + (r() < 0.5 ? 1 : 0), tick: Math.floor(r() * 200) }));
    for (const A of [10, 100, 401, 700]) {
      const kept = closes.filter((c) => c.period <= A);
      const full = featureSeries(closes.map((c) => c.period), closes.map((c) => c.tick), A, A);
      const truncated = featureSeries(kept.map((c) => c.period), kept.map((c) => c.tick), A, A);
      expect(Array.from(full)).toEqual(Array.from(truncated));
    }
  });

  it("saturates at 2^38 - 1", () => {
    const s = emptyOracleState();
    recordClose(s, 0, -800_000);
    recordClose(s, 1, 800_000);
    expect(featuresAsOf(s, 1)).toEqual(new Array(N_FEATURES).fill(FEATURE_MAX));
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
        // whole pips, as the keeper compares them: the fixed fee floors, the float one does not
        expect(Math.abs(fixed.fee - Math.floor(float.fee))).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(fixed.Y) / 2 ** 32 - float.y)).toBeLessThan(1e-6);
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

  it("computes the log inputs as the fast log2 of each feature", () => {
    const f = [3n, 0n, 1n << 18n, 1n, 5n << 20n];
    expect(modelInputs(f)).toEqual([fastLog2Fixed(3n), 0n, 18n * 256n, 0n, fastLog2Fixed(5n << 20n)]);
  });

  it("with levels only, publishes the level sum: the forecast variance is S (up to the 24-bit log)", () => {
    const r = rng(31);
    for (let t = 0; t < 300; t++) {
      const w = Array.from({ length: N_FEATURES }, () => (r() < 0.4 ? 0 : Math.round(r() * 40 * 4096) / 4096));
      const c0 = r() < 0.5 ? 0 : Math.round(r() * 300 * 4096) / 4096;
      const q = quantizeNetwork(levelsOnly(w, c0));
      const features = randomFeatures(r).map((f) => f >> 6n);
      const S = features.reduce((s, f, k) => s + w[k]! * Number(f) / 2 ** 18, c0);
      const e = evaluateFixed(q, { base: 0, slope: 0, modelFeeMin: 0, modelFeeMax: 0 }, features, terms);
      const v = forecastVariance(e.forecast);
      if (S <= 1) expect(v).toBeLessThanOrEqual(1 + 1e-9);
      else if (S < 2 ** 47) expect(Math.abs(v / S - 1)).toBeLessThan(2 ** -23);
    }
  });

  it("refuses a weight that does not fit its lane rather than clipping it", () => {
    const net = levelsOnly(zeros());
    net.W[3]![0] = 9;
    expect(() => quantizeNetwork(net)).toThrow(/W\[3\]\[0\]/);
    expect(() => quantizeNetwork(levelsOnly([0, 0, -1, 0, 0]))).toThrow(/w\[2\]/);
    expect(() => quantizeNetwork(levelsOnly(zeros(), 2 ** 21))).toThrow(/c0/);
  });

  it("refuses a network whose forecast could leave the circuit's range", () => {
    const net = { ...levelsOnly(zeros()), W: Array.from({ length: 4 }, () => [7.9, -7.9, 7.9, -7.9, 7.9]), c: [0, 0, 0, 0], v: [7.9, 7.9, 7.9, 7.9] };
    expect(() => quantizeNetwork(net)).toThrow(/45-bit/);
  });
});

describe("commitment and model file", () => {
  it("is Poseidon over the packed correction words, the level word and the policy word", async () => {
    const model = await loadModel("model/default-model.json");
    const words = correctionWords(model.network);
    expect(words).toHaveLength(2);
    const expected = await poseidonHash([...words, levelWord(model.network), policyWord(model.file.policy, model.file.period, model.file.horizon)]);
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
    q.quantized.w[0] += 1;
    await expect(parseModel(q, "m.json")).rejects.toThrow(/^m\.json: quantized\.w:/);
    await expect(parseModel({ ...json, format: "provenfee-model/1" }, "m.json")).rejects.toThrow(/format: .*retrain/);
    await expect(parseModel({ ...json, architecture: { ...json.architecture, hidden: 8 } }, "m.json")).rejects.toThrow(/architecture\.hidden/);
    await expect(loadModel("nope/missing.json")).rejects.toThrow(/^nope\/missing\.json: cannot read model file/);
    // The recommended fallback fee is not committed (a pool term), but a bad one is refused all the same.
    await expect(parseModel({ ...json, meta: { ...json.meta, fallbackFee: 2.5 } }, "m.json")).rejects.toThrow(/^m\.json: meta\.fallbackFee: .* got 2\.5$/);
    await expect(parseModel({ ...json, meta: { ...json.meta, fallbackFee: 1_000_001 } }, "m.json")).rejects.toThrow(/^m\.json: meta\.fallbackFee:/);
    const recommended = await parseModel({ ...json, meta: { ...json.meta, fallbackFee: 750 } }, "m.json");
    expect(recommendedFallbackFee(recommended.file)).toBe(750);
    expect(recommended.commitment).toBe(BigInt(json.commitment));
  });
});

describe("public signals", () => {
  it("packs and unpacks the feature and terms words losslessly", () => {
    const r = rng(9);
    for (let t = 0; t < 100; t++) {
      const features = randomFeatures(r);
      const terms = { poolFeeMin: Math.floor(r() * 1000), poolFeeMax: 1000 + Math.floor(r() * 999_000), period: 1 + Math.floor(r() * 3600) };
      const fee = Math.floor(r() * 1_000_000);
      const forecast = BigInt(Math.floor(r() * 3 * 2 ** 36));
      const w0 = featureWord(features);
      const w1 = termsWord(terms, fee, forecast);
      expect(w0 < 1n << 253n && w1 < 1n << 253n).toBe(true);
      expect(unpackFeatureWord(w0)).toEqual(features);
      expect(unpackTermsWord(w1)).toEqual({ terms, fee, forecast });
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

  it("refuses out-of-range features, terms and forecasts", () => {
    expect(() => featureWord([0n, 0n, FEATURE_MAX + 1n, 0n, 0n])).toThrow(/feature 2/);
    expect(() => featureWord([0n, 0n, 0n, 0n])).toThrow(/expected 5 features, got 4/);
    expect(() => termsWord({ poolFeeMin: 10, poolFeeMax: 1, period: 60 }, 0, 0n)).toThrow(/poolFeeMin/);
    expect(() => termsWord({ poolFeeMin: 0, poolFeeMax: 1, period: 60 }, 0, 1n << 38n)).toThrow(/forecast/);
  });
});
