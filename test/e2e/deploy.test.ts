import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { toHex, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { startAnvil, type Anvil } from "../../chain/anvil.ts";
import { connect, ANVIL_DEV_KEY, type Clients } from "../../chain/chain.ts";
import { createPool, hookArtifact, hookedPoolKey, poolCommitmentOf, readPoolConfig, type PoolConfig, VERIFICATION } from "../../chain/deploy.ts";
import { sqrtPriceNearTick } from "../../chain/localPool.ts";
import { rpc } from "../../chain/replay.ts";
import { send } from "../../chain/chain.ts";
import { loadModel, recommendedFallbackFee } from "../../model/index.ts";
import { KEEPER_KEYS } from "./keeperStage.ts";

// `provenfee deploy` as an operator runs it (a child process) against anvil: the pool is created through
// the hook's commit and reveal, its terms are read back, and a pool someone else created first with
// other terms fails the deployment with one line naming every differing field.
const TOKEN0 = "0x1000000000000000000000000000000000000001" as Address;
const TOKEN1 = "0x2000000000000000000000000000000000000002" as Address;
const SQUATTER_KEY = KEEPER_KEYS[3]!;

function deployCli(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "cli/provenfee.ts", "deploy", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PROVENFEE_PRIVATE_KEY: ANVIL_DEV_KEY },
    encoding: "utf8",
  });
}

describe("provenfee deploy (child process, anvil)", () => {
  let anvil: Anvil;
  let deployer: Clients;
  let dir: string;
  let hook: Address;

  beforeAll(async () => {
    anvil = await startAnvil();
    deployer = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
    dir = mkdtempSync(path.join(tmpdir(), "provenfee-deploy-"));
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  const events = async (eventName: string) =>
    deployer.public.getContractEvents({ address: hook, abi: hookArtifact().abi, eventName, fromBlock: 0n });

  it("creates the pool by commit, then reveal a block later, with exactly the terms asked; a rerun on the hook changes nothing", async () => {
    const out = path.join(dir, "first.json");
    const run = deployCli(["--rpc", anvil.rpcUrl, "--out", out, "--token0", TOKEN1, "--token1", TOKEN0, "--fee-min", "200", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const deployment = JSON.parse(run.stdout.trim());
    hook = deployment.hook;
    const key = hookedPoolKey(TOKEN0, TOKEN1, hook, 10);
    expect(deployment.pools[0].key).toEqual(key);
    const model = await loadModel("model/default-model.json");
    const config = await readPoolConfig(deployer, hook, key);
    // no --fallback-fee: the model's recommendation (the best constant fee of its policy fit), 15 bp for the default
    expect(recommendedFallbackFee(model.file)).toBe(1500);
    expect(config).toEqual({
      commitment: model.commitment, poolFeeMin: 200, poolFeeMax: 100_000, fallbackFee: 1500, period: 60,
      maxStalenessPeriods: 15, livenessPeriods: 60, admin: privateKeyToAddress(ANVIL_DEV_KEY), verification: VERIFICATION.zk,
    });
    // a new hook comes with the 2-, 4- and 8-pool batch verifiers (updateFees)
    for (const functionName of ["batchVerifier2", "batchVerifier4", "batchVerifier8"]) {
      const at = (await deployer.public.readContract({ address: hook, abi: hookArtifact().abi, functionName })) as Address;
      expect((await deployer.public.getCode({ address: at }))?.length ?? 0, functionName).toBeGreaterThan(2);
    }
    const [committed] = await events("PoolCommitted");
    const [created] = await events("PoolCreated");
    expect(committed!.args).toMatchObject({ creator: privateKeyToAddress(ANVIL_DEV_KEY) });
    expect(created!.blockNumber).toBeGreaterThan(committed!.blockNumber!);

    const again = deployCli(["--rpc", anvil.rpcUrl, "--out", path.join(dir, "again.json"), "--hook", hook, "--token0", TOKEN0, "--token1", TOKEN1, "--fee-min", "200"]);
    expect(again.status, again.stderr).toBe(0);
    expect(await events("PoolCommitted")).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(dir, "again.json"), "utf8")).hook).toBe(hook);
  });

  it("--verification onchain: publishes the model, creates an onchain pool whose fee lands without a proof", async () => {
    const run = deployCli(["--rpc", anvil.rpcUrl, "--out", path.join(dir, "onchain.json"), "--hook", hook, "--model", "test/fixtures/other-model.json",
      "--token0", TOKEN0, "--token1", TOKEN1, "--tick-spacing", "20", "--verification", "onchain", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const key = hookedPoolKey(TOKEN0, TOKEN1, hook, 20);
    const abi = hookArtifact().abi;
    const read = (functionName: string, args: unknown[]) => deployer.public.readContract({ address: hook, abi, functionName, args });
    expect(((await read("poolConfig", [key])) as PoolConfig).verification).toBe(VERIFICATION.onchain);
    expect(((await read("poolConfig", [hookedPoolKey(TOKEN0, TOKEN1, hook, 10)])) as PoolConfig).verification).toBe(VERIFICATION.zk);
    const [created] = (await events("PoolCreated")).slice(-1);
    expect((created!.args as { config: PoolConfig }).config.verification).toBe(VERIFICATION.onchain);
    await rpc(deployer, "evm_increaseTime", [120]);
    await rpc(deployer, "evm_mine", []);
    const asOf = ((await read("currentPeriod", [key])) as number) - 1;
    await send(deployer, hook, abi, "updateFeeOnchain", [key, asOf]);
    const [updated] = (await events("FeeUpdated")).slice(-1);
    expect((updated!.args as { asOfPeriod: number }).asOfPeriod).toBe(asOf);
    // the same model cannot then serve a zk pool on this hook: refused before any transaction
    const zk = deployCli(["--rpc", anvil.rpcUrl, "--out", path.join(dir, "zk.json"), "--hook", hook, "--model", "test/fixtures/other-model.json",
      "--token0", TOKEN0, "--token1", TOKEN1, "--tick-spacing", "30"]);
    expect(zk.status).toBe(1);
    expect(zk.stderr).toMatch(/--verification zk: .* is an onchain model on hook/);
  });

  it("fails with one line naming every differing field when someone created the pool first with other terms", async () => {
    const squatter = await connect(anvil.rpcUrl, SQUATTER_KEY);
    const model = await loadModel("model/default-model.json");
    const key = hookedPoolKey(TOKEN0, TOKEN1, hook, 60);
    const squatted: PoolConfig = {
      commitment: model.commitment, poolFeeMin: 1, poolFeeMax: 1_000_000, fallbackFee: recommendedFallbackFee(model.file)!, period: 60,
      maxStalenessPeriods: 15, livenessPeriods: 60, admin: squatter.account.address, verification: VERIFICATION.zk,
    };
    await createPool(squatter, hook, key, sqrtPriceNearTick(0), squatted);

    const out = path.join(dir, "squatted.json");
    const run = deployCli(["--rpc", anvil.rpcUrl, "--out", out, "--hook", hook, "--token0", TOKEN0, "--token1", TOKEN1, "--tick-spacing", "60"]);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^provenfee deploy: pool 0x[0-9a-f]{64} on hook 0x[0-9a-fA-F]{40} does not have the terms asked for/);
    expect(lines[0]).toContain("poolFeeMin is 1, asked 100");
    expect(lines[0]).toContain("poolFeeMax is 1000000, asked 100000");
    expect(lines[0]).toContain(`admin is ${squatter.account.address}, asked ${privateKeyToAddress(ANVIL_DEV_KEY)}`);
    expect(lines[0]).not.toContain("fallbackFee");
    expect(existsSync(out)).toBe(false);
  });

  it("names the differing field when the reveal itself loses the race: the read-back after creation", async () => {
    // The squatter's pool appears between this deployer's commitment and its reveal: createPool reverts and
    // the read-back reports the terms that won.
    const squatter = await connect(anvil.rpcUrl, SQUATTER_KEY);
    const model = await loadModel("model/default-model.json");
    const key = hookedPoolKey(TOKEN0, TOKEN1, hook, 30);
    const mine: PoolConfig = {
      commitment: model.commitment, poolFeeMin: 100, poolFeeMax: 100_000, fallbackFee: 3000, period: 60,
      maxStalenessPeriods: 15, livenessPeriods: 60, admin: deployer.account.address, verification: VERIFICATION.zk,
    };
    const theirs: PoolConfig = { ...mine, fallbackFee: 100_000, admin: squatter.account.address };
    // Intercept this deployer's reveal: when it simulates createPool, the squatter creates the pool first.
    let raced = false;
    const racing: Clients = {
      ...deployer,
      public: new Proxy(deployer.public, {
        get(target, prop, receiver) {
          if (prop === "simulateContract") {
            return async (args: { functionName: string }) => {
              if (args.functionName === "createPool" && !raced) {
                raced = true;
                await createPool(squatter, hook, key, sqrtPriceNearTick(0), theirs);
              }
              return target.simulateContract(args as never);
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      }),
    };
    await expect(createPool(racing, hook, key, sqrtPriceNearTick(0), mine)).rejects.toThrow(/fallbackFee is 100000, asked 3000; admin is/);
    expect(raced).toBe(true);
  });

  it("computes the commitment the hook expects without asking a node", async () => {
    const model = await loadModel("model/default-model.json");
    const key = hookedPoolKey(TOKEN0, TOKEN1, hook, 1);
    const config: PoolConfig = {
      commitment: model.commitment, poolFeeMin: 100, poolFeeMax: 100_000, fallbackFee: 3000, period: 0,
      maxStalenessPeriods: 15, livenessPeriods: 60, admin: deployer.account.address, verification: VERIFICATION.zk,
    };
    const salt = toHex(7n, { size: 32 }) as Hex;
    const onChain = await deployer.public.readContract({ address: hook, abi: hookArtifact().abi, functionName: "poolCommitmentOf", args: [key, sqrtPriceNearTick(5), config, deployer.account.address, salt] });
    expect(poolCommitmentOf(key, sqrtPriceNearTick(5), config, deployer.account.address, salt)).toBe(onChain);
  });
});
