import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { Prover } from "../../prover/prover.ts";
import { feeProverOf, type FeeProver, type ProvenFee } from "../../keeper/keeper.ts";
import { HookClient } from "../../keeper/hookClient.ts";
import {
  forkPoint, keeperStage, launch, mine, nextPeriodStart, sendSwap, startTestKeeper, until, feeUpdates, KEEPER_KEYS,
  type KeeperMode, type LiveChain, type StageInfo, type TestKeeper,
} from "./keeperStage.ts";
import { startRedis, type RedisServer } from "../redis.ts";

// The keeper daemon (Keeper.run() polling every 50 ms, started as `provenfee keeper` starts it)
// against real anvil processes holding the real PoolManager, verifier and hook with real swaps
// replayed, proving with the real prover. The test mines each block itself (automine off), so
// every fault lands exactly where it should.
//
// Both modes: one process (the default), and queue mode (--queue on a real redis-server started
// here), where each keeper is a cluster of its own whose proofs go through BullMQ jobs.
for (const modeName of ["single", "queue"] as const)
describe(`keeper faults (anvil, real hook and prover; ${modeName === "single" ? "single process" : "queue mode, real Redis"})`, () => {
  let info: StageInfo;
  let redis: RedisServer | undefined;
  let mode: KeeperMode = { mode: "single" };
  let prover: Prover;
  let feeProver: FeeProver;
  let live: LiveChain | undefined;
  const keepers: TestKeeper[] = [];

  beforeAll(async () => {
    [info, prover] = await Promise.all([keeperStage({ pools: 3 }), Prover.load()]);
    if (modeName === "queue") {
      redis = await startRedis();
      mode = { mode: "queue", redisUrl: redis.url };
    }
    feeProver = feeProverOf(prover);
    const { loadModel, N_FEATURES } = await import("../../model/index.ts");
    await feeProver.prove(await loadModel("model/default-model.json"), Array(N_FEATURES).fill(0n), { poolFeeMin: 100, poolFeeMax: 100_000, period: 60 }, 1n);
  });

  afterEach(async () => {
    for (const k of keepers.splice(0)) await k.stop();
    await live?.stop();
    live = undefined;
  });

  afterAll(async () => {
    await redis?.stop();
    await Prover.shutdown();
  });

  async function start(flags: string[] = [], key: Hex = KEEPER_KEYS[0]!, proverOverride?: FeeProver): Promise<TestKeeper> {
    const k = await startTestKeeper(live!, { key, flags, prover: proverOverride ?? feeProver, mode });
    keepers.push(k);
    return k;
  }

  /** The keeper updates the period before the head's at start-up; let that land so each test starts clean. */
  async function settleStart(k: TestKeeper): Promise<{ head: number; landed: number }> {
    await until("the start-up update to be sent", () => k.events.sent.length >= k.keeper.servedPools.length);
    const at = await mine(live!);
    await until("the start-up update to land", () => k.events.landed.length >= k.keeper.servedPools.length);
    void at;
    return { head: Number((await live!.trader.public.getBlock()).timestamp), landed: k.events.landed.length };
  }

  const hook = () => new HookClient(live!.trader, info.hook, info.manager);
  const pool0 = () => info.pools[0]!;
  const txsOf = async (address: Hex, fromBlock: bigint) => {
    const head = await live!.trader.public.getBlockNumber({ cacheTime: 0 });
    const out = [];
    for (let n = fromBlock; n <= head; n++) {
      const block = await live!.trader.public.getBlock({ blockNumber: n, includeTransactions: true });
      out.push(...block.transactions.filter((t) => t.from.toLowerCase() === address.toLowerCase()));
    }
    return out;
  };

  it("reorg that orphans a landed update: the update is re-derived from the new chain's observations and the orphaned proof never goes out again", async () => {
    live = await launch(info);
    const k = await start(["--pool", "pool0", "--threshold", "0"]);
    const { head: t0 } = await settleStart(k);
    const close = nextPeriodStart(t0 + 10); // the first block at or after this closes period P
    const P = close / 60 - 1;
    const { snapshot, forkBlock } = await forkPoint(live, k);

    await mine(live, close + 1);
    const orphaned = await until("the update for P", () => k.events.sent.find((r) => r.asOfPeriod === P));
    await mine(live, close + 2);
    await until("it to land", () => k.events.landed.find((r) => r.asOfPeriod === P));
    expect((await hook().poolState(pool0().key)).lastUpdatePeriod).toBe(P);

    // The chain forgets both blocks and grows another history: a large move inside period P.
    await live.rpc("evm_revert", [snapshot]);
    const reorg = await until("the keeper to see the reorg", () => k.events.reorgs[0]);
    expect(reorg.forkPoint).toBe(forkBlock);
    expect(reorg.voided).toEqual([`pool0@${P}`]);
    expect(k.log.find(/chain reorganization/)).toHaveLength(1);
    const tick = info.moreTicks[0]! + 400;
    await sendSwap(live, pool0().key, tick);
    await mine(live, close - 5);
    await mine(live, close + 1);
    const rederived = await until("the re-derived update for P", () => k.events.sent.find((r) => r.asOfPeriod === P && r.hash !== orphaned.hash));
    const onNewChain = await hook().featuresAsOf(pool0().key, P);
    expect(rederived.features).toEqual(onNewChain);
    expect(rederived.features).not.toEqual(orphaned.features);
    await mine(live);
    await until("the re-derived update to land", () => k.events.landed.find((r) => r.hash === rederived.hash));

    // On the new chain: the orphaned update is nowhere, its nonce went to a 0-value cancellation,
    // and the one update for P carries the new chain's features.
    await expect(live.trader.public.getTransactionReceipt({ hash: orphaned.hash })).rejects.toThrow();
    const mined = await txsOf(k.clients.account.address, forkBlock);
    expect(mined.map((t) => t.nonce)).toEqual([orphaned.nonce, orphaned.nonce + 1]);
    expect(mined[0]!.to!.toLowerCase()).toBe(k.clients.account.address.toLowerCase());
    expect(mined[0]!.input).toBe("0x");
    const updates = (await feeUpdates(live)).filter((u) => u.asOfPeriod === P);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.features).toEqual(onNewChain);
    expect(await hook().lpFee(pool0().key)).toBe(rederived.fee);
    expect(k.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(2);
  });

  it("reorg while an update is pending: the pending transaction is cancelled before any block can include it, then re-derived", async () => {
    live = await launch(info);
    const k = await start(["--pool", "pool0", "--threshold", "0"]);
    const { head: t0 } = await settleStart(k);
    const close = nextPeriodStart(t0 + 10);
    const P = close / 60 - 1;
    const { snapshot, forkBlock, cancelled } = await forkPoint(live, k);

    await mine(live, close + 1);
    const pending = await until("the update for P", () => k.events.sent.find((r) => r.asOfPeriod === P));
    await live.rpc("evm_revert", [snapshot]);
    // The transaction is still in anvil's mempool, built on a block that no longer exists.
    expect((await live.trader.public.getTransaction({ hash: pending.hash })).blockNumber).toBeNull();
    await until("the cancellation", () => cancelled[0]);
    expect(cancelled[0]!.nonce).toBe(pending.nonce);
    await expect(live.trader.public.getTransaction({ hash: pending.hash })).rejects.toThrow();

    await sendSwap(live, pool0().key, info.moreTicks[0]! - 400);
    const b1 = await mine(live, close - 5);
    const block = await live.trader.public.getBlock({ blockNumber: b1, includeTransactions: true });
    const ours = block.transactions.filter((t) => t.from.toLowerCase() === k.clients.account.address.toLowerCase());
    expect(ours.map((t) => [t.hash, t.input])).toEqual([[cancelled[0]!.hash, "0x"]]);
    await mine(live, close + 1);
    const rederived = await until("the re-derived update for P", () => k.events.sent.find((r) => r.asOfPeriod === P && r.hash !== pending.hash));
    expect(rederived.nonce).toBe(pending.nonce + 1);
    expect(rederived.features).toEqual(await hook().featuresAsOf(pool0().key, P));
    expect(rederived.features).not.toEqual(pending.features);
    await mine(live);
    await until("it to land", () => k.events.landed.find((r) => r.hash === rederived.hash));
    const updates = (await feeUpdates(live)).filter((u) => u.blockNumber >= forkBlock);
    expect(updates.map((u) => [u.asOfPeriod, u.hash])).toEqual([[P, rederived.hash]]);
    expect(k.registry.render()).toMatch(/provenfee_tx_cancellations_total 1\b/);
    expect(k.registry.render()).toMatch(/provenfee_reorgs_total 1\b/);
  });

  it("a transaction dropped from the mempool is re-sent with its nonce and lands", async () => {
    live = await launch(info);
    const k = await start(["--pool", "pool0", "--threshold", "0"]);
    const { head: t0 } = await settleStart(k);
    const close = nextPeriodStart(t0 + 10);
    const P = close / 60 - 1;
    const resent: Hex[] = [];
    k.txm.on("resent", (e) => resent.push(e.hash));
    await mine(live, close + 1);
    const sent = await until("the update for P", () => k.events.sent.find((r) => r.asOfPeriod === P));
    expect(await live.rpc("anvil_dropTransaction", [sent.hash])).toBe(sent.hash);
    await mine(live, close + 2); // empty: the keeper finds its transaction gone
    await until("the re-broadcast", () => resent[0]);
    expect(resent).toEqual([sent.hash]);
    expect(k.log.find("transaction dropped from the mempool; re-sent")).toHaveLength(1);
    await mine(live, close + 3);
    const landed = await until("it to land", () => k.events.landed.find((r) => r.asOfPeriod === P));
    expect(landed.hash).toBe(sent.hash);
    expect((await hook().poolState(pool0().key)).lastUpdatePeriod).toBe(P);
    expect(k.registry.render()).toMatch(/provenfee_tx_rebroadcasts_total 1\b/);
  });

  it("another keeper lands first: the slow keeper sees PeriodNotNewer in simulation and spends no gas on the period", async () => {
    live = await launch(info);
    let gate: Promise<void> = Promise.resolve();
    let open = () => {};
    let waiting = 0;
    const slowProver: FeeProver = {
      async prove(...args) {
        const r = await feeProver.prove(...args);
        waiting++;
        await gate;
        return r;
      },
    };
    const fast = await start(["--pool", "pool0", "--threshold", "0"], KEEPER_KEYS[1]!);
    const { head: t0 } = await settleStart(fast);
    gate = new Promise((r) => (open = r));
    const slow = await start(["--pool", "pool0", "--threshold", "0"], KEEPER_KEYS[0]!, slowProver);
    const close = nextPeriodStart(t0 + 10);
    const P = close / 60 - 1;
    await mine(live, close + 1);
    await until("both keepers to have a proof for P", () => fast.events.sent.find((r) => r.asOfPeriod === P) && waiting >= 1);
    await mine(live, close + 2);
    await until("the fast keeper's update to land", () => fast.events.landed.find((r) => r.asOfPeriod === P));
    open();
    const lost = await until("the slow keeper to stand down", () => slow.events.lost[0]);
    expect(lost).toEqual({ pool: "pool0", asOfPeriod: P, stage: "simulation" });
    expect(slow.log.find("another keeper updated first; standing down for this period")).toHaveLength(1);
    for (let s = 3; s < 6; s++) await mine(live, close + s);
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.events.sent).toHaveLength(0);
    expect(await live.trader.public.getTransactionCount({ address: slow.clients.account.address })).toBe(0);
    expect(slow.registry.render()).toMatch(/provenfee_updates_lost_race_total\{pool="pool0"\} 1\b/);
    expect(slow.registry.render()).not.toMatch(/provenfee_gas_spent_total\{/);
  });

  it("two keepers in the same block: the loser's transaction reverts with PeriodNotNewer once, and it sends nothing more for that period", async () => {
    live = await launch(info);
    const a = await start(["--pool", "pool0", "--threshold", "0"], KEEPER_KEYS[0]!);
    const b = await start(["--pool", "pool0", "--threshold", "0"], KEEPER_KEYS[1]!);
    await until("both start-up proofs", () => a.events.sent.length + b.events.sent.length >= 2);
    const t0 = Number((await live.trader.public.getBlock()).timestamp);
    await mine(live);
    await until("the start-up race to settle", () => a.events.landed.length + a.events.lost.length >= 1 && b.events.landed.length + b.events.lost.length >= 1);
    const close = nextPeriodStart(t0 + 1);
    const P = close / 60 - 1;
    await mine(live, close + 1);
    await until("both updates for P", () => a.events.sent.find((r) => r.asOfPeriod === P) && b.events.sent.find((r) => r.asOfPeriod === P));
    await mine(live, close + 2);
    await until("the race for P to settle", () => [a, b].some((k) => k.events.landed.find((r) => r.asOfPeriod === P)) && [a, b].some((k) => k.events.lost.find((l) => l.asOfPeriod === P)));
    const loser = a.events.lost.find((l) => l.asOfPeriod === P) ? a : b;
    expect(loser.events.lost.find((l) => l.asOfPeriod === P)!.stage).toBe("transaction");
    const nonceAfter = await live.trader.public.getTransactionCount({ address: loser.clients.account.address });
    for (let s = 3; s < 7; s++) await mine(live, close + s);
    await new Promise((r) => setTimeout(r, 300));
    expect(loser.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(1);
    expect(await live.trader.public.getTransactionCount({ address: loser.clients.account.address, blockTag: "pending" })).toBe(nonceAfter);
    const reverted = await live.trader.public.getTransactionReceipt({ hash: loser.events.sent.find((r) => r.asOfPeriod === P)!.hash });
    expect(reverted.status).toBe("reverted");
    expect(loser.log.find("another keeper updated first; standing down for this period").some((l) => l.asOfPeriod === P && l.stage === "transaction")).toBe(true);
    expect((await feeUpdates(live)).filter((u) => u.asOfPeriod === P)).toHaveLength(1);
  });

  it("malformed proofs are refused in simulation without a verdict on the fee: one outside the field is dropped as malformed, a B outside G2 runs the verifier out of gas and the period is retried", async () => {
    live = await launch(info);
    const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    // on the G2 twist (x = 1) but outside the subgroup: the pairing precompile refuses it and keeps the gas
    const OUTSIDE_G2: ProvenFee["b"] = [[0n, 1n], [5912654199736721486680175016176231956195085055698687135131307249486702594212n, 18278151005453108793778860132295291098363647455926340152056652516292830556603n]];
    let mangle: ((p: ProvenFee) => ProvenFee) | undefined;
    const mangling: FeeProver = {
      async prove(...args) {
        const proven = await feeProver.prove(...args);
        const m = mangle;
        mangle = undefined;
        return m ? m(proven) : proven;
      },
    };
    const k = await start(["--pool", "pool0", "--threshold", "0"], KEEPER_KEYS[0]!, mangling);
    const { head: t0 } = await settleStart(k);
    type Failure = { asOfPeriod: number; reason: string; kind: string; stage: string };
    const failures = () => k.events.failed as Failure[];

    mangle = (p) => ({ ...p, a: [p.a[0], p.a[1] + BASE_FIELD] });
    let close = nextPeriodStart(t0 + 10);
    let P = close / 60 - 1;
    await mine(live, close + 1);
    expect(await until("the malformed proof's refusal", () => failures().find((f) => f.asOfPeriod === P))).toMatchObject({ reason: "ProofNotInField", kind: "malformed-proof", stage: "simulation" });
    for (let s = 2; s < 5; s++) await mine(live, close + s);
    await new Promise((r) => setTimeout(r, 300));
    expect(k.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(0);
    expect(k.log.find("updateFee refused a malformed proof before verifying it (its points are not curve points)").map((l) => [l.level, l.reason])).toEqual([["error", "ProofNotInField"]]);

    mangle = (p) => ({ ...p, b: OUTSIDE_G2 });
    close += 60;
    P += 1;
    await mine(live, close + 1);
    expect(await until("the out-of-gas refusal", () => failures().find((f) => f.asOfPeriod === P))).toMatchObject({ reason: "VerifierOutOfGas", kind: "out-of-gas", stage: "simulation" });
    expect(k.log.find("updateFee ran the verifier out of gas; retrying the period")).toHaveLength(1);
    await mine(live, close + 2);
    await until("the retry with a fresh proof", () => k.events.sent.find((r) => r.asOfPeriod === P));
    await mine(live, close + 3);
    await until("it to land", () => k.events.landed.find((r) => r.asOfPeriod === P));
    expect(k.log.lines.filter((l) => l.reason === "InvalidProof")).toHaveLength(0);
    expect(k.registry.render()).toMatch(/provenfee_updates_failed_total\{pool="pool0",reason="ProofNotInField"\} 1\b/);
    expect(k.registry.render()).toMatch(/provenfee_updates_failed_total\{pool="pool0",reason="VerifierOutOfGas"\} 1\b/);
  });

  it("an update sent with too low a gas limit reverts as VerifierOutOfGas, not as a bad proof; the keeper doubles the limit and lands the period at the next block", async () => {
    live = await launch(info);
    const k = await start(["--pool", "pool0", "--threshold", "0"]);
    const { head: t0 } = await settleStart(k);
    // Pretend an earlier update used 150k gas, so the next one goes out with 225k: too little for the verifier.
    (k.keeper as unknown as { gasUsed: Map<Hex, bigint> }).gasUsed.set(pool0().poolId, 150_000n);
    const close = nextPeriodStart(t0 + 10);
    const P = close / 60 - 1;
    await mine(live, close + 1);
    const first = await until("the update for P", () => k.events.sent.find((r) => r.asOfPeriod === P));
    await mine(live, close + 2);
    const refused = await until("its refusal", () => (k.events.failed as { asOfPeriod: number; reason: string; kind: string; stage: string }[]).find((f) => f.asOfPeriod === P));
    expect(refused).toMatchObject({ reason: "VerifierOutOfGas", kind: "out-of-gas", stage: "transaction" });
    expect((await live.trader.public.getTransaction({ hash: first.hash })).gas).toBe(225_000n);
    expect(k.log.find("updateFee ran the verifier out of gas; retrying the period")[0]).toMatchObject({ gasLimit: "225000", nextGasLimit: "450000" });
    await mine(live, close + 3);
    const retry = await until("the retry", () => k.events.sent.find((r) => r.asOfPeriod === P && r.hash !== first.hash));
    expect((await live.trader.public.getTransaction({ hash: retry.hash })).gas).toBe(450_000n);
    await mine(live, close + 4);
    await until("it to land", () => k.events.landed.find((r) => r.asOfPeriod === P));
    expect(k.log.lines.filter((l) => l.reason === "InvalidProof")).toHaveLength(0);
  });

  it("skips a period whose proven fee moves less than the threshold, and never sends two updates for one pool and period", async () => {
    live = await launch(info);
    // After the replayed history the pool is quiet: each closing period only ages the windows, which
    // moves the proven fee by tens of pips (10-35 here), under a 1 bp threshold.
    const threshold = 100;
    const k = await start(["--pool", "pool0", "--threshold", String(threshold)]);
    const { head: t0 } = await settleStart(k);
    const fee = await hook().lpFee(pool0().key);
    let close = nextPeriodStart(t0 + 10);
    for (let i = 0; i < 3; i++, close += 60) {
      for (let s = 1; s <= 3; s++) await mine(live, close + s);
      await until(`the decision for period ${close / 60 - 1}`, () => k.events.skipped.find((e) => e.asOfPeriod === close / 60 - 1));
    }
    expect(k.events.skipped).toHaveLength(3);
    for (const e of k.events.skipped) {
      expect(e.previousFee).toBe(fee); // what the hook holds: the start-up update's fee
      expect(Math.abs(e.fee - fee)).toBeLessThan(threshold);
    }
    expect(await hook().lpFee(pool0().key)).toBe(fee);
    expect(k.events.sent).toHaveLength(1); // the start-up update, from the fallback fee
    expect(k.registry.render()).toMatch(/provenfee_updates_skipped_total\{pool="pool0"\} 3\b/);
    const perPeriod = new Set(k.events.sent.map((r) => `${r.pool}@${r.asOfPeriod}`));
    expect(perPeriod.size).toBe(k.events.sent.length);
  });

  it("update rule pays: skips a change that does not pay for its gas (with the reason), sends one that pays, and keeps the pool alive before it would fall back", async () => {
    live = await launch(info);
    // Gas priced absurdly high: with --keep-alive always nothing goes out but the start-up update (the pool is on
    // its fallback fee) and keep-alives.
    const k = await start(["--pool", "pool0", "--update-rule", "pays", "--keep-alive", "always", "--gas-token-price", "2000", "--rule-gas-price-gwei", "1000000"]);
    const { head: t0 } = await settleStart(k);
    expect(k.events.sent[0]!.reason).toMatch(/^the pool is on its fallback fee/);
    expect(k.log.find("update rule")[0]).toMatchObject({ pool: "pool0", horizon: 30, quote: "token0", gas: "gas token at 2000 token0 per ETH (--gas-token-price); token0 has no decimals(): 18 assumed, token1 has no decimals(): 18 assumed" });
    const state = await hook().poolState(pool0().key);
    const liveUntil = state.liveUntil;
    // One block per period: every period is decided; a skip says why.
    let close = nextPeriodStart(t0 + 10);
    for (; close / 60 < liveUntil - 2; close += 60) {
      await mine(live, close + 1);
      const P = close / 60 - 1;
      await until(`the decision for period ${P}`, () => k.events.skipped.find((e) => e.asOfPeriod === P) || k.events.sent.find((r) => r.asOfPeriod === P));
    }
    expect(k.events.sent).toHaveLength(1);
    for (let P = nextPeriodStart(t0 + 10) / 60 - 1; P <= liveUntil - 4; P++) expect(k.events.skipped.some((e) => e.asOfPeriod === P), `period ${P} skipped`).toBe(true);
    for (const e of k.events.skipped) expect(e.reason).toMatch(/does not pay|fee unchanged/);
    expect(k.log.find("update skipped")[0]!.reason).toMatch(/pips: does not pay, .* of LP fees over 30 periods .* <= .* of gas$|^fee unchanged/);
    // Two periods before the pool would fall back, the keep-alive goes out, whatever it costs.
    await mine(live, close + 1);
    const keepAlive = await until("the keep-alive update", () => k.events.sent.find((r) => r.asOfPeriod === close / 60 - 1));
    expect(keepAlive.reason).toMatch(/^keep-alive: the pool falls back in 2 periods without an update/);
    await mine(live, close + 2);
    await until("it to land", () => k.events.landed.find((r) => r.hash === keepAlive.hash));
    expect((await hook().poolState(pool0().key)).onFallback).toBe(false);
    await k.stop();

    // Cheap gas and trades in the window: a change of the fee pays and is sent.
    const cheap = await start(["--pool", "pool0", "--update-rule", "pays", "--gas-token-price", "0.000001", "--rule-gas-price-gwei", "1"]);
    let tick = info.moreTicks[0]!;
    close += 60;
    for (let i = 0; i < 4; i++, close += 60) {
      tick += i % 2 ? -60 : 90;
      await sendSwap(live, pool0().key, tick);
      await mine(live, close + 1);
      await until(`the decision for period ${close / 60 - 1}`, () => cheap.events.skipped.find((e) => e.asOfPeriod === close / 60 - 1) || cheap.events.sent.find((r) => r.asOfPeriod === close / 60 - 1));
      await mine(live, close + 2);
    }
    const paid = cheap.events.sent.filter((r) => / pays, /.test(r.reason));
    expect(paid.length).toBeGreaterThan(0);
    for (const r of paid) expect(r.fee).not.toBe(r.previousFee);
  });

  it("keep-alive on-change (the default): a pool on its fallback fee stays on it until leaving it pays, then the update goes out", async () => {
    live = await launch(info);
    expect((await hook().poolState(pool0().key)).onFallback).toBe(true);
    const dear = await start(["--pool", "pool0", "--update-rule", "pays", "--gas-token-price", "2000", "--rule-gas-price-gwei", "1000000"]);
    const first = await until("the start-up decision", () => dear.events.skipped[0]);
    expect(first.reason).toMatch(/^the pool is on its fallback fee 3000 pips; fee 3000 -> \d+ pips: does not pay, /);
    let close = nextPeriodStart(Number((await live.trader.public.getBlock()).timestamp) + 10);
    await mine(live, close + 1);
    await until(`the decision for period ${close / 60 - 1}`, () => dear.events.skipped.find((e) => e.asOfPeriod === close / 60 - 1));
    expect(dear.events.sent).toHaveLength(0);
    await dear.stop();
    const state = await hook().poolState(pool0().key);
    expect(state.onFallback).toBe(true);
    expect(await hook().lpFee(pool0().key)).toBe(state.fallbackFee);

    // Cheap gas: once trades are in the fee base, leaving the fallback fee pays and the update goes out.
    const cheap = await start(["--pool", "pool0", "--update-rule", "pays", "--gas-token-price", "0.000001", "--rule-gas-price-gwei", "1"]);
    await sendSwap(live, pool0().key, info.moreTicks[0]! + 90);
    close += 60;
    await mine(live, close + 1);
    const back = await until("the update off the fallback fee", () => cheap.events.sent[0]);
    expect(back.reason).toMatch(/^the pool is on its fallback fee 3000 pips; fee 3000 -> \d+ pips: pays, /);
    await mine(live, close + 2);
    await until("it to land", () => cheap.events.landed.find((r) => r.hash === back.hash));
    expect((await hook().poolState(pool0().key)).onFallback).toBe(false);
  });

  it("serves several pools from one account with consecutive nonces, one update per pool and period", async () => {
    live = await launch(info);
    const k = await start(["--threshold", "0"]);
    expect(k.keeper.servedPools.map((p) => p.name)).toEqual(["pool0", "pool1", "pool2"]);
    const { head: t0 } = await settleStart(k);
    let close = nextPeriodStart(t0 + 10);
    for (let i = 0; i < 2; i++, close += 60) {
      await mine(live, close + 1);
      await until(`three updates for period ${close / 60 - 1}`, () => k.events.sent.filter((r) => r.asOfPeriod === close / 60 - 1).length === 3);
      await mine(live, close + 2);
      await until("them to land", () => k.events.landed.filter((r) => r.asOfPeriod === close / 60 - 1).length === 3);
    }
    const nonces = k.events.sent.map((r) => r.nonce);
    expect(nonces).toEqual(nonces.map((_, i) => i));
    expect(k.events.landed).toHaveLength(9);
    const tags = k.events.sent.map((r) => `${r.pool}@${r.asOfPeriod}`);
    expect(new Set(tags).size).toBe(9);
    expect(k.log.find(/nonce|replaced|abandoned/)).toHaveLength(0);
    const updates = await feeUpdates(live);
    expect(updates).toHaveLength(9);
  });
});
