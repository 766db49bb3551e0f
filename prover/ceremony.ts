// Helpers shared by setup.ts and the tests: verifier export, curve shutdown, file hashes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as snarkjs from "snarkjs";

/** snarkjs's own Groth16 Solidity template, as `snarkjs zkey export solidityverifier` uses it. */
export function groth16Template(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("snarkjs"); // build/main.cjs
  return readFileSync(join(dirname(main), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
}

/** The Solidity verifier (contract Groth16Verifier) for a zkey, byte-for-byte what snarkjs exports. */
export async function solidityVerifierSource(zkey: snarkjs.FileRef): Promise<string> {
  return snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: groth16Template() });
}

/** snarkjs keeps worker threads for the curve; stop them so a script can exit. */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export const quietLogger: snarkjs.Logger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
