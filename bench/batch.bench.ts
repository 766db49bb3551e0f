// Proving time of the batch circuits (SPEC §7b) per batch size, warm (one BatchProver per size loaded).
//   npx tsx bench/batch.bench.ts [proofs per size=5] [sizes=2,4,8]
// Prints per size: constraints and public inputs (from the committed manifest), load time, and the
// median / min / max of witness and proof times. Gas per pool comes from forge (FOUNDRY_PROFILE=batch).
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { loadModel, N_FEATURES } from "../model/index.ts";
import { BatchProver, type BatchPool } from "../prover/batch.ts";
import { REPO_ROOT, batchArtifacts } from "../prover/paths.ts";

const proofs = Number(process.argv[2] ?? 5);
const sizes = (process.argv[3] ?? "2,4,8").split(",").map(Number);

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `median ${median.toFixed(0)} ms  min ${s[0]!.toFixed(0)}  max ${s[s.length - 1]!.toFixed(0)}  (n=${s.length})`;
};

let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const features = () => Array.from({ length: N_FEATURES }, () => BigInt(Math.floor(2 ** (10 + rand() * 20))));
const models = [await loadModel(join(REPO_ROOT, "model", "default-model.json")), await loadModel(join(REPO_ROOT, "test", "fixtures", "other-model.json"))];

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`);
for (const size of sizes) {
  const manifest = JSON.parse(readFileSync(batchArtifacts(size).manifest, "utf8"));
  const t0 = performance.now();
  const prover = await BatchProver.load(size);
  const loadMs = performance.now() - t0;
  const witness: number[] = [];
  const proof: number[] = [];
  for (let n = 0; n < proofs + 1; n++) {
    const pools: BatchPool[] = Array.from({ length: size }, (_, i) => ({ model: models[i % 2]!, features: features(), terms: { poolFeeMin: 100, poolFeeMax: 100_000, period: 60 } }));
    const result = await prover.proveBatch(pools, BigInt(n + 1));
    if (n === 0) continue; // warm-up
    witness.push(result.timings.witnessMs);
    proof.push(result.timings.proofMs);
  }
  console.log(`N=${size}: ${manifest.constraints} constraints, ${manifest.publicInputs} public inputs, load ${loadMs.toFixed(0)} ms`);
  console.log(`  witness ${summary(witness)}`);
  console.log(`  proof   ${summary(proof)}  -> ${(proof.sort((a, b) => a - b)[proof.length >> 1]! / size).toFixed(0)} ms per pool`);
}
const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
await g.curve_bn128?.terminate();
