// `provenfee setup`: the dev trusted setup lives in prover/setup.ts; this runs it in its own process.
import { spawnSync } from "node:child_process";

export async function setupCommand(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(`usage: provenfee setup [--reuse-ptau]

Compiles prover/circuits/provenfee.circom, runs an INSECURE local powers-of-tau and phase-2
ceremony, and writes prover/artifacts/ (wasm, zkey, verification key) and
contracts/verifier/Groth16Verifier.sol. --reuse-ptau keeps the committed phase-1 file.
See README.md for how a deployment uses a public ceremony instead.`);
    return 0;
  }
  const r = spawnSync(process.execPath, ["--import", "tsx", "prover/setup.ts", ...argv], { stdio: "inherit" });
  return r.status ?? 1;
}
