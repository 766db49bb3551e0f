import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { privateKeyToAddress } from "viem/accounts";
import { encryptKeystore } from "../../keeper/keys.ts";
import { keeperStage, launch, until, feeUpdates, KEEPER_KEYS, OTHER_MODEL, type LiveChain, type StageInfo } from "./keeperStage.ts";
import { alive, descendants, portOpen } from "../processes.ts";

// `provenfee keeper` as an operator or a supervisor runs it: the bin itself, whose pid is the keeper
// (signals go straight to it), against anvil processes started here.
const CLI = [path.resolve("bin/provenfee.js"), "keeper"];

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  lines(): Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = {
    child, stdout: "", stderr: "",
    lines: () => run.stderr.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)),
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout!.on("data", (d) => (run.stdout += d));
  child.stderr!.on("data", (d) => (run.stderr += d));
  return run;
}

async function failsWith(args: string[], env: NodeJS.ProcessEnv, message: RegExp): Promise<void> {
  const run = runCli(args, env);
  const { code } = await run.exit;
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^provenfee keeper: /);
  expect(lines[0]).toMatch(message);
  expect(code).not.toBe(0);
  expect(run.stdout).toBe("");
}

describe("provenfee keeper (child process)", () => {
  let info: StageInfo;
  let chain: LiveChain;
  const key = { PROVENFEE_PRIVATE_KEY: KEEPER_KEYS[2]! };
  const deploymentWith = (change: (d: LiveChain["deployment"]) => void): string => {
    const d = structuredClone(chain.deployment);
    change(d);
    const file = path.join(chain.dir, `deployment-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(d));
    return file;
  };

  beforeAll(async () => {
    info = await keeperStage({ pools: 3 });
    chain = await launch(info, { automine: true });
  });

  afterAll(async () => {
    await chain?.stop();
  });

  describe.concurrent("bad configuration: one line on stderr, non-zero exit, before any work", () => {
    it("unknown pool name", async () => {
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", chain.deploymentFile, "--pool", "nope"], key, /pool nope: unknown pool \(.* lists pool0, pool1, pool2\)$/);
    });

    it("pool the hook does not have", async () => {
      const file = deploymentWith((d) => {
        d.pools[0]!.key.tickSpacing = 999;
      });
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", file], key, /pool pool0 \(0x[0-9a-f]{64}\): unknown pool, hook 0x[0-9a-fA-F]{40} has no such pool \(UnknownPool\)$/);
    });

    it("wrong chain id", async () => {
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", chain.deploymentFile, "--chain-id", "1"], key, /serves chain 31337, the config expects chain 1$/);
    });

    it("unreadable model file", async () => {
      const file = deploymentWith((d) => {
        d.pools[1]!.model = "/nonexistent/model.json";
      });
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", file], key, /pool pool1: \/nonexistent\/model\.json: cannot read model file \(ENOENT\)$/);
    });

    it("model whose commitment is not the pool's", async () => {
      const file = deploymentWith((d) => {
        d.pools[2]!.model = OTHER_MODEL;
      });
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", file], key, /pool pool2: model test\/fixtures\/other-model\.json has commitment 0x[0-9a-f]{64}, the pool is committed to 0x[0-9a-f]{64}$/);
    });

    it("update rule pays on a pool whose gas it cannot price (test tokens, no WETH)", async () => {
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", chain.deploymentFile], key, /pool pool0: the update rule cannot price gas in this pool's tokens \(neither is native ETH or a known WETH on chain 31337 \(--weth ADDRESS\)\): pass --gas-token-price Q \(token0 per gas token\) or --update-rule off$/);
      await failsWith(["--rpc", chain.anvil.rpcUrl, "--deployment", chain.deploymentFile, "--update-rule", "paid"], key, /--update-rule: expected one of pays, off, got paid$/);
    });

    it("unreachable endpoint", async () => {
      await failsWith(["--rpc", "http://127.0.0.1:9", "--deployment", chain.deploymentFile], key, /http:\/\/127\.0\.0\.1:9: RPC endpoint unreachable/);
    });
  });

  it("SIGINT to the keeper's pid (a supervisor's stop, Ctrl-C to the pid alone): graceful stop, exit 0, nothing left, metrics port closed", async () => {
    const run = runCli(["--rpc", chain.anvil.rpcUrl, "--deployment", chain.deploymentFile, "--update-rule", "off", "--metrics-port", "0", "--log-format", "json"], key);
    const serving = await until("the metrics endpoint", () => run.stderr.includes("serving /metrics") && run.lines().find((l) => l.msg === "serving /metrics and /healthz"), 90_000);
    const port = Number(new URL(serving.url as string).port);
    // The bin is the keeper; anything it started (tsx's esbuild service, at most) must go with it.
    const started = descendants(run.child.pid!);
    run.child.kill("SIGINT");
    expect(await run.exit).toEqual({ code: 0, signal: null });
    const lines = run.lines();
    expect(lines.find((l) => l.msg === "shutting down")).toMatchObject({ signal: "SIGINT" });
    expect(lines[lines.length - 1]).toMatchObject({ msg: "keeper stopped", signal: "SIGINT" });
    expect(alive(run.child.pid!)).toBe(false);
    for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(started.filter(alive)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
  }, 120_000);

  describe("running: config file + environment + flags, keystore, WebSocket, JSON logs, /metrics, /healthz, SIGTERM", () => {
    let live: LiveChain;
    let run: Run;
    let metricsUrl: string;

    beforeAll(async () => {
      live = await launch(info, { blockTime: 1, secondsPerBlock: 20 });
      const keystore = path.join(live.dir, "keystore.json");
      writeFileSync(keystore, JSON.stringify(encryptKeystore(KEEPER_KEYS[3]!, "correct horse", { n: 4096 })));
      const config = path.join(live.dir, "keeper.json");
      // The file says text logs and a slow poll; the environment overrides the log format, flags the rest.
      writeFileSync(config, JSON.stringify({ rpcUrl: live.anvil.rpcUrl.replace(/^http/, "ws"), deployment: "deployment.json", logFormat: "text", pollIntervalMs: 5000, keystore: "keystore.json", pools: ["pool0"] }));
      run = runCli(["--config", config, "--update-rule", "off", "--threshold", "0", "--poll-ms", "200", "--metrics-port", "0"], {
        PROVENFEE_LOG_FORMAT: "json", PROVENFEE_KEYSTORE_PASSWORD: "correct horse", PROVENFEE_SHUTDOWN_GRACE_MS: "15000",
      });
      const serving = await until("the metrics endpoint", () => run.stderr.includes("serving /metrics") && run.lines().find((l) => l.msg === "serving /metrics and /healthz"), 90_000);
      metricsUrl = serving.url as string;
    }, 120_000);

    afterAll(async () => {
      if (run?.child.exitCode === null) run.child.kill("SIGKILL");
      await live?.stop();
    });

    it("logs one JSON object per line, starts from the keystore's account over a new-heads subscription, and lands updates", async () => {
      await until("two updates to land", () => run.lines().filter((l) => l.msg === "fee updated").length >= 2, 60_000);
      const lines = run.lines();
      for (const l of lines) expect(l).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), msg: expect.any(String) });
      const starting = lines.find((l) => l.msg === "keeper starting")!;
      expect(starting).toMatchObject({ chainId: 31337, mode: "subscription", pools: "pool0", account: privateKeyToAddress(KEEPER_KEYS[3]!), threshold: 0 });
      expect(lines.find((l) => l.msg === "subscribed to new heads")).toBeDefined();
      const updates = (await feeUpdates(live)).filter((u) => u.keeper === privateKeyToAddress(KEEPER_KEYS[3]!));
      expect(updates.length).toBeGreaterThanOrEqual(2);
      expect(run.stdout).toBe("");
    });

    it("serves Prometheus /metrics and /healthz over HTTP", async () => {
      const health = await fetch(`${metricsUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, rpc: "up", pools: 1, subscribed: true });
      const res = await fetch(`${metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const value = (re: RegExp) => Number(text.match(re)?.[1] ?? NaN);
      expect(value(/^provenfee_blocks_seen_total (\d+)$/m)).toBeGreaterThan(2);
      expect(value(/^provenfee_proofs_made_total\{pool="pool0"\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect(value(/^provenfee_proving_seconds_count (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^provenfee_proving_seconds_bucket\{le="\+Inf"\} \d+$/m);
      expect(value(/^provenfee_updates_landed_total\{pool="pool0"\} (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^provenfee_updates_failed_total/m);
      expect(value(/^provenfee_gas_spent_total\{pool="pool0"\} (\d+)$/m)).toBeGreaterThan(400_000);
      expect(value(/^provenfee_rpc_errors_total (\d+)$/m)).toBe(0);
      expect(value(/^provenfee_update_latency_seconds_count (\d+)$/m)).toBeGreaterThanOrEqual(2);
      expect((await fetch(`${metricsUrl}/nope`)).status).toBe(404);
    });

    it("SIGTERM with an update in flight: finishes it (or abandons it cleanly) and exits 0", async () => {
      const sentBefore = run.lines().filter((l) => l.msg === "transaction sent").length;
      await until("an update in flight", () => run.lines().filter((l) => l.msg === "transaction sent").length > sentBefore, 30_000);
      const inFlight = run.lines().filter((l) => l.msg === "transaction sent").pop()!;
      const started = descendants(run.child.pid!);
      run.child.kill("SIGTERM");
      const { code, signal } = await run.exit;
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(await portOpen(Number(new URL(metricsUrl).port))).toBe(false);
      for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      expect(started.filter(alive)).toEqual([]);
      const lines = run.lines();
      expect(lines.find((l) => l.msg === "shutting down")).toMatchObject({ signal: "SIGTERM" });
      expect(lines[lines.length - 1]).toMatchObject({ msg: "keeper stopped", signal: "SIGTERM" });
      // Every update sent, the one in flight at the signal included, was settled before the exit.
      const settled = (P: number) =>
        lines.some((l) => ((l.msg === "fee updated" || String(l.msg).startsWith("update superseded")) && l.asOfPeriod === P) || l.msg === "abandoning transactions still in flight");
      const sent = lines.filter((l) => l.msg === "transaction sent").map((l) => Number(String(l.tag).split("@")[1]));
      expect(sent).toContain(Number(String(inFlight.tag).split("@")[1]));
      for (const P of sent) expect(settled(P), `period ${P}`).toBe(true);
    }, 60_000);
  });
});
