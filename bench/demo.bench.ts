// `npm start` with its defaults, timed from outside (issue 6's target: under 5 minutes on 2 cores).
// The machine is shared, so the load average before and after goes with the figures.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";

const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const loadBefore = load();
const t0 = performance.now();
const run = spawnSync(process.execPath, ["bin/provenfee.js", "demo", "--json", "--report", "reports/demo-bench.html"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
const wall = (performance.now() - t0) / 1000;
if (run.status !== 0) {
  console.error(run.stderr);
  console.error(`provenfee demo failed (exit ${run.status})`);
  process.exit(1);
}
const s = JSON.parse(run.stdout.trim().split("\n").pop()!);
const proofs = (s.updates as { proofMs: number }[]).map((u) => u.proofMs).sort((a, b) => a - b);
const pct = (p: number) => proofs[Math.min(proofs.length - 1, Math.floor(p * proofs.length))]!;
console.log(`provenfee demo (defaults): ${s.keeperBlocks} keeper blocks after ${s.blocksReplayed - s.keeperBlocks} warm-up blocks, backend ${s.backend}`);
console.log(`wall time            ${wall.toFixed(1)} s (target < 300 s); the demo's own clock ${s.seconds.toFixed(1)} s`);
console.log(`updates landed       ${s.updatesLanded}`);
console.log(`proof time           mean ${s.meanProofMs.toFixed(0)} ms, p50 ${pct(0.5).toFixed(0)} ms, p90 ${pct(0.9).toFixed(0)} ms`);
console.log(`receipt gas/update   mean ${s.meanGasPerUpdate.toFixed(0)}`);
console.log(`LP fees per $1M      proven dynamic ${s.lpFees.dynamic.feesPerMillionUsdc.toFixed(2)} USDC, best static tier (${s.lpFees.bestStatic.feeBps} bps, same swaps) ${s.lpFees.bestStatic.feesPerMillionUsdc.toFixed(2)} USDC`);
console.log(`load average         before ${loadBefore}, after ${load()}`);
