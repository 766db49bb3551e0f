// `npm run bench`: runs every benchmark in bench/ and rewrites bench/RESULTS.md with their output,
// the command that produced it, the machine and the date. Benchmarks print numbers (ratios where
// machines are noisy); none of them is a timed test.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cpus, loadavg, totalmem } from "node:os";

const only = process.argv.slice(2);
const benches = readdirSync("bench").filter((f) => f.endsWith(".bench.ts")).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
const sections: string[] = [];
let failed = 0;
for (const file of benches) {
  const command = `npx tsx bench/${file}`;
  console.error(`running ${command} ...`);
  // These machines are shared: the load average says how far to trust a wall-clock figure.
  const loadBefore = loadavg()[0]!.toFixed(1);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", `bench/${file}`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status !== 0) failed++;
  sections.push(`## ${file.replace(".bench.ts", "")}\n\n\`${command}\` (exit ${r.status}, ${seconds} s, 1-min load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after)\n\n\`\`\`\n${(r.stdout + (r.status !== 0 ? r.stderr : "")).trim()}\n\`\`\`\n`);
}
const gas = spawnSync("npx", ["forge", "test", "--match-contract", "Gas", "-vv"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
const snapshotLines = gas.stdout.split("\n").filter((l) => /PASS|gas|Gas/.test(l)).join("\n");
// The targets are about the snapshot figures (the measured call alone, gasleft() around it), not forge's per-test
// totals, which include each test's setup: print both, snapshots first.
const snapshotFigures = readdirSync("snapshots")
  .filter((f) => f.endsWith(".json"))
  .sort()
  .flatMap((f) => Object.entries(JSON.parse(readFileSync(path.join("snapshots", f), "utf8")) as Record<string, string>).map(([name, gasUsed]) => `${f.replace(".json", "").padEnd(42)} ${name.padEnd(72)} ${Number(gasUsed).toLocaleString("en-US").padStart(9)}`))
  .join("\n");
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${process.platform}/${process.arch}`;
writeFileSync(
  "bench/RESULTS.md",
  `# Benchmark results\n\nMeasured ${new Date().toISOString().slice(0, 10)} on ${machine}, by \`npm run bench\` (which rewrites this file).\n\n${sections.join("\n")}\n## gas (forge)\n\n\`npx forge test --match-contract Gas -vv\` rewrites \`snapshots/\`; each figure is the measured call alone (gasleft() around it):\n\n\`\`\`\n${snapshotFigures}\n\`\`\`\n\nforge's per-test totals (setup included):\n\n\`\`\`\n${snapshotLines.trim()}\n\`\`\`\n`,
);
console.error(`wrote bench/RESULTS.md (${benches.length} benchmarks, ${failed} failed)`);
process.exit(failed ? 1 : 0);
