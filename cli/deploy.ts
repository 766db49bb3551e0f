// `provenfee deploy`: verifier and hook to any chain (key from the environment), optionally a
// PoolManager for a bare local chain, a registered model and a pool; writes the deployment file
// that `provenfee keeper` reads.
import { writeFileSync, renameSync } from "node:fs";
import { isAddress, type Address } from "viem";
import { loadModel, MAX_LP_FEE, recommendedFallbackFee } from "../model/index.ts";
import { DEFAULT_FALLBACK_FEE } from "../model/updateRule.ts";
import { connect } from "../chain/chain.ts";
import { v4Artifact } from "../chain/artifacts.ts";
import { deploy } from "../chain/chain.ts";
import { deployBatchVerifiers, deployHook, deployVerifier, registerModel, createPool, hookedPoolKey, hookArtifact, VERIFICATION } from "../chain/deploy.ts";
import { resolvePrivateKey } from "../keeper/keys.ts";
import { sqrtPriceNearTick } from "../chain/localPool.ts";
import type { Deployment } from "../keeper/config.ts";
import { MAX_TICK, MIN_TICK } from "../chain/localPool.ts";
import { explainChainError, hookAndV4ErrorAbis } from "./chainErrors.ts";
import { choiceOption, failure, integerOption, parseOptions, UsageError } from "./options.ts";
import { deployOnchainModels, registerOnchainModel } from "../chain/onchain.ts";
import { shipped } from "./shipped.ts";

/** ProvenFeeHook.MAX_STALENESS: an update may be at most this many periods old. */
const MAX_STALENESS = 15;

const USAGE = `usage: provenfee deploy --rpc URL --out FILE [options]

Deploys Groth16Verifier and ProvenFeeHook (CREATE2-mined to carry its permission bits) and, with
--token0/--token1, registers the model and creates a dynamic-fee pool governed by it.
The key comes from PROVENFEE_PRIVATE_KEY or PROVENFEE_KEYSTORE(+_PASSWORD).

options:
  --rpc URL              RPC endpoint (or PROVENFEE_RPC_URL)
  --out FILE             deployment file to write (addresses and pools), read by 'provenfee keeper'
  --manager ADDRESS      the chain's v4 PoolManager; omitted: the hook's, or a fresh one (local chains)
  --hook ADDRESS         create the pool on this deployed ProvenFeeHook instead of deploying one
  --model FILE           model file to register (default: the shipped model/default-model.json)
  --verification MODE    zk (default): a Groth16 proof per update, weights private behind the commitment;
                         onchain: the model's weights published on-chain and evaluated by the hook, no proof
  --token0 A --token1 B  create a pool of these currencies (sorted automatically)
  --tick N               initial tick of the pool (default 0)
  --tick-spacing N       (default 10)
  --fee-min P --fee-max P --fallback-fee P   pool fee bounds and fallback, in pips (default 100, 100000, and
                         the model's recommended fallback fee, the best constant fee its training chose
                         on validation, else 3000)
  --max-staleness N      periods (default 15)   --liveness N   periods without update before fallback (default 60)
  --pool-name NAME       name of the pool in the deployment file (default "pool")
  --json                 print the deployment as JSON`;

const SPEC = {
  json: { type: "boolean" }, rpc: { type: "string" }, out: { type: "string" }, manager: { type: "string" }, hook: { type: "string" }, model: { type: "string" },
  token0: { type: "string" }, token1: { type: "string" }, tick: { type: "string", default: "0" }, "tick-spacing": { type: "string", default: "10" },
  "fee-min": { type: "string", default: "100" }, "fee-max": { type: "string", default: "100000" }, "fallback-fee": { type: "string" },
  "max-staleness": { type: "string", default: "15" }, liveness: { type: "string", default: "60" }, "pool-name": { type: "string", default: "pool" },
  verification: { type: "string", default: "zk" },
} as const;

function address(flag: string, text: string | undefined): Address | undefined {
  if (text === undefined) return undefined;
  if (!isAddress(text, { strict: false })) throw new UsageError(`${flag}: '${text}' is not an address (0x followed by 40 hex digits)`);
  return text;
}

/** Everything the hook's createPool would refuse, refused here before a transaction is sent. */
export function poolTerms(v: Record<string, string | undefined>, defaultFallbackFee: number = DEFAULT_FALLBACK_FEE) {
  const terms = {
    tick: integerOption("--tick", v.tick!, MIN_TICK, MAX_TICK),
    tickSpacing: integerOption("--tick-spacing", v["tick-spacing"]!, 1, 32767),
    poolFeeMin: integerOption("--fee-min", v["fee-min"]!, 0, MAX_LP_FEE),
    poolFeeMax: integerOption("--fee-max", v["fee-max"]!, 0, MAX_LP_FEE),
    fallbackFee: v["fallback-fee"] !== undefined ? integerOption("--fallback-fee", v["fallback-fee"], 0, MAX_LP_FEE) : defaultFallbackFee,
    maxStalenessPeriods: integerOption("--max-staleness", v["max-staleness"]!, 1, MAX_STALENESS),
    livenessPeriods: integerOption("--liveness", v.liveness!, 1, 2 ** 32 - 1),
  };
  if (terms.poolFeeMin > terms.poolFeeMax) throw new UsageError(`--fee-min ${terms.poolFeeMin} is above --fee-max ${terms.poolFeeMax} (pips)`);
  if (terms.fallbackFee < terms.poolFeeMin || terms.fallbackFee > terms.poolFeeMax) {
    const given = v["fallback-fee"] !== undefined ? `--fallback-fee ${terms.fallbackFee}` : `the default fallback fee ${terms.fallbackFee} (the model's recommendation, else 3000; pass --fallback-fee)`;
    throw new UsageError(`${given} is outside [--fee-min ${terms.poolFeeMin}, --fee-max ${terms.poolFeeMax}] (pips)`);
  }
  return terms;
}

export async function deployCommand(argv: string[]): Promise<number> {
  let v;
  let rpc: string;
  let out: string;
  let manager: Address | undefined;
  let existingHook: Address | undefined;
  let tokens: [Address, Address] | undefined;
  let terms: ReturnType<typeof poolTerms>;
  let verification: "zk" | "onchain";
  try {
    const parsed = parseOptions("deploy", argv, SPEC);
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    v = parsed.values;
    rpc = v.rpc ?? process.env.PROVENFEE_RPC_URL ?? "";
    if (!rpc) throw new UsageError("--rpc: required (or PROVENFEE_RPC_URL)");
    if (!/^(https?|wss?):\/\//i.test(rpc)) throw new UsageError(`--rpc: expected an http(s):// or ws(s):// URL, got '${rpc}'`);
    if (!v.out) throw new UsageError("--out: required");
    out = v.out;
    manager = address("--manager", v.manager);
    existingHook = address("--hook", v.hook);
    const t0 = address("--token0", v.token0);
    const t1 = address("--token1", v.token1);
    if ((t0 === undefined) !== (t1 === undefined)) throw new UsageError(`${t0 ? "--token1" : "--token0"}: required with ${t0 ? "--token0" : "--token1"} (a pool needs both currencies)`);
    if (t0 && t1) {
      if (BigInt(t0) === BigInt(t1)) throw new UsageError(`--token0 and --token1 are the same address ${t0}`);
      tokens = BigInt(t0) < BigInt(t1) ? [t0, t1] : [t1, t0];
    }
    verification = choiceOption("--verification", v.verification!, ["zk", "onchain"] as const);
  } catch (e) {
    return failure("deploy", e);
  }
  const modelPath = v.model ?? shipped("model/default-model.json");
  let model;
  try {
    model = await loadModel(modelPath);
    terms = poolTerms(v as unknown as Record<string, string | undefined>, recommendedFallbackFee(model.file));
  } catch (e) {
    return failure("deploy", e);
  }
  const abis = hookAndV4ErrorAbis();
  try {
    const clients = await connect(rpc, resolvePrivateKey(process.env));
    let managerAddress: Address, verifier: Address, hook: Address;
    if (existingHook) {
      hook = existingHook;
      const read = (functionName: string) => clients.public.readContract({ address: hook, abi: hookArtifact().abi, functionName }) as Promise<Address>;
      [managerAddress, verifier] = await Promise.all([read("poolManager"), read("verifier")]);
      if (manager && BigInt(manager) !== BigInt(managerAddress)) {
        console.error(`provenfee deploy: --manager ${manager}: the hook's PoolManager is ${managerAddress}`);
        return 2;
      }
    } else {
      managerAddress = manager ?? (await deploy(clients, v4Artifact("PoolManager"), [clients.account.address]));
      verifier = await deployVerifier(clients);
      // the batch circuits' verifiers too, so keepers can land several pools per proof (updateFees)
      // and OnchainModels, so pools of this hook can also take public models (--verification onchain)
      hook = await deployHook(clients, managerAddress, verifier, await deployBatchVerifiers(clients), await deployOnchainModels(clients));
    }
    if (verification === "onchain") await registerOnchainModel(clients, hook, model);
    else {
      // a pool's mode is its model's: once a commitment is an onchain model on this hook, its pools are onchain pools
      const onchain = await clients.public.readContract({ address: hook, abi: hookArtifact().abi, functionName: "isOnchainModel", args: [model.commitment] });
      if (onchain) throw new Error(`--verification zk: ${modelPath} is an onchain model on hook ${hook} (its pools are evaluated on-chain); use --verification onchain`);
      await registerModel(clients, hook, model, `file://${modelPath}`);
    }
    const deployment: Deployment = { chainId: clients.chain.id, manager: managerAddress, verifier, hook, pools: [] };
    if (tokens) {
      const key = hookedPoolKey(tokens[0], tokens[1], hook, terms.tickSpacing);
      await createPool(clients, hook, key, sqrtPriceNearTick(terms.tick), {
        commitment: model.commitment, poolFeeMin: terms.poolFeeMin, poolFeeMax: terms.poolFeeMax, fallbackFee: terms.fallbackFee,
        period: model.file.period, maxStalenessPeriods: terms.maxStalenessPeriods, livenessPeriods: terms.livenessPeriods, admin: clients.account.address,
        verification: VERIFICATION[verification],
      });
      deployment.pools.push({ name: v["pool-name"], key, model: modelPath });
    }
    const tmp = `${out}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, `${JSON.stringify(deployment, null, 2)}\n`);
      renameSync(tmp, out);
    } catch (e) {
      throw new Error(`--out ${out}: cannot write the deployment file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (v.json) console.log(JSON.stringify(deployment));
    else console.log(`${existingHook ? "used" : "deployed"} on chain ${deployment.chainId}: manager ${managerAddress}, verifier ${verifier}, hook ${hook}${deployment.pools.length ? `, ${verification} pool ${deployment.pools[0]!.name}` : ""}\nwrote ${out}`);
    return 0;
  } catch (e) {
    console.error(`provenfee deploy: ${explainChainError(e, rpc, abis)}`);
    return 1;
  }
}
