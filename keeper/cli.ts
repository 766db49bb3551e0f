// `provenfee keeper`: validates everything it can at start-up (one line on stderr, non-zero exit),
// then runs the per-block loop until SIGTERM or SIGINT, after which it exits 0.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadModel, type Model } from "../model/index.ts";
import { connect, type Clients } from "../chain/chain.ts";
import { ConfigError, KEEPER_USAGE, loadKeeperConfig, type KeeperConfig } from "./config.ts";
import { HookClient } from "./hookClient.ts";
import { KeyError, resolvePrivateKey } from "./keys.ts";
// Types only: the keeper itself (and TensorFlow.js, snarkjs behind it) loads once the configuration
// has been checked, so a bad one is refused in a second or two.
import type { Keeper, ServedPool, FeeProver } from "./keeper.ts";
import type { BatchProver } from "./batch.ts";
import type { RedisCoordinator } from "./queue.ts";
import type { TxManager } from "./txmanager.ts";
import { poolIdOf } from "../chain/localPool.ts";
import { VERIFICATION } from "../chain/deploy.ts";
import { GAS_PER_UPDATE_ONCHAIN } from "../model/updateRule.ts";
import { createLogger, type Logger } from "./log.ts";
import { gasTokenSideOf, NATIVE, WETH_BY_CHAIN, type GasPricing } from "./updateRule.ts";
import { parseAbiItem, type Address } from "viem";
import { Registry, serveMetrics } from "./metrics.ts";

export class StartupError extends Error {}

const firstLine = (e: unknown) => String((e as { shortMessage?: string }).shortMessage ?? (e as Error)?.message ?? e).split("\n")[0]!;

/** Checks the endpoint, the pools and the models against each other; throws a one-line StartupError. */
export async function resolvePools(config: KeeperConfig, hook: HookClient): Promise<ServedPool[]> {
  const chainId = await hook.clients.public.getChainId().catch((e: Error) => {
    throw new StartupError(`${config.rpcUrl}: RPC endpoint unreachable (${firstLine(e)})`);
  });
  if (config.chainId !== undefined && chainId !== config.chainId) throw new StartupError(`${config.rpcUrl}: serves chain ${chainId}, the config expects chain ${config.chainId}`);
  if (chainId !== config.deployment.chainId) throw new StartupError(`${config.rpcUrl}: serves chain ${chainId}, the deployment ${config.deploymentPath} is for chain ${config.deployment.chainId}`);
  const code = await hook.clients.public.getCode({ address: hook.hook });
  if (!code || code === "0x") throw new StartupError(`hook ${hook.hook}: no contract at this address on chain ${chainId}`);
  for (const name of config.poolNames ?? []) {
    if (!config.deployment.pools.some((p) => p.name === name)) throw new StartupError(`pool ${name}: unknown pool (${config.deploymentPath} lists ${config.deployment.pools.map((p) => p.name).join(", ")})`);
  }
  const entries = config.deployment.pools.filter((p) => !config.poolNames || config.poolNames.includes(p.name));
  const models = new Map<string, Model>();
  const served: ServedPool[] = [];
  for (const entry of entries) {
    const onChain = await hook.poolConfig(entry.key).catch((e) => {
      const reason = hook.errorName(e);
      if (reason === undefined && !/revert/i.test(String((e as Error).message))) throw new StartupError(`pool ${entry.name}: cannot read it from hook ${hook.hook} (${firstLine(e)})`);
      throw new StartupError(`pool ${entry.name} (${poolIdOf(entry.key)}): unknown pool, hook ${hook.hook} has no such pool (${reason ?? "call reverted"})`);
    });
    let model = models.get(entry.model);
    if (!model) {
      try {
        model = await loadModel(entry.model);
      } catch (e) {
        throw new StartupError(`pool ${entry.name}: ${firstLine(e)}`);
      }
      models.set(entry.model, model);
    }
    if (onChain.commitment !== model.commitment) {
      throw new StartupError(`pool ${entry.name}: model ${entry.model} has commitment ${model.file.commitment}, the pool is committed to 0x${onChain.commitment.toString(16).padStart(64, "0")}`);
    }
    if (onChain.period !== model.file.period) throw new StartupError(`pool ${entry.name}: period ${onChain.period} differs from the model's ${model.file.period}`);
    served.push({
      name: entry.name, key: entry.key, poolId: poolIdOf(entry.key), model, terms: { poolFeeMin: onChain.poolFeeMin, poolFeeMax: onChain.poolFeeMax, period: onChain.period },
      verification: onChain.verification === VERIFICATION.onchain ? "onchain" : "zk",
    });
  }
  // Once every pool and model checks out: how the update rule prices each pool's gas.
  if (config.updateRule === "pays") for (const p of served) p.gas = await gasPricingOf(config, hook, chainId, p.name, p.key.currency0, p.key.currency1);
  return served;
}

const DECIMALS = parseAbiItem("function decimals() view returns (uint8)");

/**
 * Rule "pays": how a pool's fee base and update gas are valued. The quote token is the other side of
 * an ETH pair (native ETH or the chain's WETH), whose own price then prices the gas token;
 * otherwise token0, with --gas-token-price (a fixed price, which also overrides the pool's own).
 */
export async function gasPricingOf(config: KeeperConfig, hook: HookClient, chainId: number, name: string, currency0: Address, currency1: Address): Promise<GasPricing> {
  const weth = config.weth ?? WETH_BY_CHAIN[chainId];
  const side = gasTokenSideOf(currency0, currency1, weth);
  // decimals() is optional in ERC-20: a token without it is taken as 18 decimals, and the start-up log says so.
  const assumed: string[] = [];
  const decimalsOf = async (token: Address, i: number): Promise<number> => {
    if (token.toLowerCase() === NATIVE) return 18;
    return hook.clients.public.readContract({ address: token, abi: [DECIMALS], functionName: "decimals" }).then(Number, (e: unknown) => {
      // A revert, or no code at the address (a currency that is not a contract): no decimals() to read.
      if (!/revert|returned no data/i.test(String((e as Error)?.message ?? e))) throw new StartupError(`pool ${name}: cannot read decimals() of ${token} (${firstLine(e)})`);
      assumed.push(`token${i} has no decimals(): 18 assumed`);
      return 18;
    });
  };
  const [decimals0, decimals1] = await Promise.all([decimalsOf(currency0, 0), decimalsOf(currency1, 1)]);
  const note = assumed.length ? `; ${assumed.sort().join(", ")}` : "";
  const quote: 0 | 1 = side === 0 ? 1 : 0;
  if (config.gasTokenPrice !== undefined) {
    return { quote, decimals0, decimals1, gasTokenPrice: config.gasTokenPrice, describe: `gas token at ${config.gasTokenPrice} token${quote} per ETH (--gas-token-price)${note}` };
  }
  if (side === undefined) {
    throw new StartupError(
      `pool ${name}: the update rule cannot price gas in this pool's tokens (neither is native ETH or ${weth ? `WETH ${weth}` : `a known WETH on chain ${chainId} (--weth ADDRESS)`}): pass --gas-token-price Q (token0 per gas token) or --update-rule off`,
    );
  }
  return { quote, decimals0, decimals1, gasTokenSide: side, describe: `gas token priced at the pool's own price (token${side} is ${currency0.toLowerCase() === NATIVE && side === 0 ? "native ETH" : "WETH"})${note}` };
}

export interface RunningKeeper {
  keeper: Keeper;
  txm: TxManager;
  clients: Clients;
  registry: Registry;
  backend: string;
  /** Settles when run() returns (after stop()). */
  done: Promise<void>;
  stop(): Promise<void>;
  metricsServer?: Server;
  metricsUrl?: string;
  /** Queue mode: this process's scheduler lease and claims. */
  coordinator?: RedisCoordinator;
  /** Queue mode with role both: the prover side running in this process. */
  prover?: RunningProver;
}

export interface StartOptions {
  /** A prover other than prover/'s (tests wrap the real one to control timing); it proves in this thread. */
  prover?: FeeProver | BatchProver;
  /** Skip the warm-up proof (tests that build many keepers). */
  warmUp?: boolean;
  /** Queue mode: the scheduler lease's length (tests shorten it). */
  leaseMs?: number;
}

/**
 * The local proving: worker threads each holding a warm Prover, or the prover a test passes, for
 * single pools; with --batch-size > 1 (and always for a queue prover, which serves whatever batch
 * sizes its schedulers send), batches of 2, 4 or 8 pools are proven by the batched circuit in this
 * thread (snarkjs spreads the proof over the cores itself), its artifacts loaded on first use.
 */
/** The prover of a keeper whose pools are all `onchain`: their updates need no proof, so it is never asked. */
const NO_PROVER: BatchProver = {
  batchSize: 1,
  prove: () => Promise.reject(new Error("no zk pool is served: nothing to prove")),
};

async function localProver(config: KeeperConfig, log: Logger, options: StartOptions, servesQueue = false): Promise<BatchProver> {
  const { batchProverOf, batchedProverOf, isBatchProver } = await import("./batch.ts");
  // A test's own batch prover (it wraps the real ones to control timing) is used as it is.
  if (options.prover && isBatchProver(options.prover) && options.prover.batchSize > 1) return options.prover;
  let single: BatchProver;
  if (options.prover) single = isBatchProver(options.prover) ? options.prover : batchProverOf(options.prover);
  else {
    const { ProverPool } = await import("./proverPool.ts");
    single = await ProverPool.start(config.proverThreads, log).catch((e: Error) => {
      throw new StartupError(`--prover-threads ${config.proverThreads}: ${firstLine(e)}`);
    });
  }
  const size = servesQueue ? Math.max(config.batchSize, 8) : config.batchSize;
  return size > 1 ? batchedProverOf(single, size) : single;
}

export interface RunningProver {
  /** Settles once stop() has finished the job in hand and released everything. */
  stop(): Promise<void>;
  done: Promise<void>;
  metricsServer?: Server;
  metricsUrl?: string;
}

/** Queue mode, role prover: takes (pool batch, period) jobs from the queue and proves them on worker threads. */
export async function startProver(config: KeeperConfig, log: Logger, options: StartOptions & { serveMetrics?: boolean } = {}): Promise<RunningProver> {
  const { startQueueProver, redactUrl, checkRedis } = await import("./queue.ts");
  await checkRedis(config.queue!).catch((e: Error) => {
    throw new StartupError(`--queue ${e.message}`);
  });
  const prover = await localProver(config, log, options, true);
  const settings = { url: config.queue!, name: config.queueName, jobLockMs: config.jobLockMs };
  const concurrency = options.prover ? 1 : config.proverThreads;
  const queued = await startQueueProver(settings, prover, concurrency, log);
  log.info("prover taking jobs", { queue: redactUrl(config.queue!), queueName: config.queueName, threads: concurrency, jobLockMs: config.jobLockMs });
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (options.serveMetrics && config.metricsPort !== undefined) {
    const registry = new Registry();
    const up = () => queued.worker.isRunning();
    metricsServer = await serveMetrics(registry, config.metricsPort, config.metricsHost, () => ({ ok: up(), detail: { role: "prover", queueName: config.queueName, running: up() } })).catch((e: Error) => {
      throw new StartupError(`--metrics-port ${config.metricsPort}: cannot listen on ${config.metricsHost} (${firstLine(e)})`);
    });
    metricsUrl = `http://${config.metricsHost}:${(metricsServer.address() as AddressInfo).port}`;
    log.info("serving /metrics and /healthz", { url: metricsUrl });
  }
  let stopped: Promise<void> | undefined;
  return {
    done, metricsServer, metricsUrl,
    stop() {
      stopped ??= (async () => {
        await queued.stop();
        await prover.close?.();
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
        resolveDone();
      })();
      return stopped;
    },
  };
}

/** Starts a keeper from parsed configuration; used by the CLI, the tests and the bench. */
export async function startKeeper(config: KeeperConfig, env: NodeJS.ProcessEnv, log: Logger, options: StartOptions = {}): Promise<RunningKeeper> {
  const key = resolvePrivateKey(env, config.keystore);
  const clients = await connect(config.rpcUrl, key, {
    onStatus: (status) => (status === "open" ? log.info("WebSocket connected", { endpoint: config.rpcUrl }) : log.warn("WebSocket closed; reconnecting", { endpoint: config.rpcUrl })),
  }).catch((e: Error) => {
    throw new StartupError(`${config.rpcUrl}: RPC endpoint unreachable (${firstLine(e)})`);
  });
  let registryServer: Server | undefined;
  let prover: BatchProver | undefined;
  let proverRole: RunningProver | undefined;
  let coordinator: RedisCoordinator | undefined;
  try {
    const hook = new HookClient(clients, config.deployment.hook, config.deployment.manager);
    const pools = await resolvePools(config, hook);
    // Heavy modules load only once the configuration is known to be good.
    const [{ Keeper, keeperMetrics, DEFAULT_SETTINGS }, { TxManager, DEFAULT_FEES }, { selectBackend }] = await Promise.all([
      import("./keeper.ts"), import("./txmanager.ts"), import("./inference.ts"),
    ]);
    const backend = await selectBackend(config.backend).catch((e: Error) => {
      throw new StartupError(`--backend ${config.backend}: ${firstLine(e)}`);
    });
    const queued = config.queue !== undefined;
    const onchainOnly = pools.every((p) => p.verification === "onchain");
    if (queued) {
      // Queue mode (loaded only here): jobs go to the queue; with role both, this process proves too.
      const { QueueBatchProver, RedisCoordinator, redactUrl, checkRedis } = await import("./queue.ts");
      await checkRedis(config.queue!).catch((e: Error) => {
        throw new StartupError(`--queue ${e.message}`);
      });
      const settings = { url: config.queue!, name: config.queueName, jobLockMs: config.jobLockMs };
      coordinator = RedisCoordinator.open(settings, log, options.leaseMs);
      await coordinator.start();
      prover = await QueueBatchProver.open(settings, log, { batchSize: config.batchSize });
      if (config.role === "both") proverRole = await startProver(config, log, options);
      log.info("scheduler joining the cluster", { queue: redactUrl(config.queue!), queueName: config.queueName, id: coordinator.id, role: config.role, lease: coordinator.isScheduler() ? "held" : "held by another" });
    } else {
      // Proofs are made off the main thread, on worker threads each holding a warm prover (tests may
      // pass a prover of their own, which then runs in this thread). A keeper of onchain pools only
      // proves nothing, so it starts no prover at all.
      prover = onchainOnly ? NO_PROVER : await localProver(config, log, options);
    }
    const registry = new Registry();
    const metrics = keeperMetrics(registry);
    const gwei = 1_000_000_000;
    const txm = new TxManager(clients, {
      ...DEFAULT_FEES, maxFeePerGasCap: BigInt(Math.round(config.maxFeePerGasGwei * gwei)), priorityFeePerGas: BigInt(Math.round(config.priorityFeeGwei * gwei)),
      replaceAfterBlocks: config.replaceAfterBlocks,
    }, log);
    const keeper = new Keeper(hook, pools, prover, txm, log, metrics, {
      ...DEFAULT_SETTINGS, updateRule: config.updateRule, feeChangeThreshold: config.feeChangeThreshold, keepAliveMargin: config.keepAlivePeriods, keepAlive: config.keepAlive,
      gasPerUpdate: config.gasPerUpdate, ruleGasPriceGwei: config.ruleGasPriceGwei, priorityFeeGwei: config.priorityFeeGwei, ruleHorizon: config.ruleHorizon,
      pollIntervalMs: config.pollIntervalMs,
      shutdownGraceMs: config.shutdownGraceMs, maxBackoffMs: Math.max(DEFAULT_SETTINGS.maxBackoffMs, config.pollIntervalMs),
    }, coordinator);
    // Through the queue, a warm-up proof would be some prover's; the local provers warm up on their own first job.
    if (options.warmUp !== false) await keeper.warmUp(!queued);
    const [latest, pending] = await Promise.all([
      clients.public.getTransactionCount({ address: clients.account.address, blockTag: "latest" }),
      clients.public.getTransactionCount({ address: clients.account.address, blockTag: "pending" }),
    ]);
    if (pending > latest) log.warn("the account has transactions pending from before this start; new ones queue behind them", { account: clients.account.address, pending: pending - latest });
    log.info("keeper starting", {
      chainId: clients.chain.id, rpc: config.rpcUrl, mode: clients.ws ? "subscription" : "polling", hook: config.deployment.hook, account: clients.account.address,
      pools: pools.map((p) => (p.verification === "onchain" ? `${p.name} (onchain: no proofs)` : p.name)).join(","), backend, updateRule: config.updateRule,
      ...(config.updateRule === "off" ? { threshold: config.feeChangeThreshold } : { gasPerUpdate: config.gasPerUpdate, ruleGasPriceGwei: config.ruleGasPriceGwei ?? "base fee + tip" }),
      maxFeeGwei: config.maxFeePerGasGwei, ...(config.batchSize > 1 ? { batchSize: config.batchSize } : {}),
      proving: queued ? `queue ${config.queueName}${config.role === "both" ? ` + ${options.prover ? 1 : config.proverThreads} local` : ""}` : onchainOnly ? "none (onchain pools only)" : options.prover ? "in-thread" : `${config.proverThreads} worker thread(s)`,
    });
    for (const p of pools) {
      if (!p.gas) continue;
      // an onchain pool's update is updateFeeOnchain, priced at its own gas whatever --gas-per-update says
      const gasPerUpdate = p.verification === "onchain" ? GAS_PER_UPDATE_ONCHAIN : config.gasPerUpdate;
      log.info("update rule", { pool: p.name, horizon: config.ruleHorizon ?? p.model.file.horizon, quote: `token${p.gas.quote}`, gas: p.gas.describe, gasPerUpdate });
    }
    let metricsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      const health = () => {
        const h = keeper.health();
        if (!coordinator) return h;
        const queueUp = coordinator.watch.up();
        return { ok: h.ok && queueUp, detail: { ...h.detail, queue: queueUp ? "up" : "down", scheduler: coordinator.isScheduler(), proofsInFlight: keeper.proofsInFlight } };
      };
      registryServer = await serveMetrics(registry, config.metricsPort, config.metricsHost, health).catch((e: Error) => {
        throw new StartupError(`--metrics-port ${config.metricsPort}: cannot listen on ${config.metricsHost} (${firstLine(e)})`);
      });
      const port = (registryServer.address() as AddressInfo).port;
      metricsUrl = `http://${config.metricsHost}:${port}`;
      log.info("serving /metrics and /healthz", { url: metricsUrl });
    }
    const done = keeper.run();
    let stopped: Promise<void> | undefined;
    const metricsServer = registryServer;
    const ownProver = prover;
    return {
      keeper, txm, clients, registry, backend, done, metricsServer, metricsUrl, coordinator, prover: proverRole,
      stop() {
        stopped ??= (async () => {
          keeper.stop();
          await done;
          // Hand the lease over at once, then stop proving (a job in hand is finished and stored).
          await coordinator?.stop();
          await Promise.all([ownProver.close?.(), proverRole?.stop()]);
          await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
          clients.close();
        })();
        return stopped;
      },
    };
  } catch (e) {
    registryServer?.close();
    await Promise.allSettled([prover?.close?.(), proverRole?.stop(), coordinator?.stop()]);
    clients.close();
    throw e;
  }
}

export async function keeperCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: KeeperConfig | "help";
  try {
    config = loadKeeperConfig(argv, env);
  } catch (e) {
    console.error(`provenfee keeper: ${firstLine(e)}`);
    return 2;
  }
  if (config === "help") {
    console.log(KEEPER_USAGE);
    return 0;
  }
  const log = createLogger({ format: config.logFormat, level: config.logLevel });
  // A signal during start-up: stop as soon as the keeper is up (or exit if it never comes up).
  let signalled: string | undefined;
  let running: RunningKeeper | RunningProver | undefined;
  const onSignal = (signal: string) => {
    if (signalled) {
      log.warn("second signal; exiting now", { signal });
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    signalled = signal;
    log.info("shutting down", { signal, inFlight: running && "txm" in running ? running.txm.inFlight : 0 });
    void running?.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    try {
      // Queue mode, role prover: no chain, no key; otherwise the keeper (single-process, or the scheduler).
      running = config.queue !== undefined && config.role === "prover" ? await startProver(config, log, { serveMetrics: true }) : await startKeeper(config, env, log);
    } catch (e) {
      const known = e instanceof StartupError || e instanceof ConfigError || e instanceof KeyError;
      console.error(`provenfee keeper: ${known ? (e as Error).message.split("\n")[0] : firstLine(e)}`);
      return 1;
    }
    if (signalled) void running.stop();
    await running.done;
    await running.stop();
    log.info("keeper stopped", { signal: signalled ?? null });
    // Everything is closed; should a library still hold the event loop, do not hang the operator.
    setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    return 0;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
