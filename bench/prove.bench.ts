// Proving latency of the fee circuit, warm (the keeper's case: one Prover loaded, many proofs).
//   npx tsx bench/prove.bench.ts [proofs=20] [witnesses=200]
// Prints load time, then median / p90 / min / max of witness and proof times.
import { cpus } from "node:os";
import { join } from "node:path";
import { loadModel, N_FEATURES } from "../model/index.ts";
import { Prover, buildCircuitInput } from "../prover/prover.ts";
import { REPO_ROOT } from "../prover/paths.ts";

const proofs = Number(process.argv[2] ?? 20);
const witnesses = Number(process.argv[3] ?? 200);

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `median ${median.toFixed(1)} ms  p90 ${q(0.9).toFixed(1)}  min ${s[0]!.toFixed(1)}  max ${s[s.length - 1]!.toFixed(1)}  (n=${s.length})`;
}

let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const features = () => Array.from({ length: N_FEATURES }, () => BigInt(Math.floor(2 ** (rand() * 38))));

const model = await loadModel(join(REPO_ROOT, "model", "default-model.json"));
const terms = { poolFeeMin: 100, poolFeeMax: 10_000, period: model.file.period };

const t0 = performance.now();
const prover = await Prover.load();
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`);
console.log(`Prover.load (witness calculator + zkey): ${(performance.now() - t0).toFixed(0)} ms`);

// witness only (input assembly from model/ excluded)
const inputs = await Promise.all(Array.from({ length: witnesses }, async (_, i) => (await buildCircuitInput(model, features(), terms, BigInt(i + 1))).input));
for (let i = 0; i < 10; i++) await prover.witnessBin(inputs[i]!);
const wt: number[] = [];
for (const input of inputs) {
  const a = performance.now();
  await prover.witnessBin(input);
  wt.push(performance.now() - a);
}
console.log(`witness (calculateWTNSBin):            ${stats(wt)}`);

// full prove(): model/ evaluation + commitment + witness + Groth16 proof
for (let i = 0; i < 3; i++) await prover.prove(model, features(), terms, 1n); // warm-up
const total: number[] = [];
const witness: number[] = [];
const proof: number[] = [];
for (let i = 0; i < proofs; i++) {
  const a = performance.now();
  const out = await prover.prove(model, features(), terms, BigInt(i + 1));
  total.push(performance.now() - a);
  witness.push(out.timings.witnessMs);
  proof.push(out.timings.proofMs);
}
console.log(`prove(): witness part                  ${stats(witness)}`);
console.log(`prove(): Groth16 part (snarkjs)        ${stats(proof)}`);
console.log(`prove(): total                         ${stats(total)}`);
const out = await prover.prove(model, features(), terms, 7n);
const v0 = performance.now();
const ok = await prover.verify(out.publicSignals, out.proof);
console.log(`verify (off-chain): ${ok} in ${(performance.now() - v0).toFixed(1)} ms`);
await Prover.shutdown();
