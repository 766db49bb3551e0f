import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Redis } from "ioredis";
import type { Hex } from "viem";
import { Prover } from "../../prover/prover.ts";
import { feeProverOf, type FeeProver } from "../../keeper/keeper.ts";
import { createLogger } from "../../keeper/log.ts";
import { RedisCoordinator } from "../../keeper/queue.ts";
import { HookClient } from "../../keeper/hookClient.ts";
import { keeperStage, launch, mine, nextPeriodStart, startTestKeeper, until, feeUpdates, KEEPER_KEYS, type LiveChain, type StageInfo, type TestKeeper } from "./keeperStage.ts";
import { startRedis, type RedisServer } from "../redis.ts";
import { alive } from "../processes.ts";

// Queue mode against a real redis-server (started here on a free port) and real anvil processes with
// the real hook, verifier and prover: provers in processes of their own, one killed holding a job;
// Redis killed and restarted (losing everything) with a job in flight; two schedulers on one queue.
// The test mines each block itself, so every fault lands where it should.
const CLI = [path.resolve("bin/provenfee.js"), "keeper"];

interface ProverProcess {
  child: ChildProcess;
  stderr: string;
  lines(): Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startProverProcess(redisUrl: string, queueName: string, extra: string[] = []): ProverProcess {
  const child = spawn(process.execPath, [...CLI, "--queue", redisUrl, "--queue-name", queueName, "--role", "prover", "--prover-threads", "1", "--job-lock-ms", "2000", "--log-format", "json", ...extra], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ["ignore", "pipe", "pipe"],
  });
  const p: ProverProcess = {
    child, stderr: "",
    lines: () => p.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)),
    exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.on("data", (d) => (p.stderr += d));
  child.stdout!.on("data", () => undefined);
  return p;
}

describe("keeper queue mode (BullMQ on a real Redis, anvil, real hook and prover)", () => {
  let info: StageInfo;
  let feeProver: FeeProver;
  let redis: RedisServer;
  let live: LiveChain | undefined;
  const keepers: TestKeeper[] = [];
  const provers: ProverProcess[] = [];
  let names = 0;
  const queueName = () => `q${process.pid}-${names++}`;

  beforeAll(async () => {
    let prover: Prover;
    [info, prover, redis] = await Promise.all([keeperStage({ pools: 3 }), Prover.load(), startRedis()]);
    feeProver = feeProverOf(prover);
  });

  afterEach(async () => {
    for (const k of keepers.splice(0)) await k.stop();
    for (const p of provers.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await live?.stop();
    live = undefined;
  });

  afterAll(async () => {
    await redis?.stop();
    await Prover.shutdown();
  });

  async function scheduler(name: string, flags: string[], options: { key?: Hex; prover?: FeeProver; leaseMs?: number } = {}): Promise<TestKeeper> {
    const k = await startTestKeeper(live!, {
      key: options.key ?? KEEPER_KEYS[0]!, prover: options.prover ?? feeProver, leaseMs: options.leaseMs,
      flags: ["--queue", redis.url, "--queue-name", name, "--job-lock-ms", "2000", "--pool", "pool0", "--threshold", "0", ...flags],
    });
    keepers.push(k);
    return k;
  }

  const hook = () => new HookClient(live!.trader, info.hook, info.manager);
  const updatesOf = async (P: number) => (await feeUpdates(live!)).filter((u) => u.poolId === info.pools[0]!.poolId && u.asOfPeriod === P);

  it("two prover processes, one killed holding a job: the job goes to the other after its lock runs out, and the update lands once", async () => {
    live = await launch(info);
    const name = queueName();
    const a = startProverProcess(redis.url, name);
    const b = startProverProcess(redis.url, name);
    provers.push(a, b);
    for (const p of [a, b]) await until("a prover to take jobs", () => p.lines().find((l) => l.msg === "prover taking jobs"), 90_000);
    const k = await scheduler(name, ["--role", "scheduler"]);
    // The start-up update: the period before the head's. Whichever prover takes its job is frozen
    // (SIGSTOP) the moment it says so, before the proof can be done, then killed.
    const taken = await until("a prover to take the start-up job", () => [a, b].find((p) => p.lines().some((l) => l.msg === "proving job")), 30_000);
    taken.child.kill("SIGSTOP");
    const job = taken.lines().find((l) => l.msg === "proving job")!;
    taken.child.kill("SIGKILL");
    await taken.exit;
    const other = taken === a ? b : a;
    const retried = await until("the other prover to take the same job", () => other.lines().find((l) => l.msg === "proving job" && l.job === job.job), 30_000);
    expect(retried.asOfPeriod).toBe(job.asOfPeriod);
    await until("the other prover to prove it", () => other.lines().find((l) => l.msg === "job proven" && l.job === job.job), 30_000);
    expect(taken.lines().some((l) => l.msg === "job proven")).toBe(false);
    const sent = await until("the update to be sent", () => k.events.sent[0], 30_000);
    expect(sent.asOfPeriod).toBe(job.asOfPeriod);
    await mine(live);
    await until("it to land", () => k.events.landed[0], 20_000);
    expect(await updatesOf(job.asOfPeriod as number)).toHaveLength(1);
    expect(k.events.sent).toHaveLength(1);

    // The survivor keeps serving: the next period's job is proven and lands.
    const t0 = Number((await live.trader.public.getBlock()).timestamp);
    const close = nextPeriodStart(t0 + 1);
    await mine(live, close + 1);
    const next = await until("the next period's update", () => k.events.sent.find((r) => r.asOfPeriod === close / 60 - 1), 30_000);
    await mine(live, close + 2);
    await until("it to land", () => k.events.landed.find((r) => r.hash === next.hash), 20_000);
    expect(other.lines().filter((l) => l.msg === "job proven").length).toBe(2);

    // SIGTERM to a prover: it finishes what it holds and exits 0.
    other.child.kill("SIGTERM");
    expect(await other.exit).toEqual({ code: 0, signal: null });
    expect(other.lines().pop()).toMatchObject({ msg: "keeper stopped", signal: "SIGTERM" });
    expect(alive(other.child.pid!)).toBe(false);
  }, 180_000);

  it("Redis killed and restarted (everything in it lost) with a job in flight: the scheduler enqueues the job again, the prover reconnects, the update lands once", async () => {
    live = await launch(info);
    let gate: Promise<void> = Promise.resolve();
    let open = () => {};
    let proving = 0;
    const gated: FeeProver = {
      async prove(...args) {
        proving++;
        await gate;
        return feeProver.prove(...args);
      },
    };
    const k = await scheduler(queueName(), [], { prover: gated });
    await until("the start-up update", () => k.events.sent.length === 1, 30_000);
    await mine(live);
    await until("it to land", () => k.events.landed.length === 1, 20_000);

    gate = new Promise((r) => (open = r));
    const t0 = Number((await live.trader.public.getBlock()).timestamp);
    const close = nextPeriodStart(t0 + 1);
    const P = close / 60 - 1;
    const before = proving;
    await mine(live, close + 1);
    await until("the job for P to be taken", () => proving > before, 20_000);
    await redis.restart(1000);
    open();
    await until("the scheduler to enqueue the lost job again", () => k.log.find("proof job vanished from the queue (Redis restarted?); enqueued again").length > 0, 30_000);
    const sent = await until("the update for P", () => k.events.sent.find((r) => r.asOfPeriod === P), 40_000);
    await mine(live, close + 2);
    await until("it to land", () => k.events.landed.find((r) => r.hash === sent.hash), 20_000);
    expect(await updatesOf(P)).toHaveLength(1);
    expect(k.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(1);
    expect(k.log.find("queue unreachable; retrying").length).toBeGreaterThanOrEqual(1);
    expect(k.log.find("queue reachable again").length).toBeGreaterThanOrEqual(1);

    // And the cluster carries on: the next period goes through the new Redis.
    const next = close + 60;
    await mine(live, next + 1);
    const later = await until("the next period's update", () => k.events.sent.find((r) => r.asOfPeriod === next / 60 - 1), 30_000);
    await mine(live, next + 2);
    await until("it to land", () => k.events.landed.find((r) => r.hash === later.hash), 20_000);
    expect(k.events.lost).toHaveLength(0);
  }, 180_000);

  it("two schedulers on one queue (started by mistake): one schedules, the other stands by; no period is submitted twice, none reaches PeriodNotNewer; the standby takes over when the first stops", async () => {
    live = await launch(info);
    const name = queueName();
    const first = await scheduler(name, [], { key: KEEPER_KEYS[0]!, leaseMs: 3000 });
    const second = await scheduler(name, [], { key: KEEPER_KEYS[1]!, leaseMs: 3000 });
    expect(first.coordinator!.isScheduler()).toBe(true);
    expect(second.coordinator!.isScheduler()).toBe(false);
    await until("the start-up update", () => first.events.sent.length === 1, 30_000);
    let close = nextPeriodStart(Number((await live.trader.public.getBlock()).timestamp) + 1);
    await mine(live);
    for (let i = 0; i < 2; i++, close += 60) {
      await mine(live, close + 1);
      await until(`the update for period ${close / 60 - 1}`, () => first.events.sent.find((r) => r.asOfPeriod === close / 60 - 1), 30_000);
      await mine(live, close + 2);
      await until("it to land", () => first.events.landed.find((r) => r.asOfPeriod === close / 60 - 1), 20_000);
    }
    await until("the standby to say so", () => second.log.find("standing by: another process holds the scheduler lease").length > 0);
    expect(second.events.sent).toHaveLength(0);

    // The first stops (SIGTERM's path): it gives the lease up, and the second schedules from the next block.
    await first.stop();
    keepers.splice(keepers.indexOf(first), 1);
    await until("the second to hold the lease", () => second.coordinator!.isScheduler(), 10_000);
    await mine(live, close + 1);
    const taken = await until("the second's update", () => second.events.sent.find((r) => r.asOfPeriod === close / 60 - 1), 30_000);
    await mine(live, close + 2);
    await until("it to land", () => second.events.landed.find((r) => r.hash === taken.hash), 20_000);
    expect(second.log.find("scheduling: this process holds the scheduler lease").length).toBe(1);

    const all = (await feeUpdates(live)).filter((u) => u.poolId === info.pools[0]!.poolId);
    expect(new Set(all.map((u) => u.asOfPeriod)).size).toBe(all.length);
    expect(all.length).toBe(4);
    for (const k of [first, second]) {
      expect(k.events.lost).toHaveLength(0);
      expect(k.log.find(/updateFee refused/)).toHaveLength(0);
    }
    expect((await hook().poolState(info.pools[0]!.key)).lastUpdatePeriod).toBe(close / 60 - 1);
  }, 180_000);

  it("a second scheduler that believes it holds the lease (the first's lapsed while it still ran) cannot claim what the first claimed", async () => {
    const log = createLogger({ level: "error" });
    const settings = { url: redis.url, name: queueName(), jobLockMs: 2000 };
    const a = RedisCoordinator.open(settings, log, 60_000);
    const b = RedisCoordinator.open(settings, log, 60_000);
    try {
      await a.start();
      await b.start();
      expect([a.isScheduler(), b.isScheduler()]).toEqual([true, false]);
      // The lease lapses under a (a pause, a Redis restart): b takes it, a has not noticed yet.
      const raw = new Redis(redis.port, "127.0.0.1");
      await raw.del(`provenfee:${settings.name}:scheduler`);
      raw.disconnect();
      await (b as unknown as { renew(): Promise<void> }).renew();
      expect([a.isScheduler(), b.isScheduler()]).toEqual([true, true]);
      const pool = info.pools[0]!.poolId;
      expect(await a.claim(pool, 100)).toBe("ours");
      expect(await b.claim(pool, 100)).toBe("taken");
      expect(await a.claim(pool, 100)).toBe("ours"); // its own claim again (a reorg's re-derived update)
      expect(await b.claim(pool, 101)).toBe("ours");
      expect(await a.claim(pool, 101)).toBe("taken");
      // A stopped scheduler (or one whose lease ran out) claims nothing, and says so: the keeper
      // then decides the period again instead of giving it up.
      await a.stop();
      expect(a.isScheduler()).toBe(false);
      expect(await a.claim(pool, 102)).toBe("unavailable");
      expect(await b.claim(pool, 102)).toBe("ours");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
