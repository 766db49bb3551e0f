// Keeper latency: from the block that closes a period to the signed updateFee accepted by the node,
// split into detect, read, inference, queue (earlier pools' proofs of the same block), witness, proof
// and send; median and p99 over many updates, on anvil mining a block every second.
//
//   npx tsx bench/keeper.bench.ts                  (1 pool, then 10 pools: about 12 minutes)
//   npx tsx bench/keeper.bench.ts --pools N [--updates 200] [--seconds-per-block S] [--transport ws|http]
//
// The model and the hook use 60-second periods, so anvil warps its clock: each 1-second block is
// `--seconds-per-block` chain seconds after the previous one (anvil_setBlockTimestampInterval), and a
// period closes every 60 / seconds-per-block blocks. Pick it so that the keeper has time to serve
// every pool between closes (1 pool: 30, one close every 2 s; 10 pools: 6, one close every 10 s).
// A separate observer process subscribed to new heads timestamps each block's arrival; the keeper
// runs in this process exactly as `provenfee keeper` runs it (startKeeper, real prover, warm-up).
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { keeperStage, launch, KEEPER_KEYS } from "../test/e2e/keeperStage.ts";
import { loadKeeperConfig, type KeeperConfig } from "../keeper/config.ts";
import { startKeeper } from "../keeper/cli.ts";
import { createLogger } from "../keeper/log.ts";
import type { UpdateReport } from "../keeper/keeper.ts";
import { startBlockClock } from "./blockClock.ts";

const { values: v } = parseArgs({
  options: {
    pools: { type: "string" },
    updates: { type: "string", default: "200" },
    "seconds-per-block": { type: "string" },
    transport: { type: "string", default: "ws" },
    json: { type: "string" },
  },
});
if (v.pools === undefined) {
  // Both configurations, each in a fresh process (its own anvil, keeper and prover).
  for (const n of ["1", "10"]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bench/keeper.bench.ts", "--pools", n, ...process.argv.slice(2)], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) process.exit(r.status ?? 1);
    process.stdout.write("\n");
  }
  process.exit(0);
}
const pools = Number(v.pools);
const wanted = Number(v.updates);
const secondsPerBlock = Number(v["seconds-per-block"] ?? (pools === 1 ? 30 : Math.max(2, Math.floor(60 / Math.ceil(pools * 0.9 + 1)))));
const say = (s: string) => process.stdout.write(`${s}\n`);

say(`keeper bench: ${pools} pool(s), ${wanted} updates, 1-s blocks of ${secondsPerBlock} chain seconds (a period closes every ${60 / secondsPerBlock} blocks), ${v.transport}`);
say(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);

const info = await keeperStage({ pools });
const live = await launch(info, { blockTime: 1, secondsPerBlock });
const wsUrl = live.anvil.rpcUrl.replace(/^http/, "ws");

const clock = await startBlockClock(wsUrl);
const arrivals = clock.arrivals;

const config = loadKeeperConfig(["--rpc", v.transport === "ws" ? wsUrl : live.anvil.rpcUrl, "--deployment", live.deploymentFile, "--update-rule", "off", "--threshold", "0", "--poll-ms", "100", "--log-level", "warn"], {}) as KeeperConfig;
const log = createLogger({ format: "json", level: "warn", write: (line) => process.stderr.write(`${line}\n`) });
const running = await startKeeper(config, { PROVENFEE_PRIVATE_KEY: KEEPER_KEYS[0] }, log);
say(`keeper up (${running.backend} inference)`);

const reports: UpdateReport[] = [];
let landed = 0;
running.keeper.on("landed", () => landed++);
// Steady state: the start-up round (every pool's update for the period already closed when the
// keeper came up) is not measured, nor a period that closed while it was still in progress.
let startupSent = 0;
running.keeper.on("sent", () => startupSent++);
while (startupSent < pools) await new Promise((r) => setTimeout(r, 50));
const startedAt = Date.now();
say(`start-up round done; measuring...`);
// The block that closed period P is the first with a timestamp at or after (P + 1) * 60.
const closing = (P: number) => [...arrivals.entries()].sort((a, b) => a[0] - b[0]).find(([, a]) => a.timestamp >= (P + 1) * 60);
await new Promise<void>((resolve) => {
  running.keeper.on("sent", (r: UpdateReport) => {
    const close = closing(r.asOfPeriod);
    if (!close || close[1].at < startedAt) return;
    reports.push(r);
    if (reports.length % 20 === 0) say(`  ${reports.length} updates`);
    if (reports.length >= wanted) resolve();
  });
});
await new Promise((r) => setTimeout(r, 3000));
await running.stop();
clock.stop();
await live.stop();
const { Prover } = await import("../prover/prover.ts");
await Prover.shutdown();

const rows = reports.flatMap((r) => {
  const close = closing(r.asOfPeriod);
  if (!close) return [];
  const total = r.sentAt - close[1].at;
  const t = r.timings;
  const detect = total - t.totalMs;
  return [{ total, detect, read: t.readMs, inference: t.inferenceMs, queue: t.queueMs, witness: t.witnessMs, proof: t.proofMs, send: t.sendMs }];
});

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}
const columns = ["total", "detect", "read", "inference", "queue", "witness", "proof", "send"] as const;
say(`\n${rows.length} updates (${landed} landed), ${pools} pool(s), load average at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
say(`ms        ${columns.map((c) => c.padStart(9)).join("")}`);
const stats: Record<string, Record<string, number>> = {};
for (const [name, q] of [["median", 0.5], ["p90", 0.9], ["p99", 0.99], ["max", 1]] as const) {
  stats[name] = Object.fromEntries(columns.map((c) => [c, quantile(rows.map((r) => r[c]), q)]));
  say(`${name.padEnd(10)}${columns.map((c) => stats[name]![c]!.toFixed(0).padStart(9)).join("")}`);
}
say(`(total = node accepted the signed update - the closing block reached a subscriber; detect = until the keeper had that block in hand, waiting out earlier work included)`);
const target = pools === 1 ? `target for one pool: median < 1000 ms (${stats.median!.total! < 1000 ? "met" : "missed"}), p99 < 2000 ms (${stats.p99!.total! < 2000 ? "met" : "missed"})` : "";
if (target) say(target);
if (v.json) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(v.json, JSON.stringify({ pools, secondsPerBlock, transport: v.transport, updates: rows.length, landed, stats, rows }, null, 1));
}
process.exit(0);
