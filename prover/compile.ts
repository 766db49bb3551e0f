// Compiles the circuit with circom 2 (the circom2 npm package, circom in WebAssembly).
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { BUILD_DIR, CIRCUIT_SOURCE, REPO_ROOT } from "./paths.ts";

export interface CompiledCircuit {
  r1cs: string;
  wasm: string;
  witnessCalculator: string;
  sym: string;
  nonLinearConstraints: number;
  linearConstraints: number;
  /** circom's full report, --inspect warnings included. */
  log: string;
}

/**
 * Compiles with full simplification (--O2) and --inspect. Any --inspect warning (an unconstrained
 * or unused signal) is an error: the circuit must constrain every signal it computes.
 */
export function compileCircuit(outDir: string = BUILD_DIR, source: string = CIRCUIT_SOURCE): CompiledCircuit {
  const name = basename(source, ".circom");
  mkdirSync(outDir, { recursive: true });
  const require = createRequire(import.meta.url);
  const cli = require.resolve("circom2/cli.js");
  // The folder holding circomlib: this package's node_modules in a checkout, the one above it when
  // the package is installed (npm hoists circomlib next to it).
  const libraries = dirname(dirname(require.resolve("circomlib/package.json")));
  // circom2 runs in WASI with the working directory and its parents mapped; paths relative to the repo root.
  const args = [
    cli,
    relative(REPO_ROOT, source),
    "--r1cs", "--wasm", "--sym", "--O2", "--inspect",
    "-l", relative(REPO_ROOT, libraries) || ".",
    "-o", relative(REPO_ROOT, outDir),
  ];
  const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8" });
  // eslint-disable-next-line no-control-regex
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}`.replace(/\u001b\[[0-9;]*m/g, "");
  if (run.status !== 0 || !/Everything went okay/.test(log)) {
    // The first error up front: callers that print one line still say what went wrong.
    const first = /error(\[\w+\])?: .*/.exec(log)?.[0] ?? log.trim().split("\n")[0];
    throw new Error(`circom failed (exit ${run.status}): ${first}\n${log}`);
  }
  if (/warning/i.test(log)) {
    throw new Error(`circom --inspect reported warnings (every signal must be constrained):\n${log}`);
  }
  const count = (label: string) => Number(new RegExp(`(?:^|\\n)${label}: (\\d+)`).exec(log)?.[1] ?? NaN);
  return {
    r1cs: join(outDir, `${name}.r1cs`),
    sym: join(outDir, `${name}.sym`),
    wasm: join(outDir, `${name}_js`, `${name}.wasm`),
    witnessCalculator: join(outDir, `${name}_js`, "witness_calculator.js"),
    nonLinearConstraints: count("non-linear constraints"),
    linearConstraints: count("linear constraints"),
    log,
  };
}
