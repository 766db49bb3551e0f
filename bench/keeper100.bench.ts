// Throughput on one machine: 100 pools on anvil mining a block every 2 seconds at real time (each
// block 2 chain seconds after the last), 60-second periods, the keeper as `provenfee keeper` runs it
// (startKeeper: worker-thread provers, batched inference, one account). Every period that closes
// should be updated (or skipped by the rule) before the next one closes. Records proofs per second,
// the time from a period's closing block to the block with its update (both as a subscriber saw
// them), gas per update, and whether each (pool, period) landed before the next period closed.
//
//   npx tsx bench/keeper100.bench.ts [--pools 100] [--periods 5] [--block-time 2] [--queue] [--batch-size 1|2|4|8] [--json FILE]
//
// The update rule is off (`--update-rule off --threshold 0`): every pool is proven and updated every
// period, the most work the keeper can be given (with the rule on, most periods are skips, which
// cost a read and no proof). The stage's pools trade test tokens, which the rule could not price
// without --gas-token-price anyway. `--queue` runs the same keeper in queue mode (scheduler and
// prover in this process, jobs through a redis-server started here): the queue's overhead.
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { keeperStage, launch, KEEPER_KEYS } from "../test/e2e/keeperStage.ts";
import { loadKeeperConfig, type KeeperConfig } from "../keeper/config.ts";
import { startKeeper } from "../keeper/cli.ts";
import { createLogger } from "../keeper/log.ts";
import type { UpdateReport } from "../keeper/keeper.ts";
import { startBlockClock } from "./blockClock.ts";

const { values: v } = parseArgs({
  options: {
    pools: { type: "string", default: "100" },
    periods: { type: "string", default: "5" },
    "block-time": { type: "string", default: "2" },
    queue: { type: "boolean", default: false },
    "batch-size": { type: "string", default: "1" },
    json: { type: "string" },
  },
});
const pools = Number(v.pools);
const periods = Number(v.periods);
const blockTime = Number(v["block-time"]);
const batchSize = Number(v["batch-size"]);
const say = (s: string) => process.stdout.write(`${s}\n`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

say(`keeper throughput bench: ${pools} pools, ${blockTime}-s blocks at real time, 60-s periods, ${periods} measured periods, update rule off (every pool every period), ${batchSize > 1 ? `--batch-size ${batchSize} (one updateFees per batch), ` : ""}${v.queue ? "queue mode (BullMQ on a local redis-server, scheduler + prover in one process)" : "single process"}`);
say(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average at start ${load()}`);

const tStage = Date.now();
const info = await keeperStage({ pools, minutes: 10, ...(batchSize > 1 ? { batchVerifiers: true } : {}) });
say(`stage: ${pools} hooked pools with 10 minutes of real swaps (${((Date.now() - tStage) / 1000).toFixed(0)} s, cached in cache/keeper-stages/)`);
const live = await launch(info, { blockTime, secondsPerBlock: blockTime });
const wsUrl = live.anvil.rpcUrl.replace(/^http/, "ws");
const redis = v.queue ? await (await import("../test/redis.ts")).startRedis() : undefined;

const clock = await startBlockClock(wsUrl);
const arrivals = clock.arrivals;

const flags = ["--rpc", wsUrl, "--deployment", live.deploymentFile, "--update-rule", "off", "--threshold", "0", "--poll-ms", "200", "--log-level", "warn"];
if (redis) flags.push("--queue", redis.url, "--queue-name", `bench${process.pid}`);
if (batchSize > 1) flags.push("--batch-size", String(batchSize));
const config = loadKeeperConfig(flags, {}) as KeeperConfig;
let warnings = 0;
const log = createLogger({ format: "json", level: "warn", write: (line) => {
  warnings++;
  if (warnings <= 20) process.stderr.write(`${line}\n`);
} });
const tStart = Date.now();
const running = await startKeeper(config, { PROVENFEE_PRIVATE_KEY: KEEPER_KEYS[0] }, log);
say(`keeper up in ${((Date.now() - tStart) / 1000).toFixed(1)} s (${running.backend} inference, ${config.proverThreads} prover thread(s))`);

type Landed = UpdateReport & { gasUsed: bigint; minedIn: bigint };
const landed: Landed[] = [];
const sent: UpdateReport[] = [];
let failed = 0, lost = 0, skipped = 0;
running.keeper.on("landed", (r: Landed) => landed.push(r));
running.keeper.on("sent", (r: UpdateReport) => sent.push(r));
running.keeper.on("failed", () => failed++);
running.keeper.on("lost", () => lost++);
running.keeper.on("skipped", () => skipped++);

// The start-up round: every pool's update for the period already closed when the keeper came up.
const head0 = await live.trader.public.getBlock();
const startPeriod = Math.floor(Number(head0.timestamp) / 60) - 1;
while (new Set(landed.filter((r) => r.asOfPeriod >= startPeriod).map((r) => r.pool)).size < pools) await new Promise((r) => setTimeout(r, 200));
const afterStartup = await live.trader.public.getBlock();
// Measured: the next `periods` periods that close after the start-up round is done.
const first = Math.floor(Number(afterStartup.timestamp) / 60);
const measured = Array.from({ length: periods }, (_, i) => first + i);
say(`start-up round (${pools} updates) done ${((Date.now() - tStart) / 1000).toFixed(0)} s after start; measuring periods ${measured[0]}..${measured[measured.length - 1]} (load average ${load()})`);
const last = measured[measured.length - 1]!;
const proofsAt = (text: string) => [...text.matchAll(/^provenfee_proofs_made_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
let measureStartProofs: number | undefined;
let measureStartAt = 0;
// Until every pool's update for the last measured period landed, or the period after it closed.
for (;;) {
  const head = await live.trader.public.getBlock();
  const ts = Number(head.timestamp);
  if (measureStartProofs === undefined && ts >= (first + 1) * 60) {
    measureStartProofs = proofsAt(running.registry.render());
    measureStartAt = Date.now();
  }
  const done = landed.filter((r) => r.asOfPeriod === last).length >= pools;
  if (done || ts >= (last + 2) * 60 + 4) break;
  await new Promise((r) => setTimeout(r, 500));
}
const measureEndProofs = proofsAt(running.registry.render());
const measureSeconds = (Date.now() - measureStartAt) / 1000;
await new Promise((r) => setTimeout(r, 1500));
await running.stop();
clock.stop();
await live.stop();
await redis?.stop();

const sortedArrivals = [...arrivals.entries()].sort((a, b) => a[0] - b[0]);
const closing = (P: number) => sortedArrivals.find(([, a]) => a.timestamp >= (P + 1) * 60);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}
const rows: { period: number; pool: string; latencyMs: number; onTime: boolean; gas: number }[] = [];
say(`\nperiod     closed-by-block  updates landed  before next close  last landed after close  proofs/s while busy`);
let allOnTime = true;
for (const P of measured) {
  const close = closing(P);
  const ours = landed.filter((r) => r.asOfPeriod === P);
  const onTime = ours.filter((r) => (arrivals.get(Number(r.minedIn))?.timestamp ?? Infinity) < (P + 2) * 60);
  for (const r of ours) {
    const mined = arrivals.get(Number(r.minedIn));
    if (!close || !mined) continue;
    rows.push({ period: P, pool: r.pool, latencyMs: mined.at - close[1].at, onTime: mined.timestamp < (P + 2) * 60, gas: Number(r.gasUsed) });
  }
  const lat = rows.filter((x) => x.period === P).map((x) => x.latencyMs);
  const sentOf = sent.filter((r) => r.asOfPeriod === P);
  const busy = close && sentOf.length ? (Math.max(...sentOf.map((r) => r.sentAt)) - close[1].at) / 1000 : NaN;
  if (onTime.length < pools) allOnTime = false;
  say(`${String(P).padEnd(11)}${String(close?.[0] ?? "-").padStart(15)}  ${`${ours.length}/${pools}`.padStart(14)}  ${`${onTime.length}/${pools}`.padStart(17)}  ${`${(Math.max(...lat) / 1000).toFixed(1)} s`.padStart(23)}  ${(sentOf.length / busy).toFixed(2).padStart(19)}`);
}
const lat = rows.map((r) => r.latencyMs);
const gas = rows.map((r) => r.gas);
say(`\nperiod close -> landed update (closing block and the update's block as a subscriber saw them), ${rows.length} updates:`);
say(`  p50 ${(quantile(lat, 0.5) / 1000).toFixed(1)} s, p90 ${(quantile(lat, 0.9) / 1000).toFixed(1)} s, p99 ${(quantile(lat, 0.99) / 1000).toFixed(1)} s, max ${(quantile(lat, 1) / 1000).toFixed(1)} s`);
say(`proofs: ${measureEndProofs - (measureStartProofs ?? 0)} in ${measureSeconds.toFixed(0)} s of measured wall time = ${((measureEndProofs - (measureStartProofs ?? 0)) / measureSeconds).toFixed(2)} proofs/s on average (the provers idle between a period's last proof and the next close)`);
say(`gas per update (${batchSize > 1 ? "receipt of its batch / pools in it" : "receipt, one pool each"}): mean ${Math.round(gas.reduce((s, g) => s + g, 0) / Math.max(1, gas.length)).toLocaleString("en-US")}, min ${Math.min(...gas).toLocaleString("en-US")}, max ${Math.max(...gas).toLocaleString("en-US")}; per pool per period: the same (one update each)${batchSize > 1 ? `; pool proofs/s counts pools proven, ${batchSize} per batched proof` : ""}`);
say(`failed ${failed}, lost races ${lost}, skipped ${skipped}, warnings/errors logged ${warnings}; load average at end ${load()}`);
say(`every measured period updated for all ${pools} pools before the next period closed: ${allOnTime ? "yes" : "NO"}`);
if (v.json) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(v.json, JSON.stringify({ pools, periods: measured, blockTime, queue: v.queue, batchSize, rows, failed, lost, skipped, allOnTime }, null, 1));
}
process.exit(0);
