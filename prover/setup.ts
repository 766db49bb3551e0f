// One command from circuit source to commit-ready artifacts:
//   provenfee setup [--reuse-ptau] --force   (or npx tsx prover/setup.ts [--reuse-ptau])
// compile (circom --O2 --inspect) -> local powers of tau 2^12 on bn128 with one contribution ->
// phase 2 (zkey) with one contribution -> verification key + Solidity verifier.
//
// THE CEREMONY HERE IS FOR DEVELOPMENT ONLY AND IS INSECURE: one machine generates every secret
// (the toxic waste) in a single process. Whoever ran it could forge proofs. See prover/README.md
// for what a deployment does instead.
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";
import { compileCircuit } from "./compile.ts";
import { ARTIFACTS, ARTIFACTS_DIR, BUILD_DIR, CIRCUIT_NAME, PTAU_POWER, REPO_ROOT, SOLIDITY_VERIFIER } from "./paths.ts";
import { quietLogger, sha256File, solidityVerifierSource, terminateCurves } from "./ceremony.ts";

const WARNING = [
  "",
  "  ###############################################################################",
  "  #  WARNING: INSECURE DEVELOPMENT CEREMONY                                     #",
  "  #  The powers of tau and the phase-2 key below are made by ONE local process. #",
  "  #  Anyone holding its randomness could forge proofs for any fee. Never deploy #",
  "  #  these keys; use a public phase-1 ceremony and a multi-party phase 2.       #",
  "  ###############################################################################",
  "",
].join("\n");

/** Prints a step's name, then its time when the returned function is called. */
export function step(msg: string): () => void {
  const t0 = performance.now();
  process.stdout.write(`- ${msg} ... `);
  return () => console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A fresh single-party powers of tau of 2^power at `out`, one contribution of local randomness (development only). */
export async function localPtau(out: string, power: number, contributionName: string): Promise<void> {
  const p0 = `${out}.0000`, p1 = `${out}.0001`;
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  let done = step(`phase 1: new powers of tau 2^${power} (bn128)`);
  await snarkjs.powersOfTau.newAccumulator(curve, power, p0, quietLogger);
  done();
  done = step("phase 1: one contribution (local randomness)");
  await snarkjs.powersOfTau.contribute(p0, p1, contributionName, randomBytes(64).toString("hex"), quietLogger);
  done();
  done = step("phase 1: prepare phase 2");
  await snarkjs.powersOfTau.preparePhase2(p1, out, quietLogger);
  done();
  rmSync(p0);
  rmSync(p1);
}

const rel = (p: string) => relative(REPO_ROOT, p);

/** The files a setup overwrites: the committed keys and the verifier the hook calls. */
export const SETUP_OUTPUTS = [ARTIFACTS.wasm, ARTIFACTS.witnessCalculator, ARTIFACTS.zkey, ARTIFACTS.verificationKey, ARTIFACTS.ptau, ARTIFACTS.manifest, SOLIDITY_VERIFIER];

export async function runDevSetup({ reusePtau }: { reusePtau: boolean }): Promise<void> {
  try {
    await ceremony(reusePtau);
  } finally {
    await terminateCurves();
  }
}

async function ceremony(reusePtau: boolean): Promise<void> {
  console.warn(WARNING);
  mkdirSync(BUILD_DIR, { recursive: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  let done = step("compile circuit (circom --O2 --inspect)");
  const circuit = compileCircuit();
  done();
  console.log(`  ${circuit.nonLinearConstraints} non-linear + ${circuit.linearConstraints} linear constraints`);
  const info = await snarkjs.r1cs.info(circuit.r1cs);
  if (info.nConstraints + info.nPubInputs + info.nOutputs + 1 > 2 ** PTAU_POWER) {
    throw new Error(`${info.nConstraints} constraints do not fit a 2^${PTAU_POWER} powers of tau`);
  }

  const ptauFinal = join(BUILD_DIR, `pot${PTAU_POWER}_final.ptau`);
  if (reusePtau && existsSync(ARTIFACTS.ptau)) {
    console.log(`- phase 1: reusing ${rel(ARTIFACTS.ptau)} (--reuse-ptau)`);
    copyFileSync(ARTIFACTS.ptau, ptauFinal);
  } else {
    await localPtau(ptauFinal, PTAU_POWER, "provenfee dev phase 1");
  }

  const zkey0 = join(BUILD_DIR, `${CIRCUIT_NAME}_0000.zkey`);
  const zkeyFinal = join(BUILD_DIR, `${CIRCUIT_NAME}_final.zkey`);
  done = step("phase 2: circuit-specific key");
  await snarkjs.zKey.newZKey(circuit.r1cs, ptauFinal, zkey0, quietLogger);
  done();
  done = step("phase 2: one contribution (local randomness)");
  await snarkjs.zKey.contribute(zkey0, zkeyFinal, "provenfee dev phase 2", randomBytes(64).toString("hex"), quietLogger);
  done();
  rmSync(zkey0);
  done = step("verify the final key against the circuit and the powers of tau");
  if (!(await snarkjs.zKey.verifyFromR1cs(circuit.r1cs, ptauFinal, zkeyFinal, quietLogger))) {
    throw new Error("zkey verification failed");
  }
  done();

  done = step("export verification key and Solidity verifier");
  const vk = await snarkjs.zKey.exportVerificationKey(zkeyFinal);
  const solidity = await solidityVerifierSource(zkeyFinal);
  done();

  copyFileSync(circuit.wasm, ARTIFACTS.wasm);
  copyFileSync(circuit.witnessCalculator, ARTIFACTS.witnessCalculator);
  copyFileSync(zkeyFinal, ARTIFACTS.zkey);
  if (!(reusePtau && existsSync(ARTIFACTS.ptau))) copyFileSync(ptauFinal, ARTIFACTS.ptau);
  writeFileSync(ARTIFACTS.verificationKey, `${JSON.stringify(vk, null, 1)}\n`);
  mkdirSync(join(SOLIDITY_VERIFIER, ".."), { recursive: true });
  writeFileSync(SOLIDITY_VERIFIER, solidity);

  const files = [ARTIFACTS.wasm, ARTIFACTS.witnessCalculator, ARTIFACTS.zkey, ARTIFACTS.verificationKey, ARTIFACTS.ptau, SOLIDITY_VERIFIER];
  const manifest = {
    circuit: rel(join(REPO_ROOT, "prover", "circuits", `${CIRCUIT_NAME}.circom`)),
    constraints: info.nConstraints,
    wires: info.nVars,
    publicInputs: info.nPubInputs,
    privateInputs: info.nPrvInputs,
    ptauPower: PTAU_POWER,
    ceremony: "INSECURE local development ceremony: one phase-1 and one phase-2 contribution from one process",
    createdAt: new Date().toISOString(),
    sha256: Object.fromEntries(files.map((f) => [rel(f), sha256File(f)])),
  };
  writeFileSync(ARTIFACTS.manifest, `${JSON.stringify(manifest, null, 2)}\n`);

  let total = 0;
  console.log("\nArtifacts:");
  for (const f of [...files, ARTIFACTS.manifest]) {
    const size = statSync(f).size;
    total += size;
    console.log(`  ${rel(f).padEnd(48)} ${(size / 1024).toFixed(0).padStart(6)} KiB`);
  }
  console.log(`  ${"total".padEnd(48)} ${(total / 1024).toFixed(0).padStart(6)} KiB`);
  console.warn(WARNING);
}

// Run directly (npx tsx prover/setup.ts ...): the same options and refusals as `provenfee setup`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { setupCommand } = await import("../cli/setup.ts");
  process.exitCode = await setupCommand(process.argv.slice(2));
}
