// Writes bench/crossover/fixtures.json, the parity fixture of test/sol/crossover/Crossover.t.sol:
//   npx tsx bench/crossover/fixtures.ts
// - real feature vectors: the hook's features (model/ featuresAsOf) of real Polygon USDC/WETH minute bars
//   (data/polygon-usdc-weth-005-minute, 2022-07-21 and -22, 60 s periods) at a few as-of periods;
// - for the shipped default model: the fee and the forecast Y that model/ computes (evaluateFixed);
// - for larger, deterministic random models (N = 3H inputs, J hidden units; the keccak generator of
//   bench/crossover/ModelDeployer.sol): Y and fee from `evaluateGeneral` below, the same SPEC §3-5 arithmetic for
//   any N and J, which this script first checks bit for bit against model/'s evaluateFixed on the default model
//   and on random 12 x 4 models. Inputs for N > 12 are the same real features over more horizons.
import { writeFileSync } from "node:fs";
import { encodeAbiParameters, keccak256 } from "viem";
import { countThrough, evaluateFixed, fastLog2Fixed, FEATURE_MAX, featuresAsOf, loadModel, type Observations, type Policy, type QuantizedNetwork } from "../../model/index.ts";
import { loadMinuteBars } from "../../training/data.ts";
import { observationsFromMinuteBars } from "../../training/features.ts";

const OUT = "bench/crossover/fixtures.json";
const DATA = ["data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-21.minute.csv.gz", "data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-22.minute.csv.gz"];
export const HORIZONS_BY_H: Record<number, number[]> = {
  4: [1, 5, 30, 240],
  8: [1, 2, 5, 10, 30, 60, 120, 240],
  16: [1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360],
};
/** The random models checked for parity: multi-chunk (J = 1100) and wider inputs. */
const RANDOM_MODELS = [
  { n: 12, j: 4, seed: 11 },
  { n: 24, j: 20, seed: 12 },
  { n: 48, j: 9, seed: 13 },
  { n: 12, j: 1100, seed: 14 },
];
const DEFAULT_POLICY: Policy = { base: 0, slope: 8000, modelFeeMin: 100, modelFeeMax: 10_000 };
const TERMS = [
  { poolFeeMin: 500, poolFeeMax: 50_000 },
  { poolFeeMin: 1, poolFeeMax: 1_000_000 },
];

export interface GeneralNet extends QuantizedNetwork {
  n: number;
  j: number;
}

/** Raw features over horizons `hs` as of `asOf`: SPEC §2 generalized ([up.., down.., n..]). */
export function generalFeatures(obs: Observations, asOf: number, hs: readonly number[]): bigint[] {
  const kA = countThrough(obs, asOf);
  const at = (k: number, arr: Float64Array) => (k > 0 ? arr[k - 1]! : 0);
  const sat = (v: number) => (BigInt(v) > FEATURE_MAX ? FEATURE_MAX : BigInt(v));
  const up: bigint[] = [];
  const down: bigint[] = [];
  const n: bigint[] = [];
  for (const h of hs) {
    const kB = countThrough(obs, asOf - h);
    up.push(sat(at(kA, obs.cumUp) - at(kB, obs.cumUp)));
    down.push(sat(at(kA, obs.cumDown) - at(kB, obs.cumDown)));
    n.push(BigInt(kA - kB));
  }
  return [...up, ...down, ...n];
}

/** SPEC §3-5 for any N = 3H and J: what OnchainFeeEvaluator.sol computes. */
export function evaluateGeneral(net: GeneralNet, policy: Policy, raw: readonly bigint[], terms: { poolFeeMin: number; poolFeeMax: number }): { Y: bigint; fee: number } {
  const H = net.n / 3;
  if (raw.length !== net.n) throw new Error("raw length");
  const x: bigint[] = new Array(net.n);
  for (let h = 0; h < H; h++) {
    x[h] = fastLog2Fixed(raw[h]! + raw[H + h]!);
    x[H + h] = fastLog2Fixed(raw[H + h]!);
    x[2 * H + h] = fastLog2Fixed(raw[2 * H + h]!);
  }
  let Y = net.b << 24n;
  for (let i = 0; i < net.n; i++) Y += (net.a[i]! * x[i]!) << 12n;
  for (let j = 0; j < net.j; j++) {
    let z = net.c[j]! << 12n;
    for (let i = 0; i < net.n; i++) z += net.W[j]![i]! * x[i]!;
    if (z > 0n) Y += net.v[j]! * z;
  }
  const one = 1n << 33n;
  const cap = 24n * one - 1n;
  const s = Y < 0n ? 0n : Y > cap ? cap : Y;
  const sigma = (one + (s & (one - 1n))) << (s >> 33n);
  const num = (BigInt(policy.base) << 41n) + BigInt(policy.slope) * sigma;
  const raw41 = num >> 41n; // BigInt >> is floor for negatives
  const lo = BigInt(Math.max(policy.modelFeeMin, terms.poolFeeMin));
  const hi = BigInt(Math.min(policy.modelFeeMax, terms.poolFeeMax));
  const clampedLow = raw41 < lo ? lo : raw41;
  const fee = clampedLow > hi ? hi : clampedLow;
  return { Y, fee: Number(fee) };
}

/** ModelDeployer.randomNet: q_k = keccak256(abi.encode(seed, k)) % 2^bits - 2^(bits-1). */
export function randomNet(n: number, j: number, seed: number): GeneralNet {
  let k = 0n;
  const rand = (bits: bigint) => {
    const h = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [BigInt(seed), k++])));
    return (h % (1n << bits)) - (1n << (bits - 1n));
  };
  const W: bigint[][] = [];
  for (let r = 0; r < j; r++) {
    const row: bigint[] = [];
    for (let i = 0; i < n; i++) row.push(rand(13n));
    W.push(row);
  }
  const c = Array.from({ length: j }, () => rand(16n));
  const a = Array.from({ length: n }, () => rand(13n));
  const v = Array.from({ length: j }, () => rand(13n));
  const b = rand(16n);
  return { n, j, W, c, a, v, b };
}

async function main(): Promise<void> {
  const model = await loadModel("model/default-model.json");
  const bars = loadMinuteBars(DATA);
  const obs = observationsFromMinuteBars(bars, 60);
  const first = obs.periods[0]!;
  // as-of periods spread over the second day (a full 240-period history behind each)
  const asOfs = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95].map((q) => first + 1440 + Math.floor(q * 1440));

  const defaultNet: GeneralNet = { ...model.network, n: 12, j: 4 };
  const defaultCases = asOfs.map((asOf, idx) => {
    const raw = featuresAsOf(obs, asOf);
    const general = generalFeatures(obs, asOf, HORIZONS_BY_H[4]!);
    if (general.join() !== raw.join()) throw new Error("generalFeatures differs from model/ featuresAsOf at H = 4");
    const terms = TERMS[idx % TERMS.length]!;
    const ref = evaluateFixed(model.network, model.file.policy, raw, { ...terms, period: 60 });
    const gen = evaluateGeneral(defaultNet, model.file.policy, raw, terms);
    if (gen.Y !== ref.Y || gen.fee !== ref.fee) throw new Error(`evaluateGeneral differs from evaluateFixed at as-of ${asOf}`);
    return { asOfPeriod: asOf, raw: raw.map(String), ...terms, Y: ref.Y.toString(), fee: ref.fee };
  });
  // the general evaluator against model/ on random 12 x 4 networks too
  for (let seed = 100; seed < 120; seed++) {
    const net = randomNet(12, 4, seed);
    for (const asOf of asOfs) {
      const raw = featuresAsOf(obs, asOf);
      const ref = evaluateFixed(net, DEFAULT_POLICY, raw, { ...TERMS[1]!, period: 60 });
      const gen = evaluateGeneral(net, DEFAULT_POLICY, raw, TERMS[1]!);
      if (gen.Y !== ref.Y || gen.fee !== ref.fee) throw new Error(`evaluateGeneral differs from evaluateFixed (seed ${seed})`);
    }
  }
  const random = RANDOM_MODELS.map(({ n, j, seed }) => {
    const net = randomNet(n, j, seed);
    const cases = asOfs.slice(0, 4).map((asOf, idx) => {
      const raw = generalFeatures(obs, asOf, HORIZONS_BY_H[n / 3]!);
      const terms = TERMS[idx % TERMS.length]!;
      const r = evaluateGeneral(net, DEFAULT_POLICY, raw, terms);
      return { asOfPeriod: asOf, raw: raw.map(String), ...terms, Y: r.Y.toString(), fee: r.fee };
    });
    return { n, j, seed, cases };
  });
  const fixture = {
    generatedBy: "npx tsx bench/crossover/fixtures.ts",
    data: DATA,
    period: 60,
    horizonsByH: HORIZONS_BY_H,
    // a snapshot of the model the cases were computed with, so the parity test does not depend on later retraining
    defaultModel: { path: "model/default-model.json", commitment: model.file.commitment, quantized: model.file.quantized, policy: model.file.policy, cases: defaultCases },
    random,
  };
  writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
  const fees = defaultCases.map((c) => c.fee);
  console.log(`wrote ${OUT}: default-model fees ${fees.join(", ")}; ${random.length} random models`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
