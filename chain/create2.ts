// v4 reads a hook's permissions from the low 14 bits of its address, so the hook must be deployed
// with CREATE2 at a salt whose address carries exactly its flags. Anvil (and most chains) have the
// deterministic deployment proxy at this address.
import { concat, getContractAddress, keccak256, pad, toHex, type Address, type Hex } from "viem";

export const CREATE2_DEPLOYER: Address = "0x4e59b44847b379578588920cA78FbF26c0B4956C";
export const ALL_HOOK_MASK = (1n << 14n) - 1n;

export const HOOK_FLAGS = {
  beforeInitialize: 1n << 13n,
  afterInitialize: 1n << 12n,
  beforeAddLiquidity: 1n << 11n,
  afterAddLiquidity: 1n << 10n,
  beforeRemoveLiquidity: 1n << 9n,
  afterRemoveLiquidity: 1n << 8n,
  beforeSwap: 1n << 7n,
  afterSwap: 1n << 6n,
  beforeDonate: 1n << 5n,
  afterDonate: 1n << 4n,
  beforeSwapReturnDelta: 1n << 3n,
  afterSwapReturnDelta: 1n << 2n,
  afterAddLiquidityReturnDelta: 1n << 1n,
  afterRemoveLiquidityReturnDelta: 1n,
} as const;

export type HookPermissions = Partial<Record<keyof typeof HOOK_FLAGS, boolean>>;

export function flagsOf(permissions: HookPermissions): bigint {
  let flags = 0n;
  for (const [name, on] of Object.entries(permissions)) if (on) flags |= HOOK_FLAGS[name as keyof typeof HOOK_FLAGS];
  return flags;
}

/** The first salt (from `start`) whose CREATE2 address carries exactly `flags` in its low 14 bits. */
export function mineHookSalt(initCode: Hex, flags: bigint, deployer: Address = CREATE2_DEPLOYER, start = 0n): { salt: Hex; address: Address } {
  const bytecodeHash = keccak256(initCode);
  for (let s = start; s < start + 1_000_000n; s++) {
    const salt = pad(toHex(s), { size: 32 });
    const address = getContractAddress({ opcode: "CREATE2", from: deployer, salt, bytecodeHash });
    if ((BigInt(address) & ALL_HOOK_MASK) === flags) return { salt, address };
  }
  throw new Error(`no salt in ${start}..${start + 1_000_000n} gives hook flags 0x${flags.toString(16)}`);
}

/** Calldata for the deterministic deployment proxy: salt followed by the init code. */
export function create2Calldata(salt: Hex, initCode: Hex): Hex {
  return concat([salt, initCode]);
}
