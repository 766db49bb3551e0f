// Deploys the verifier and the hook (at a CREATE2 address carrying the hook's permission bits, as
// v4 requires), registers models and creates hooked pools: what `provenfee deploy`, the demo and the
// end-to-end tests share.
import { encodeDeployData, type Address, type Hex } from "viem";
import { projectArtifact } from "./artifacts.ts";
import { deploy, send, type Clients } from "./chain.ts";
import { CREATE2_DEPLOYER, create2Calldata, flagsOf, mineHookSalt } from "./create2.ts";
import { DYNAMIC_FEE_FLAG, poolIdOf, type PoolKey } from "./localPool.ts";
import type { Model } from "../model/index.ts";

export const hookArtifact = () => projectArtifact("ProvenFeeHook");
export const verifierArtifact = () => projectArtifact("Groth16Verifier");

/** The hook's permissions: it must match ProvenFeeHook.getHookPermissions. */
export const HOOK_FLAGS = flagsOf({ beforeInitialize: true, beforeSwap: true });

export interface PoolConfig {
  commitment: bigint;
  poolFeeMin: number;
  poolFeeMax: number;
  fallbackFee: number;
  period: number;
  maxStalenessPeriods: number;
  livenessPeriods: number;
  admin: Address;
}

export async function deployVerifier(clients: Clients): Promise<Address> {
  return deploy(clients, verifierArtifact());
}

export async function deployHook(clients: Clients, manager: Address, verifier: Address): Promise<Address> {
  const artifact = hookArtifact();
  const initCode = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: [manager, verifier] });
  const code = await clients.public.getCode({ address: CREATE2_DEPLOYER });
  if (!code || code === "0x") throw new Error(`no CREATE2 deployer at ${CREATE2_DEPLOYER} on this chain; hooks need one to get their permission bits`);
  // Start the search from the deployer's nonce so redeployments on one chain find fresh addresses.
  const nonce = await clients.public.getTransactionCount({ address: clients.account.address });
  const { salt, address } = mineHookSalt(initCode, HOOK_FLAGS, CREATE2_DEPLOYER, BigInt(nonce) << 32n);
  const hash = await clients.wallet.sendTransaction({ to: CREATE2_DEPLOYER, data: create2Calldata(salt, initCode) });
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  const deployed = await clients.public.getCode({ address });
  if (receipt.status !== "success" || !deployed || deployed === "0x") throw new Error(`hook deployment failed (tx ${hash})`);
  return address;
}

export async function registerModel(clients: Clients, hook: Address, model: Model, uri: string): Promise<void> {
  const abi = hookArtifact().abi;
  const registered = (await clients.public.readContract({ address: hook, abi, functionName: "isModelRegistered", args: [model.commitment, model.file.period] })) as boolean;
  if (registered) return;
  await send(clients, hook, abi, "registerModel", [model.commitment, model.file.period, model.file.horizon, uri]);
}

export function hookedPoolKey(token0: Address, token1: Address, hook: Address, tickSpacing = 10): PoolKey {
  return { currency0: token0, currency1: token1, fee: DYNAMIC_FEE_FLAG, tickSpacing, hooks: hook };
}

export async function createPool(clients: Clients, hook: Address, key: PoolKey, sqrtPriceX96: bigint, config: PoolConfig): Promise<Hex> {
  await send(clients, hook, hookArtifact().abi, "createPool", [key, sqrtPriceX96, config]);
  return poolIdOf(key);
}

/** Pays for the ring slots up front, so the first swap of each period stays cheap for swappers. */
