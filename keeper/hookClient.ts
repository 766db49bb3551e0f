// Typed reads of one hook and its PoolManager, all pinned to a block so a decision never mixes
// state from two blocks (or from a block a reorg has since orphaned).
import { decodeErrorResult, encodeAbiParameters, keccak256, type Abi, type Address, type Hex } from "viem";
import type { Clients } from "../chain/chain.ts";
import { hookArtifact, type PoolConfig } from "../chain/deploy.ts";
import type { PoolKey } from "../chain/localPool.ts";
import { poolIdOf } from "../chain/localPool.ts";

export interface PoolState {
  period: number;
  lastSwapPeriod: number;
  lastUpdatePeriod: number;
  liveUntil: number;
  livenessPeriods: number;
  fallbackFee: number;
  maxStalenessPeriods: number;
  hasSwapped: boolean;
  onFallback: boolean;
  hasClose: boolean;
  lastCloseTick: number;
}

export class HookClient {
  readonly abi: Abi;
  constructor(readonly clients: Clients, readonly hook: Address, readonly manager: Address) {
    this.abi = hookArtifact().abi;
  }

  private read<T>(functionName: string, args: unknown[], blockNumber?: bigint): Promise<T> {
    return this.clients.public.readContract({ address: this.hook, abi: this.abi, functionName, args, blockNumber }) as Promise<T>;
  }

  poolConfig(key: PoolKey, blockNumber?: bigint): Promise<PoolConfig> {
    return this.read<PoolConfig>("poolConfig", [key], blockNumber);
  }

  poolState(key: PoolKey, blockNumber?: bigint): Promise<PoolState> {
    return this.read<PoolState>("poolState", [key], blockNumber);
  }

  async featuresAsOf(key: PoolKey, asOfPeriod: number, blockNumber?: bigint): Promise<bigint[]> {
    return [...(await this.read<readonly bigint[]>("featuresAsOf", [key, asOfPeriod], blockNumber))];
  }

  contextOf(key: PoolKey, asOfPeriod: number, blockNumber?: bigint): Promise<bigint> {
    return this.read<bigint>("contextOf", [key, asOfPeriod], blockNumber);
  }

  /** The LP fee the PoolManager charges now: slot0 bits 208..231 of the pool's state. */
  async lpFee(key: PoolKey, blockNumber?: bigint): Promise<number> {
    return (await this.slot0(key, blockNumber)).lpFee;
  }

  /** The pool's slot0 in the PoolManager (StateLibrary's layout): its price (bits 0..159) and LP fee (bits 208..231). */
  async slot0(key: PoolKey, blockNumber?: bigint): Promise<{ sqrtPriceX96: bigint; lpFee: number }> {
    const slot = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [poolIdOf(key), 6n]));
    const word = BigInt((await this.clients.public.getStorageAt({ address: this.manager, slot, blockNumber })) ?? "0x0");
    return { sqrtPriceX96: word & ((1n << 160n) - 1n), lpFee: Number((word >> 208n) & 0xffffffn) };
  }

  /** The hook's custom error name in a revert, if the error carries one. */
  errorName(error: unknown): string | undefined {
    let e = error as { data?: Hex; cause?: unknown; name?: string; data_?: unknown } | undefined;
    for (let depth = 0; e && depth < 8; depth++) {
      const data = (e as { data?: unknown }).data;
      if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
        try {
          return decodeErrorResult({ abi: this.abi, data: data as Hex }).errorName;
        } catch {
          return undefined;
        }
      }
      if (data && typeof data === "object" && "errorName" in data) return (data as { errorName: string }).errorName;
      e = e.cause as typeof e;
    }
    return undefined;
  }
}
