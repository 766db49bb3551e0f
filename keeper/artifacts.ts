// Compiled contracts: v4-core's published artifacts for the PoolManager and its test routers, and
// forge's out/ for this project's own contracts (built on demand, so a fresh clone just works).
import { readFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Abi, Hex } from "viem";

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
  return read(path.join("node_modules/@uniswap/v4-core/out", `${name}.sol`, `${name}.json`));
}

let built = false;

/** An artifact of this project's contracts/, compiling with forge if out/ lacks it. */
export function projectArtifact(name: string, file = `${name}.sol`): Artifact {
  const p = path.join("out", file, `${name}.json`);
  if (!built && !existsSync(p)) {
    execFileSync("npx", ["forge", "build"], { stdio: ["ignore", "ignore", "inherit"] });
    built = true;
  }
  if (!existsSync(p)) throw new Error(`${p}: no such artifact after forge build`);
  return read(p);
}
