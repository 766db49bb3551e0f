import { describe, expect, it } from "vitest";
import { decodeFunctionData } from "viem";
import { HookClient } from "../../keeper/hookClient.ts";
import { hookArtifact } from "../../chain/deploy.ts";
import { evaluateFixed, loadModel } from "../../model/index.ts";
import { launch, mine, nextPeriodStart, startTestKeeper, until, feeUpdates, MODEL, OTHER_MODEL, type LiveChain, type TestKeeper } from "./keeperStage.ts";
import { useStage } from "./useStage.ts";

// One keeper serving a hook's `zk` pool and its `onchain` pool (issue 15): the mode comes from the hook's
// poolConfig, the zk pool's updates are proven (updateFee), the onchain pool's are updateFeeOnchain (no
// proof) and land with exactly the fee model/ computes on the hook's own features.
describe("keeper with a zk and an onchain pool (anvil, real hook, OnchainModels and prover)", () => {
  const stage = useStage({ pools: 2, onchainPools: 1 });

  /** Starts a keeper with `flags`, lets its start-up updates land, then one period close; returns that period. */
  async function oneClosedPeriod(flags: string[], pools: number): Promise<{ live: LiveChain; k: TestKeeper; P: number }> {
    const live = (stage.run.live = await launch(stage.info(), { models: [MODEL, OTHER_MODEL] }));
    const k = (stage.run.keeper = await startTestKeeper(live, { prover: stage.feeProver(), flags: ["--threshold", "0", ...flags] }));
    await until("the start-up updates to be sent", () => k.events.sent.length >= pools);
    await mine(live);
    await until("them to land", () => k.events.landed.length >= pools);
    const close = nextPeriodStart(Number((await live.trader.public.getBlock()).timestamp) + 5);
    const P = close / 60 - 1;
    await mine(live, close + 1);
    await until("the updates for the closed period", () => k.events.sent.filter((r) => r.asOfPeriod === P).length === pools);
    await mine(live, close + 2);
    await until("them to land", () => k.events.landed.filter((r) => r.asOfPeriod === P).length === pools);
    return { live, k, P };
  }

  it("proves the zk pool's updates and sends updateFeeOnchain, without a proof, for the onchain pool", async () => {
    const { live, k } = await oneClosedPeriod([], 2);
    expect(k.keeper.servedPools.map((p) => [p.name, p.verification])).toEqual([["pool0", "zk"], ["pool1", "onchain"]]);

    const info = stage.info();
    const abi = hookArtifact().abi;
    const updates = await feeUpdates(live);
    expect(updates.length).toBe(4);
    const other = await loadModel(OTHER_MODEL);
    const hook = new HookClient(live.trader, info.hook, info.manager);
    for (const u of updates) {
      const tx = await live.trader.public.getTransaction({ hash: u.hash });
      const call = decodeFunctionData({ abi, data: tx.input });
      const pool = info.pools.find((p) => p.poolId === u.poolId)!;
      if (pool.name === "pool0") {
        expect(call.functionName).toBe("updateFee");
        continue;
      }
      expect(call.functionName).toBe("updateFeeOnchain");
      expect(call.args).toHaveLength(2); // the key and the as-of period: nothing else, no proof
      // The fee the hook evaluated is model/'s fixed-point fee on the features the event carries, and the one
      // the keeper expected when it sent the call.
      const config = await hook.poolConfig(pool.key);
      expect(u.fee).toBe(evaluateFixed(other.network, other.file.policy, u.features, { poolFeeMin: config.poolFeeMin, poolFeeMax: config.poolFeeMax, period: config.period }).fee);
      expect(k.events.landed.find((r) => r.pool === "pool1" && r.asOfPeriod === u.asOfPeriod)!.fee).toBe(u.fee);
    }
    // Gas as the update rule counts it: an onchain update costs a fraction of a proven one.
    const gasOf = (name: string) => Math.max(...k.events.landed.filter((r) => r.pool === name).map((r) => Number(r.gasUsed)));
    expect(gasOf("pool1")).toBeLessThan(100_000);
    expect(gasOf("pool0")).toBeGreaterThan(200_000);
    expect(k.log.find(/refused|failed/)).toHaveLength(0);
  });

  it("a keeper of onchain pools only starts no prover and lands their updates", async () => {
    const { k } = await oneClosedPeriod(["--pool", "pool1"], 1);
    expect(k.log.find("keeper starting")[0]).toMatchObject({ pools: "pool1 (onchain: no proofs)", proving: "none (onchain pools only)" });
    expect(k.registry.render()).not.toMatch(/provenfee_proofs_made_total\{/);
    expect(k.log.find(/refused|failed/)).toHaveLength(0);
  });
});
