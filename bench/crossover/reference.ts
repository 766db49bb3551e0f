// forge ffi reference of test/sol/crossover/Crossover.t.sol's fuzz test: model/'s evaluation of many feature vectors.
//   node --import tsx bench/crossover/reference.ts <model> <poolFeeMin> <poolFeeMax> <f0,f1,..;f0,f1,..;..>
// <model> is a model file (SPEC §8, loaded and checked by model/) or random:<K>:<J>:<seed> (general.ts randomNet with
// RANDOM_POLICY). At the shipped size (K = 5, J = 4) every value comes from model/'s evaluateFixed itself; other sizes
// use general.ts evaluateGeneral. Prints one line: 0x-hex of abi.encode(int256[] Y, uint256[] forecast, uint256[] fee).
import { encodeAbiParameters } from "viem";
import { evaluateFixed, HIDDEN, loadModel, N_FEATURES, type Policy } from "../../model/index.ts";
import { evaluateGeneral, RANDOM_POLICY, randomNet, type GeneralNet } from "./general.ts";

async function main(): Promise<void> {
  const [modelArg, minArg, maxArg, featureArg] = process.argv.slice(2);
  if (modelArg === undefined || minArg === undefined || maxArg === undefined || featureArg === undefined) {
    throw new Error("usage: reference.ts <model.json | random:K:J:seed> <poolFeeMin> <poolFeeMax> <f0,f1,..;f0,f1,..>");
  }
  let net: GeneralNet;
  let policy: Policy;
  const random = /^random:(\d+):(\d+):(\d+)$/.exec(modelArg);
  if (random) {
    net = randomNet(Number(random[1]), Number(random[2]), Number(random[3]));
    policy = RANDOM_POLICY;
  } else {
    const model = await loadModel(modelArg);
    net = { ...model.network, k: N_FEATURES, j: HIDDEN };
    policy = model.file.policy;
  }
  const terms = { poolFeeMin: Number(minArg), poolFeeMax: Number(maxArg), period: 60 };
  const Y: bigint[] = [];
  const forecast: bigint[] = [];
  const fee: bigint[] = [];
  for (const vector of featureArg.split(";")) {
    const features = vector.split(",").map((f) => BigInt(f));
    const e = net.k === N_FEATURES && net.j === HIDDEN ? evaluateFixed(net, policy, features, terms) : evaluateGeneral(net, policy, features, terms);
    Y.push(e.Y);
    forecast.push(e.forecast);
    fee.push(BigInt(e.fee));
  }
  process.stdout.write(`${encodeAbiParameters([{ type: "int256[]" }, { type: "uint256[]" }, { type: "uint256[]" }], [Y, forecast, fee])}\n`);
}

main().catch((e) => {
  process.stderr.write(`reference.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
