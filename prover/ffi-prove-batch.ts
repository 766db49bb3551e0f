// forge ffi entry point for batch proofs (SPEC §7b):
//   node --import tsx prover/ffi-prove-batch.ts <context> then, per pool in batch order,
//        <modelJsonPath> <f0,f1,...,f4> <poolFeeMin> <poolFeeMax> <period>
// prints exactly one line: 0x-hex of abi.encode(uint256[] fees, uint256[] forecasts, uint256[] featureWords,
// uint256[2] a, uint256[2][2] b, uint256[2] c), b in verifyProof order. The batch size is the number of
// pools (2, 4 or 8). Errors go to stderr with exit code 1.
import { encodeAbiParameters } from "viem";
import { loadModel, N_FEATURES } from "../model/index.ts";
import { BatchProver, type BatchPool } from "./batch.ts";

function parseUint(name: string, text: string | undefined): bigint {
  if (text === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(text.trim())) throw new Error(`${name}: expected an unsigned integer, got ${JSON.stringify(text)}`);
  return BigInt(text.trim());
}

const small = (name: string, text: string | undefined) => {
  const v = parseUint(name, text);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${name}: ${v} is too large`);
  return Number(v);
};

async function main(): Promise<void> {
  const [contextArg, ...rest] = process.argv.slice(2);
  if (rest.length === 0 || rest.length % 5 !== 0) {
    throw new Error("usage: ffi-prove-batch.ts <context> (<modelJsonPath> <f0,...,f4> <poolFeeMin> <poolFeeMax> <period>)...");
  }
  const context = parseUint("context", contextArg);
  const pools: BatchPool[] = [];
  for (let i = 0; i < rest.length; i += 5) {
    const pool = `pool ${i / 5}`;
    const features = (rest[i + 1] ?? "").split(",").map((f, k) => parseUint(`${pool} feature ${k}`, f));
    if (features.length !== N_FEATURES) throw new Error(`${pool}: expected ${N_FEATURES} comma-separated features, got ${features.length}`);
    pools.push({
      model: await loadModel(rest[i]!),
      features,
      terms: { poolFeeMin: small(`${pool} poolFeeMin`, rest[i + 2]), poolFeeMax: small(`${pool} poolFeeMax`, rest[i + 3]), period: small(`${pool} period`, rest[i + 4]) },
    });
  }
  const prover = await BatchProver.load(pools.length);
  const { entries, calldata } = await prover.proveBatch(pools, context);
  const encoded = encodeAbiParameters(
    [{ type: "uint256[]" }, { type: "uint256[]" }, { type: "uint256[]" }, { type: "uint256[2]" }, { type: "uint256[2][2]" }, { type: "uint256[2]" }],
    [entries.map((e) => BigInt(e.fee)), entries.map((e) => e.forecast), entries.map((e) => e.featureWord), calldata.a, calldata.b, calldata.c],
  );
  process.stdout.write(`${encoded}\n`);
}

const shutdown = async () => {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
};
main().then(
  async () => { await shutdown(); process.exit(0); },
  async (e) => { process.stderr.write(`ffi-prove-batch: ${e instanceof Error ? e.message : String(e)}\n`); await shutdown(); process.exit(1); },
);
