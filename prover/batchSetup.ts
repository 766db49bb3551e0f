// The batch circuits' keys (SPEC §7b), one set per size:
//   npx tsx prover/batchSetup.ts [--sizes 2,4,8] [--reuse-ptau]
// compile (circom --O2 --inspect) -> local powers of tau 2^14 on bn128 with one contribution (shared by
// every size; --reuse-ptau takes prover/artifacts/batch/pot14_final.ptau) -> per size: phase 2 (zkey) with
// one contribution, checked against the circuit and the ptau -> verification key + Solidity verifier
// (contracts/verifier/Groth16BatchVerifier<N>.sol, contract Groth16BatchVerifier<N>).
//
// THE CEREMONY HERE IS FOR DEVELOPMENT ONLY AND IS INSECURE, exactly as prover/setup.ts's: one process
// makes every secret. A deployment runs `provenfee ceremony` (prover/ceremony.ts) on each batch circuit's
// r1cs with a published powers of tau instead (prover/README.md).
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as snarkjs from "snarkjs";
import { BATCH_SIZES } from "../model/index.ts";
import { compileCircuit } from "./compile.ts";
import { BATCH_ARTIFACTS_DIR, BATCH_PTAU, BATCH_PTAU_POWER, BUILD_DIR, REPO_ROOT, batchArtifacts } from "./paths.ts";
import { quietLogger, sha256File, solidityVerifierSource, terminateCurves } from "./ceremony.ts";
import { localPtau, step } from "./setup.ts";

const rel = (p: string) => relative(REPO_ROOT, p);

export async function batchSetup(sizes: readonly number[], reusePtau: boolean): Promise<void> {
  console.warn("\n  WARNING: INSECURE DEVELOPMENT CEREMONY: one local process makes every secret; never deploy these keys.\n");
  const buildDir = join(BUILD_DIR, "batch");
  mkdirSync(buildDir, { recursive: true });
  mkdirSync(BATCH_ARTIFACTS_DIR, { recursive: true });
  if (!(reusePtau && existsSync(BATCH_PTAU))) await localPtau(BATCH_PTAU, BATCH_PTAU_POWER, "provenfee dev phase 1 (batch)");
  else console.log(`- phase 1: reusing ${rel(BATCH_PTAU)} (--reuse-ptau)`);

  for (const size of sizes) {
    const files = batchArtifacts(size);
    let done = step(`${size} pools: compile circuit (circom --O2 --inspect)`);
    const circuit = compileCircuit(buildDir, files.source);
    done();
    const info = await snarkjs.r1cs.info(circuit.r1cs);
    console.log(`  ${info.nConstraints} constraints, ${info.nPubInputs} public inputs`);
    if (info.nConstraints + info.nPubInputs + info.nOutputs + 1 > 2 ** BATCH_PTAU_POWER) {
      throw new Error(`${info.nConstraints} constraints do not fit a 2^${BATCH_PTAU_POWER} powers of tau`);
    }
    const zkey0 = join(buildDir, `provenfee_batch${size}_0000.zkey`);
    done = step(`${size} pools: phase 2 circuit-specific key`);
    await snarkjs.zKey.newZKey(circuit.r1cs, BATCH_PTAU, zkey0, quietLogger);
    done();
    done = step(`${size} pools: phase 2 one contribution (local randomness)`);
    await snarkjs.zKey.contribute(zkey0, files.zkey, "provenfee dev phase 2 (batch)", randomBytes(64).toString("hex"), quietLogger);
    done();
    rmSync(zkey0);
    done = step(`${size} pools: verify the key against the circuit and the powers of tau`);
    if (!(await snarkjs.zKey.verifyFromR1cs(circuit.r1cs, BATCH_PTAU, files.zkey, quietLogger))) throw new Error("zkey verification failed");
    done();
    const vk = await snarkjs.zKey.exportVerificationKey(files.zkey);
    const solidity = (await solidityVerifierSource(files.zkey)).replace(/contract Groth16Verifier\b/, `contract ${files.contractName}`);
    if (!solidity.includes(`contract ${files.contractName}`)) throw new Error("snarkjs's verifier template no longer names contract Groth16Verifier");
    copyFileSync(circuit.wasm, files.wasm);
    writeFileSync(files.verificationKey, `${JSON.stringify(vk, null, 1)}\n`);
    writeFileSync(files.solidityVerifier, solidity);
    const outputs = [files.wasm, files.zkey, files.verificationKey, files.solidityVerifier, BATCH_PTAU];
    writeFileSync(files.manifest, `${JSON.stringify({
      circuit: rel(files.source),
      pools: size,
      constraints: info.nConstraints,
      wires: info.nVars,
      publicInputs: info.nPubInputs,
      privateInputs: info.nPrvInputs,
      ptauPower: BATCH_PTAU_POWER,
      ceremony: "INSECURE local development ceremony: one phase-1 and one phase-2 contribution from one process",
      createdAt: new Date().toISOString(),
      sha256: Object.fromEntries(outputs.map((f) => [rel(f), sha256File(f)])),
    }, null, 2)}\n`);
    for (const f of outputs) console.log(`  ${rel(f).padEnd(56)} ${(statSync(f).size / 1024).toFixed(0).padStart(7)} KiB`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  let sizes: number[] = [...BATCH_SIZES];
  let reusePtau = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--reuse-ptau") reusePtau = true;
    else if (args[i] === "--sizes" && args[i + 1] !== undefined) {
      sizes = args[++i]!.split(",").map(Number);
      const bad = sizes.find((s) => !(BATCH_SIZES as readonly number[]).includes(s));
      if (bad !== undefined) { console.error(`batchSetup: --sizes: ${bad} is not one of ${BATCH_SIZES.join(", ")}`); process.exit(2); }
    } else { console.error(`batchSetup: unknown option ${args[i]} (expected --sizes 2,4,8 and/or --reuse-ptau)`); process.exit(2); }
  }
  try {
    await batchSetup(sizes, reusePtau);
  } finally {
    await terminateCurves();
  }
}
