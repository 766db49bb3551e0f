// When would evaluating the model on-chain beat verifying its Groth16 proof? Runs the forge measurement
// (test/sol/crossover/Crossover.t.sol, model revision 2) and prints the gas of the Groth16 verifier call with a real
// proof; the shipped size (K = 5 features, J = 4 hidden units) in every layout; on-chain evaluation by model size
// (weights in data contracts' code, two layouts; plain from storage for small J); and the crossover J found by the
// test. Method and discussion: bench/crossover/README.md.
//   npx tsx bench/crossover.bench.ts            (about a minute; add --constraints to also compile circuit variants)
import { spawnSync } from "node:child_process";

interface EvalRow {
  k: number;
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
// forge exits 0 when solc crashes, so its output is checked too
if (run.status !== 0 || /Error: solc exited|Compiler run failed/.test(out + (run.stderr ?? ""))) {
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
  const key = `${r.K}/${r.J}/${r.kernel}/${r.source}/${r.weights}`;
  if (seen.has(key)) continue;
  seen.add(key);
  evals.push({ k: +r.K!, j: +r.J!, params: +r.params!, kernel: r.kernel!, source: r.source!, weights: r.weights!, chunks: +r.chunks!, gas: +r.gas! });
}
const crossovers = lines.filter((l) => l.startsWith("CROSSOVER crossover")).map(kv).sort((a, b) => Number(a.K) - Number(b.K) || a.kernel!.localeCompare(b.kernel!));

const pad = (s: string | number, w: number) => String(s).padStart(w);
const fmt = (v: number) => v.toLocaleString("en-US");
const ratio = (g: number | undefined) => (g === undefined ? "-" : (g / verifyGas).toFixed(3));
console.log(`Groth16 verifyProof (4 public signals, real proof, cold call): ${fmt(verifyGas)} gas; the proof's 256 calldata bytes add ${fmt(proofCalldata)} gas more`);
console.log("Verification gas does not depend on the model size: weights are private inputs behind the commitment, so the signal count stays 4.\n");

console.log("The shipped size, K = 5 features, J = 4 hidden units (35 parameters). A cold call to the evaluator, except: memory = the");
console.log("library's arithmetic alone; inline-* = read the four committed words cold and evaluate inside the caller's own call (a hook):");
console.log(`${"layout".padEnd(8)} ${"source".padEnd(15)} ${pad("shipped model", 14)} ${pad("random 5x4", 11)} ${pad("random/verify", 14)}`);
const shipped = evals.filter((e) => e.k === 5 && e.j === 4);
for (const [kernel, source] of [
  ["library", "memory"], ["library", "inline-code"], ["library", "inline-storage"], ["library", "code"], ["library", "storage"],
  ["plain", "code"], ["packed", "code"], ["plain", "storage"],
] as const) {
  const get = (weights: string) => shipped.find((e) => e.kernel === kernel && e.source === source && e.weights === weights)?.gas;
  const a = get("default-model");
  const b = get("random");
  console.log(`${kernel.padEnd(8)} ${source.padEnd(15)} ${pad(a === undefined ? "-" : fmt(a), 14)} ${pad(b === undefined ? "-" : fmt(b), 11)} ${pad(ratio(b), 14)}`);
}

console.log("\nOn-chain evaluation by size, cold call, weights in data contracts' code unless 'storage'; deterministic random weights (ModelDeployer.randomNet)");
console.log(`${pad("K", 3)} ${pad("J", 5)} ${pad("params", 7)} ${pad("plain", 10)} ${pad("packed", 10)} ${pad("storage", 10)} ${pad("plain/verify", 13)} ${pad("packed/verify", 14)}`);
const general = evals.filter((e) => e.weights === "random" && e.kernel !== "library");
const sizes = [...new Set(general.map((e) => `${e.k}/${e.j}`))].map((s) => s.split("/").map(Number) as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
for (const [k, j] of sizes) {
  const get = (kernel: string, source: string) => general.find((e) => e.k === k && e.j === j && e.kernel === kernel && e.source === source);
  const plain = get("plain", "code");
  const packed = get("packed", "code");
  const storage = get("plain", "storage");
  const params = (plain ?? packed)!.params;
  console.log(
    `${pad(k, 3)} ${pad(j, 5)} ${pad(fmt(params), 7)} ${pad(plain ? fmt(plain.gas) : "-", 10)} ${pad(packed ? fmt(packed.gas) : "-", 10)} ${pad(storage ? fmt(storage.gas) : "-", 10)} ${pad(ratio(plain?.gas), 13)} ${pad(ratio(packed?.gas), 14)}`,
  );
}
console.log("\nCrossover (largest J whose evaluation costs no more than verifyProof; found by search in the forge test):");
for (const c of crossovers) {
  const k = Number(c.K);
  const j = Number(c.lastBelow);
  const params = j * (k + 2) + k + 2;
  console.log(`  K=${pad(k, 2)} ${pad(c.kernel!, 6)}: J <= ${pad(j, 4)} (${fmt(params)} params, ${fmt(Number(c.gasBelow))} gas) is cheaper; J = ${c.firstAbove} costs ${fmt(Number(c.gasAbove))} > ${fmt(Number(c.threshold))}`);
}
// per-hidden-unit slope of the two layouts, from the two largest measured sizes
console.log("\nMarginal cost per hidden unit (from the two largest measured J), gas:");
for (const k of [...new Set(general.map((e) => e.k))]) {
  for (const kernel of ["plain", "packed"]) {
    const rows = general.filter((e) => e.k === k && e.kernel === kernel && e.source === "code").sort((a, b) => a.j - b.j);
    if (rows.length < 2) continue;
    const [a, b] = [rows[rows.length - 2]!, rows[rows.length - 1]!];
    const slope = (b.gas - a.gas) / (b.j - a.j);
    console.log(`  K=${pad(k, 2)} ${pad(kernel, 6)}: ${slope.toFixed(0)} gas/unit = ${(slope / (k + 2)).toFixed(1)} gas per hidden-layer parameter`);
  }
}
if (process.argv.includes("--constraints")) {
  const { constraintsFor, DEFAULT_J, shippedConstraints } = await import("./crossover/constraints.ts");
  console.log("\nCircuit constraints vs J (K = 5; bench/crossover/circuits/provenfee_variant.circom, J = 4 is the shipped circuit):");
  for (const j of DEFAULT_J) {
    const n = constraintsFor(j);
    if (j === 4 && n !== shippedConstraints()) throw new Error(`the variant at J = 4 has ${n} constraints, the shipped circuit ${shippedConstraints()}`);
    console.log(`  J=${pad(j, 4)}: ${fmt(n)}`);
  }
}
console.log(`\ncommand: FOUNDRY_PROFILE=crossover npx ${cmd.join(" ")}`);
