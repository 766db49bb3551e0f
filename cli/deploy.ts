// `provenfee deploy`: verifier and hook to any chain (key from the environment), optionally a
// PoolManager for a bare local chain, a registered model and a pool; writes the deployment file
// that `provenfee keeper` reads.
import { writeFileSync, renameSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Address } from "viem";
import { loadModel } from "../model/index.ts";
import { connect } from "../keeper/chain.ts";
import { v4Artifact } from "../keeper/artifacts.ts";
import { deploy } from "../keeper/chain.ts";
import { deployHook, deployVerifier, registerModel, createPool, prefillObservations, hookedPoolKey } from "../keeper/deploy.ts";
import { resolvePrivateKey } from "../keeper/keys.ts";
import { sqrtPriceNearTick } from "../keeper/localPool.ts";
import type { Deployment } from "../keeper/config.ts";

const USAGE = `usage: provenfee deploy --rpc URL --out FILE [options]

Deploys Groth16Verifier and ProvenFeeHook (CREATE2-mined to carry its permission bits) and, with
--token0/--token1, registers the model and creates a dynamic-fee pool governed by it.
The key comes from PROVENFEE_PRIVATE_KEY or PROVENFEE_KEYSTORE(+_PASSWORD).

options:
  --rpc URL              RPC endpoint (or PROVENFEE_RPC_URL)
  --out FILE             deployment file to write (addresses and pools), read by 'provenfee keeper'
  --manager ADDRESS      the chain's v4 PoolManager; omitted: deploy a fresh one (local chains)
  --model FILE           model file to register (default model/default-model.json)
  --token0 A --token1 B  create a pool of these currencies (sorted automatically)
  --tick N               initial tick of the pool (default 0)
  --tick-spacing N       (default 10)
  --fee-min P --fee-max P --fallback-fee P   pool fee bounds and fallback, in pips (default 100, 100000, 3000)
  --max-staleness N      periods (default 15)   --liveness N   periods without update before fallback (default 60)
  --prefill              pre-pay the 256 observation slots (cheaper first swaps, costs ~5.6M gas once)
  --pool-name NAME       name of the pool in the deployment file (default "pool")
  --json                 print the deployment as JSON`;

export async function deployCommand(argv: string[]): Promise<number> {
  let v;
  try {
    ({ values: v } = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" }, json: { type: "boolean" }, rpc: { type: "string" }, out: { type: "string" }, manager: { type: "string" },
        model: { type: "string", default: "model/default-model.json" }, token0: { type: "string" }, token1: { type: "string" }, tick: { type: "string", default: "0" },
        "tick-spacing": { type: "string", default: "10" }, "fee-min": { type: "string", default: "100" }, "fee-max": { type: "string", default: "100000" },
        "fallback-fee": { type: "string", default: "3000" }, "max-staleness": { type: "string", default: "15" }, liveness: { type: "string", default: "60" },
        prefill: { type: "boolean" }, "pool-name": { type: "string", default: "pool" },
      },
    }));
  } catch (e) {
    console.error(`provenfee deploy: ${(e as Error).message}`);
    return 2;
  }
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const rpc = v.rpc ?? process.env.PROVENFEE_RPC_URL;
  const fail = (msg: string, code = 1) => {
    console.error(`provenfee deploy: ${msg}`);
    return code;
  };
  if (!rpc) return fail("--rpc: required (or PROVENFEE_RPC_URL)", 2);
  if (!v.out) return fail("--out: required", 2);
  if ((v.token0 === undefined) !== (v.token1 === undefined)) return fail("--token0 and --token1 go together", 2);
  try {
    const model = await loadModel(v.model);
    const clients = await connect(rpc, resolvePrivateKey(process.env));
    const manager = (v.manager as Address | undefined) ?? (await deploy(clients, v4Artifact("PoolManager"), [clients.account.address]));
    const verifier = await deployVerifier(clients);
    const hook = await deployHook(clients, manager, verifier);
    await registerModel(clients, hook, model, `file://${v.model}`);
    const deployment: Deployment = { chainId: clients.chain.id, manager, verifier, hook, pools: [] };
    if (v.token0 && v.token1) {
      const [t0, t1] = BigInt(v.token0) < BigInt(v.token1) ? [v.token0, v.token1] : [v.token1, v.token0];
      const key = hookedPoolKey(t0 as Address, t1 as Address, hook, Number(v["tick-spacing"]));
      await createPool(clients, hook, key, sqrtPriceNearTick(Number(v.tick)), {
        commitment: model.commitment, poolFeeMin: Number(v["fee-min"]), poolFeeMax: Number(v["fee-max"]), fallbackFee: Number(v["fallback-fee"]),
        period: model.file.period, maxStalenessPeriods: Number(v["max-staleness"]), livenessPeriods: Number(v.liveness), admin: clients.account.address,
      });
      if (v.prefill) await prefillObservations(clients, hook, key);
      deployment.pools.push({ name: v["pool-name"], key, model: v.model });
    }
    const tmp = `${v.out}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
    renameSync(tmp, v.out);
    if (v.json) console.log(JSON.stringify(deployment));
    else console.log(`deployed on chain ${deployment.chainId}: manager ${manager}, verifier ${verifier}, hook ${hook}${deployment.pools.length ? `, pool ${deployment.pools[0]!.name}` : ""}\nwrote ${v.out}`);
    return 0;
  } catch (e) {
    return fail((e as Error).message.split("\n")[0]!);
  }
}
