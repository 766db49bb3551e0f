// forge ffi entry point:
//   node --import tsx prover/ffi-prove.ts <modelJsonPath> <f0,f1,...,f4> <poolFeeMin> <poolFeeMax> <period> <context>
// prints exactly one line: 0x-hex of abi.encode(uint256 fee, uint256 forecast, uint256[2] a, uint256[2][2] b, uint256[2] c),
// b in Groth16Verifier.verifyProof order. The public signals are NOT printed: the hook builds them
// itself from its own state (SPEC §7). Errors go to stderr with exit code 1.
import { loadModel, N_FEATURES } from "../model/index.ts";
import { Prover } from "./prover.ts";

function parseUint(name: string, text: string | undefined): bigint {
  if (text === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(text.trim())) throw new Error(`${name}: expected an unsigned integer, got ${JSON.stringify(text)}`);
  return BigInt(text.trim());
}

function parseSmall(name: string, text: string | undefined): number {
  const v = parseUint(name, text);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${name}: ${v} is too large`);
  return Number(v);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length !== 6) {
    throw new Error(`usage: ffi-prove.ts <modelJsonPath> <f0,...,f${N_FEATURES - 1}> <poolFeeMin> <poolFeeMax> <period> <context>`);
  }
  const [modelPath, featureList, poolFeeMin, poolFeeMax, period, context] = args;
  const features = (featureList ?? "").split(",").map((f, i) => parseUint(`feature ${i}`, f));
  if (features.length !== N_FEATURES) throw new Error(`expected ${N_FEATURES} comma-separated features, got ${features.length}`);
  const model = await loadModel(modelPath!);
  const prover = await Prover.load();
  const result = await prover.prove(
    model,
    features,
    { poolFeeMin: parseSmall("poolFeeMin", poolFeeMin), poolFeeMax: parseSmall("poolFeeMax", poolFeeMax), period: parseSmall("period", period) },
    parseUint("context", context),
  );
  process.stdout.write(`${result.calldata.encoded}\n`);
}

main().then(
  async () => {
    await Prover.shutdown();
    process.exit(0);
  },
  async (e) => {
    process.stderr.write(`ffi-prove: ${e instanceof Error ? e.message : String(e)}\n`);
    await Prover.shutdown();
    process.exit(1);
  },
);
