// `provenfee demo` (= npm start): the whole product on a local chain. Real mainnet USDC/WETH swaps
// are replayed block for block on the real v4 PoolManager through a pool governed by the hook,
// while an in-process keeper proves and lands every period's fee update.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fastExp2, loadModel, type Model } from "../model/index.ts";
import { Prover } from "../prover/prover.ts";
import { startAnvil, type Anvil } from "../keeper/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../keeper/chain.ts";
import { deployLocalV4, addLiquidity, sqrtPriceNearTick, poolIdOf } from "../keeper/localPool.ts";
import { deployHook, deployVerifier, registerModel, createPool, hookedPoolKey, type PoolConfig } from "../keeper/deploy.ts";
import { groupByBlock, replayBlock, rpc } from "../keeper/replay.ts";
import { HookClient } from "../keeper/hookClient.ts";
import { Keeper, keeperMetrics, feeProverOf, DEFAULT_SETTINGS, type UpdateReport } from "../keeper/keeper.ts";
import { TxManager, DEFAULT_FEES } from "../keeper/txmanager.ts";
import { selectBackend } from "../keeper/inference.ts";
import { createLogger } from "../keeper/log.ts";
import { Registry } from "../keeper/metrics.ts";
import { loadSwaps } from "../training/data.ts";
import { renderDemoReport, type LandedUpdate } from "./demoReport.ts";

/** Anvil's second default account: the keeper signs with its own key, apart from the trader. */
const KEEPER_DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;

const USAGE = `usage: provenfee demo [options]   (npm start runs it with the defaults)

Starts anvil, deploys the real v4 PoolManager, the Groth16 verifier and the hook, creates a
dynamic-fee pool committed to the shipped default model, then replays real mainnet USDC/WETH
0.05% swaps (2024-01-05) block for block while an in-process keeper proves and lands a fee update
for every period that closes.

options:
  --blocks N          historical blocks to replay with the keeper running (default 300, ~1 hour)
  --warmup-minutes N  history replayed first, without the keeper, to fill the 240-period window (default 240)
  --start HH:MM       UTC time of day where the keeper starts (default 12:00)
  --data FILE         per-swap history (default the shipped mainnet day)
  --model FILE        model file (default model/default-model.json)
  --rpc URL           use this node instead of an embedded anvil (it must allow anvil_/evm_ methods)
  --report FILE       HTML report path (default reports/demo.html)
  --json              print the summary as one JSON object`;

export async function demoCommand(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" }, json: { type: "boolean" }, blocks: { type: "string", default: "300" },
        "warmup-minutes": { type: "string", default: "240" }, start: { type: "string", default: "12:00" },
        data: { type: "string", default: "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz" },
        model: { type: "string", default: "model/default-model.json" }, rpc: { type: "string" }, report: { type: "string", default: "reports/demo.html" },
      },
    }));
  } catch (e) {
    console.error(`provenfee demo: ${(e as Error).message}`);
    return 2;
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const blocksWanted = Number(v.blocks);
  const warmupMinutes = Number(v["warmup-minutes"]);
  const startMatch = /^(\d\d):(\d\d)$/.exec(v.start);
  if (!Number.isInteger(blocksWanted) || blocksWanted <= 0) return usageError("--blocks: expected a positive integer");
  if (!Number.isInteger(warmupMinutes) || warmupMinutes < 0) return usageError("--warmup-minutes: expected a non-negative integer");
  if (!startMatch) return usageError("--start: expected HH:MM");

  const say = v.json ? () => {} : (line: string) => console.log(line);
  const t0 = performance.now();
  let model: Model;
  let swaps;
  try {
    model = await loadModel(v.model);
    swaps = loadSwaps(v.data);
  } catch (e) {
    console.error(`provenfee demo: ${(e as Error).message}`);
    return 1;
  }
  const day = swaps.timestamps[0]! - (swaps.timestamps[0]! % 86400);
  const keeperStart = day + Number(startMatch[1]) * 3600 + Number(startMatch[2]) * 60;
  const warmupStart = keeperStart - warmupMinutes * 60;
  const all = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick);
  const warmup = all.filter((b) => b.timestamp >= warmupStart && b.timestamp < keeperStart);
  const live = all.filter((b) => b.timestamp >= keeperStart).slice(0, blocksWanted);
  if (live.length === 0) return usageError(`--start ${v.start}: no swaps after it in ${v.data}`);

  let anvil: Anvil | undefined;
  let prover: Prover | undefined;
  try {
    anvil = v.rpc ? undefined : await startAnvil({ timestamp: (warmup[0] ?? live[0]!).timestamp - 3600 });
    const rpcUrl = v.rpc ?? anvil!.rpcUrl;
    const trader = await connect(rpcUrl, ANVIL_DEV_KEY);
    const keeperClients = await connect(rpcUrl, KEEPER_DEV_KEY);
    say(`chain ${trader.chain.id} at ${rpcUrl}${anvil ? " (embedded anvil)" : ""}`);

    const v4 = await deployLocalV4(trader);
    const verifier = await deployVerifier(trader);
    const hook = await deployHook(trader, v4.manager, verifier);
    await registerModel(trader, hook, model, `file://${v.model}`);
    const key = hookedPoolKey(v4.token0, v4.token1, hook);
    const config: PoolConfig = { commitment: model.commitment, poolFeeMin: 100, poolFeeMax: 100_000, fallbackFee: 3000, period: model.file.period, maxStalenessPeriods: 15, livenessPeriods: 60, admin: trader.account.address };
    const firstTick = (warmup[0] ?? live[0]!).ticks[0]!;
    await createPool(trader, hook, key, sqrtPriceNearTick(firstTick), config);
    await addLiquidity(trader, v4, key, 10n ** 24n);
    say(`PoolManager ${v4.manager}\nverifier    ${verifier}\nhook        ${hook}  (CREATE2-mined: beforeInitialize|beforeSwap)\npool        ${poolIdOf(key)}  model ${model.file.commitment}`);

    say(`warm-up: replaying ${warmup.length} real blocks (${warmupMinutes} min of history) to fill the oracle's windows...`);
    for (const block of warmup) await replayBlock(trader, v4, key, block);

    const backend = await selectBackend("auto");
    prover = await Prover.load();
    const log = createLogger({ level: "warn" });
    const hookClient = new HookClient(keeperClients, hook, v4.manager);
    const txm = new TxManager(keeperClients, DEFAULT_FEES, log);
    const terms = { poolFeeMin: config.poolFeeMin, poolFeeMax: config.poolFeeMax, period: config.period };
    const keeper = new Keeper(hookClient, [{ name: "usdc-weth", key, poolId: poolIdOf(key), model, terms }], feeProverOf(prover), txm, log, keeperMetrics(new Registry()), { ...DEFAULT_SETTINGS, feeChangeThreshold: 0 });
    const landed: LandedUpdate[] = [];
    keeper.on("landed", (r: UpdateReport & { gasUsed: bigint; minedIn: bigint }) => {
      const rv30 = Number(r.features[2]! + r.features[6]!);
      const update: LandedUpdate = {
        block: Number(r.minedIn), asOfPeriod: r.asOfPeriod, time: new Date(r.asOfPeriod * 60_000 + 60_000).toISOString().slice(11, 16),
        realizedVolBps: Math.sqrt(rv30), forecastVolBps: Math.sqrt(fastExp2(r.forecastY)), fee: r.fee, previousFee: r.previousFee,
        proofMs: r.timings.witnessMs + r.timings.proofMs, gasUsed: Number(r.gasUsed),
      };
      landed.push(update);
      say(`${String(update.block).padStart(6)}  ${update.time}  ${update.realizedVolBps.toFixed(1).padStart(8)}  ${update.forecastVolBps.toFixed(1).padStart(9)}  ${(update.fee / 100).toFixed(2).padStart(7)}  ${update.proofMs.toFixed(0).padStart(7)}  ${String(update.gasUsed).padStart(8)}`);
    });

    say(`keeper (${backend} inference, account ${keeperClients.account.address}) runs on each of ${live.length} real blocks; an update lands in the block after its period closes\n`);
    say(` block  UTC    RV30 bps  fcst bps  fee bps  proof ms       gas`);
    await rpc(trader, "evm_setAutomine", [false]);
    for (const block of live) {
      await replayBlock(trader, v4, key, block, true);
      await keeper.onBlock(await trader.public.getBlock());
    }
    // One more block so the last update lands.
    await rpc(trader, "evm_mine", [live[live.length - 1]!.timestamp + 1]);
    await keeper.onBlock(await trader.public.getBlock());
    await rpc(trader, "evm_setAutomine", [true]);

    const finalFee = await hookClient.lpFee(key);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const summary = {
      blocksReplayed: live.length + warmup.length,
      keeperBlocks: live.length,
      from: new Date(live[0]!.timestamp * 1000).toISOString(),
      to: new Date(live[live.length - 1]!.timestamp * 1000).toISOString(),
      updatesLanded: landed.length,
      meanProofMs: mean(landed.map((u) => u.proofMs)),
      meanGasPerUpdate: mean(landed.map((u) => u.gasUsed)),
      meanFeePips: mean(landed.map((u) => u.fee)),
      finalFeePips: finalFee,
      backend,
      seconds: (performance.now() - t0) / 1000,
    };
    mkdirSync(path.dirname(v.report), { recursive: true });
    writeFileSync(v.report, renderDemoReport({ summary, updates: landed, hook, manager: v4.manager, verifier, commitment: model.file.commitment, data: v.data }));
    if (v.json) console.log(JSON.stringify({ ...summary, report: v.report }));
    else {
      say(`\n${summary.updatesLanded} fee updates landed with valid proofs over ${summary.keeperBlocks} real blocks (${summary.from.slice(11, 16)}-${summary.to.slice(11, 16)} UTC)`);
      say(`mean proof time ${summary.meanProofMs.toFixed(0)} ms, mean gas per update ${summary.meanGasPerUpdate.toFixed(0)}, mean proven fee ${(summary.meanFeePips / 100).toFixed(2)} bps (historical pool: 5.00 bps static)`);
      say(`report: ${v.report}   (${summary.seconds.toFixed(0)} s)`);
    }
    return landed.length > 0 ? 0 : 1;
  } catch (e) {
    console.error(`provenfee demo: ${(e as Error).message.split("\n")[0]}`);
    return 1;
  } finally {
    await Prover.shutdown();
    await anvil?.stop();
  }
}

function usageError(msg: string): number {
  console.error(`provenfee demo: ${msg}`);
  return 2;
}

export type { Clients };
