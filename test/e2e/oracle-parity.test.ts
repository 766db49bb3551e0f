import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStage, type Stage } from "./stage.ts";
import { replayBlock } from "../../chain/replay.ts";
import { hookArtifact } from "../../chain/deploy.ts";
import { buildObservations, periodCloses, featureSeries, N_FEATURES, type Observations } from "../../model/index.ts";
import { loadMinuteBars } from "../../history/index.ts";
import { observationsFromMinuteBars } from "../../training/features.ts";

// Real mainnet swaps replayed block for block on the real PoolManager: the hook's on-chain features
// must equal model/'s, computed from the same swaps and from the same day's minute bars.
describe("oracle parity: hook vs model/ on real swaps (anvil)", () => {
  let stage: Stage;
  const checks: { asOf: number; onChain: bigint[] }[] = [];

  beforeAll(async () => {
    stage = await buildStage({ minutes: 260, offsetMinutes: 540 });
    const abi = hookArtifact().abi;
    let lastChecked = -1;
    for (const block of stage.blocks) {
      await replayBlock(stage.clients, stage.v4, stage.key, block);
      const current = Math.floor(block.timestamp / 60);
      if (current !== lastChecked) {
        lastChecked = current;
        // As of the last completed period, at this block: this includes the pending close.
        const onChain = (await stage.clients.public.readContract({ address: stage.hook, abi, functionName: "featuresAsOf", args: [stage.key, current - 1] })) as readonly bigint[];
        checks.push({ asOf: current - 1, onChain: [...onChain] });
      }
    }
  }, 300_000);

  afterAll(async () => {
    await stage?.anvil.stop();
  });

  /** model/'s features as of `asOf` from these closes. */
  const features = (obs: Observations, asOf: number) => Array.from(featureSeries(obs.periods, obs.ticks, asOf, asOf), (v) => BigInt(v));

  it("replays enough real history to exercise every decay", () => {
    expect(stage.blocks.length).toBeGreaterThan(100);
    expect(checks.length).toBeGreaterThan(240);
    // every variance moved, and the fast ones differ from the slow ones (the term structure is not flat)
    for (let k = 0; k < N_FEATURES; k++) expect(checks.some((c) => c.onChain[k]! > 0n)).toBe(true);
    expect(checks.some((c) => c.onChain[0]! > 2n * c.onChain[4]!) && checks.some((c) => 2n * c.onChain[0]! < c.onChain[4]!)).toBe(true);
  });

  it("equals features computed from the replayed per-swap rows", () => {
    const ticks = stage.blocks.map((b) => b.ticks[b.ticks.length - 1]!);
    const obs = buildObservations(periodCloses(stage.blocks.map((b) => b.timestamp), ticks, 60));
    for (const { asOf, onChain } of checks) expect(onChain).toEqual(features(obs, asOf));
  });

  it("equals features computed from the same day's minute bars", () => {
    const bars = loadMinuteBars(MAINNET_MINUTES);
    const first = stage.blocks[0]!.timestamp;
    const last = stage.blocks[stage.blocks.length - 1]!.timestamp;
    const inSlice = (t: number) => t >= first - (first % 60) && t <= last;
    const sliced = { ...bars, traded: bars.traded.map((traded, i) => (inSlice(bars.timestamps[i]!) ? traded : 0)) };
    const obs = observationsFromMinuteBars(sliced, 60);
    for (const { asOf, onChain } of checks) expect(onChain).toEqual(features(obs, asOf));
  });
});

const MAINNET_MINUTES = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.minute.csv.gz";
