// A fresh anvil with the real PoolManager, the real verifier and the hook, and one hooked pool
// started at the first tick of a slice of real mainnet swaps: shared by the end-to-end tests.
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../../chain/chain.ts";
import { deployLocalV4, addLiquidity, sqrtPriceNearTick, type LocalV4, type PoolKey } from "../../chain/localPool.ts";
import { deployHook, deployVerifier, registerModel, createPool, hookedPoolKey, type PoolConfig, VERIFICATION } from "../../chain/deploy.ts";
import { groupByBlock, type HistoricalBlock } from "../../chain/replay.ts";
import { loadModel, type Model } from "../../model/index.ts";
import { loadSwaps, type SwapEvents } from "../../history/index.ts";
import type { Address, Hex } from "viem";

export const MAINNET_DAY = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";

export interface Stage {
  anvil: Anvil;
  clients: Clients;
  v4: LocalV4;
  verifier: Address;
  hook: Address;
  key: PoolKey;
  poolId: Hex;
  model: Model;
  config: PoolConfig;
  swaps: SwapEvents;
  blocks: HistoricalBlock[];
}

/** `minutes` of the mainnet day, starting `offsetMinutes` after midnight. */
export async function buildStage(options: { minutes: number; offsetMinutes?: number; config?: Partial<PoolConfig> }): Promise<Stage> {
  const swaps = loadSwaps(MAINNET_DAY);
  const start = swaps.timestamps[0]! - (swaps.timestamps[0]! % 86400) + 60 * (options.offsetMinutes ?? 0);
  const end = start + 60 * options.minutes;
  let from = 0;
  while (swaps.timestamps[from]! < start) from++;
  let to = from;
  while (to < swaps.timestamps.length && swaps.timestamps[to]! < end) to++;
  const blocks = groupByBlock(swaps.blockNumber, swaps.timestamps, swaps.tick, from, to);
  const anvil = await startAnvil({ timestamp: start - 3600 });
  const clients = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
  const v4 = await deployLocalV4(clients);
  const verifier = await deployVerifier(clients);
  const hook = await deployHook(clients, v4.manager, verifier);
  const model = await loadModel("model/default-model.json");
  await registerModel(clients, hook, model, "file://model/default-model.json");
  const key = hookedPoolKey(v4.token0, v4.token1, hook);
  const config: PoolConfig = {
    commitment: model.commitment,
    poolFeeMin: 100,
    poolFeeMax: 100_000,
    fallbackFee: 3000,
    period: 60,
    maxStalenessPeriods: 15,
    livenessPeriods: 60,
    admin: clients.account.address,
    verification: VERIFICATION.zk,
    ...options.config,
  };
  const firstTick = swaps.tick[from > 0 ? from - 1 : 0]!;
  const poolId = await createPool(clients, hook, key, sqrtPriceNearTick(firstTick), config);
  await addLiquidity(clients, v4, key, 10n ** 24n);
  return { anvil, clients, v4, verifier, hook, key, poolId, model, config, swaps, blocks };
}
