import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { Hex } from "viem";
import { Prover } from "../../prover/prover.ts";
import { feeProverOf, type FeeProver } from "../../keeper/keeper.ts";
import { batchedProverOf, batchProofFromWire, batchProofToWire, batchProverOf, batchSizesFor, type BatchProof, type BatchProver } from "../../keeper/batch.ts";
import { evaluateFixed, loadModel, type Model } from "../../model/index.ts";
import { forkPoint, keeperStage, launch, mine, nextPeriodStart, sendSwap, startTestKeeper, until, feeUpdates, KEEPER_KEYS, MODEL, type KeeperMode, type LiveChain, type StageInfo, type TestKeeper } from "./keeperStage.ts";
import { startRedis, type RedisServer } from "../redis.ts";

// The keeper with --batch-size 4 against anvil with the real PoolManager, the real batch verifiers and
// hook, real swaps replayed, and real proofs (prover/batch.ts for batches, prover/ for a single pool):
// the pools decided at one block go out as one updateFees (one proof) and a single updateFee for the
// pool left over; a rival keeper landing one pool's period first costs the batch only that entry.
describe("keeper --batch-size (anvil, real hook, batch verifiers and provers)", () => {
  let info: StageInfo;
  let feeProver: FeeProver;
  let model: Model;
  let live: LiveChain | undefined;
  const keepers: TestKeeper[] = [];
  const terms = { poolFeeMin: 100, poolFeeMax: 100_000, period: 60 };

  beforeAll(async () => {
    let prover: Prover;
    [info, prover, model] = await Promise.all([keeperStage({ pools: 5, minutes: 10, batchVerifiers: true }), Prover.load(), loadModel(MODEL)]);
    feeProver = feeProverOf(prover);
  }, 600_000);

  afterEach(async () => {
    for (const k of keepers.splice(0)) await k.stop();
    await live?.stop();
    live = undefined;
  });

  afterAll(async () => {
    await Prover.shutdown();
  });

  async function start(flags: string[], key: Hex, prover: FeeProver | BatchProver = feeProver, mode?: KeeperMode): Promise<TestKeeper> {
    const k = await startTestKeeper(live!, { key, flags: ["--threshold", "0", ...flags], prover, mode });
    keepers.push(k);
    return k;
  }

  /**
   * Lets the start-up round land. The stage's chain ends a few seconds before a period closes, so the
   * block that mines the start-up round may close the next period too: its updates are sent at once
   * and mined by one more block. Returns the head's timestamp once nothing is pending.
   */
  async function settleStart(k: TestKeeper, pools: number): Promise<number> {
    await until("the start-up updates to be sent", () => k.events.sent.length >= pools, 60_000);
    for (let round = 0; round < 3; round++) {
      const sent = k.events.sent.length;
      await mine(live!);
      await until("them to land", () => k.events.landed.length + k.events.lost.length >= sent, 30_000);
      await new Promise((r) => setTimeout(r, 3000));
      if (k.events.sent.length === sent) break;
      await until("the next round to be sent", () => k.events.sent.length >= sent + pools, 60_000);
    }
    return Number((await live!.trader.public.getBlock()).timestamp);
  }

  /**
   * The real batch prover of 4 whose proofs wait at a gate from `hold()` until `release()`: a test's
   * handle on the moment between a keeper's decision and its send. `waiting()` counts proofs made.
   */
  function gatedBatchProver(): BatchProver & { hold(): void; release(): void; waiting(): number } {
    let gate: Promise<void> = Promise.resolve();
    let open = () => {};
    let waiting = 0;
    const real = batchedProverOf(batchProverOf(feeProver), 4);
    return {
      batchSize: 4,
      async prove(batch) {
        const r = await real.prove(batch);
        waiting++;
        await gate;
        return r;
      },
      hold: () => void (gate = new Promise((r) => (open = r))),
      release: () => open(),
      waiting: () => waiting,
    };
  }

  /**
   * The batch keeper most tests here run: pools 0-3 with --batch-size 4, its start-up round landed.
   * `close` is the end of the next period after start-up and `P` the period that closes there.
   */
  async function startBatchOfFour(options: { prover?: FeeProver | BatchProver; mode?: KeeperMode; flags?: string[] } = {}) {
    const pools = ["pool0", "pool1", "pool2", "pool3"].flatMap((p) => ["--pool", p]);
    const k = await start(["--batch-size", "4", ...pools, ...(options.flags ?? [])], KEEPER_KEYS[0]!, options.prover, options.mode);
    const t0 = await settleStart(k, 4);
    const close = nextPeriodStart(t0 + 10);
    return { k, close, P: close / 60 - 1 };
  }

  /** Every FeeUpdated of period P sets the fee the model computes on the features it records. */
  async function expectModelFees(P: number, count: number) {
    const updates = (await feeUpdates(live!)).filter((u) => u.asOfPeriod === P);
    expect(updates).toHaveLength(count);
    for (const u of updates) expect(u.fee).toBe(evaluateFixed(model.network, model.file.policy, u.features, terms).fee);
    return updates;
  }

  it("cuts the pools decided at one block into supported sizes", () => {
    expect(batchSizesFor(5, 4)).toEqual([4, 1]);
    expect(batchSizesFor(7, 8)).toEqual([4, 2, 1]);
    expect(batchSizesFor(19, 8)).toEqual([8, 8, 2, 1]);
    expect(batchSizesFor(3, 1)).toEqual([1, 1, 1]);
    expect(batchSizesFor(0, 8)).toEqual([]);
  });

  it("a batched proof survives its JSON wire form (queue results) exactly", () => {
    const big = (i: number) => 21888242871839275222246405745257275088548364400416034343698204186575808495617n - BigInt(i);
    const proof: BatchProof = {
      kind: "batched", entries: [{ fee: 901, forecast: 12345678901234567890n, featureWord: big(7) }, { fee: 100_000, forecast: 1n, featureWord: 0n }],
      a: [big(1), big(2)], b: [[big(3), big(4)], [big(5), big(6)]], c: [big(8), 9n], witnessMs: 12.5, proofMs: 2218,
    };
    const wire = JSON.parse(JSON.stringify(batchProofToWire(proof)));
    expect(batchProofFromWire(wire)).toEqual(proof);
  });

  for (const modeName of ["single", "queue"] as const)
  it(`five pools with --batch-size 4 (${modeName === "single" ? "one process" : "queue mode, real Redis: each batch one job"}): each period, one updateFees for four pools (one proof) and one updateFee for the fifth, every fee the model's`, async () => {
    live = await launch(info);
    let redis: RedisServer | undefined;
    if (modeName === "queue") redis = await startRedis();
    try {
      const k = await start(["--batch-size", "4"], KEEPER_KEYS[0]!, feeProver, redis ? { mode: "queue", redisUrl: redis.url } : undefined);
      expect(k.keeper.servedPools).toHaveLength(5);
      const t0 = await settleStart(k, 5);
      const before = await live.trader.public.getTransactionCount({ address: k.clients.account.address });
      let close = nextPeriodStart(t0 + 10);
      for (let i = 0; i < 2; i++, close += 60) {
        const P = close / 60 - 1;
        await mine(live, close + 1);
        await until(`five updates for period ${P}`, () => k.events.sent.filter((r) => r.asOfPeriod === P).length === 5, 60_000);
        await mine(live, close + 2);
        await until("them to land", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === 5, 30_000);
        const landed = k.events.landed.filter((r) => r.asOfPeriod === P);
        const hashes = new Set(landed.map((r) => r.hash));
        expect(hashes.size).toBe(2);
        const batched = landed.filter((r) => (r as { batchSize?: number }).batchSize === 4);
        expect(batched.map((r) => r.pool).sort()).toEqual(["pool0", "pool1", "pool2", "pool3"]);
        expect(new Set(batched.map((r) => r.hash)).size).toBe(1);
        const receipt = await live.trader.public.getTransactionReceipt({ hash: batched[0]!.hash });
        expect(receipt.status).toBe("success");
        for (const r of batched) expect(r.gasUsed).toBe(receipt.gasUsed / 4n);
        // The fifth pool alone: a single updateFee.
        const single = landed.find((r) => r.pool === "pool4")!;
        expect((single as { batchSize?: number }).batchSize).toBeUndefined();
        const updates = await expectModelFees(P, 5);
        expect(new Set(updates.map((u) => u.hash))).toEqual(hashes);
      }
      // One transaction per batch: 2 per period.
      expect(await live.trader.public.getTransactionCount({ address: k.clients.account.address })).toBe(before + 4);
      expect(k.events.failed).toHaveLength(0);
      expect(k.events.lost).toHaveLength(0);
    } finally {
      for (const k of keepers.splice(0)) await k.stop();
      await redis?.stop();
    }
  }, 240_000);

  it("a rival keeper lands one pool's period first: the batch still lands the other three, and reports that pool as lost", async () => {
    live = await launch(info);
    // The batch keeper's proofs wait at a gate, so the rival's update lands between its decision and its send.
    const gated = gatedBatchProver();
    const { k, close, P } = await startBatchOfFour({ prover: gated });
    gated.hold();
    const rival = await start(["--pool", "pool1"], KEEPER_KEYS[1]!);
    await mine(live, close + 1);
    await until("the rival's update and the batch's proof", () => rival.events.sent.find((r) => r.asOfPeriod === P) && gated.waiting() >= 1, 60_000);
    await mine(live, close + 2);
    await until("the rival's update to land", () => rival.events.landed.find((r) => r.asOfPeriod === P), 30_000);
    gated.release();
    await until("the batch to be sent", () => k.events.sent.filter((r) => r.asOfPeriod === P).length === 4, 30_000);
    await mine(live, close + 3);
    await until("the batch to settle", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === 3 && k.events.lost.length === 1, 30_000);
    expect(k.events.landed.filter((r) => r.asOfPeriod === P).map((r) => r.pool).sort()).toEqual(["pool0", "pool2", "pool3"]);
    expect(k.events.lost).toEqual([{ pool: "pool1", asOfPeriod: P, stage: "transaction" }]);
    expect(k.registry.render()).toMatch(/provenfee_updates_lost_race_total\{pool="pool1"\} 1\b/);
    const updates = await expectModelFees(P, 4);
    const byPool = new Map(updates.map((u) => [u.poolId, u]));
    expect(byPool.get(info.pools[1]!.poolId)!.keeper.toLowerCase()).toBe(rival.clients.account.address.toLowerCase());
    for (const i of [0, 2, 3]) expect(byPool.get(info.pools[i]!.poolId)!.keeper.toLowerCase()).toBe(k.clients.account.address.toLowerCase());
    // Nothing more is sent for P.
    for (let s = 4; s < 7; s++) await mine(live, close + s);
    await new Promise((r) => setTimeout(r, 300));
    expect(k.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(4);
    expect(k.events.failed).toHaveLength(0);
  }, 240_000);

  it("queue mode: another scheduler (one whose lease overlapped this one's) claimed one pool of a batch: the batch goes out once for all four (the proof covers them), that pool counts as the other's, nothing is sent twice", async () => {
    live = await launch(info);
    const redis = await startRedis();
    try {
      const gated = gatedBatchProver();
      const queueName = `split-claim-${process.pid}-${Date.now().toString(36)}`;
      const { k, close, P } = await startBatchOfFour({ prover: gated, mode: { mode: "queue", redisUrl: redis.url }, flags: ["--queue-name", queueName] });
      const claimed: { pool: string; asOfPeriod: number }[] = [];
      k.keeper.on("claimed", (e: { pool: string; asOfPeriod: number }) => claimed.push(e));
      gated.hold();
      await mine(live, close + 1);
      await until("the batch's proof", () => gated.waiting() >= 1, 60_000);
      // The other scheduler's claim of (pool1, P), exactly as its RedisCoordinator.claim writes it.
      const raw = new Redis(redis.port, "127.0.0.1");
      expect(await raw.set(`provenfee:${queueName}:submitted:${info.pools[1]!.poolId}:${P}`, "the-other-scheduler", "PX", 3_600_000, "NX")).toBe("OK");
      raw.disconnect();
      gated.release();
      await until("the batch to be sent", () => k.events.sent.filter((r) => r.asOfPeriod === P).length === 3, 30_000);
      expect(claimed).toEqual([{ pool: "pool1", asOfPeriod: P }]);
      const sent = k.events.sent.filter((r) => r.asOfPeriod === P);
      expect(sent.map((r) => r.pool).sort()).toEqual(["pool0", "pool2", "pool3"]);
      expect(new Set(sent.map((r) => r.hash)).size).toBe(1);
      await mine(live, close + 2);
      await until("it to land", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === 3, 30_000);
      // One transaction set all four: the chain sets a period once, whichever scheduler's transaction runs first.
      const updates = await expectModelFees(P, 4);
      expect(new Set(updates.map((u) => u.hash))).toEqual(new Set([sent[0]!.hash]));
      expect(k.events.lost).toHaveLength(0);
      // Nothing more is sent for P, pool1 included.
      for (let s = 3; s < 6; s++) await mine(live, close + s);
      await new Promise((r) => setTimeout(r, 300));
      expect(k.events.sent.filter((r) => r.asOfPeriod === P)).toHaveLength(3);
      expect(k.events.failed).toHaveLength(0);
    } finally {
      for (const k of keepers.splice(0)) await k.stop();
      await redis.stop();
    }
  }, 240_000);

  it("a batch sent with too low a gas limit reverts as VerifierOutOfGas, not as a bad proof: the keeper doubles the batch's limit and lands the period", async () => {
    live = await launch(info);
    const { k, close, P } = await startBatchOfFour();
    // Pretend an earlier batch of 4 used 200k gas, so the next one goes out with 300k: too little for its verifier.
    (k.keeper as unknown as { batchGasUsed: Map<number, bigint> }).batchGasUsed.set(4, 200_000n);
    await mine(live, close + 1);
    await until("the batch for P", () => k.events.sent.filter((r) => r.asOfPeriod === P).length === 4, 60_000);
    const first = k.events.sent.find((r) => r.asOfPeriod === P)!;
    await mine(live, close + 2);
    await until("its refusal, for each pool", () => (k.events.failed as { asOfPeriod: number }[]).filter((f) => f.asOfPeriod === P).length === 4, 30_000);
    for (const f of k.events.failed as { asOfPeriod: number; reason: string; kind: string; stage: string }[]) {
      expect(f).toMatchObject({ asOfPeriod: P, reason: "VerifierOutOfGas", kind: "out-of-gas", stage: "transaction" });
    }
    const sentTx = await live.trader.public.getTransaction({ hash: first.hash });
    expect(sentTx.gas).toBe(300_000n);
    const receipt = await live.trader.public.getTransactionReceipt({ hash: first.hash });
    expect(receipt.status).toBe("reverted");
    // The next block decides P again (the refusal settled nothing) and sends it at twice the limit.
    await mine(live, close + 3);
    await until("the retry", () => k.events.sent.filter((r) => r.asOfPeriod === P && r.hash !== first.hash).length === 4, 60_000);
    const retry = k.events.sent.find((r) => r.asOfPeriod === P && r.hash !== first.hash)!;
    expect((await live.trader.public.getTransaction({ hash: retry.hash })).gas).toBe(600_000n);
    await mine(live, close + 4);
    await until("it to land", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === 4, 30_000);
    await expectModelFees(P, 4);
    expect(k.log.lines.filter((l) => l.reason === "InvalidProof")).toHaveLength(0);
    expect(k.registry.render()).toMatch(/provenfee_updates_failed_total\{pool="pool0",reason="VerifierOutOfGas"\} 1\b/);
  }, 240_000);

  it("reorg while a batch is pending: the batch's transaction is cancelled before any block can include it, and the four pools' period is re-derived from the new chain", async () => {
    live = await launch(info);
    const { k, close, P } = await startBatchOfFour();
    const { snapshot, forkBlock, cancelled } = await forkPoint(live, k);

    await mine(live, close + 1);
    await until("the batch for P", () => k.events.sent.filter((r) => r.asOfPeriod === P).length === 4, 60_000);
    const pending = k.events.sent.find((r) => r.asOfPeriod === P)!;
    await live.rpc("evm_revert", [snapshot]);
    const reorg = await until("the keeper to see the reorg", () => k.events.reorgs[0], 30_000);
    expect(reorg.voided).toEqual([`batch4[pool0,pool1,pool2,pool3]@${P}`]);
    await until("the cancellation", () => cancelled[0], 30_000);
    expect(cancelled[0]!.nonce).toBe(pending.nonce);

    // The new history: pool0 moves inside period P, the other pools do not.
    await sendSwap(live, info.pools[0]!.key, info.moreTicks[0]! - 400);
    const b1 = await mine(live, close - 5);
    const block = await live.trader.public.getBlock({ blockNumber: b1, includeTransactions: true });
    const ours = block.transactions.filter((t) => t.from.toLowerCase() === k.clients.account.address.toLowerCase());
    expect(ours.map((t) => [t.hash, t.input])).toEqual([[cancelled[0]!.hash, "0x"]]);
    await mine(live, close + 1);
    await until("the re-derived batch for P", () => k.events.sent.filter((r) => r.asOfPeriod === P && r.hash !== pending.hash).length === 4, 60_000);
    const rederived = k.events.sent.filter((r) => r.asOfPeriod === P && r.hash !== pending.hash);
    expect(rederived[0]!.nonce).toBe(pending.nonce + 1);
    const pool0Features = rederived.find((r) => r.pool === "pool0")!.features;
    expect(pool0Features).not.toEqual(k.events.sent.find((r) => r.asOfPeriod === P && r.pool === "pool0" && r.hash === pending.hash)!.features);
    await mine(live);
    await until("it to land", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === 4, 30_000);
    const updates = (await feeUpdates(live)).filter((u) => u.blockNumber >= forkBlock);
    expect(updates).toHaveLength(4);
    expect(new Set(updates.map((u) => u.hash))).toEqual(new Set([rederived[0]!.hash]));
    const onNewChain = updates.find((u) => u.poolId === info.pools[0]!.poolId)!;
    expect(onNewChain.features).toEqual(pool0Features);
    await expectModelFees(P, 4);
    expect(k.registry.render()).toMatch(/provenfee_tx_cancellations_total 1\b/);
  }, 240_000);
});
