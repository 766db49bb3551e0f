// A v4 deployment on a local chain with two test tokens and the replay router: the stage on which
// the demo and the end-to-end tests put real history on-chain.
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { projectArtifact, v4Artifact } from "./artifacts.ts";
import { deploy, send, type Clients } from "./chain.ts";

export interface PoolKey {
  currency0: Address;
  currency1: Address;
  fee: number;
  tickSpacing: number;
  hooks: Address;
}

/** v4's dynamic-fee flag in `PoolKey.fee`. */
export const DYNAMIC_FEE_FLAG = 0x800000;
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;

export function poolIdOf(key: PoolKey): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "address" }, { type: "uint24" }, { type: "int24" }, { type: "address" }],
      [key.currency0, key.currency1, key.fee, key.tickSpacing, key.hooks],
    ),
  );
}

export interface LocalV4 {
  manager: Address;
  router: Address;
  token0: Address;
  token1: Address;
}

export async function deployLocalV4(clients: Clients): Promise<LocalV4> {
  const manager = await deploy(clients, v4Artifact("PoolManager"), [clients.account.address]);
  const router = await deploy(clients, projectArtifact("ReplayRouter"), [manager]);
  const erc20 = v4Artifact("TestERC20");
  const a = await deploy(clients, erc20, [0n]);
  const b = await deploy(clients, erc20, [0n]);
  const [token0, token1] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  for (const token of [token0, token1]) await send(clients, token, erc20.abi, "mint", [router, 1n << 200n]);
  return { manager, router, token0, token1 };
}

export function fullRange(tickSpacing: number): { tickLower: number; tickUpper: number } {
  return { tickLower: Math.ceil(MIN_TICK / tickSpacing) * tickSpacing, tickUpper: Math.floor(MAX_TICK / tickSpacing) * tickSpacing };
}

export async function addLiquidity(clients: Clients, v4: LocalV4, key: PoolKey, liquidity: bigint, range = fullRange(key.tickSpacing)) {
  return send(clients, v4.router, projectArtifact("ReplayRouter").abi, "modifyLiquidity", [
    key,
    { tickLower: range.tickLower, tickUpper: range.tickUpper, liquidityDelta: liquidity, salt: `0x${"00".repeat(32)}` },
  ]);
}

export async function swapToTick(clients: Clients, v4: LocalV4, key: PoolKey, tick: number) {
  return send(clients, v4.router, projectArtifact("ReplayRouter").abi, "swapToTick", [key, tick]);
}

export async function currentTick(clients: Clients, v4: LocalV4, key: PoolKey): Promise<number> {
  // Pool.State.slot0 sits at keccak256(poolId, POOLS_SLOT = 6) in the PoolManager.
  const slot = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [poolIdOf(key), 6n]));
  const word = BigInt((await clients.public.getStorageAt({ address: v4.manager, slot })) ?? "0x0");
  const raw = Number((word >> 160n) & 0xffffffn);
  return raw >= 0x800000 ? raw - 0x1000000 : raw;
}

/** sqrt(1.0001^tick) * 2^96, close enough to start a pool inside `tick`. */
export function sqrtPriceNearTick(tick: number): bigint {
  const sqrt = Math.sqrt(1.0001 ** (tick + 0.5));
  const [mantissa, exponent] = sqrt.toExponential(15).split("e") as [string, string];
  const scaled = BigInt(Math.round(Number(mantissa) * 1e15)) * 2n ** 96n;
  const e = Number(exponent) - 15;
  return e >= 0 ? scaled * 10n ** BigInt(e) : scaled / 10n ** BigInt(-e);
}
