import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KEEPER_USAGE, OPTIONS, loadKeeperConfig, type KeeperConfig } from "../keeper/config.ts";
import { resolvePrivateKey, encryptKeystore, KeyError } from "../keeper/keys.ts";

const ADDR = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const deployment = {
  chainId: 31337, manager: ADDR(1), verifier: ADDR(2), hook: ADDR(3),
  pools: [{ name: "a", model: "model/default-model.json", key: { currency0: ADDR(4), currency1: ADDR(5), fee: 0x800000, tickSpacing: 10, hooks: ADDR(3) } }],
};

function files(config: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(tmpdir(), "keeper-config-"));
  writeFileSync(path.join(dir, "deployment.json"), JSON.stringify(deployment));
  writeFileSync(path.join(dir, "keeper.json"), JSON.stringify(config));
  return { dir, config: path.join(dir, "keeper.json"), deployment: path.join(dir, "deployment.json") };
}
const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => loadKeeperConfig(argv, env) as KeeperConfig;

describe("keeper configuration: file, environment, flags", () => {
  it("takes every option from the file, the environment or a flag, a flag over the environment over the file", () => {
    const f = files({ rpcUrl: "http://file:8545", deployment: "deployment.json", feeChangeThreshold: 5, maxFeePerGasGwei: 50, pollIntervalMs: 800, logFormat: "text", pools: ["a"], metricsPort: 9100 });
    const fromFile = load(["--config", f.config]);
    expect(fromFile).toMatchObject({ rpcUrl: "http://file:8545", deploymentPath: f.deployment, feeChangeThreshold: 5, maxFeePerGasGwei: 50, pollIntervalMs: 800, logFormat: "text", poolNames: ["a"], metricsPort: 9100 });
    expect(fromFile.deployment.hook).toBe(ADDR(3));

    const env = { PROVENFEE_CONFIG: f.config, PROVENFEE_RPC_URL: "ws://env:8546", PROVENFEE_THRESHOLD: "7", PROVENFEE_LOG_FORMAT: "json", PROVENFEE_POOLS: "a, b" };
    const fromEnv = load([], env);
    expect(fromEnv).toMatchObject({ rpcUrl: "ws://env:8546", feeChangeThreshold: 7, logFormat: "json", poolNames: ["a", "b"], maxFeePerGasGwei: 50 });

    const fromFlags = load(["--rpc", "http://flag:8545", "--threshold", "9", "--pool", "x", "--pool", "y", "--log-format", "text", "--max-fee-gwei", "1.5"], env);
    expect(fromFlags).toMatchObject({ rpcUrl: "http://flag:8545", feeChangeThreshold: 9, poolNames: ["x", "y"], logFormat: "text", maxFeePerGasGwei: 1.5, pollIntervalMs: 800 });
  });

  it("has defaults for everything but the endpoint and the deployment, and documents every option in all three forms", () => {
    const f = files({});
    const c = load(["--rpc", "http://x", "--deployment", f.deployment]);
    expect(c).toMatchObject({ feeChangeThreshold: 1, keepAlivePeriods: 2, keepAlive: "on-change", maxFeePerGasGwei: 200, priorityFeeGwei: 1, replaceAfterBlocks: 3, pollIntervalMs: 500, shutdownGraceMs: 10_000, metricsHost: "127.0.0.1", logFormat: "text", logLevel: "info", backend: "auto" });
    expect(c.metricsPort).toBeUndefined();
    for (const o of OPTIONS) {
      expect(KEEPER_USAGE).toContain(`--${o.flag}`);
      expect(KEEPER_USAGE).toContain(o.env);
    }
    expect(load(["--help"])).toBe("help");
  });

  it("refuses bad values with a one-line message naming where they came from", () => {
    const f = files({ rpcUrl: "http://x", deployment: "deployment.json", pollIntervalMs: "fast" });
    expect(() => load(["--config", f.config])).toThrow(/keeper\.json: pollIntervalMs: expected a non-negative integer, got "fast"$/);
    const g = files({ rpcUrl: "http://x", deployment: "deployment.json" });
    expect(() => load(["--config", g.config, "--threshold=-1"])).toThrow(/^--threshold: expected a non-negative number/);
    expect(() => load(["--config", g.config], { PROVENFEE_LOG_FORMAT: "yaml" })).toThrow(/^PROVENFEE_LOG_FORMAT: expected one of text, json, got yaml$/);
    expect(load(["--config", g.config, "--keep-alive", "always"])).toMatchObject({ keepAlive: "always" });
    expect(() => load(["--config", g.config], { PROVENFEE_KEEP_ALIVE: "never" })).toThrow(/^PROVENFEE_KEEP_ALIVE: expected one of on-change, always, got never$/);
    expect(() => load(["--config", g.config, "--backend", "tpu"])).toThrow(/^--backend: expected one of auto, tensorflow-gpu, tensorflow, wasm, cpu/);
    expect(() => load(["--config", g.config, "--rpc", "127.0.0.1:8545"])).toThrow(/expected an http\(s\):\/\/ or ws\(s\):\/\/ URL/);
    expect(() => load(["--config", g.config, "--bogus"])).toThrow(/bogus/);
    const typo = files({ rpcURL: "http://x" });
    expect(() => load(["--config", typo.config])).toThrow(/unknown key rpcURL/);
    expect(() => load(["--deployment", g.deployment])).toThrow(/^no RPC endpoint/);
    expect(() => load(["--rpc", "http://x"])).toThrow(/^no deployment/);
    expect(() => load(["--rpc", "http://x", "--deployment", "/nonexistent.json"])).toThrow(/^\/nonexistent\.json: cannot read deployment \(ENOENT\)$/);
  });

  it("--batch-size: 1 by default, 2, 4 or 8 from a flag, the environment or the file; the update rule's gas per update follows it unless given", () => {
    const f = files({ rpcUrl: "http://x", deployment: "deployment.json" });
    const base = load(["--config", f.config]);
    expect(base.batchSize).toBe(1);
    expect(base.gasPerUpdate).toBe(280_000);
    expect(load(["--config", f.config, "--batch-size", "8"])).toMatchObject({ batchSize: 8, gasPerUpdate: 86_000 });
    expect(load(["--config", f.config], { PROVENFEE_BATCH_SIZE: "4" })).toMatchObject({ batchSize: 4, gasPerUpdate: 114_000 });
    expect(load(["--config", files({ rpcUrl: "http://x", deployment: "deployment.json", batchSize: 2 }).config])).toMatchObject({ batchSize: 2, gasPerUpdate: 168_000 });
    expect(load(["--config", f.config, "--batch-size", "8", "--gas-per-update", "90000"])).toMatchObject({ batchSize: 8, gasPerUpdate: 90_000 });
    expect(() => load(["--config", f.config, "--batch-size", "3"])).toThrow(/^--batch-size: expected one of 1, 2, 4, 8 \(the sizes with a circuit and an on-chain verifier\), got 3$/);
    expect(() => load(["--config", f.config, "--batch-sise", "4"])).toThrow(/batch-size/);
  });

  it("queue mode: --queue takes a redis:// URL; --role, --queue-name and --job-lock-ms only with it; a prover needs no endpoint, deployment or key", () => {
    const f = files({});
    const base = ["--rpc", "http://x", "--deployment", f.deployment];
    // Without --queue: one process, no Redis.
    const single = load(base);
    expect(single.queue).toBeUndefined();
    expect(single.role).toBe("both");
    expect(single.proverThreads).toBeGreaterThanOrEqual(1);
    expect(load([...base, "--prover-threads", "3"]).proverThreads).toBe(3);
    const queued = load([...base, "--queue", "redis://10.0.0.5:6380/2"]);
    expect(queued).toMatchObject({ queue: "redis://10.0.0.5:6380/2", role: "both", queueName: "provenfee", jobLockMs: 30_000 });
    expect(load([...base], { PROVENFEE_QUEUE: "redis://r:6379", PROVENFEE_ROLE: "scheduler", PROVENFEE_QUEUE_NAME: "eth-main" })).toMatchObject({ queue: "redis://r:6379", role: "scheduler", queueName: "eth-main" });
    // A prover: no chain, so neither --rpc nor --deployment.
    const prover = load(["--queue", "redis://r:6379", "--role", "prover", "--job-lock-ms", "5000"]);
    expect(prover).toMatchObject({ role: "prover", queue: "redis://r:6379", jobLockMs: 5000, rpcUrl: "", deployment: { pools: [] } });
    // A scheduler still needs both.
    expect(() => load(["--queue", "redis://r:6379", "--role", "scheduler"])).toThrow(/^no RPC endpoint/);

    expect(() => load([...base, "--queue", "http://r:6379"])).toThrow(/^--queue: expected redis:\/\/HOST:PORT, got http:\/\/r:6379$/);
    expect(() => load([...base, "--queue", "redis://r:redis"])).toThrow(/^--queue: 'redis' is not a port/);
    expect(() => load([...base, "--queue", "redis://r:70000"])).toThrow(/^--queue: '70000' is not a port/);
    expect(() => load([...base, "--role", "prover"])).toThrow(/^--role: only with --queue redis:\/\/HOST:PORT/);
    expect(() => load([...base, "--queue-name", "x"])).toThrow(/^--queue-name: only with --queue/);
    expect(() => load([...base, "--job-lock-ms", "5000"])).toThrow(/^--job-lock-ms: only with --queue/);
    expect(() => load([...base, "--queue", "redis://r", "--role", "worker"])).toThrow(/^--role: expected one of both, scheduler, prover/);
    expect(() => load([...base, "--queue", "redis://r", "--queue-name", "a b"])).toThrow(/^--queue-name: 'a b' may hold only/);
    expect(() => load([...base, "--queue", "redis://r", "--job-lock-ms", "10"])).toThrow(/^--job-lock-ms: expected at least 1000/);
    expect(() => load([...base, "--prover-threads", "0"])).toThrow(/^--prover-threads: expected a positive integer/);
  });

  it("takes the key only from the environment or a keystore: never a flag, never the config file", async () => {
    const f = files({ rpcUrl: "http://x", deployment: "deployment.json", privateKey: "0x01" });
    expect(() => load(["--config", f.config])).toThrow(/privateKey: refused, keep the signing key out of the config file/);
    const g = files({ rpcUrl: "http://x", deployment: "deployment.json" });
    expect(() => load(["--config", g.config, "--private-key", "0x01"])).toThrow(/^--private-key: refused, a key on the command line is visible in ps/);

    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    expect(resolvePrivateKey({ PROVENFEE_PRIVATE_KEY: key })).toBe(key);
    const keystore = path.join(g.dir, "keystore.json");
    writeFileSync(keystore, JSON.stringify(encryptKeystore(key, "hunter2", { n: 1024 })));
    const viaConfig = files({ rpcUrl: "http://x", deployment: "deployment.json", keystore: keystore });
    const c = load(["--config", viaConfig.config]);
    expect(c.keystore).toBe(keystore);
    expect(resolvePrivateKey({ PROVENFEE_KEYSTORE_PASSWORD: "hunter2" }, c.keystore)).toBe(key);
    expect(() => resolvePrivateKey({}, c.keystore)).toThrow(KeyError);
    expect(() => resolvePrivateKey({ PROVENFEE_KEYSTORE_PASSWORD: "nope" }, c.keystore)).toThrow(/wrong password/);
    expect(() => resolvePrivateKey({})).toThrow(/^no signing key/);
  });
});
