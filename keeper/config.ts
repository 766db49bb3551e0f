// Keeper configuration from a file, the environment and flags: a flag wins over the environment,
// which wins over the file, which wins over the default. Every option has all three forms (see
// OPTIONS). The signing key is deliberately none of them: see keys.ts.
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { closest, parseOptions, type Spec } from "../cli/options.ts";
import type { Address } from "viem";
import type { LogFormat, LogLevel } from "./log.ts";
import type { BackendName } from "./inference.ts";
import type { PoolKey } from "../chain/localPool.ts";
import { DEFAULT_GAS_PER_UPDATE, GAS_PER_UPDATE_BY_BATCH_SIZE, type KeepAliveMode } from "../model/updateRule.ts";
import { BATCH_SIZES } from "../model/signals.ts";

export class ConfigError extends Error {}

export interface PoolEntry {
  name: string;
  key: PoolKey;
  /** Path of the model file whose commitment the pool must carry. */
  model: string;
}

/** What `provenfee deploy` writes and the keeper reads. */
export interface Deployment {
  chainId: number;
  manager: Address;
  verifier: Address;
  hook: Address;
  pools: PoolEntry[];
}

export interface KeeperConfig {
  rpcUrl: string;
  chainId?: number;
  deploymentPath: string;
  deployment: Deployment;
  poolNames?: string[];
  updateRule: "pays" | "off";
  feeChangeThreshold: number;
  keepAlivePeriods: number;
  keepAlive: KeepAliveMode;
  gasPerUpdate: number;
  gasTokenPrice?: number;
  ruleGasPriceGwei?: number;
  ruleHorizon?: number;
  weth?: Address;
  maxFeePerGasGwei: number;
  priorityFeeGwei: number;
  replaceAfterBlocks: number;
  pollIntervalMs: number;
  shutdownGraceMs: number;
  metricsPort?: number;
  metricsHost: string;
  logFormat: LogFormat;
  logLevel: LogLevel;
  backend: BackendName | "auto";
  keystore?: string;
  /** Worker threads proving (each holds a warm prover). */
  proverThreads: number;
  /** Pools per proof and transaction: 1 (updateFee each), or 2, 4, 8 (one updateFees per batch). */
  batchSize: number;
  /** Queue mode: the Redis URL; absent in single-process mode (the default), which never touches Redis. */
  queue?: string;
  /** Queue mode: what this process does. "prover" needs neither --rpc, --deployment nor a key (rpcUrl and deploymentPath are then ""). */
  role: KeeperRole;
  /** Queue mode: the BullMQ queue's name, which namespaces every key of one cluster. */
  queueName: string;
  /** Queue mode: a prover's job lock; a job whose prover stopped renewing it this long goes to another. */
  jobLockMs: number;
}

export type KeeperRole = "both" | "scheduler" | "prover";

/** One proving thread per core beyond the first (the keeper's own thread), at least one, at most 8. */
export const defaultProverThreads = () => Math.max(1, Math.min(8, availableParallelism() - 1));

type Kind = "string" | "number" | "integer" | "list";

interface Option {
  /** Key in the JSON config file. */
  key: string;
  /** Field of KeeperConfig, when it differs from the key. */
  field?: keyof KeeperConfig;
  flag: string;
  env: string;
  kind: Kind;
  help: string;
  choices?: readonly string[];
}

/** Every option, in its three spellings. */
export const OPTIONS: readonly Option[] = [
  { key: "rpcUrl", flag: "rpc", env: "PROVENFEE_RPC_URL", kind: "string", help: "RPC endpoint: http(s):// is polled, ws(s):// is subscribed to (new heads)" },
  { key: "deployment", flag: "deployment", env: "PROVENFEE_DEPLOYMENT", kind: "string", help: "addresses and pools written by 'provenfee deploy'" },
  { key: "chainId", flag: "chain-id", env: "PROVENFEE_CHAIN_ID", kind: "integer", help: "refuse to start unless the endpoint serves this chain" },
  { key: "pools", field: "poolNames", flag: "pool", env: "PROVENFEE_POOLS", kind: "list", help: "serve only these pools (flag repeatable, env comma-separated; default all)" },
  { key: "updateRule", flag: "update-rule", env: "PROVENFEE_UPDATE_RULE", kind: "string", choices: ["pays", "off"], help: "pays (default): send an update only when the fee change is worth its gas (|change| x what\n      was traded in the last H periods > gas x gas price x gas token price; keeper/README.md);\n      off: every change of at least --threshold pips" },
  { key: "feeChangeThreshold", flag: "threshold", env: "PROVENFEE_THRESHOLD", kind: "number", help: "rule off: skip updates that move the fee by less than this many pips (default 1)" },
  { key: "keepAlivePeriods", flag: "keep-alive-periods", env: "PROVENFEE_KEEP_ALIVE_PERIODS", kind: "integer", help: "decide the pool's liveness this many periods before it would fall back (default 2)" },
  { key: "keepAlive", flag: "keep-alive", env: "PROVENFEE_KEEP_ALIVE", kind: "string", choices: ["on-change", "always"], help: "on-change (default): falling back is a change to the pool's fallback fee, sent against only\n      when the rule would send that change; always: keep every pool live whatever it costs (for a\n      pool whose forecastOf others read: it says live only off the fallback fee)" },
  { key: "gasPerUpdate", flag: "gas-per-update", env: "PROVENFEE_GAS_PER_UPDATE", kind: "integer", help: "rule pays: an update's gas, or its share of a batch's (default 280000, the measured receipt gas)" },
  { key: "gasTokenPrice", flag: "gas-token-price", env: "PROVENFEE_GAS_TOKEN_PRICE", kind: "number", help: "rule pays: the gas token's price in each pool's quote token (default: the pool's own price\n      where one side is native ETH or WETH, quote = the other side; required for other pools, quote = token0)" },
  { key: "ruleGasPriceGwei", flag: "rule-gas-price-gwei", env: "PROVENFEE_RULE_GAS_PRICE_GWEI", kind: "number", help: "rule pays: judge updates at this gas price (default: each block's base fee + --priority-fee-gwei)" },
  { key: "ruleHorizon", flag: "rule-horizon", env: "PROVENFEE_RULE_HORIZON", kind: "integer", help: "rule pays: periods a fee change is assumed to persist (default: the pool's model horizon,\n      30 for the shipped model)" },
  { key: "weth", flag: "weth", env: "PROVENFEE_WETH", kind: "string", help: "rule pays: the chain's wrapped ETH (default known for chains 1, 10, 8453 and 42161)" },
  { key: "maxFeePerGasGwei", flag: "max-fee-gwei", env: "PROVENFEE_MAX_FEE_GWEI", kind: "number", help: "cap on maxFeePerGas in gwei (default 200)" },
  { key: "priorityFeeGwei", flag: "priority-fee-gwei", env: "PROVENFEE_PRIORITY_FEE_GWEI", kind: "number", help: "tip in gwei (default 1)" },
  { key: "replaceAfterBlocks", flag: "replace-after-blocks", env: "PROVENFEE_REPLACE_AFTER_BLOCKS", kind: "integer", help: "re-price a transaction still pending after this many blocks (default 3)" },
  { key: "pollIntervalMs", flag: "poll-ms", env: "PROVENFEE_POLL_MS", kind: "integer", help: "block polling interval in ms over http (default 500)" },
  { key: "shutdownGraceMs", flag: "shutdown-grace-ms", env: "PROVENFEE_SHUTDOWN_GRACE_MS", kind: "integer", help: "on SIGTERM, wait this long for sent transactions (default 10000)" },
  { key: "metricsPort", flag: "metrics-port", env: "PROVENFEE_METRICS_PORT", kind: "integer", help: "serve /metrics and /healthz on this port (0: any free port)" },
  { key: "metricsHost", flag: "metrics-host", env: "PROVENFEE_METRICS_HOST", kind: "string", help: "address to serve metrics on (default 127.0.0.1)" },
  { key: "logFormat", flag: "log-format", env: "PROVENFEE_LOG_FORMAT", kind: "string", choices: ["text", "json"], help: "text (default) or json, one object per line" },
  { key: "logLevel", flag: "log-level", env: "PROVENFEE_LOG_LEVEL", kind: "string", choices: ["debug", "info", "warn", "error"], help: "(default info)" },
  { key: "backend", flag: "backend", env: "PROVENFEE_BACKEND", kind: "string", choices: ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"], help: "inference backend (default auto: the best present)" },
  { key: "keystore", flag: "keystore", env: "PROVENFEE_KEYSTORE", kind: "string", help: "encrypted keystore (password in PROVENFEE_KEYSTORE_PASSWORD)" },
  { key: "proverThreads", flag: "prover-threads", env: "PROVENFEE_PROVER_THREADS", kind: "integer", help: "worker threads that prove, each with a warm prover (default: one per core beyond the\n      first, at least 1; each proof already uses every core)" },
  { key: "batchSize", flag: "batch-size", env: "PROVENFEE_BATCH_SIZE", kind: "integer", help: "1 (default): one proof and one updateFee per pool; 2, 4 or 8: up to that many pools decided\n      at one block share one proof and one updateFees (leftovers: the largest size that fits, a\n      single updateFee for one); --gas-per-update then defaults to the batch size's share" },
  { key: "queue", flag: "queue", env: "PROVENFEE_QUEUE", kind: "string", help: "cluster mode: proving jobs go through a BullMQ queue on this Redis (redis://HOST:PORT[/DB]);\n      without it the keeper is one process and never connects to Redis (keeper/README.md)" },
  { key: "role", flag: "role", env: "PROVENFEE_ROLE", kind: "string", choices: ["both", "scheduler", "prover"], help: "with --queue: scheduler (reads the chain, enqueues (pool, period) jobs, submits the proofs;\n      one per cluster holds the lease, others stand by), prover (takes jobs; needs no key, --rpc or\n      --deployment), or both (default)" },
  { key: "queueName", flag: "queue-name", env: "PROVENFEE_QUEUE_NAME", kind: "string", help: "with --queue: the cluster's queue name; every Redis key is under it (default provenfee)" },
  { key: "jobLockMs", flag: "job-lock-ms", env: "PROVENFEE_JOB_LOCK_MS", kind: "integer", help: "with --queue: a job whose prover died is retried by another after this long (default 30000)" },
];

const DEFAULTS = {
  updateRule: "pays", feeChangeThreshold: 1, keepAlivePeriods: 2, keepAlive: "on-change", gasPerUpdate: DEFAULT_GAS_PER_UPDATE, maxFeePerGasGwei: 200, priorityFeeGwei: 1, replaceAfterBlocks: 3, pollIntervalMs: 500,
  shutdownGraceMs: 10_000, metricsHost: "127.0.0.1", logFormat: "text", logLevel: "info", backend: "auto",
  role: "both", queueName: "provenfee", jobLockMs: 30_000,
} as const;

export const KEEPER_USAGE = `usage: provenfee keeper [options]

Watches every block, and for each served pool whose latest completed period is newer than its last
update, proves the pool model's fee on the hook's own features and submits updateFee.

Each option can be given as a flag, an environment variable, or a key of the JSON file passed with
--config FILE (env PROVENFEE_CONFIG); a flag wins over the environment, which wins over the file.

options (flag / environment / config key):
${OPTIONS.map((o) => `  --${o.flag}${o.kind === "list" ? " NAME" : o.kind === "string" ? " VALUE" : " N"}`.padEnd(32) + `${o.env} / ${o.key}\n      ${o.help}`).join("\n")}

The signing key comes from PROVENFEE_PRIVATE_KEY, or from a keystore (--keystore FILE with
PROVENFEE_KEYSTORE_PASSWORD), never from a flag or the config file.
SIGTERM or SIGINT: stop taking new work, wait up to --shutdown-grace-ms for transactions already
sent, exit 0; a second signal exits at once.`;

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: ${what} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ConfigError(`${file}: ${what} is not a JSON object`);
  return json as Record<string, unknown>;
}

const ZERO: Address = "0x0000000000000000000000000000000000000000";
const isAddress = (v: unknown): v is Address => typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v);

export function parseDeployment(json: Record<string, unknown>, source: string): Deployment {
  for (const field of ["manager", "verifier", "hook"] as const) {
    if (!isAddress(json[field])) throw new ConfigError(`${source}: ${field}: not an address`);
  }
  if (!Number.isInteger(json.chainId)) throw new ConfigError(`${source}: chainId: not an integer`);
  if (!Array.isArray(json.pools) || json.pools.length === 0) throw new ConfigError(`${source}: pools: expected a non-empty list`);
  const names = new Set<string>();
  json.pools.forEach((p: Record<string, unknown>, i: number) => {
    if (typeof p.name !== "string" || !p.name) throw new ConfigError(`${source}: pools[${i}].name: missing`);
    if (names.has(p.name)) throw new ConfigError(`${source}: pools[${i}].name: ${p.name} appears twice`);
    names.add(p.name);
    if (typeof p.model !== "string") throw new ConfigError(`${source}: pools[${i}].model: missing`);
    const key = p.key as Record<string, unknown> | undefined;
    if (!key || !isAddress(key.currency0) || !isAddress(key.currency1) || !isAddress(key.hooks) || !Number.isInteger(key.fee) || !Number.isInteger(key.tickSpacing)) {
      throw new ConfigError(`${source}: pools[${i}].key: expected {currency0, currency1, fee, tickSpacing, hooks}`);
    }
  });
  return json as unknown as Deployment;
}

/** A model path from the deployment file: as given if it exists from here, else next to the deployment file. */
export function resolveModelPath(model: string, deploymentPath: string): string {
  if (path.isAbsolute(model) || existsSync(model)) return model;
  const beside = path.join(path.dirname(deploymentPath), model);
  return existsSync(beside) ? beside : model;
}

function convert(o: Option, raw: unknown, source: string): unknown {
  const where = source === "flag" ? `--${o.flag}` : source === "env" ? o.env : `${source}: ${o.key}`;
  if (o.kind === "list") {
    const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    if (!list || list.some((v) => typeof v !== "string" || !v)) throw new ConfigError(`${where}: expected a list of names`);
    return list;
  }
  if (o.kind === "string") {
    if (typeof raw !== "string" || !raw) throw new ConfigError(`${where}: expected a string`);
    if (o.choices && !o.choices.includes(raw)) throw new ConfigError(`${where}: expected one of ${o.choices.join(", ")}, got ${raw}`);
    return raw;
  }
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 0 || (o.kind === "integer" && !Number.isInteger(n))) {
    throw new ConfigError(`${where}: expected a non-negative ${o.kind === "integer" ? "integer" : "number"}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

const SECRET_KEYS = /^(private_?key|privateKey|key|mnemonic|password|keystorePassword)$/i;

export function loadKeeperConfig(argv: string[], env: NodeJS.ProcessEnv): KeeperConfig | "help" {
  const spec: Spec = {
    config: { type: "string" },
    "private-key": { type: "string" },
    ...Object.fromEntries(OPTIONS.map((o) => [o.flag, o.kind === "list" ? { type: "string" as const, multiple: true } : { type: "string" as const }])),
  };
  // A UsageError (unknown option, missing value) is reported like a ConfigError: one line, exit 2.
  const parsed = parseOptions("keeper", argv, spec);
  if (parsed === "help") return "help";
  const flags = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (flags["private-key"] !== undefined) throw new ConfigError("--private-key: refused, a key on the command line is visible in ps; use PROVENFEE_PRIVATE_KEY or --keystore");
  const configPath = (flags.config as string | undefined) ?? env.PROVENFEE_CONFIG;
  const file = configPath ? readJson(configPath, "config") : {};
  const known = new Set(OPTIONS.map((o) => o.key));
  for (const key of Object.keys(file)) {
    if (SECRET_KEYS.test(key)) throw new ConfigError(`${configPath}: ${key}: refused, keep the signing key out of the config file; use PROVENFEE_PRIVATE_KEY or a keystore`);
    if (!known.has(key)) {
      const near = closest(key, [...known]);
      throw new ConfigError(`${configPath}: unknown key ${key} (${near ? `did you mean ${near}?` : `known: ${[...known].join(", ")}`})`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const flag = flags[o.flag];
    const fromEnv = env[o.env];
    const field = o.field ?? o.key;
    if (flag !== undefined) values[field] = convert(o, flag, "flag");
    else if (fromEnv !== undefined && fromEnv !== "") values[field] = convert(o, fromEnv, "env");
    else if (file[o.key] !== undefined) {
      let v = convert(o, file[o.key], configPath!);
      // Paths in the config file are relative to the config file.
      if ((o.key === "deployment" || o.key === "keystore") && typeof v === "string" && !path.isAbsolute(v)) v = path.join(path.dirname(configPath!), v);
      values[field] = v;
    }
  }
  const queue = values.queue as string | undefined;
  if (queue !== undefined && !/^rediss?:\/\/[^/\s]+/i.test(queue)) throw new ConfigError(`--queue: expected redis://HOST:PORT, got ${queue}`);
  if (queue !== undefined) {
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*)(?::([^/]*))?/i.exec(queue)?.[1];
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) throw new ConfigError(`--queue: '${port}' is not a port (expected redis://HOST:PORT)`);
  }
  for (const field of ["role", "queueName", "jobLockMs"] as const) {
    if (values[field] !== undefined && queue === undefined) {
      const o = OPTIONS.find((x) => x.key === field)!;
      throw new ConfigError(`--${o.flag}: only with --queue redis://HOST:PORT (without it the keeper is one process: it schedules and proves)`);
    }
  }
  if (values.queueName !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.queueName as string)) throw new ConfigError(`--queue-name: '${values.queueName}' may hold only letters, digits, '_', '.' and '-'`);
  if (values.jobLockMs !== undefined && (values.jobLockMs as number) < 1000) throw new ConfigError(`--job-lock-ms: expected at least 1000 (ms), got ${values.jobLockMs}`);
  if (values.batchSize !== undefined && ![1, ...BATCH_SIZES].includes(values.batchSize as number)) {
    throw new ConfigError(`--batch-size: expected one of 1, ${BATCH_SIZES.join(", ")} (the sizes with a circuit and an on-chain verifier), got ${values.batchSize}`);
  }
  const batchSize = (values.batchSize as number | undefined) ?? 1;
  // The update rule weighs an update's share of its transaction's gas: a batch's share unless given.
  if (values.gasPerUpdate === undefined) values.gasPerUpdate = GAS_PER_UPDATE_BY_BATCH_SIZE[batchSize]!;
  if (values.proverThreads !== undefined && (values.proverThreads as number) < 1) throw new ConfigError(`--prover-threads: expected a positive integer, got ${values.proverThreads}`);
  const proverThreads = (values.proverThreads as number | undefined) ?? defaultProverThreads();
  const role = (values.role as KeeperRole | undefined) ?? "both";
  if (queue !== undefined && role === "prover") {
    // A prover takes jobs from the queue: no chain, no deployment, no key.
    return { ...DEFAULTS, ...(values as Partial<KeeperConfig>), proverThreads, batchSize, role, queue, rpcUrl: "", deploymentPath: "", deployment: { chainId: 0, manager: ZERO, verifier: ZERO, hook: ZERO, pools: [] } } as KeeperConfig;
  }
  const rpcUrl = values.rpcUrl as string | undefined;
  if (!rpcUrl) throw new ConfigError("no RPC endpoint: pass --rpc URL or set PROVENFEE_RPC_URL");
  if (!/^(https?|wss?):\/\//i.test(rpcUrl)) throw new ConfigError(`--rpc: expected an http(s):// or ws(s):// URL, got ${rpcUrl}`);
  const deploymentPath = values.deployment as string | undefined;
  if (!deploymentPath) throw new ConfigError("no deployment: pass --deployment FILE (written by 'provenfee deploy')");
  const deployment = parseDeployment(readJson(deploymentPath, "deployment"), deploymentPath);
  deployment.pools = deployment.pools.map((p) => ({ ...p, model: resolveModelPath(p.model, deploymentPath) }));
  const metricsPort = values.metricsPort as number | undefined;
  if (metricsPort !== undefined && metricsPort > 65535) throw new ConfigError(`--metrics-port: ${metricsPort} is not a port`);
  if (values.ruleHorizon !== undefined && (values.ruleHorizon as number) < 1) throw new ConfigError(`--rule-horizon: expected a positive integer (periods), got ${values.ruleHorizon}`);
  if (values.weth !== undefined && !isAddress(values.weth)) throw new ConfigError(`--weth: '${values.weth}' is not an address (0x followed by 40 hex digits)`);
  return {
    ...DEFAULTS,
    ...(values as Partial<KeeperConfig>),
    proverThreads,
    batchSize,
    role,
    rpcUrl,
    deploymentPath,
    deployment,
  } as KeeperConfig;
}
