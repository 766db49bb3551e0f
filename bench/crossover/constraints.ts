// Constraint count of the fee circuit as a function of the hidden units J (N = 12, 4 public signals): compiles
// bench/crossover/circuits/provenfee_variant.circom for each J with circom2 (--O2, as prover/compile.ts) and prints
// one JSON object. Generated main files go to cache/crossover-circuits/ (git-ignored).
//   npx tsx bench/crossover/constraints.ts [J ...]        (default J = 4 8 16 32 64 128)
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const DIR = "cache/crossover-circuits";

export function constraintsFor(j: number): number {
  mkdirSync(DIR, { recursive: true });
  const main = `${DIR}/variant_j${j}.circom`;
  writeFileSync(
    main,
    `pragma circom 2.1.0;\ninclude "../../bench/crossover/circuits/provenfee_variant.circom";\n` +
      `component main {public [featureWord0, featureWord1, commitment, context]} = ProvenFeeVariant(${j});\n`,
  );
  const cli = createRequire(import.meta.url).resolve("circom2/cli.js");
  const run = spawnSync(process.execPath, [cli, main, "--r1cs", "--O2", "-l", "node_modules", "-o", DIR], { encoding: "utf8", maxBuffer: 64 << 20 });
  // eslint-disable-next-line no-control-regex
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}`.replace(/\u001b\[[0-9;]*m/g, "");
  if (run.status !== 0 || !/Everything went okay/.test(log)) throw new Error(`circom failed for J = ${j}:\n${log}`);
  const m = /non-linear constraints: (\d+)/.exec(log);
  const lin = /(?:^|\n)linear constraints: (\d+)/.exec(log);
  if (!m) throw new Error(`no constraint count for J = ${j}:\n${log}`);
  return Number(m[1]) + Number(lin?.[1] ?? 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const js = process.argv.slice(2).map(Number);
  const out: Record<string, number> = {};
  for (const j of js.length ? js : [4, 8, 16, 32, 64, 128]) out[j] = constraintsFor(j);
  console.log(JSON.stringify(out));
}
