// When would evaluating the model on-chain beat verifying its Groth16 proof? Runs the forge measurement
// (test/sol/crossover/Crossover.t.sol) and prints, per model size, the gas of on-chain evaluation (weights read
// from bytecode, two layouts; from storage for small J), the measured gas of the Groth16 verifier call, the ratio,
// and the crossover J found by the test. Method and discussion: bench/crossover/README.md.
//   npx tsx bench/crossover.bench.ts            (about 1 minute; add --constraints to also compile circuit variants)
import { spawnSync } from "node:child_process";

interface EvalRow {
  n: number;
  j: number;
  params: number;
  kernel: string;
  source: string;
  weights: string;
  chunks: number;
  gas: number;
}

// Its own foundry profile: solcjs cannot compile it in one job with every other test (foundry.toml).
const cmd = ["forge", "test", "-vv"];
const run = spawnSync("npx", cmd, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FOUNDRY_PROFILE: "crossover" } });
const out = `${run.stdout ?? ""}`;
if (run.status !== 0) {
  console.error(out + (run.stderr ?? ""));
  console.error(`FOUNDRY_PROFILE=crossover npx ${cmd.join(" ")} failed (exit ${run.status})`);
  process.exit(1);
}
const kv = (line: string): Record<string, string> => Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
const lines = out.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("CROSSOVER "));
const verifyLine = lines.find((l) => l.startsWith("CROSSOVER verify"));
if (!verifyLine) {
  console.error("no verifier measurement in the forge output");
  process.exit(1);
}
const verify = kv(verifyLine);
const verifyGas = Number(verify.gas);
const proofCalldata = Number(verify.proofCalldataGas);
const evals: EvalRow[] = [];
const seen = new Set<string>();
for (const l of lines.filter((x) => x.startsWith("CROSSOVER eval"))) {
  const r = kv(l);
  const key = `${r.N}/${r.J}/${r.kernel}/${r.source}`;
  if (seen.has(key)) continue; // the N = 12, J = 4 default model is measured once per test
  seen.add(key);
  evals.push({ n: +r.N!, j: +r.J!, params: +r.params!, kernel: r.kernel!, source: r.source!, weights: r.weights!, chunks: +r.chunks!, gas: +r.gas! });
}
const crossovers = lines.filter((l) => l.startsWith("CROSSOVER crossover")).map(kv);

const pad = (s: string | number, w: number) => String(s).padStart(w);
const fmt = (v: number) => v.toLocaleString("en-US");
console.log(`Groth16 verifyProof (4 public signals, real proof, cold call): ${fmt(verifyGas)} gas; the proof's 256 calldata bytes add ${fmt(proofCalldata)} gas more`);
console.log("Verification gas does not depend on the model size: weights are private inputs behind the commitment, so the signal count stays 4.\n");
console.log("On-chain evaluation, cold call, weights in bytecode (EXTCODECOPY) unless 'storage'; J=4, N=12 is the shipped model, others random 16-bit weights");
console.log(`${pad("N", 3)} ${pad("J", 5)} ${pad("params", 7)} ${pad("plain", 10)} ${pad("packed", 10)} ${pad("storage", 10)} ${pad("verify", 9)} ${pad("plain/verify", 13)} ${pad("packed/verify", 14)}`);
const sizes = [...new Set(evals.map((e) => `${e.n}/${e.j}`))].map((s) => s.split("/").map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
for (const [n, j] of sizes) {
  const get = (kernel: string, source: string) => evals.find((e) => e.n === n && e.j === j && e.kernel === kernel && e.source === source);
  const plain = get("plain", "code");
  const packed = get("packed", "code");
  const storage = get("plain", "storage");
  const params = (plain ?? packed)!.params;
  console.log(
    `${pad(n, 3)} ${pad(j, 5)} ${pad(fmt(params), 7)} ${pad(plain ? fmt(plain.gas) : "-", 10)} ${pad(packed ? fmt(packed.gas) : "-", 10)} ${pad(storage ? fmt(storage.gas) : "-", 10)} ${pad(fmt(verifyGas), 9)} ${pad(plain ? (plain.gas / verifyGas).toFixed(3) : "-", 13)} ${pad(packed ? (packed.gas / verifyGas).toFixed(3) : "-", 14)}`,
  );
}
console.log("\nCrossover (largest J whose evaluation costs no more than verifyProof; found by search in the forge test):");
for (const c of crossovers) {
  const n = Number(c.N);
  const j = Number(c.lastBelow);
  const params = j * (n + 2) + n + 1;
  console.log(`  N=${pad(n, 2)} ${pad(c.kernel!, 6)}: J <= ${pad(j, 4)} (${fmt(params)} params, ${fmt(Number(c.gasBelow))} gas) is cheaper; J = ${c.firstAbove} costs ${fmt(Number(c.gasAbove))} > ${fmt(Number(c.threshold))}`);
}
// per-hidden-unit slope of the two layouts, from the two largest measured sizes
console.log("\nMarginal cost per hidden unit (from the two largest measured J), gas:");
for (const n of [...new Set(evals.map((e) => e.n))]) {
  for (const kernel of ["plain", "packed"]) {
    const rows = evals.filter((e) => e.n === n && e.kernel === kernel && e.source === "code").sort((a, b) => a.j - b.j);
    if (rows.length < 2) continue;
    const [a, b] = [rows[rows.length - 2]!, rows[rows.length - 1]!];
    const slope = (b.gas - a.gas) / (b.j - a.j);
    console.log(`  N=${pad(n, 2)} ${pad(kernel, 6)}: ${slope.toFixed(0)} gas/unit = ${(slope / (n + 2)).toFixed(1)} gas per hidden-layer parameter`);
  }
}
if (process.argv.includes("--constraints")) {
  const { constraintsFor } = await import("./crossover/constraints.ts");
  console.log("\nCircuit constraints vs J (N = 12; bench/crossover/circuits/provenfee_variant.circom, J = 4 is the shipped circuit):");
  for (const j of [4, 8, 16, 32, 64, 128]) console.log(`  J=${pad(j, 4)}: ${fmt(constraintsFor(j))}`);
}
console.log(`\ncommand: npx ${cmd.join(" ")}`);
