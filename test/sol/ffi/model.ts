// forge ffi entry point: the reference model/ computations the Solidity tests check parity against.
//   signals  <f0,..,f11> <poolFeeMin> <poolFeeMax> <period> <fee> <commitment> <chainId> <hook> <poolId> <asOfPeriod>
//            -> abi.encode(uint256[4]) of model/signals.ts publicSignals
//   features <period> <timestamp,..> <tickAfter,..> <asOfPeriod>
//            -> abi.encode(uint256[]) of model/observations.ts featuresAsOf over the swaps' period closes
import { encodeAbiParameters, type Address, type Hex } from "viem";
import { buildObservations, contextOf, featuresAsOf, periodCloses, publicSignals } from "../../../model/index.ts";

const list = (csv: string): string[] => (csv === "" ? [] : csv.split(","));
const [command, ...args] = process.argv.slice(2);
const arg = (i: number): string => {
  const v = args[i];
  if (v === undefined) throw new Error(`${command}: missing argument ${i + 1}`);
  return v;
};

let out: Hex;
if (command === "signals") {
  const features = list(arg(0)).map(BigInt);
  const terms = { poolFeeMin: Number(arg(1)), poolFeeMax: Number(arg(2)), period: Number(arg(3)) };
  const context = contextOf(BigInt(arg(6)), arg(7) as Address, arg(8) as Hex, BigInt(arg(9)));
  const signals = publicSignals(features, terms, Number(arg(4)), BigInt(arg(5)), context);
  out = encodeAbiParameters([{ type: "uint256[4]" }], [signals as [bigint, bigint, bigint, bigint]]);
} else if (command === "features") {
  const closes = periodCloses(list(arg(1)).map(Number), list(arg(2)).map(Number), Number(arg(0)));
  const features = featuresAsOf(buildObservations(closes), Number(arg(3)));
  out = encodeAbiParameters([{ type: "uint256[]" }], [features]);
} else {
  throw new Error(`unknown command ${command}`);
}
process.stdout.write(out);
