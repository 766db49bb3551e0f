// forge ffi entry point: the reference model/ computations the Solidity tests check parity against.
//   signals  <f0,..,f4> <poolFeeMin> <poolFeeMax> <period> <fee> <forecast> <commitment> <chainId> <hook> <poolId> <asOfPeriod>
//            -> abi.encode(uint256[4]) of model/signals.ts publicSignals
//   closes   <period,..> <tick,..> <asOfPeriod>
//            -> abi.encode(uint256[5]) of model/oracle.ts featuresAsOf, every close but the last stored and
//               the last one pending (as the hook holds them)
//   swaps    <period> <timestamp,..> <tickAfter,..> <asOfPeriod>
//            -> the same over the period closes (model/oracle.ts periodCloses) of a sequence of swaps
//   words    <model.json | random:5:4:seed>
//            -> abi.encode(uint256[4] words, uint256 commitment): SPEC §6's commitment preimage and its Poseidon hash
//               (a random model: bench/crossover/general.ts randomNet with RANDOM_POLICY, period 60, horizon 30)
// It exits non-zero (so the calling test fails) when model/ refuses the input, e.g. superseded features.
import { encodeAbiParameters, type Address, type Hex } from "viem";
import { RANDOM_POLICY, randomNet } from "../../../bench/crossover/general.ts";
import { commitmentOf, correctionWords, levelWord, loadModel, policyWord } from "../../../model/index.ts";
import { contextOf, emptyOracleState, featuresAsOf, periodCloses, publicSignals, recordClose, type PeriodClose } from "../../../model/index.ts";

const list = (csv: string): string[] => (csv === "" ? [] : csv.split(","));
const [command, ...args] = process.argv.slice(2);
const arg = (i: number): string => {
  const v = args[i];
  if (v === undefined) throw new Error(`${command}: missing argument ${i + 1}`);
  return v;
};

function featuresOfCloses(closes: PeriodClose[], asOf: number): bigint[] {
  const state = emptyOracleState();
  for (const close of closes.slice(0, -1)) recordClose(state, close.period, close.tick);
  return featuresAsOf(state, asOf, closes[closes.length - 1]);
}

const encodeFeatures = (f: bigint[]): Hex => encodeAbiParameters([{ type: "uint256[5]" }], [f as [bigint, bigint, bigint, bigint, bigint]]);

let out: Hex;
if (command === "signals") {
  const features = list(arg(0)).map(BigInt);
  const terms = { poolFeeMin: Number(arg(1)), poolFeeMax: Number(arg(2)), period: Number(arg(3)) };
  const context = contextOf(BigInt(arg(7)), arg(8) as Address, arg(9) as Hex, BigInt(arg(10)));
  const signals = publicSignals(features, terms, Number(arg(4)), BigInt(arg(5)), BigInt(arg(6)), context);
  out = encodeAbiParameters([{ type: "uint256[4]" }], [signals as [bigint, bigint, bigint, bigint]]);
} else if (command === "closes") {
  const periods = list(arg(0)).map(Number);
  const ticks = list(arg(1)).map(Number);
  if (periods.length !== ticks.length) throw new Error("closes: periods and ticks differ in length");
  out = encodeFeatures(featuresOfCloses(periods.map((period, i) => ({ period, tick: ticks[i]! })), Number(arg(2))));
} else if (command === "swaps") {
  const closes = periodCloses(list(arg(1)).map(Number), list(arg(2)).map(Number), Number(arg(0)));
  out = encodeFeatures(featuresOfCloses(closes, Number(arg(3))));
} else if (command === "words") {
  const random = /^random:5:4:(\d+)$/.exec(arg(0));
  const model = random ? undefined : await loadModel(arg(0));
  const net = random ? randomNet(5, 4, Number(random[1])) : model!.network;
  const [policy, period, horizon] = model ? [model.file.policy, model.file.period, model.file.horizon] : [RANDOM_POLICY, 60, 30];
  const words = [...correctionWords(net), levelWord(net), policyWord(policy, period, horizon)];
  const commitment = await commitmentOf(net, policy, period, horizon);
  if (model && commitment !== model.commitment) throw new Error(`words: ${arg(0)}'s commitment does not match its weights`);
  out = encodeAbiParameters([{ type: "uint256[4]" }, { type: "uint256" }], [words as [bigint, bigint, bigint, bigint], commitment]);
} else {
  throw new Error(`unknown command ${command}`);
}
process.stdout.write(out);
