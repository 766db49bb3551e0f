import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeAbiParameters, encodeFunctionData, keccak256, type Address, type Hex } from "viem";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, send, type Clients } from "../../chain/chain.ts";
import { deployLocalV4, addLiquidity, sqrtPriceNearTick, poolIdOf, type LocalV4, type PoolKey } from "../../chain/localPool.ts";
import { createPool, deployBatchVerifiers, deployHook, deployVerifier, hookArtifact, hookedPoolKey, registerModel, type PoolConfig, VERIFICATION } from "../../chain/deploy.ts";
import { batchContextFor, sendUpdateFees, type UpdateFeesEntry } from "../../chain/batch.ts";
import { groupByBlock, rpc } from "../../chain/replay.ts";
import { projectArtifact } from "../../chain/artifacts.ts";
import { BatchProver } from "../../prover/batch.ts";
import { Prover } from "../../prover/prover.ts";
import { contextOf, evaluateFixed, loadModel, type Model } from "../../model/index.ts";
import { loadSwaps } from "../../history/index.ts";
import { MAINNET_DAY } from "./stage.ts";

// Four real pools of one hook, each fed its own copy of 30 minutes of mainnet swaps (offset ticks, so
// their features differ), two models between them: prover/batch.ts proves all four fees in one proof on
// the hook's own features, chain/batch.ts lands it with updateFees, and every pool's fee changes. Then
// a rival lands one pool's update alone first: the next batch still lands, skipping that pool.
const SIZE = 4;

describe("a batch of proven fee updates lands on real v4 pools (anvil)", () => {
  let anvil: Anvil;
  let clients: Clients;
  let v4: LocalV4;
  let hook: Address;
  // reads straight from the hook and the PoolManager (keeper/ is not a dependency of this test)
  const reader = {
    featuresAsOf: async (key: PoolKey, asOf: number) =>
      [...((await clients.public.readContract({ address: hook, abi: hookArtifact().abi, functionName: "featuresAsOf", args: [key, asOf] })) as readonly bigint[])],
    // Pool.State.slot0 sits at keccak256(poolId, POOLS_SLOT = 6) in the PoolManager; the LP fee at bits 208..231
    lpFee: async (key: PoolKey) => {
      const slot = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [poolIdOf(key), 6n]));
      return Number((BigInt((await clients.public.getStorageAt({ address: v4.manager, slot })) ?? "0x0") >> 208n) & 0xffffffn);
    },
  };
  let batchProver: BatchProver;
  let models: Model[];
  const keys: PoolKey[] = [];
  const configs: PoolConfig[] = [];

  beforeAll(async () => {
    const swaps = loadSwaps(MAINNET_DAY);
    const start = swaps.timestamps[0]! - (swaps.timestamps[0]! % 86400) + 60 * 720;
    let from = 0;
    while (swaps.timestamps[from]! < start) from++;
    let to = from;
    while (to < swaps.timestamps.length && swaps.timestamps[to]! < start + 60 * 30) to++;
    const blocks = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick, from, to);

    anvil = await startAnvil({ timestamp: start - 3600 });
    clients = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
    v4 = await deployLocalV4(clients);
    hook = await deployHook(clients, v4.manager, await deployVerifier(clients), await deployBatchVerifiers(clients));
    models = [await loadModel("model/default-model.json"), await loadModel("test/fixtures/other-model.json")];
    for (const m of models) await registerModel(clients, hook, m, "file://model");
    const firstTick = swaps.tick[from - 1]!;
    for (let i = 0; i < SIZE; i++) {
      const key = hookedPoolKey(v4.token0, v4.token1, hook, 10 + 10 * i);
      const config: PoolConfig = {
        commitment: models[i % 2]!.commitment, poolFeeMin: 100, poolFeeMax: 100_000 - 1000 * i, fallbackFee: 3000,
        period: 60, maxStalenessPeriods: 15, livenessPeriods: 60, admin: clients.account.address, verification: VERIFICATION.zk,
      };
      await createPool(clients, hook, key, sqrtPriceNearTick(firstTick + 3 * i), config);
      await addLiquidity(clients, v4, key, 10n ** 24n);
      keys.push(key);
      configs.push(config);
    }
    // every pool's swaps of a historical block in that block, pool i's ticks shifted by 3i
    const abi = projectArtifact("ReplayRouter").abi;
    await rpc(clients, "evm_setAutomine", [false]);
    try {
      for (const block of blocks) {
        let nonce = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: "pending" });
        const hashes: Hex[] = [];
        for (const tick of block.ticks) {
          for (let i = 0; i < SIZE; i++) {
            hashes.push(await clients.wallet.sendTransaction({ to: v4.router, data: encodeFunctionData({ abi, functionName: "swapToTick", args: [keys[i]!, tick + 3 * i] }), gas: 600_000n, nonce: nonce++ }));
          }
        }
        await rpc(clients, "evm_mine", [block.timestamp]);
        for (const hash of hashes) expect((await clients.public.waitForTransactionReceipt({ hash })).status).toBe("success");
      }
    } finally {
      await rpc(clients, "evm_setAutomine", [true]);
    }
    batchProver = await BatchProver.load(SIZE);
  }, 600_000);

  afterAll(async () => {
    await anvil?.stop();
    await Prover.shutdown();
  });

  async function proveAll(asOf: number): Promise<{ entries: UpdateFeesEntry[]; proof: Awaited<ReturnType<BatchProver["proveBatch"]>> }> {
    const pools = await Promise.all(keys.map(async (key, i) => ({
      model: models[i % 2]!,
      features: await reader.featuresAsOf(key, asOf),
      terms: { poolFeeMin: configs[i]!.poolFeeMin, poolFeeMax: configs[i]!.poolFeeMax, period: 60 },
    })));
    const context = batchContextFor(await clients.public.getChainId(), hook, keys.map((key) => ({ key, asOfPeriod: asOf })));
    const abi = hookArtifact().abi;
    expect(await clients.public.readContract({ address: hook, abi, functionName: "batchContextOf", args: [keys, keys.map(() => asOf)] })).toBe(context);
    const proof = await batchProver.proveBatch(pools, context);
    pools.forEach((p, i) => expect(proof.entries[i]!.fee).toBe(evaluateFixed(p.model.network, p.model.file.policy, p.features, p.terms).fee));
    const entries = keys.map((key, i) => ({ key, asOfPeriod: asOf, ...proof.entries[i]! }));
    return { entries, proof };
  }

  const asOfNow = async () => Math.floor(Number((await clients.public.getBlock()).timestamp) / 60) - 1;

  it("proves four pools' fees in one proof and sets all four with one updateFees", async () => {
    const asOf = await asOfNow();
    const { entries, proof } = await proveAll(asOf);
    expect(await batchProver.verify(proof.publicSignals, proof.proof)).toBe(true);
    expect(new Set(entries.map((e) => e.fee)).size).toBeGreaterThan(1);
    for (const key of keys) expect(await reader.lpFee(key)).toBe(3000);

    const outcome = await sendUpdateFees(clients, hook, entries, proof.calldata);
    expect(outcome.applied).toEqual(keys.map(poolIdOf));
    expect(outcome.skipped).toEqual([]);
    for (const [i, key] of keys.entries()) expect(await reader.lpFee(key)).toBe(entries[i]!.fee);
    // one transaction for four pools: far below four updateFee transactions (about 270k each with the base)
    expect(outcome.receipt.gasUsed).toBeLessThan(4n * 120_000n);
    console.log(`updateFees receipt gas for ${SIZE} pools: ${outcome.receipt.gasUsed} (${outcome.receipt.gasUsed / BigInt(SIZE)} per pool); proof ${proof.timings.proofMs.toFixed(0)} ms`);

    // the same batch again is all stale: refused before the verifier runs
    await expect(sendUpdateFees(clients, hook, entries, proof.calldata)).rejects.toThrow(/NoFreshEntry/);
  });

  it("skips the pool a rival updated alone first and lands the other three", async () => {
    await rpc(clients, "evm_increaseTime", [120]);
    await rpc(clients, "evm_mine", []);
    const asOf = await asOfNow();
    const { entries, proof } = await proveAll(asOf);

    // the rival: a single-pool updateFee for pool 0, same period
    const single = await Prover.load();
    const terms = { poolFeeMin: configs[0]!.poolFeeMin, poolFeeMax: configs[0]!.poolFeeMax, period: 60 };
    const rival = await single.prove(models[0]!, await reader.featuresAsOf(keys[0]!, asOf), terms, contextOf(await clients.public.getChainId(), hook, poolIdOf(keys[0]!), asOf));
    const { a, b, c } = rival.calldata;
    await send(clients, hook, hookArtifact().abi, "updateFee", [keys[0]!, asOf, rival.fee, rival.forecast, a, b, c]);

    const outcome = await sendUpdateFees(clients, hook, entries, proof.calldata);
    expect(outcome.skipped).toEqual([poolIdOf(keys[0]!)]);
    expect(outcome.applied).toEqual(keys.slice(1).map(poolIdOf));
    for (const [i, key] of keys.entries()) expect(await reader.lpFee(key)).toBe(entries[i]!.fee);
  });
});
