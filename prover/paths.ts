// Where the circuit, its build scratch and its committed artifacts live.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const PROVER_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = dirname(PROVER_DIR);

/** The circuit source (SPEC §3-7) and its small templates under circuits/lib/. */
export const CIRCUIT_NAME = "provenfee";
export const CIRCUIT_SOURCE = join(PROVER_DIR, "circuits", `${CIRCUIT_NAME}.circom`);

/** Build scratch (gitignored): compiler output, intermediate ceremony files. */
export const BUILD_DIR = join(PROVER_DIR, "build");

/** Commit-ready artifacts: what a prover or verifier needs, nothing else. */
export const ARTIFACTS_DIR = join(PROVER_DIR, "artifacts");
export const ARTIFACTS = {
  wasm: join(ARTIFACTS_DIR, `${CIRCUIT_NAME}.wasm`),
  witnessCalculator: join(ARTIFACTS_DIR, "witness_calculator.cjs"),
  zkey: join(ARTIFACTS_DIR, `${CIRCUIT_NAME}_final.zkey`),
  verificationKey: join(ARTIFACTS_DIR, "verification_key.json"),
  ptau: join(ARTIFACTS_DIR, "pot12_final.ptau"),
  manifest: join(ARTIFACTS_DIR, "manifest.json"),
} as const;

/** The Solidity verifier the hook calls (contract Groth16Verifier). */
export const SOLIDITY_VERIFIER = join(REPO_ROOT, "contracts", "verifier", "Groth16Verifier.sol");

/** Powers of tau size: 2^12 rows cover the circuit's constraints plus public inputs. */
export const PTAU_POWER = 12;

/** The batch circuits (SPEC §7b): one per size, each with its own keys and Solidity verifier. */
export const BATCH_CIRCUITS_DIR = join(PROVER_DIR, "circuits", "batch");
export const BATCH_ARTIFACTS_DIR = join(ARTIFACTS_DIR, "batch");
/** One powers of tau for every batch size: 2^14 rows cover the 8-pool circuit's 16,345 constraints + 21. */
export const BATCH_PTAU_POWER = 14;
export const BATCH_PTAU = join(BATCH_ARTIFACTS_DIR, `pot${BATCH_PTAU_POWER}_final.ptau`);
export function batchArtifacts(size: number) {
  const name = `provenfee_batch${size}`;
  return {
    source: join(BATCH_CIRCUITS_DIR, `${name}.circom`),
    wasm: join(BATCH_ARTIFACTS_DIR, `${name}.wasm`),
    // circom's witness_calculator.js is the same for every circuit; the single circuit's copy serves
    witnessCalculator: ARTIFACTS.witnessCalculator,
    zkey: join(BATCH_ARTIFACTS_DIR, `${name}_final.zkey`),
    verificationKey: join(BATCH_ARTIFACTS_DIR, `${name}_verification_key.json`),
    manifest: join(BATCH_ARTIFACTS_DIR, `${name}_manifest.json`),
    solidityVerifier: join(REPO_ROOT, "contracts", "verifier", `Groth16BatchVerifier${size}.sol`),
    contractName: `Groth16BatchVerifier${size}`,
  };
}
