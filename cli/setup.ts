// `provenfee setup`: the dev trusted setup of prover/setup.ts, in this process. It replaces the
// committed proving key and the Solidity verifier every deployed hook is built with, so it refuses
// to while they exist unless told --force: a typo in an option must never start a fresh ceremony.
import { existsSync } from "node:fs";
import path from "node:path";
import { failure, parseOptions, UsageError } from "./options.ts";

const USAGE = `usage: provenfee setup --force [--reuse-ptau]

Compiles prover/circuits/provenfee.circom, runs an INSECURE local powers-of-tau and phase-2
ceremony, and writes prover/artifacts/ (wasm, zkey, verification key) and
contracts/verifier/Groth16Verifier.sol of this package.

options:
  --force        overwrite the existing keys and verifier (required while they exist: hooks
                 deployed with the old verifier reject proofs made with the new key)
  --reuse-ptau   keep the existing phase-1 file (prover/artifacts/pot12_final.ptau), ~30 s instead of minutes

See README.md for how a deployment uses a public ceremony instead.`;

export async function setupCommand(argv: string[]): Promise<number> {
  try {
    const parsed = parseOptions("setup", argv, { force: { type: "boolean" }, "reuse-ptau": { type: "boolean" } });
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    const { SETUP_OUTPUTS, runDevSetup } = await import("../prover/setup.ts");
    const { REPO_ROOT } = await import("../prover/paths.ts");
    // The key and the verifier first: they are what a reader must recognise in the message.
    const existing = [...SETUP_OUTPUTS].sort((a, b) => Number(/zkey|\.sol$/.test(b)) - Number(/zkey|\.sol$/.test(a))).filter((f) => existsSync(f)).map((f) => path.relative(REPO_ROOT, f));
    if (existing.length && !parsed.values.force) {
      const named = existing.slice(0, 2).join(", ") + (existing.length > 2 ? ` and ${existing.length - 2} more` : "");
      throw new UsageError(`refusing to overwrite the existing keys and verifier (${named}) without --force: verifiers deployed from them would reject proofs made with new keys`);
    }
    await runDevSetup({ reusePtau: parsed.values["reuse-ptau"] === true });
    return 0;
  } catch (e) {
    return failure("setup", e);
  }
}
