// A chain for keeper tests and the keeper bench: anvil with the real PoolManager, the real verifier,
// the hook, and `pools` hooked pools fed with real mainnet swaps, built once and saved as an anvil
// state file (cache/keeper-stages/, keyed by everything that goes into it), then started as fresh
// anvil processes from that file — with 1-second blocks, manual mining, or `--state` so that a
// killed endpoint comes back with its chain.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodeFunctionData, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../../chain/chain.ts";
import { deployLocalV4, addLiquidity, sqrtPriceNearTick, poolIdOf, type LocalV4, type PoolKey } from "../../chain/localPool.ts";
import { deployBatchVerifiers, deployHook, deployVerifier, registerModel, createPool, hookedPoolKey, hookArtifact, verifierArtifact, type PoolConfig, VERIFICATION, NO_BATCH_VERIFIERS } from "../../chain/deploy.ts";
import { deployOnchainModels, registerOnchainModel } from "../../chain/onchain.ts";
import { projectArtifact } from "../../chain/artifacts.ts";
import { groupByBlock, rpc } from "../../chain/replay.ts";
import { loadModel } from "../../model/index.ts";
import { loadSwaps } from "../../history/index.ts";
import { loadKeeperConfig, type Deployment, type KeeperConfig } from "../../keeper/config.ts";
import { startKeeper, type RunningKeeper } from "../../keeper/cli.ts";
import { createLogger } from "../../keeper/log.ts";
import type { FeeProver, UpdateReport } from "../../keeper/keeper.ts";
import type { BatchProver } from "../../keeper/batch.ts";

export const MAINNET_DAY = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
export const MODEL = "model/default-model.json";
export const OTHER_MODEL = "test/fixtures/other-model.json";

/** Anvil's well-known dev keys #1..#4 (account #0 is the trader and deployer). */
export const KEEPER_KEYS: Hex[] = [
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
];

export interface StageOptions {
  pools: number;
  /** Minutes of real history replayed into every pool (default 30). */
  minutes?: number;
  /** Start of the history, minutes after midnight UTC of the shipped day (default 720). */
  offsetMinutes?: number;
  config?: Partial<PoolConfig>;
  /** Deploy the hook with the batch verifiers (2, 4, 8 pools), so that it takes updateFees. */
  batchVerifiers?: boolean;
  /**
   * The last `onchainPools` pools are `onchain` pools of OTHER_MODEL (the hook gets OnchainModels, the model is
   * published there): their updates are updateFeeOnchain, no proof. The others stay zk pools of MODEL.
   */
  onchainPools?: number;
}

export interface StageInfo {
  stateFile: string;
  chainId: number;
  manager: Address;
  verifier: Address;
  hook: Address;
  router: Address;
  pools: { name: string; key: PoolKey; poolId: Hex }[];
  /** Timestamp and number of the last block in the state. */
  timestamp: number;
  blockNumber: number;
  /** Ticks of history not yet replayed, for tests that keep trading. */
  moreTicks: number[];
}

function stageKey(options: StageOptions): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ ...options, v: 2, data: statSync(MAINNET_DAY).size }));
  h.update(hookArtifact().bytecode);
  h.update(verifierArtifact().bytecode);
  h.update(projectArtifact("ReplayRouter").bytecode);
  h.update(readFileSync(MODEL));
  h.update(readFileSync("chain/deploy.ts"));
  h.update(readFileSync("chain/onchain.ts"));
  return h.digest("hex").slice(0, 16);
}

/** Builds (or reuses) the saved chain. */
export async function keeperStage(options: StageOptions): Promise<StageInfo> {
  const dir = path.resolve("cache/keeper-stages");
  mkdirSync(dir, { recursive: true });
  const id = `${stageKey(options)}-${options.pools}p`;
  const infoFile = path.join(dir, `${id}.json`);
  if (existsSync(infoFile)) return JSON.parse(readFileSync(infoFile, "utf8"));

  const swaps = loadSwaps(MAINNET_DAY);
  const day = swaps.timestamps[0]! - (swaps.timestamps[0]! % 86400);
  const start = day + 60 * (options.offsetMinutes ?? 720);
  const end = start + 60 * (options.minutes ?? 30);
  let from = 0;
  while (swaps.timestamps[from]! < start) from++;
  let to = from;
  while (to < swaps.timestamps.length && swaps.timestamps[to]! < end) to++;
  const blocks = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick, from, to);
  const more = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick, to, Math.min(to + 2000, swaps.timestamps.length)).map((b) => b.ticks[b.ticks.length - 1]!);

  const stateFile = path.join(dir, `${id}.state.json.${process.pid}`);
  const anvil = await startAnvil({ timestamp: start - 3600, extraArgs: ["--dump-state", stateFile] });
  try {
    const clients = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
    const v4 = await deployLocalV4(clients);
    const verifier = await deployVerifier(clients);
    const onchainPools = options.onchainPools ?? 0;
    const hook = await deployHook(clients, v4.manager, verifier, options.batchVerifiers ? await deployBatchVerifiers(clients) : NO_BATCH_VERIFIERS, onchainPools ? await deployOnchainModels(clients) : undefined);
    const model = await loadModel(MODEL);
    await registerModel(clients, hook, model, `file://${MODEL}`);
    const other = await loadModel(OTHER_MODEL);
    if (onchainPools) await registerOnchainModel(clients, hook, other);
    else if (other.file.period === model.file.period) await registerModel(clients, hook, other, `file://${OTHER_MODEL}`);
    const config: PoolConfig = {
      commitment: model.commitment, poolFeeMin: 100, poolFeeMax: 100_000, fallbackFee: 3000, period: 60, maxStalenessPeriods: 15, livenessPeriods: 60,
      admin: clients.account.address, verification: VERIFICATION.zk, ...options.config,
    };
    const firstTick = swaps.tick[from > 0 ? from - 1 : 0]!;
    const pools: StageInfo["pools"] = [];
    for (let i = 0; i < options.pools; i++) {
      const key = hookedPoolKey(v4.token0, v4.token1, hook, 10 * (i + 1));
      const onchain = i >= options.pools - onchainPools;
      await createPool(clients, hook, key, sqrtPriceNearTick(firstTick), onchain ? { ...config, commitment: other.commitment, verification: VERIFICATION.onchain } : config);
      await addLiquidity(clients, v4, key, 10n ** 24n);
      pools.push({ name: `pool${i}`, key, poolId: poolIdOf(key) });
    }
    // Every historical block becomes one anvil block at its timestamp, with its swaps in every pool.
    await replayInto(clients, v4, pools.map((p) => p.key), blocks.map((b) => ({ timestamp: b.timestamp, ticks: b.ticks })));
    const last = await clients.public.getBlock();
    const info: StageInfo = {
      stateFile: path.join(dir, `${id}.state.json`), chainId: clients.chain.id, manager: v4.manager, verifier, hook, router: v4.router, pools,
      timestamp: Number(last.timestamp), blockNumber: Number(last.number), moreTicks: more,
    };
    await anvil.stop();
    renameSync(stateFile, info.stateFile);
    const tmp = `${infoFile}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(info, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    renameSync(tmp, infoFile);
    return info;
  } finally {
    await anvil.stop();
  }
}

export async function replayInto(clients: Clients, v4: Pick<LocalV4, "router">, keys: PoolKey[], blocks: { timestamp?: number; ticks: number[] }[]): Promise<void> {
  const abi = projectArtifact("ReplayRouter").abi;
  await rpc(clients, "evm_setAutomine", [false]);
  try {
    let nonce = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: "pending" });
    for (const block of blocks) {
      const hashes: Hex[] = [];
      for (const [k, key] of keys.entries()) {
        const ticks = k === 0 ? block.ticks : block.ticks.slice(-1);
        for (const tick of ticks) {
          hashes.push(await clients.wallet.sendTransaction({ to: v4.router, data: encodeFunctionData({ abi, functionName: "swapToTick", args: [key, tick] }), gas: 600_000n, nonce: nonce++ }));
        }
      }
      await rpc(clients, "evm_mine", block.timestamp !== undefined ? [block.timestamp] : []);
      const receipt = await clients.public.getTransactionReceipt({ hash: hashes[hashes.length - 1]! });
      if (receipt.status !== "success") throw new Error(`replayed swap reverted at ${block.timestamp}`);
    }
  } finally {
    await rpc(clients, "evm_setAutomine", [true]);
  }
}

export interface LiveChain {
  anvil: Anvil;
  /** The trader/deployer (anvil account #0). */
  trader: Clients;
  info: StageInfo;
  dir: string;
  deploymentFile: string;
  deployment: Deployment;
  /** The anvil --state file, when started with persist. */
  stateFile?: string;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Kills anvil (it saves its state when persisting) and starts it again on the same port, the chain continuing. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** Seconds per block; omitted: no interval mining (tests mine with evm_mine). */
  blockTime?: number;
  /** Chain seconds added per block (anvil_setBlockTimestampInterval): compresses the 60-s period. */
  secondsPerBlock?: number;
  /** Automine each transaction (only without blockTime; default false: the test mines). */
  automine?: boolean;
  /** Keep the chain across restart() via anvil --state. */
  persist?: boolean;
  /** Pools to list in the deployment file (default all), and models to name for them. */
  models?: string[];
}

/** A fresh anvil process on the saved stage. */
export async function launch(info: StageInfo, options: LaunchOptions = {}): Promise<LiveChain> {
  const dir = mkdtempSync(path.join(tmpdir(), "provenfee-keeper-"));
  let stateFile: string | undefined;
  if (options.persist) {
    stateFile = path.join(dir, "anvil-state.json");
    copyFileSync(info.stateFile, stateFile);
  }
  const argsFor = () => (stateFile ? ["--state", stateFile] : ["--load-state", info.stateFile]);
  let lastTimestamp = info.timestamp;
  const start = (port?: number) => startAnvil({ port, blockTime: options.blockTime, timestamp: lastTimestamp + (options.secondsPerBlock ?? 1), extraArgs: argsFor() });
  let anvil = await start();
  const trader = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
  const call = <T>(method: string, params: unknown[] = []) => rpc<T>(trader, method, params);
  const configure = async () => {
    if (options.secondsPerBlock !== undefined) await call("anvil_setBlockTimestampInterval", [options.secondsPerBlock]);
    if (options.blockTime === undefined && !options.automine) await call("evm_setAutomine", [false]);
  };
  await configure();
  const deployment: Deployment = {
    chainId: info.chainId, manager: info.manager, verifier: info.verifier, hook: info.hook,
    pools: info.pools.map((p, i) => ({ name: p.name, key: p.key, model: options.models?.[i] ?? MODEL })),
  };
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
  const live: LiveChain = {
    anvil, trader, info, dir, deploymentFile, deployment, stateFile,
    rpc: call,
    async restart(downMs = 0) {
      const port = anvil.port;
      // One more block may be mined while anvil shuts down: leave room for it.
      lastTimestamp = Number((await trader.public.getBlock()).timestamp) + (options.blockTime ? (options.secondsPerBlock ?? 1) : 0);
      await anvil.stop();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      // anvil restarts its clock from the wall clock, which our warped chain is far from: carry the chain time on.
      anvil = await start(port);
      live.anvil = anvil;
      await configure();
    },
    async stop() {
      await anvil.stop();
    },
  };
  return live;
}

/** Mines one block at `timestamp` (or the next second), with whatever is in the mempool. */
export async function mine(live: LiveChain, timestamp?: number): Promise<bigint> {
  await live.rpc("evm_mine", timestamp === undefined ? [] : [timestamp]);
  return (await live.trader.public.getBlock()).number!;
}

/** The first second of the period after the one `timestamp` falls in. */
export const nextPeriodStart = (timestamp: number, period = 60) => (Math.floor(timestamp / period) + 1) * period;

/** Sends one swap of the trader into `key` without waiting for it (manual mining mines it). */
export async function sendSwap(live: LiveChain, key: PoolKey, tick: number): Promise<Hex> {
  const abi = projectArtifact("ReplayRouter").abi;
  return live.trader.wallet.sendTransaction({ to: live.info.router, data: encodeFunctionData({ abi, functionName: "swapToTick", args: [key, tick] }), gas: 600_000n });
}

/** Waits for `predicate` to hold, polling every 20 ms; throws after `timeoutMs` with `what`. */
export async function until<T>(what: string, predicate: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A logger that keeps JSON lines in memory (and echoes them with KEEPER_TEST_LOG=1). */
export function memoryLog(): { lines: Record<string, unknown>[]; write(line: string): void; find(msg: string | RegExp): Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write(line: string) {
      if (process.env.KEEPER_TEST_LOG) process.stderr.write(`${line}\n`);
      lines.push(JSON.parse(line));
    },
    find(msg) {
      return lines.filter((l) => (typeof msg === "string" ? l.msg === msg : msg.test(String(l.msg))));
    },
  };
}

export function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "provenfee-cfg-"));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

export interface TestKeeper extends RunningKeeper {
  log: ReturnType<typeof memoryLog>;
  events: { sent: UpdateReport[]; landed: (UpdateReport & { gasUsed: bigint; minedIn: bigint })[]; lost: { pool: string; asOfPeriod: number; stage: string }[]; skipped: { pool: string; asOfPeriod: number; fee: number; previousFee: number; reason: string }[]; reorgs: { forkPoint: bigint; voided: string[] }[]; failed: unknown[] };
}

/** How the keeper tests run a keeper: one process (the default), or through a queue on a real Redis. */
export type KeeperMode = { mode: "single" } | { mode: "queue"; redisUrl: string };

let queueNames = 0;

/** The flags of a mode: in queue mode each keeper gets a cluster (queue name) of its own, scheduling and proving in one process. */
export function modeFlags(mode: KeeperMode | undefined): string[] {
  if (!mode || mode.mode === "single") return [];
  return ["--queue", mode.redisUrl, "--queue-name", `t${process.pid}-${Date.now().toString(36)}-${queueNames++}`, "--job-lock-ms", "5000"];
}

/** A keeper in this process, started the way `provenfee keeper` starts one, with `flags`. */
export async function startTestKeeper(live: LiveChain, options: { key?: Hex; flags?: string[]; prover: FeeProver | BatchProver; rpcUrl?: string; mode?: KeeperMode; leaseMs?: number }): Promise<TestKeeper> {
  const log = memoryLog();
  // The stage's pools trade test tokens, which the update rule cannot price gas in: these tests run
  // the keeper with the rule off (every change of at least --threshold pips) unless `flags` say otherwise.
  const config = loadKeeperConfig(["--rpc", options.rpcUrl ?? live.anvil.rpcUrl, "--deployment", live.deploymentFile, "--poll-ms", "50", "--update-rule", "off", ...modeFlags(options.mode), ...(options.flags ?? [])], {}) as KeeperConfig;
  const running = await startKeeper(config, { PROVENFEE_PRIVATE_KEY: options.key ?? KEEPER_KEYS[0] }, createLogger({ format: "json", level: "debug", write: log.write }), { prover: options.prover, warmUp: false, leaseMs: options.leaseMs });
  const events: TestKeeper["events"] = { sent: [], landed: [], lost: [], skipped: [], reorgs: [], failed: [] };
  for (const name of Object.keys(events) as (keyof TestKeeper["events"])[]) {
    running.keeper.on(name === "reorgs" ? "reorg" : name, (e: unknown) => {
      (events[name] as unknown[]).push(e);
    });
  }
  return { ...running, log, events };
}

/** The FeeUpdated events of the hook, oldest first. */
export async function feeUpdates(live: LiveChain): Promise<{ poolId: Hex; asOfPeriod: number; fee: number; features: bigint[]; keeper: Address; blockNumber: bigint; hash: Hex }[]> {
  const abi = hookArtifact().abi;
  const logs = await live.trader.public.getContractEvents({ address: live.info.hook, abi, eventName: "FeeUpdated", fromBlock: 0n });
  return logs.map((l) => {
    const a = l.args as unknown as { id: Hex; asOfPeriod: number; fee: number; features: readonly bigint[]; keeper: Address };
    return { poolId: a.id, asOfPeriod: a.asOfPeriod, fee: a.fee, features: [...a.features], keeper: a.keeper, blockNumber: l.blockNumber!, hash: l.transactionHash! };
  });
}

/** A fork point to come back to: the chain's snapshot, the first block a revert to it orphans, and the cancellations `k` makes after a reorg. */
export async function forkPoint(live: LiveChain, k: TestKeeper): Promise<{ snapshot: Hex; forkBlock: bigint; cancelled: { hash: Hex; nonce: number }[] }> {
  const snapshot = await live.rpc<Hex>("evm_snapshot");
  const forkBlock = (await live.trader.public.getBlockNumber({ cacheTime: 0 })) + 1n;
  const cancelled: { hash: Hex; nonce: number }[] = [];
  k.txm.on("cancelled", (e: { hash: Hex; nonce: number }) => cancelled.push(e));
  return { snapshot, forkBlock, cancelled };
}
