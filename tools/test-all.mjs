#!/usr/bin/env node
// Runs every suite (vitest, then forge) even when one fails, so one run shows all
// failures, and ends with a single `N passed, N failed, N skipped` line over both suites. Skipped
// tests (a headless-browser test where chromium is missing, say) are counted and named, never hidden.
import { spawn } from "node:child_process";
import { readFileSync, mkdirSync, rmSync } from "node:fs";

function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    child.stdout.on("data", (d) => { output += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { output += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const extra = process.argv.slice(2);
mkdirSync("cache", { recursive: true });
const vitestReport = "cache/vitest-report.json";
rmSync(vitestReport, { force: true });

// The TypeScript suites deploy this project's contracts from out/, so compile once up front.
// forge exits 0 even when solc crashes, so its output is checked too.
const buildFailed = (b) => b.code !== 0 || /Error: solc exited|Compiler run failed/.test(b.output);
const build = await run("npx", ["forge", "build"]);
if (buildFailed(build)) {
  console.log("\nforge build failed");
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(1);
}

const vitest = await run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`, ...extra]);
let tsPassed = 0, tsFailed = 0, tsSkipped = 0;
const skippedNames = [];
try {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  tsPassed = report.numPassedTests;
  tsSkipped = report.numPendingTests + report.numTodoTests;
  for (const file of report.testResults) {
    for (const t of file.assertionResults) {
      if (["skipped", "pending", "todo", "disabled"].includes(t.status)) skippedNames.push(`${file.name.replace(`${process.cwd()}/`, "")} > ${t.fullName}`);
    }
  }
  // A file that fails to load reports no tests, so count it as one failure.
  const brokenFiles = report.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  tsFailed = report.numFailedTests + brokenFiles;
} catch {
  tsFailed = 1;
}
if (vitest.code !== 0 && tsFailed === 0) tsFailed = 1;

// Five forge runs: the default profile, the crossover measurement, and the batch, forecast and onchain tests, which solcjs
// cannot compile in the same job as everything else (foundry.toml).
let solPassed = 0, solFailed = 0, solSkipped = 0, forgeCode = 0;
for (const profile of ["default", "crossover", "batch", "forecast", "onchain"]) {
  const forge = await run("npx", ["forge", "test"], { ...process.env, FOUNDRY_PROFILE: profile });
  const summary = [...forge.output.matchAll(/(\d+) tests passed, (\d+) failed, (\d+) skipped/g)].pop();
  let passed = 0, failed = 0, skipped = 0;
  if (summary) { passed = Number(summary[1]); failed = Number(summary[2]); skipped = Number(summary[3]); }
  if ((forge.code !== 0 || buildFailed(forge)) && failed === 0) failed = 1;
  if (forge.code !== 0) forgeCode = forge.code;
  solPassed += passed; solFailed += failed; solSkipped += skipped;
}

if (skippedNames.length) {
  console.log(`\nskipped (${skippedNames.length}):`);
  for (const name of skippedNames.slice(0, 30)) console.log(`  ${name}`);
  if (skippedNames.length > 30) console.log(`  ... and ${skippedNames.length - 30} more`);
}
console.log(`\nvitest: ${tsPassed} passed, ${tsFailed} failed, ${tsSkipped} skipped; forge: ${solPassed} passed, ${solFailed} failed, ${solSkipped} skipped`);
console.log(`${tsPassed + solPassed} passed, ${tsFailed + solFailed} failed, ${tsSkipped + solSkipped} skipped`);
process.exit(vitest.code !== 0 || forgeCode !== 0 || solFailed > 0 ? 1 : 0);
