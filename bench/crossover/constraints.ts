// Constraint count of the fee circuit (model revision 2, K = 5 features, 4 public signals) as a function of the hidden
// units J: compiles bench/crossover/circuits/provenfee_variant.circom for each J with circom2 (--O2, as
// prover/compile.ts does) and prints one JSON object {J: constraints}. Generated main files go to
// cache/crossover-circuits/ (git-ignored). J = 4 must reproduce the shipped circuit's count
// (prover/artifacts/manifest.json), which the script checks.
//   npx tsx bench/crossover/constraints.ts [J ...]        (default J = 4 8 16 32 64 128)
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const DIR = "cache/crossover-circuits";
export const DEFAULT_J = [4, 8, 16, 32, 64, 128];

export function constraintsFor(j: number): number {
  mkdirSync(DIR, { recursive: true });
  const main = `${DIR}/variant_j${j}.circom`;
  writeFileSync(
    main,
    `pragma circom 2.1.0;\ninclude "../../bench/crossover/circuits/provenfee_variant.circom";\n` +
      `component main {public [featureWord, termsWord, commitment, context]} = ProvenFeeVariant(${j});\n`,
  );
  const cli = createRequire(import.meta.url).resolve("circom2/cli.js");
  const run = spawnSync(process.execPath, [cli, main, "--r1cs", "--O2", "-l", "node_modules", "-o", DIR], { encoding: "utf8", maxBuffer: 64 << 20 });
  // eslint-disable-next-line no-control-regex
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}`.replace(/\u001b\[[0-9;]*m/g, "");
  if (run.status !== 0 || !/Everything went okay/.test(log)) throw new Error(`circom failed for J = ${j}:\n${log}`);
  const nonLinear = /non-linear constraints: (\d+)/.exec(log);
  const linear = /(?:^|\n)linear constraints: (\d+)/.exec(log);
  if (!nonLinear) throw new Error(`no constraint count for J = ${j}:\n${log}`);
  return Number(nonLinear[1]) + Number(linear?.[1] ?? 0);
}

/** The shipped circuit's constraint count, as its trusted setup recorded it. */
export function shippedConstraints(): number {
  return (JSON.parse(readFileSync("prover/artifacts/manifest.json", "utf8")) as { constraints: number }).constraints;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const js = process.argv.slice(2).map(Number);
  const out: Record<string, number> = {};
  for (const j of js.length ? js : DEFAULT_J) out[j] = constraintsFor(j);
  if (out[4] !== undefined && out[4] !== shippedConstraints()) {
    throw new Error(`the variant at J = 4 has ${out[4]} constraints, the shipped circuit ${shippedConstraints()}: the variant has drifted from prover/circuits/provenfee.circom`);
  }
  console.log(JSON.stringify(out));
}
