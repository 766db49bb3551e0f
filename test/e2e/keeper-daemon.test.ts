import { describe, expect, it } from "vitest";
import { launch, startTestKeeper, until, feeUpdates } from "./keeperStage.ts";
import { useStage } from "./useStage.ts";

// The daemon as operators run it: anvil mining a block every second on its own (each block 20 chain
// seconds later, so a 60-second period closes every 3 blocks), the keeper's run() loop following it
// over HTTP polling or a WebSocket subscription, and the endpoint killed and restarted under it.
describe("keeper daemon on 1-second blocks (anvil, real hook and prover)", () => {
  const stage = useStage({ pools: 3 });

  for (const transport of ["http", "ws"] as const) {
    it(`RPC endpoint killed and restarted with its chain (${transport === "http" ? "HTTP polling" : "WebSocket subscription"}): logs the outage, resumes, misses no period`, async () => {
      const live = (stage.run.live = await launch(stage.info(), { blockTime: 1, secondsPerBlock: 20, persist: true }));
      const rpcUrl = transport === "ws" ? live.anvil.rpcUrl.replace(/^http/, "ws") : live.anvil.rpcUrl;
      const k = (stage.run.keeper = await startTestKeeper(live, { rpcUrl, prover: stage.feeProver(), flags: ["--pool", "pool0", "--threshold", "0", "--poll-ms", "100"] }));
      if (transport === "ws") await until("the new-heads subscription", () => k.log.find("subscribed to new heads").length === 1);
      await until("two updates to land", () => k.events.landed.length >= 2, 30_000);
      expect(k.keeper.health().ok).toBe(true);

      // Down for 3 s: anvil saves its chain (--state) on SIGTERM and reloads it.
      const restarting = live.restart(3000);
      await until("the keeper to notice the outage", () => k.log.find("RPC endpoint unreachable; retrying").length > 0, 10_000);
      const during = k.keeper.health();
      expect(during.ok).toBe(false);
      expect(during.detail.rpc).toBe("down");
      await restarting;
      const recovered = await until("recovery", () => k.log.find("RPC endpoint reachable again")[0], 15_000);
      expect(recovered.downForMs as number).toBeGreaterThan(500);
      const landedBefore = k.events.landed.length;
      await until("two more updates after the outage", () => k.events.landed.length >= landedBefore + 2, 30_000);
      expect(k.keeper.health().ok).toBe(true);
      if (transport === "ws") expect(k.log.find("WebSocket connected").length).toBeGreaterThanOrEqual(1);

      expect(k.log.find("RPC endpoint unreachable; retrying")).toHaveLength(1);
      expect(k.log.find("RPC endpoint reachable again")).toHaveLength(1);
      expect(k.registry.render()).toMatch(/provenfee_rpc_errors_total [1-9]/);
      // The chain stood still while its endpoint was down: every period that closed got its update.
      const periods = (await feeUpdates(live)).filter((u) => u.poolId === stage.info().pools[0]!.poolId).map((u) => u.asOfPeriod);
      const missed = periods.slice(1).reduce((n, p, i) => n + (p - periods[i]! - 1), 0);
      expect(periods.length).toBeGreaterThanOrEqual(4);
      expect(missed).toBeLessThanOrEqual(1);
      expect(new Set(periods).size).toBe(periods.length);
    }, 120_000);
  }
});
