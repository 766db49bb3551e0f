// Compiled contracts: v4-core's published artifacts for the PoolManager and its test routers, and
// forge's out/ for this project's own contracts (built on demand, so a fresh clone just works).
// Both are found from this package, not from the caller's working directory: an installed
// `provenfee` runs from any folder with the artifacts it shipped (package.json "files").
import { readFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";

const PACKAGE_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const V4_CORE_OUT = path.join(path.dirname(createRequire(import.meta.url).resolve("@uniswap/v4-core/package.json")), "out");

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

function read(file: string): Artifact {
  const json = JSON.parse(readFileSync(file, "utf8"));
  return { abi: json.abi, bytecode: json.bytecode.object as Hex };
}

/** An artifact shipped in @uniswap/v4-core's out/ (PoolManager, PoolSwapTest, MockERC20, ...). */
export function v4Artifact(name: string): Artifact {
  return read(path.join(V4_CORE_OUT, `${name}.sol`, `${name}.json`));
}

let built = false;

/** An artifact of this project's contracts/, compiling with forge if out/ lacks it. */
export function projectArtifact(name: string, file = `${name}.sol`): Artifact {
  const p = path.join(PACKAGE_ROOT, "out", file, `${name}.json`);
  if (!built && !existsSync(p)) {
    // Only a checkout gets here (a packed package ships out/): forge reads foundry.toml there.
    execFileSync("npx", ["forge", "build"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    built = true;
  }
  if (!existsSync(p)) throw new Error(`${p}: no such artifact after forge build`);
  return read(p);
}
