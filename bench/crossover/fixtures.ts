// Writes bench/crossover/fixtures.json, the parity fixture of test/sol/crossover/Crossover.t.sol:
//   npx tsx bench/crossover/fixtures.ts
// - real features: model/'s oracle (featureSeries) over real Polygon USDC/WETH 0.05% minute bars
//   (data/polygon-usdc-weth-005-minute, 2022-07-20 .. 22, 60 s periods, via training/features.ts) at a few as-of
//   periods; for the larger measured models (K = 10, 20 inputs) the same oracle with more half-lives
//   (general.ts featuresWithHalfLives, first checked against featureSeries at the shipped five);
// - the shipped model (model/default-model.json, a snapshot kept in the fixture so that retraining does not break the
//   test): the level sum, Y, the published forecast and the fee that model/'s evaluateFixed computes, and the four
//   committed words of SPEC §6 (model/commitment.ts) that the on-chain library reads;
// - deterministic random models (general.ts randomNet = ModelDeployer.randomNet) of the measured sizes: the same
//   numbers from general.ts evaluateGeneral, which this script first checks bit for bit against evaluateFixed on
//   the shipped model and on 20 random 5 x 4 models, over the real features and edge cases.
import { writeFileSync } from "node:fs";
import {
  correctionWords, DECAY_Q64, evaluateFixed, FEATURE_MAX, featureSeries, HALF_LIVES, levelWord, loadModel, N_FEATURES, policyWord, toHex,
  type Policy, type QuantizedNetwork,
} from "../../model/index.ts";
import { loadMinuteBars } from "../../history/index.ts";
import { observationsFromMinuteBars } from "../../training/features.ts";
import { decayFactorQ64, evaluateGeneral, featuresWithHalfLives, RANDOM_POLICY, randomNet, type GeneralNet } from "./general.ts";

const OUT = "bench/crossover/fixtures.json";
const DATA = [20, 21, 22].map((d) => `data/polygon-usdc-weth-005-minute/polygon-0x45dd-2022-07-${d}.minute.csv.gz`);
const PERIOD = 60;
const HORIZON = 30;
/** Half-lives (periods) of the K EWMA inputs: the shipped five; every power of two up to 1024; steps of sqrt(2). */
export const HALF_LIVES_BY_K: Record<number, number[]> = {
  5: [...HALF_LIVES],
  10: [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  20: [2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256, 362, 512, 724, 1024, 1448],
};
/** Random models checked for parity: the shipped shape (with a correction that is not zero), wider inputs, and
 * J = 3000, whose weights span several data contracts in both layouts. */
const RANDOM_MODELS = [
  { k: 5, j: 4, seed: 1 },
  { k: 5, j: 4, seed: 2 },
  { k: 10, j: 20, seed: 3 },
  { k: 20, j: 9, seed: 4 },
  { k: 5, j: 3000, seed: 5 },
];
/** The random 5 x 4 model of the shipped-size gas rows: every hidden unit active on case 0's features (checked
 * below), the costliest path through the correction, as a trained correction may take. */
const ALL_ACTIVE_SEED = 3;
const TERMS = [
  { poolFeeMin: 500, poolFeeMax: 50_000 },
  { poolFeeMin: 1, poolFeeMax: 1_000_000 },
  { poolFeeMin: 2_000, poolFeeMax: 3_000 },
];
/** Features at the domain's edges, for the evaluateGeneral vs evaluateFixed check only. */
const EDGE_FEATURES: bigint[][] = [
  [0n, 0n, 0n, 0n, 0n],
  [1n, 1n, 1n, 1n, 1n],
  [FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX, FEATURE_MAX],
  [2n, 3n, 1n << 20n, (1n << 37n) + 1n, FEATURE_MAX - 1n],
  [0n, 1n << 18n, 0n, 12345678n, 1n << 30n],
];

function words(q: QuantizedNetwork, policy: Policy) {
  const [correctionWord0, correctionWord1] = correctionWords(q);
  return {
    correctionWord0: toHex(correctionWord0!),
    correctionWord1: toHex(correctionWord1!),
    levelWord: toHex(levelWord(q)),
    policyWord: toHex(policyWord(policy, PERIOD, HORIZON)),
  };
}

/** Plain JSON numbers (every lane fits a double exactly), as in a model file. */
function quantizedJson(q: QuantizedNetwork) {
  const s = (v: bigint) => Number(v);
  return { w: q.w.map(s), c0: s(q.c0), W: q.W.map((r) => r.map(s)), c: q.c.map(s), v: q.v.map(s), b: s(q.b) };
}

async function main(): Promise<void> {
  const model = await loadModel("model/default-model.json");
  const obs = observationsFromMinuteBars(loadMinuteBars(DATA), PERIOD);
  const first = obs.periods[0]!;
  const last = obs.periods[obs.periods.length - 1]!;
  // two as-of periods early in the history (large bias correction), seven spread over the third day
  const asOfs = [first + 2, first + 30, ...[0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95].map((q) => first + 2880 + Math.floor(q * 1440))];
  if (asOfs[asOfs.length - 1]! > last) throw new Error("as-of period past the data");

  // model/'s oracle, and the same oracle with other half-lives: the same decay factors and, at the shipped five,
  // the same features on every period of the third day
  HALF_LIVES.forEach((h, k) => {
    if (decayFactorQ64(h) !== DECAY_Q64[k]) throw new Error(`decayFactorQ64(${h}) differs from model/'s DECAY_Q64[${k}]`);
  });
  const dayThree = { from: first + 2880, to: first + 4319 };
  const series = featureSeries(obs.periods, obs.ticks, dayThree.from, dayThree.to);
  const allDayThree = Array.from({ length: dayThree.to - dayThree.from + 1 }, (_, r) => dayThree.from + r);
  const general = featuresWithHalfLives(obs.periods, obs.ticks, HALF_LIVES_BY_K[5]!, allDayThree);
  general.forEach((row, r) => row.forEach((f, k) => {
    if (f !== BigInt(series[r * N_FEATURES + k]!)) throw new Error(`featuresWithHalfLives differs from featureSeries as of ${allDayThree[r]}, feature ${k}`);
  }));
  const featuresByK: Record<number, { asOfPeriod: number; features: bigint[] }[]> = {};
  for (const [k, halfLives] of Object.entries(HALF_LIVES_BY_K)) {
    const rows = featuresWithHalfLives(obs.periods, obs.ticks, halfLives, asOfs);
    featuresByK[Number(k)] = rows.map((features, i) => ({ asOfPeriod: asOfs[i]!, features }));
  }
  for (const { asOfPeriod, features } of featuresByK[5]!) {
    const ref = featureSeries(obs.periods, obs.ticks, asOfPeriod, asOfPeriod);
    if (features.some((f, k) => f !== BigInt(ref[k]!))) throw new Error(`K = 5 features as of ${asOfPeriod} differ from featureSeries`);
  }

  // evaluateGeneral is evaluateFixed at the shipped size: the shipped model and 20 random 5 x 4 ones
  const realAndEdge = [...featuresByK[5]!.map((r) => r.features), ...EDGE_FEATURES];
  const checkNets: [GeneralNet, Policy][] = [[{ ...model.network, k: 5, j: 4 }, model.file.policy]];
  for (let seed = 100; seed < 120; seed++) checkNets.push([randomNet(5, 4, seed), RANDOM_POLICY]);
  let checked = 0;
  for (const [net, policy] of checkNets) {
    for (const features of realAndEdge) {
      for (const terms of TERMS) {
        const ref = evaluateFixed(net, policy, features, { ...terms, period: PERIOD });
        const gen = evaluateGeneral(net, policy, features, terms);
        if (gen.Y !== ref.Y || gen.levelSum !== ref.levelSum || gen.forecast !== ref.forecast || gen.fee !== ref.fee) {
          throw new Error(`evaluateGeneral differs from evaluateFixed on features ${features.join(",")}`);
        }
        checked++;
      }
    }
  }

  const allActive = evaluateFixed(randomNet(5, 4, ALL_ACTIVE_SEED), RANDOM_POLICY, featuresByK[5]![0]!.features, { ...TERMS[0]!, period: PERIOD });
  if (!allActive.preActivations.every((z) => z > 0n)) throw new Error(`random 5 x 4 model ${ALL_ACTIVE_SEED} has inactive units on case 0`);

  const caseJson = (e: { levelSum: bigint; Y: bigint; forecast: bigint; fee: number }, asOfPeriod: number, features: bigint[], terms: (typeof TERMS)[number]) => ({
    asOfPeriod, features: features.map(String), ...terms, levelSum: e.levelSum.toString(), Y: e.Y.toString(), forecast: e.forecast.toString(), fee: e.fee,
  });
  const defaultCases = featuresByK[5]!.map(({ asOfPeriod, features }, i) => {
    const terms = TERMS[i % TERMS.length]!;
    return caseJson(evaluateFixed(model.network, model.file.policy, features, { ...terms, period: PERIOD }), asOfPeriod, features, terms);
  });
  const random = RANDOM_MODELS.map(({ k, j, seed }) => {
    const net = randomNet(k, j, seed);
    const cases = featuresByK[k]!.map(({ asOfPeriod, features }, i) => {
      const terms = TERMS[i % TERMS.length]!;
      return caseJson(evaluateGeneral(net, RANDOM_POLICY, features, terms), asOfPeriod, features, terms);
    });
    return { k, j, seed, ...(k === 5 && j === 4 ? { words: words(net, RANDOM_POLICY) } : {}), cases };
  });

  const fixture = {
    generatedBy: "npx tsx bench/crossover/fixtures.ts",
    data: DATA,
    period: PERIOD,
    horizon: HORIZON,
    halfLivesByK: HALF_LIVES_BY_K,
    randomPolicy: RANDOM_POLICY,
    allActiveSeed: ALL_ACTIVE_SEED,
    defaultModel: {
      path: "model/default-model.json",
      commitment: model.file.commitment,
      quantized: quantizedJson(model.network),
      policy: model.file.policy,
      words: words(model.network, model.file.policy),
      cases: defaultCases,
    },
    random,
  };
  writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`evaluateGeneral = evaluateFixed on ${checked} evaluations (${checkNets.length} models x ${realAndEdge.length} feature vectors x ${TERMS.length} pool terms)`);
  console.log(`featuresWithHalfLives = featureSeries on ${allDayThree.length} as-of periods`);
  console.log(`wrote ${OUT}: shipped-model fees ${defaultCases.map((c) => c.fee).join(", ")}`);
  for (const r of random) console.log(`  random K=${r.k} J=${r.j} seed ${r.seed}: fees ${r.cases.map((c) => c.fee).join(", ")}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
