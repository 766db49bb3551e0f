// `provenfee demo` (= npm start): the whole product on a local chain. Real mainnet USDC/WETH swaps
// are replayed block for block on the real v4 PoolManager through a pool governed by the hook,
// while an in-process keeper proves and lands every period's fee update.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { fastExp2, loadModel, recommendedFallbackFee, type Model } from "../model/index.ts";
import { DEFAULT_FALLBACK_FEE } from "../model/updateRule.ts";
import { Prover } from "../prover/prover.ts";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../chain/chain.ts";
import { deployLocalV4, addLiquidity, sqrtPriceNearTick, poolIdOf } from "../chain/localPool.ts";
import { deployHook, deployVerifier, registerModel, createPool, hookedPoolKey, type PoolConfig, VERIFICATION, NO_BATCH_VERIFIERS } from "../chain/deploy.ts";
import { deployOnchainModels, registerOnchainModel } from "../chain/onchain.ts";
import { groupByBlock, replayBlock, rpc } from "../chain/replay.ts";
import { HookClient } from "../keeper/hookClient.ts";
import { Keeper, keeperMetrics, feeProverOf, DEFAULT_SETTINGS, type UpdateReport } from "../keeper/keeper.ts";
import { TxManager, DEFAULT_FEES } from "../keeper/txmanager.ts";
import { selectBackend } from "../keeper/inference.ts";
import { createLogger } from "../keeper/log.ts";
import { Registry } from "../keeper/metrics.ts";
import { loadSwaps } from "../history/index.ts";
import { v4Artifact } from "../chain/artifacts.ts";
import { hookArtifact } from "../chain/deploy.ts";
import { Pool, fullRangeTicks, type SwapOut } from "../backtest/pool.ts";
import { loadPoolEvents, resolvePair } from "../history/index.ts";
import { STATIC_TIERS_BPS } from "../backtest/policy.ts";
import { Q128 } from "../backtest/v4math.ts";
import { lpNetComparison, lpNetText } from "./demoEconomics.ts";
import { renderDemoReport, type LandedUpdate, type LpFeeComparison, type VerificationModes } from "./demoReport.ts";
import { explainChainError, hookAndV4ErrorAbis } from "./chainErrors.ts";
import { failure, integerOption, numberOption, parseOptions, UsageError } from "./options.ts";
import { shipped } from "./shipped.ts";

/** Anvil's second default account: the keeper signs with its own key, apart from the trader. */
const KEEPER_DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
/** Anvil's third default account: the onchain pool's keeper, so the two keepers' nonces never collide. */
const ONCHAIN_KEEPER_DEV_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a" as const;

/**
 * The demo's one LP position is full range with the mainnet pool's active liquidity L when the keeper
 * starts (the per-swap rows' total_liquidity). The replay moves the price along the real tick path,
 * so swap sizes, volume and fees scale with L: at the real pool's L they come out at the real pool's
 * size, in USDC a reader can compare with the mainnet pool's own.
 */
function activeLiquidityAt(file: string, time: number): { liquidity: bigint; at: number } {
  const events = loadPoolEvents(file);
  let i = 0;
  while (i + 1 < events.n && events.time[i + 1]! < time) i++;
  // The last event before `time` says what was active then; a zero (an empty range) takes the next nonzero.
  while (i < events.n && events.liquidity[i]! === 0n) i++;
  if (i >= events.n) throw new Error(`${file}: total_liquidity is 0 in every row; the demo sizes its LP position from it`);
  return { liquidity: events.liquidity[i]!, at: events.time[i]! };
}
/** The shipped histories are USDC/WETH: raw token0 units stand for USDC (6 decimals), token1 for WETH (18). */
const DECIMALS0 = 6;

const USAGE = `usage: provenfee demo [options]   (npm start runs it with the defaults)

Starts anvil, deploys the real v4 PoolManager, the Groth16 verifier and the hook, creates a
dynamic-fee pool committed to the shipped default model, then replays real mainnet USDC/WETH
0.05% swaps (2024-01-05) block for block while an in-process keeper proves and lands a fee update
for every period that closes.

options:
  --blocks N          historical blocks to replay with the keeper running (default 300, ~1 hour)
  --warmup-minutes N  history replayed first, without the keeper, to warm the oracle's variances (default 240)
  --start HH:MM       UTC time of day where the keeper starts (default 12:00)
  --data FILE         per-swap history (default: the shipped mainnet day)
  --model FILE        model file (default: the shipped model/default-model.json)
  --rpc URL           use this node instead of an embedded anvil (it must allow anvil_/evm_ methods)
  --report FILE       HTML report path (default reports/demo.html)
  --gas-price-gwei G  gas price of fee updates in the LP comparison (default 20): the proven fee's
                      updates there are those the update rule would send at this price
  --json              print the summary as one JSON object

The keeper here lands an update for every period that closes (update rule off: it shows the whole
pipeline). The summary answers the LP's question: over the keeper's blocks, what the pool's LPs would
have netted (fees - LVR - fee-update gas) under the proven fee and under static tiers of 1, 5, 30 and
100 bps, with arbitrage re-sized to each fee and other volume elastic (the backtester's
counterfactual (b)), the proven fee sending only the updates the update rule would send, and which
won. It also checks the LP fees the pool charged on-chain against a tick-exact replay
(backtest/pool.ts), to the wei.`;

const DEFAULT_DATA = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const DEFAULT_MODEL = "model/default-model.json";

export async function demoCommand(argv: string[]): Promise<number> {
  let v;
  let blocksWanted: number;
  let warmupMinutes: number;
  let startMatch: RegExpExecArray;
  let gasPriceGwei: number;
  try {
    const parsed = parseOptions("demo", argv, {
      json: { type: "boolean" }, blocks: { type: "string", default: "300" }, "warmup-minutes": { type: "string", default: "240" },
      start: { type: "string", default: "12:00" }, data: { type: "string" }, model: { type: "string" }, rpc: { type: "string" },
      report: { type: "string", default: "reports/demo.html" }, "gas-price-gwei": { type: "string", default: "20" },
    });
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    // The shipped history and model by default, found in the package; the report goes where the user is.
    v = { ...parsed.values, data: parsed.values.data ?? shipped(DEFAULT_DATA), model: parsed.values.model ?? shipped(DEFAULT_MODEL) };
    blocksWanted = integerOption("--blocks", v.blocks, 1, Infinity, "a positive integer");
    warmupMinutes = integerOption("--warmup-minutes", v["warmup-minutes"], 0, Infinity, "a non-negative integer");
    const m = /^(\d\d):(\d\d)$/.exec(v.start);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--start: expected HH:MM (UTC, 00:00 to 23:59), got '${v.start}'`);
    startMatch = m;
    gasPriceGwei = numberOption("--gas-price-gwei", v["gas-price-gwei"], (x) => x >= 0, "a non-negative number");
  } catch (e) {
    return failure("demo", e);
  }

  const say = v.json ? () => {} : (line: string) => console.log(line);
  const t0 = performance.now();
  let model: Model;
  let swaps;
  let lp: { liquidity: bigint; at: number };
  let keeperStart: number;
  try {
    model = await loadModel(v.model);
    swaps = loadSwaps(v.data);
    const day = swaps.timestamps[0]! - (swaps.timestamps[0]! % 86400);
    keeperStart = day + Number(startMatch[1]) * 3600 + Number(startMatch[2]) * 60;
    lp = activeLiquidityAt(v.data, keeperStart);
  } catch (e) {
    return failure("demo", e);
  }
  const historicalFeePips = resolvePair([v.data], {}, undefined, { strict: false }).feePips;
  const warmupStart = keeperStart - warmupMinutes * 60;
  const all = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick);
  const warmup = all.filter((b) => b.timestamp >= warmupStart && b.timestamp < keeperStart);
  const live = all.filter((b) => b.timestamp >= keeperStart).slice(0, blocksWanted);
  if (live.length === 0) return failure("demo", new UsageError(`--start ${v.start}: no swaps after it in ${v.data}`));

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
    const config: PoolConfig = { commitment: model.commitment, poolFeeMin: 100, poolFeeMax: 100_000, fallbackFee: recommendedFallbackFee(model.file) ?? DEFAULT_FALLBACK_FEE, period: model.file.period, maxStalenessPeriods: 15, livenessPeriods: 60, admin: trader.account.address, verification: VERIFICATION.zk };
    const firstTick = (warmup[0] ?? live[0]!).ticks[0]!;
    await createPool(trader, hook, key, sqrtPriceNearTick(firstTick), config);
    await addLiquidity(trader, v4, key, lp.liquidity);
    // The same model in the `onchain` mode, side by side: a hook with OnchainModels, the model's words published
    // (hashed there to the same commitment) and a twin pool that gets the very same swaps. Its keeper sends
    // updateFeeOnchain (no proof); its fees must equal the proven ones, update for update.
    const onchainHook = await deployHook(trader, v4.manager, verifier, NO_BATCH_VERIFIERS, await deployOnchainModels(trader));
    await registerOnchainModel(trader, onchainHook, model);
    const onchainKey = hookedPoolKey(v4.token0, v4.token1, onchainHook);
    const onchainConfig: PoolConfig = { ...config, verification: VERIFICATION.onchain };
    await createPool(trader, onchainHook, onchainKey, sqrtPriceNearTick(firstTick), onchainConfig);
    await addLiquidity(trader, v4, onchainKey, lp.liquidity);
    say(`PoolManager ${v4.manager}\nverifier    ${verifier}\nhook        ${hook}  (CREATE2-mined: beforeInitialize|beforeSwap)\npool        ${poolIdOf(key)}  model ${model.file.commitment}  (zk: a proof per update)`);
    say(`twin hook   ${onchainHook}  (with OnchainModels: the same model's weights published, hashed to its commitment)\ntwin pool   ${poolIdOf(onchainKey)}  (onchain: the hook evaluates the public model, no proof; same swaps)`);

    say(`warm-up: replaying ${warmup.length} real blocks (${warmupMinutes} min of history) into both pools to warm the oracle's variances...`);
    for (const block of warmup) await replayBlock(trader, v4, [key, onchainKey], block);

    const backend = await selectBackend("auto");
    prover = await Prover.load();
    const log = createLogger({ level: "warn" });
    const hookClient = new HookClient(keeperClients, hook, v4.manager);
    const txm = new TxManager(keeperClients, DEFAULT_FEES, log);
    const terms = { poolFeeMin: config.poolFeeMin, poolFeeMax: config.poolFeeMax, period: config.period };
    const keeper = new Keeper(hookClient, [{ name: "usdc-weth", key, poolId: poolIdOf(key), model, terms }], feeProverOf(prover), txm, log, keeperMetrics(new Registry()), { ...DEFAULT_SETTINGS, updateRule: "off", feeChangeThreshold: 0 });
    const onchainClients = await connect(rpcUrl, ONCHAIN_KEEPER_DEV_KEY);
    const onchainKeeper = new Keeper(
      new HookClient(onchainClients, onchainHook, v4.manager), [{ name: "usdc-weth-onchain", key: onchainKey, poolId: poolIdOf(onchainKey), model, terms, verification: "onchain" }],
      feeProverOf(prover), new TxManager(onchainClients, DEFAULT_FEES, log), log, keeperMetrics(new Registry()), { ...DEFAULT_SETTINGS, updateRule: "off", feeChangeThreshold: 0 },
    );
    const onchainLanded: { asOfPeriod: number; fee: number; gasUsed: number }[] = [];
    onchainKeeper.on("landed", (r: UpdateReport & { gasUsed: bigint }) => onchainLanded.push({ asOfPeriod: r.asOfPeriod, fee: r.fee, gasUsed: Number(r.gasUsed) }));
    const landed: LandedUpdate[] = [];
    keeper.on("landed", (r: UpdateReport & { gasUsed: bigint; minedIn: bigint }) => {
      // the oracle's own recent volatility: the 16-period-half-life EWMA of squared moves, over 30 periods
      const rv30 = (30 * Number(r.features[1]!)) / 2 ** 18;
      const periodEnd = (r.asOfPeriod + 1) * config.period;
      const update: LandedUpdate = {
        block: Number(r.minedIn), asOfPeriod: r.asOfPeriod, periodEnd, time: new Date(periodEnd * 1000).toISOString().slice(11, 16),
        realizedVolBps: Math.sqrt(rv30), forecastVolBps: Math.sqrt(fastExp2(r.forecastY)), fee: r.fee, previousFee: r.previousFee,
        proofMs: r.timings.witnessMs + r.timings.proofMs, gasUsed: Number(r.gasUsed),
      };
      landed.push(update);
      say(`${String(update.block).padStart(6)}  ${update.time}  ${update.realizedVolBps.toFixed(1).padStart(8)}  ${update.forecastVolBps.toFixed(1).padStart(9)}  ${(update.fee / 100).toFixed(2).padStart(7)}  ${update.proofMs.toFixed(0).padStart(7)}  ${String(update.gasUsed).padStart(8)}`);
    });

    say(`keeper (${backend} inference, account ${keeperClients.account.address}) runs on each of ${live.length} real blocks; an update lands in the block after its period closes\n`);
    say(` block  UTC    RV30 bps  fcst bps  fee bps  proof ms       gas`);
    // getBlock, not getBlockNumber: viem caches the latter for seconds, and a stale head would put
    // warm-up swaps into the comparison's window.
    const headBeforeLive = (await trader.public.getBlock({ blockTag: "latest" })).number!;
    const stateBeforeLive = await readPoolState(trader, v4.manager, key, headBeforeLive);
    const liveFromBlock = headBeforeLive + 1n;
    await rpc(trader, "evm_setAutomine", [false]);
    // The keeper proves off its per-block loop; the demo waits for each block's update to be sent
    // before replaying the next block, so that it lands in the block after its period closes.
    const step = async () => {
      const head = await trader.public.getBlock();
      await Promise.all([keeper.onBlock(head), onchainKeeper.onBlock(head)]);
      await Promise.all([keeper.settled(), onchainKeeper.settled()]);
    };
    for (const block of live) {
      await replayBlock(trader, v4, [key, onchainKey], block, true);
      await step();
    }
    // One more block so the last updates land.
    await rpc(trader, "evm_mine", [live[live.length - 1]!.timestamp + 1]);
    await step();
    await rpc(trader, "evm_setAutomine", [true]);

    const finalFee = await hookClient.lpFee(key);
    const lpFees = await compareLpFees(trader, v4.manager, hook, key, liveFromBlock, stateBeforeLive, lp.liquidity);
    lpFees.positionLiquiditySource = `the pool's active liquidity at ${new Date(lp.at * 1000).toISOString().slice(11, 19)} UTC (the data's total_liquidity)`;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    // The LP's question: what each policy nets over these blocks once arbitrage and volume respond to
    // the fee, LVR is paid and fee updates cost gas (the update gas measured on this very run).
    const lpNet = await lpNetComparison({
      data: v.data, model, modelPath: v.model, replayFrom: (warmup[0] ?? live[0]!).timestamp, countFrom: keeperStart,
      to: live[live.length - 1]!.timestamp + 1, gasPerUpdate: Math.round(mean(landed.map((u) => u.gasUsed))), gasPriceGwei,
    });
    // The same model and update rule at the onchain mode's gas: what the cheaper updates are worth to LPs.
    const onchainGas = Math.round(mean(onchainLanded.map((u) => u.gasUsed)));
    const onchainNet = onchainLanded.length
      ? (await lpNetComparison({
          data: v.data, model, modelPath: v.model, replayFrom: (warmup[0] ?? live[0]!).timestamp, countFrom: keeperStart,
          to: live[live.length - 1]!.timestamp + 1, gasPerUpdate: onchainGas, gasPriceGwei,
        })).rows.find((r) => r.name === "proven dynamic")
      : undefined;
    const provenFees = new Map(landed.map((u) => [u.asOfPeriod, u.fee]));
    const bothUpdated = onchainLanded.filter((u) => provenFees.has(u.asOfPeriod));
    const modes: VerificationModes = {
      zk: { updates: landed.length, meanGasPerUpdate: mean(landed.map((u) => u.gasUsed)), trust: ZK_TRUST },
      onchain: { updates: onchainLanded.length, meanGasPerUpdate: mean(onchainLanded.map((u) => u.gasUsed)), trust: ONCHAIN_TRUST, ...(onchainNet ? { lpNet: onchainNet } : {}) },
      periodsBothUpdated: bothUpdated.length,
      sameFee: bothUpdated.filter((u) => provenFees.get(u.asOfPeriod) === u.fee).length,
    };
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
      lpNet,
      modes,
      lpFees,
    };
    mkdirSync(path.dirname(v.report), { recursive: true });
    writeFileSync(v.report, renderDemoReport({ summary, updates: landed, hook, manager: v4.manager, verifier, commitment: model.file.commitment, data: v.data, lpNet, lpFees, modes, historicalFeeBps: historicalFeePips === undefined ? undefined : historicalFeePips / 100 }));
    if (v.json) console.log(JSON.stringify({ ...summary, updates: landed, report: v.report }));
    else {
      say(`\n${summary.updatesLanded} fee updates landed with valid proofs over ${summary.keeperBlocks} real blocks (${summary.from.slice(11, 16)}-${summary.to.slice(11, 16)} UTC)`);
      say(`mean proof time ${summary.meanProofMs.toFixed(0)} ms, mean gas per update ${summary.meanGasPerUpdate.toFixed(0)}, mean proven fee ${(summary.meanFeePips / 100).toFixed(2)} bps${historicalFeePips === undefined ? "" : ` (historical pool: ${(historicalFeePips / 100).toFixed(2)} bps static)`}`);
      say(lpNetText(lpNet));
      say(modesText(modes));
      say(`\non-chain check: the pool charged its LPs ${lpFees.dynamic.feesUsdc.toLocaleString("en-US", { maximumFractionDigits: 0 })} USDC of fees over these blocks (${lpFees.swapsUnderProvenFee} swaps), ${lpFees.exactReplay ? "reproduced by the tick-exact replay to the wei" : "NOT reproduced by the tick-exact replay (see the report)"}; the same-swaps fee comparison is in the report and --json`);
      say(`report: ${v.report}   (${summary.seconds.toFixed(0)} s)`);
    }
    // Both modes must land, and agree: the onchain evaluation is the circuit's statement, bit for bit.
    return landed.length > 0 && onchainLanded.length > 0 && modes.sameFee === modes.periodsBothUpdated ? 0 : 1;
  } catch (e) {
    console.error(`provenfee demo: ${explainChainError(e, v.rpc ?? anvil?.rpcUrl ?? "the embedded anvil", hookAndV4ErrorAbis())}`);
    return 1;
  } finally {
    await Prover.shutdown();
    await anvil?.stop();
  }
}

export type { Clients };

const ZK_TRUST = "a Groth16 proof per update: weights private behind the commitment; trusts the circuit's setup (the shipped one is a single-party dev setup: run provenfee ceremony)";
const ONCHAIN_TRUST = "the hook evaluates the published weights (hashed on-chain to the commitment): no proof, no setup; the weights are public";

const int = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

export function modesText(m: VerificationModes): string {
  const lines = [
    `\nThe two verification modes side by side (same model, same swaps, twin pools; receipt gas of each update transaction):`,
    `  zk       ${String(m.zk.updates).padStart(4)} updates   ${int(m.zk.meanGasPerUpdate).padStart(8)} gas per update   ${m.zk.trust}`,
    `  onchain  ${String(m.onchain.updates).padStart(4)} updates   ${int(m.onchain.meanGasPerUpdate).padStart(8)} gas per update   ${m.onchain.trust}`,
    `  the onchain pool's fee equalled the proven fee in ${m.sameFee} of the ${m.periodsBothUpdated} periods both pools updated${m.sameFee === m.periodsBothUpdated ? "" : "  <- MISMATCH"}`,
  ];
  if (m.onchain.lpNet) {
    const r = m.onchain.lpNet;
    lines.push(`  at the onchain mode's gas the same model and update rule net the LPs ${int(r.netUsdc)} USDC (fees ${int(r.feesUsdc)} - LVR ${int(r.lvrUsdc)} - gas ${int(r.gasUsdc)}, ${r.updates} updates)`);
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------ LP fees: proven dynamic vs static tiers

interface PoolStateWords {
  sqrtPriceX96: bigint;
  tick: number;
  feeGrowthGlobal0X128: bigint;
  feeGrowthGlobal1X128: bigint;
  liquidity: bigint;
}

/** The PoolManager's Pool.State of one pool (StateLibrary's layout: keccak256(id, 6) + 0..3). */
async function readPoolState(clients: Clients, manager: Address, key: Parameters<typeof poolIdOf>[0], blockNumber?: bigint): Promise<PoolStateWords> {
  const base = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [poolIdOf(key), 6n])));
  const word = async (i: bigint) => BigInt((await clients.public.getStorageAt({ address: manager, slot: `0x${(base + i).toString(16).padStart(64, "0")}` as Hex, blockNumber })) ?? "0x0");
  const [slot0, g0, g1, liq] = await Promise.all([word(0n), word(1n), word(2n), word(3n)]);
  const rawTick = Number((slot0 >> 160n) & 0xffffffn);
  return { sqrtPriceX96: slot0 & ((1n << 160n) - 1n), tick: rawTick >= 0x800000 ? rawTick - 0x1000000 : rawTick, feeGrowthGlobal0X128: g0, feeGrowthGlobal1X128: g1, liquidity: liq & ((1n << 128n) - 1n) };
}

/** USDC per raw unit of each token at a pool price (raw token1 per raw token0 = (sqrtP / 2^96)^2). */
function usdcPerRaw(sqrtPriceX96: bigint): [number, number] {
  const sqrtP = Number(sqrtPriceX96) / 2 ** 96;
  return [10 ** -DECIMALS0, 10 ** -DECIMALS0 / (sqrtP * sqrtP)];
}

const wrap256 = (x: bigint) => ((x % (1n << 256n)) + (1n << 256n)) % (1n << 256n);

/**
 * What the demo's LP earned on-chain over the keeper's blocks under the proven fee, against the same
 * swaps under each static tier. The dynamic side comes from the chain: the PoolManager's Swap events
 * (amounts, price after, the fee charged) and its fee growth. The static side re-runs exactly those
 * swaps on backtest/pool.ts (v4's swap math to the wei) from the same state: each swap moves the
 * price to the same point, so the net amounts are the same and only the fee differs (the
 * backtester's counterfactual (a), "same swaps"). The mirror run with each swap's on-chain fee must
 * reproduce every swap's amounts and the pool's fee growth exactly, or the figures are flagged.
 */
async function compareLpFees(clients: Clients, manager: Address, hook: Address, key: Parameters<typeof poolIdOf>[0], fromBlock: bigint, before: PoolStateWords, positionLiquidity: bigint): Promise<LpFeeComparison> {
  const toBlock = (await clients.public.getBlock({ blockTag: "latest" })).number!;
  const after = await readPoolState(clients, manager, key, toBlock);
  const id = poolIdOf(key);
  const swaps = await clients.public.getContractEvents({ address: manager, abi: v4Artifact("PoolManager").abi, eventName: "Swap", args: { id }, fromBlock, toBlock });
  const updates = await clients.public.getContractEvents({ address: hook, abi: hookArtifact().abi, eventName: "FeeUpdated", args: { id }, fromBlock, toBlock });
  const order = (l: { blockNumber: bigint | null; logIndex: number | null }) => Number(l.blockNumber!) * 1e6 + l.logIndex!;
  const firstProven = updates.length ? Math.min(...updates.map(order)) : Infinity;

  const L = before.liquidity;
  if (L !== positionLiquidity) throw new Error(`LP fee comparison: active liquidity ${L}, expected the demo's one full-range position of ${positionLiquidity}`);
  const start = new Pool({ sqrtPriceX96: before.sqrtPriceX96, tickSpacing: key.tickSpacing, lpFee: 0 });
  start.tick = before.tick;
  const range = fullRangeTicks(key.tickSpacing);
  const principal = start.modifyLiquidity({ ...range, liquidityDelta: L });
  const [u0, u1] = usdcPerRaw(before.sqrtPriceX96);
  const positionUsdc = Number(-principal.callerDelta0) * u0 + Number(-principal.callerDelta1) * u1;
  const policies = [{ name: "proven dynamic", pips: null as number | null }, ...STATIC_TIERS_BPS.map((bps) => ({ name: `static ${bps} bp${bps === 1 ? "" : "s"}`, pips: bps * 100 }))];
  const pools = policies.map(() => start.clone());
  const proven = policies.map(() => 0);
  const preProof = policies.map(() => 0);
  let volumeProven = 0;
  let volumePreProof = 0;
  let swapsProven = 0;
  let mismatched = 0;
  let unreplayed = 0;
  let swapsPreProof = 0;
  const preProofFees = new Set<number>();
  const out: SwapOut = { amount0: 0n, amount1: 0n, feeAmount: 0n, steps: 0 };
  const dynPool = pools[0]!;
  let prevSqrt = before.sqrtPriceX96;
  for (const log of swaps) {
    const { amount0, amount1, sqrtPriceX96, fee } = log.args as { amount0: bigint; amount1: bigint; sqrtPriceX96: bigint; fee: number };
    const zeroForOne = amount0 < 0n;
    const isProven = order(log) > firstProven;
    const [v0, v1] = usdcPerRaw(sqrtPriceX96);
    // Each swap starts where the previous one left the pool; if the mirror is elsewhere (a swap it did
    // not see), flag the replay as inexact and put every mirror back on the chain's path.
    const offPath = dynPool.sqrtPriceX96 !== prevSqrt;
    const wrongWay = zeroForOne ? sqrtPriceX96 >= prevSqrt : sqrtPriceX96 <= prevSqrt;
    if (offPath || wrongWay) {
      mismatched++;
      for (const pool of pools) pool.setPrice(wrongWay ? sqrtPriceX96 : prevSqrt);
    }
    if (wrongWay) {
      unreplayed++;
      prevSqrt = sqrtPriceX96;
      continue;
    }
    prevSqrt = sqrtPriceX96;
    let netIn = 0n;
    pools.forEach((pool, i) => {
      const g = zeroForOne ? pool.feeGrowthGlobal0X128 : pool.feeGrowthGlobal1X128;
      pool.swapToPrice(out, zeroForOne, sqrtPriceX96, policies[i]!.pips ?? fee);
      const earnedRaw = (wrap256((zeroForOne ? pool.feeGrowthGlobal0X128 : pool.feeGrowthGlobal1X128) - g) * L) / Q128;
      const earned = Number(earnedRaw) * (zeroForOne ? v0 : v1);
      if (i === 0) {
        if (out.amount0 !== amount0 || out.amount1 !== amount1) mismatched++;
        netIn = (zeroForOne ? -out.amount0 : -out.amount1) - out.feeAmount;
      }
      if (isProven) proven[i] = proven[i]! + earned;
      else preProof[i] = preProof[i]! + earned;
    });
    const volume = Number(netIn) * (zeroForOne ? v0 : v1);
    if (isProven) {
      volumeProven += volume;
      swapsProven++;
    } else {
      volumePreProof += volume;
      swapsPreProof++;
      preProofFees.add(fee);
    }
  }
  const dyn = dynPool;
  const onChain0 = (wrap256(after.feeGrowthGlobal0X128 - before.feeGrowthGlobal0X128) * L) / Q128;
  const onChain1 = (wrap256(after.feeGrowthGlobal1X128 - before.feeGrowthGlobal1X128) * L) / Q128;
  // The mirror started at zero fee growth: its growth must equal the chain's growth over the window.
  const exact = mismatched === 0 && dyn.feeGrowthGlobal0X128 === wrap256(after.feeGrowthGlobal0X128 - before.feeGrowthGlobal0X128) && dyn.feeGrowthGlobal1X128 === wrap256(after.feeGrowthGlobal1X128 - before.feeGrowthGlobal1X128);
  const perMillion = (usdc: number) => (positionUsdc > 0 ? (usdc / positionUsdc) * 1e6 : 0);
  const row = (i: number) => ({ name: policies[i]!.name, feeBps: policies[i]!.pips === null ? null : policies[i]!.pips! / 100, feesUsdc: proven[i]!, feesPerMillionUsdc: perMillion(proven[i]!), effectiveFeeBps: volumeProven > 0 ? (proven[i]! / volumeProven) * 1e4 : 0 });
  const tiers = policies.slice(1).map((_, k) => row(k + 1));
  const best = tiers.reduce((a, b) => (b.feesUsdc > a.feesUsdc ? b : a));
  const dynamic = row(0);
  return {
    method: "same swaps: every on-chain swap of the keeper's blocks re-run tick-exactly (backtest/pool.ts) from the same pool state to the same price under each static tier; same price path and net amounts, only the fee differs",
    quote: "USDC",
    fromBlock: Number(fromBlock),
    toBlock: Number(toBlock),
    swaps: swaps.length,
    swapsUnderProvenFee: swapsProven,
    volumeUsdc: volumeProven,
    positionLiquidity: L.toString(),
    positionLiquiditySource: "",
    positionUsdc,
    exactReplay: exact,
    onChainFeesRaw: [onChain0.toString(), onChain1.toString()],
    dynamic,
    static: tiers,
    bestStatic: best,
    dynamicOverBestStatic: best.feesUsdc > 0 ? dynamic.feesUsdc / best.feesUsdc : 0,
    unreplayedSwaps: unreplayed,
    beforeFirstUpdate: { swaps: swapsPreProof, feesUsdc: preProof[0]!, volumeUsdc: volumePreProof, feeBps: [...preProofFees].map((f) => f / 100) },
  };
}

/** A big integer as 1.120e19. */
export const sci = (x: string | bigint) => Number(x).toExponential(3).replace("e+", "e");
const usd = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x >= 100 ? 0 : 2 });

export function lpFeesText(c: LpFeeComparison): string {
  const lines = [
    `\nLP fees, proven dynamic fee vs static tiers on the same swaps: the ${c.swapsUnderProvenFee} swaps that ran under a proven fee`,
    `(blocks ${c.fromBlock}-${c.toBlock}, ${usd(c.volumeUsdc)} USDC of volume), re-run tick-exactly under each tier (same price path and`,
    `net amounts, only the fee differs). Dynamic = what the pool charged on-chain${c.exactReplay ? " (replay matches every swap and the pool's fee growth to the wei)" : " (WARNING: the replay does NOT match the chain)"}.`,
    `The LP is one full-range position with L = ${sci(c.positionLiquidity)}, ${c.positionLiquiditySource || "the pool's active liquidity"},`,
    `so swaps and fees are the real pool's size. Full range needs ${usd(c.positionUsdc)} USDC for that depth (concentrated LPs need`,
    `far less), so compare policies per $1M of it:`,
    `  policy              fees (USDC)   per $1M   effective fee`,
  ];
  const fmt = (r: LpFeeComparison["dynamic"], tag = "") => `  ${r.name.padEnd(16)} ${usd(r.feesUsdc).padStart(14)} ${r.feesPerMillionUsdc.toFixed(2).padStart(9)}   ${r.effectiveFeeBps.toFixed(2).padStart(6)} bps${tag}`;
  lines.push(fmt(c.dynamic));
  for (const t of c.static) lines.push(fmt(t, t === c.bestStatic || t.name === c.bestStatic.name ? "   <- best static tier" : t.feeBps === 5 ? "   (the historical pool's tier)" : ""));
  lines.push(`  dynamic / best static tier (${c.bestStatic.feeBps} bps): ${c.dynamicOverBestStatic.toFixed(3)}. With the swaps held fixed fees are proportional to the fee, so the`);
  lines.push(`  highest tier always earns the most; fees alone ignore LVR and lost volume: see 'provenfee backtest --counterfactual resize'.`);
  if (c.beforeFirstUpdate.swaps > 0) lines.push(`  not counted: ${c.beforeFirstUpdate.swaps} swaps before the first proven update landed, at the pool's initial fee (${c.beforeFirstUpdate.feeBps.map((f) => f.toFixed(2)).join(", ")} bps): ${usd(c.beforeFirstUpdate.feesUsdc)} USDC`);
  return lines.join("\n");
}
