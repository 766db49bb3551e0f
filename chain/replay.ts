// Puts real swap history on a local chain, block for block: every historical block becomes one
// anvil block at the historical timestamp holding one swap per historical swap, each moving the
// pool into the tick that swap left it in. The hook's oracle only reads ticks at period boundaries,
// so this reproduces exactly what it would have stored on the original pool.
import type { Hex } from "viem";
import { encodeFunctionData } from "viem";
import { projectArtifact } from "./artifacts.ts";
import type { Clients } from "./chain.ts";
import type { LocalV4, PoolKey } from "./localPool.ts";

export interface HistoricalBlock {
  blockNumber: number;
  timestamp: number;
  /** The pool tick after each swap of the block, in log order. */
  ticks: number[];
}

/** Groups time-ordered swaps into blocks. */
export function groupByBlock(blockNumbers: ArrayLike<number>, timestamps: ArrayLike<number>, ticks: ArrayLike<number>, from = 0, to = blockNumbers.length): HistoricalBlock[] {
  const blocks: HistoricalBlock[] = [];
  for (let i = from; i < to; i++) {
    const last = blocks[blocks.length - 1];
    if (last && last.blockNumber === blockNumbers[i]) last.ticks.push(ticks[i]!);
    else blocks.push({ blockNumber: blockNumbers[i]!, timestamp: timestamps[i]!, ticks: [ticks[i]!] });
  }
  return blocks;
}

export async function rpc<T = unknown>(clients: Clients, method: string, params: unknown[] = []): Promise<T> {
  return (await clients.public.request({ method: method as never, params: params as never })) as T;
}

const SWAP_GAS = 600_000n;

/**
 * Mines one block at `block.timestamp` holding its swaps (and whatever else is pending, such as a
 * keeper's fee update); returns the mined block number. With `manualMining` the caller keeps
 * automine off between blocks, so other transactions wait for the next historical block. With several
 * keys every pool gets the same swaps in the same block (twin pools on one price path).
 */
export async function replayBlock(clients: Clients, v4: LocalV4, keys: PoolKey | readonly PoolKey[], block: HistoricalBlock, manualMining = false): Promise<bigint> {
  const abi = projectArtifact("ReplayRouter").abi;
  if (!manualMining) await rpc(clients, "evm_setAutomine", [false]);
  const hashes: Hex[] = [];
  try {
    let nonce = await clients.public.getTransactionCount({ address: clients.account.address, blockTag: "pending" });
    for (const tick of block.ticks) {
      for (const key of Array.isArray(keys) ? keys : [keys]) hashes.push(
        await clients.wallet.sendTransaction({
          to: v4.router,
          data: encodeFunctionData({ abi, functionName: "swapToTick", args: [key, tick] }),
          gas: SWAP_GAS,
          nonce: nonce++,
        }),
      );
    }
    await rpc(clients, "evm_mine", [block.timestamp]);
  } finally {
    if (!manualMining) await rpc(clients, "evm_setAutomine", [true]);
  }
  let mined = 0n;
  for (const hash of hashes) {
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`replayed swap reverted in block at ${block.timestamp} (tx ${hash})`);
    mined = receipt.blockNumber;
  }
  return mined;
}
