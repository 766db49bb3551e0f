// Deploys the verifier and the hook (at a CREATE2 address carrying the hook's permission bits, as
// v4 requires), registers models and creates hooked pools: what `provenfee deploy`, the demo and the
// end-to-end tests share.
import { randomBytes } from "node:crypto";
import { encodeAbiParameters, encodeDeployData, keccak256, toHex, type AbiFunction, type Address, type Hex } from "viem";
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
  /** How updates are checked (ProvenFeeHook.Verification): must be the model's mode on the hook (createPool refuses another). */
  verification: Verification;
}

/** ProvenFeeHook.Verification: `zk` (a Groth16 proof per update) or `onchain` (the hook evaluates the public model). */
export const VERIFICATION = { zk: 0, onchain: 1 } as const;
export type Verification = (typeof VERIFICATION)[keyof typeof VERIFICATION];
export const verificationName = (v: number): string => (v === VERIFICATION.onchain ? "onchain" : v === VERIFICATION.zk ? "zk" : `mode ${v}`);

export async function deployVerifier(clients: Clients): Promise<Address> {
  return deploy(clients, verifierArtifact());
}

/** The hook's batch verifiers by size (ProvenFeeHook.BatchVerifiers); the zero address: no batches of that size. */
export interface BatchVerifierAddresses {
  two: Address;
  four: Address;
  eight: Address;
}

const ZERO: Address = "0x0000000000000000000000000000000000000000";
export const NO_BATCH_VERIFIERS: BatchVerifierAddresses = { two: ZERO, four: ZERO, eight: ZERO };

/** Deploys the verifiers of the 2-, 4- and 8-pool batch circuits (contracts/verifier/Groth16BatchVerifier*.sol). */
export async function deployBatchVerifiers(clients: Clients): Promise<BatchVerifierAddresses> {
  const of = (size: number) => deploy(clients, projectArtifact(`Groth16BatchVerifier${size}`));
  return { two: await of(2), four: await of(4), eight: await of(8) };
}

/** `onchainModels`: the OnchainModels contract of the hook's `onchain` verification mode; ZERO: a hook without it. */
export async function deployHook(clients: Clients, manager: Address, verifier: Address, batchVerifiers: BatchVerifierAddresses = NO_BATCH_VERIFIERS, onchainModels: Address = ZERO): Promise<Address> {
  const artifact = hookArtifact();
  const initCode = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: [manager, verifier, batchVerifiers, onchainModels] });
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

/** The hook's default period, which a pool created with period 0 gets (ProvenFeeHook.DEFAULT_PERIOD). */
const DEFAULT_PERIOD = 60;

/**
 * The commitment ProvenFeeHook.commitPool expects before createPool(key, sqrtPriceX96, config, salt) from
 * `creator`: keccak256(abi.encode(key, sqrtPriceX96, config, creator, salt)), computed here rather than by
 * the hook's view so that no node learns the terms before the reveal.
 */
export function poolCommitmentOf(key: PoolKey, sqrtPriceX96: bigint, config: PoolConfig, creator: Address, salt: Hex): Hex {
  const fn = hookArtifact().abi.find((e): e is AbiFunction => e.type === "function" && e.name === "poolCommitmentOf");
  if (!fn) throw new Error("ProvenFeeHook artifact has no poolCommitmentOf: rebuild with forge build");
  return keccak256(encodeAbiParameters(fn.inputs, [key, sqrtPriceX96, config, creator, salt]));
}

/** The pool's terms as the hook holds them, or undefined when the hook has no such pool. */
export async function readPoolConfig(clients: Clients, hook: Address, key: PoolKey): Promise<PoolConfig | undefined> {
  try {
    return (await clients.public.readContract({ address: hook, abi: hookArtifact().abi, functionName: "poolConfig", args: [key] })) as PoolConfig;
  } catch (e) {
    if (/UnknownPool/.test(`${(e as Error).message}`)) return undefined;
    throw e;
  }
}

/** Every field of `actual` that differs from what was asked, as `field is X, asked Y`. */
export function poolConfigDifferences(actual: PoolConfig, asked: PoolConfig): string[] {
  const expected: PoolConfig = { ...asked, period: asked.period === 0 ? DEFAULT_PERIOD : asked.period };
  const differences: string[] = [];
  for (const field of ["commitment", "poolFeeMin", "poolFeeMax", "fallbackFee", "period", "maxStalenessPeriods", "livenessPeriods", "admin", "verification"] as const) {
    const [a, e] = [actual[field], expected[field]];
    if (field === "verification") {
      if (a !== e) differences.push(`verification is ${verificationName(a as number)}, asked ${verificationName(e as number)}`);
      continue;
    }
    const same = field === "admin" ? String(a).toLowerCase() === String(e).toLowerCase() : BigInt(a as bigint | number) === BigInt(e as bigint | number);
    if (!same) differences.push(`${field} is ${field === "commitment" ? toHex(a as bigint) : String(a)}, asked ${field === "commitment" ? toHex(e as bigint) : String(e)}`);
  }
  return differences;
}

function assertPoolConfig(hook: Address, key: PoolKey, actual: PoolConfig, asked: PoolConfig): void {
  const differences = poolConfigDifferences(actual, asked);
  if (differences.length) {
    throw new Error(`pool ${poolIdOf(key)} on hook ${hook} does not have the terms asked for (created first by someone else?): ${differences.join("; ")}`);
  }
}

/**
 * Creates a hooked pool with the terms in `config`, in the hook's two steps: commitPool (terms hidden behind a
 * random salt), then createPool in a later block. Then reads the terms back and throws one line naming every
 * field that differs from `config`: a pool key does not bind its terms, so someone may have created it first.
 * A pool that already exists with exactly these terms (an earlier run) is left as it is.
 */
export async function createPool(clients: Clients, hook: Address, key: PoolKey, sqrtPriceX96: bigint, config: PoolConfig): Promise<Hex> {
  const abi = hookArtifact().abi;
  const existing = await readPoolConfig(clients, hook, key);
  if (existing) {
    assertPoolConfig(hook, key, existing, config);
    return poolIdOf(key);
  }
  const salt = toHex(randomBytes(32));
  await send(clients, hook, abi, "commitPool", [poolCommitmentOf(key, sqrtPriceX96, config, clients.account.address, salt)]);
  // The reveal is valid from the block after the commitment's: simulate it there ("pending"); a transaction
  // sent after the commitment's receipt can only be mined there or later.
  let failure: unknown;
  try {
    const args = [key, sqrtPriceX96, config, salt];
    const at = { address: hook, abi, functionName: "createPool", args, account: clients.account, blockTag: "pending" } as const;
    const { request } = await clients.public.simulateContract(at);
    const gas = await clients.public.estimateContractGas(at);
    const hash = await clients.wallet.writeContract({ ...request, gas });
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`createPool reverted (tx ${hash})`);
  } catch (e) {
    failure = e;
  }
  const actual = await readPoolConfig(clients, hook, key);
  if (!actual) throw failure ?? new Error(`createPool left no pool ${poolIdOf(key)} on hook ${hook}`);
  assertPoolConfig(hook, key, actual, config);
  return poolIdOf(key);
}

