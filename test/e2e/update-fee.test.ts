import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEventLog } from "viem";
import { buildStage, type Stage } from "./stage.ts";
import { replayBlock, rpc } from "../../chain/replay.ts";
import { hookArtifact } from "../../chain/deploy.ts";
import { HookClient } from "../../keeper/hookClient.ts";
import { send } from "../../chain/chain.ts";
import { Prover } from "../../prover/prover.ts";
import { contextOf, evaluateFixed } from "../../model/index.ts";

// The whole slice: real swaps on the real PoolManager build the hook's observations, prover/ proves
// the default model's fee on exactly those features, the hook verifies it and the pool's fee changes.
describe("a proven fee update lands on a real v4 pool (anvil)", () => {
  let stage: Stage;
  let prover: Prover;
  let hook: HookClient;

  beforeAll(async () => {
    [stage, prover] = await Promise.all([buildStage({ minutes: 40, offsetMinutes: 720 }), Prover.load()]);
    for (const block of stage.blocks) await replayBlock(stage.clients, stage.v4, stage.key, block);
    hook = new HookClient(stage.clients, stage.hook, stage.v4.manager);
  }, 300_000);

  afterAll(async () => {
    await stage?.anvil.stop();
    await Prover.shutdown();
  });

  it("accepts a real proof, changes the LP fee to the proven fee and emits FeeUpdated", async () => {
    const block = await stage.clients.public.getBlock();
    const asOf = Math.floor(Number(block.timestamp) / 60) - 1;
    const features = await hook.featuresAsOf(stage.key, asOf);
    const terms = { poolFeeMin: stage.config.poolFeeMin, poolFeeMax: stage.config.poolFeeMax, period: stage.config.period };
    const chainId = await stage.clients.public.getChainId();
    const context = contextOf(chainId, stage.hook, stage.poolId, asOf);
    expect(await hook.contextOf(stage.key, asOf)).toBe(context);

    const proven = await prover.prove(stage.model, features, terms, context);
    expect(proven.fee).toBe(evaluateFixed(stage.model.network, stage.model.file.policy, features, terms).fee);
    expect(await hook.lpFee(stage.key)).toBe(stage.config.fallbackFee);
    expect(proven.fee).not.toBe(stage.config.fallbackFee);

    const { a, b, c } = proven.calldata;
    const receipt = await send(stage.clients, stage.hook, hookArtifact().abi, "updateFee", [stage.key, asOf, proven.fee, proven.forecast, a, b, c]);
    expect(await hook.lpFee(stage.key)).toBe(proven.fee);
    const event = receipt.logs
      .map((log) => { try { return decodeEventLog({ abi: hookArtifact().abi, ...log }); } catch { return undefined; } })
      .find((e) => e?.eventName === "FeeUpdated");
    expect(event?.args).toMatchObject({ asOfPeriod: asOf, fee: proven.fee, forecast: proven.forecast, commitment: stage.model.commitment });
    expect([...(event?.args as unknown as { features: readonly bigint[] }).features]).toEqual(features);
    // The receipt adds the 21k base and calldata to updateFee's execution gas (under 300k, checked in forge).
    expect(receipt.gasUsed).toBeLessThan(340_000n);
  });

  it("refuses the same proof for a later period, a tampered fee and a tampered forecast", async () => {
    await rpc(stage.clients, "evm_increaseTime", [120]);
    await rpc(stage.clients, "evm_mine", []);
    const block = await stage.clients.public.getBlock();
    const asOf = Math.floor(Number(block.timestamp) / 60) - 1;
    const features = await hook.featuresAsOf(stage.key, asOf);
    const terms = { poolFeeMin: stage.config.poolFeeMin, poolFeeMax: stage.config.poolFeeMax, period: 60 };
    const context = contextOf(await stage.clients.public.getChainId(), stage.hook, stage.poolId, asOf);
    const proven = await prover.prove(stage.model, features, terms, context);
    const { a, b, c } = proven.calldata;
    const abi = hookArtifact().abi;
    await expect(send(stage.clients, stage.hook, abi, "updateFee", [stage.key, asOf, proven.fee + 1, proven.forecast, a, b, c])).rejects.toThrow(/InvalidProof/);
    await expect(send(stage.clients, stage.hook, abi, "updateFee", [stage.key, asOf, proven.fee, proven.forecast + 1n, a, b, c])).rejects.toThrow(/InvalidProof/);
    await expect(send(stage.clients, stage.hook, abi, "updateFee", [stage.key, asOf - 1, proven.fee, proven.forecast, a, b, c])).rejects.toThrow(/InvalidProof|PeriodNotNewer/);
    await send(stage.clients, stage.hook, abi, "updateFee", [stage.key, asOf, proven.fee, proven.forecast, a, b, c]);
    expect(await hook.lpFee(stage.key)).toBe(proven.fee);
  });
});
