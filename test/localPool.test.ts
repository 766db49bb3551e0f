import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnvil, type Anvil } from "../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, send, type Clients } from "../chain/chain.ts";
import { deployLocalV4, addLiquidity, swapToTick, currentTick, sqrtPriceNearTick, type LocalV4, type PoolKey } from "../chain/localPool.ts";
import { v4Artifact } from "../chain/artifacts.ts";

// The replay machinery the demo and the end-to-end tests stand on, against the real PoolManager.
describe("replaying a tick path on the real v4 PoolManager (anvil)", () => {
  let anvil: Anvil;
  let clients: Clients;
  let v4: LocalV4;
  let key: PoolKey;

  beforeAll(async () => {
    anvil = await startAnvil();
    clients = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
    v4 = await deployLocalV4(clients);
    key = { currency0: v4.token0, currency1: v4.token1, fee: 500, tickSpacing: 10, hooks: "0x0000000000000000000000000000000000000000" };
    await send(clients, v4.manager, v4Artifact("PoolManager").abi, "initialize", [key, sqrtPriceNearTick(200_000)]);
    await addLiquidity(clients, v4, key, 10n ** 24n);
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  it("starts the pool inside the requested tick", async () => {
    expect(await currentTick(clients, v4, key)).toBe(200_000);
  });

  it("moves the pool into each tick of a real-looking path, including repeats", async () => {
    for (const tick of [200_010, 199_950, 199_950, 200_300, 199_999, 200_000]) {
      await swapToTick(clients, v4, key, tick);
      expect(await currentTick(clients, v4, key)).toBe(tick);
    }
  });
});
