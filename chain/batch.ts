// Sends a batch of fee updates (ProvenFeeHook.updateFees, model/SPEC.md §7b): one transaction and one
// proof for 2, 4 or 8 pools of one hook. The proof comes from prover/batch.ts (BatchProver.proveBatch),
// made under batchContextFor(...) of exactly these pools and as-of periods in this order.
import { decodeEventLog, type Address, type Hex, type TransactionReceipt } from "viem";
import { batchContextOf } from "../model/index.ts";
import type { Clients } from "./chain.ts";
import { hookArtifact } from "./deploy.ts";
import { poolIdOf, type PoolKey } from "./localPool.ts";

/** One pool's entry: its key and as-of period, and what the batch proof attests for it. */
export interface UpdateFeesEntry {
  key: PoolKey;
  asOfPeriod: number;
  fee: number;
  forecast: bigint;
  /** The featureWord (SPEC §7) the proof was made on; the hook reads it only when it skips the entry. */
  featureWord: bigint;
}

export interface BatchProofPoints {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

export interface UpdateFeesOutcome {
  receipt: TransactionReceipt;
  /** Pool ids whose fee the batch set (FeeUpdated), in batch order. */
  applied: Hex[];
  /** Pool ids the hook verified but skipped (FeeUpdateSkipped): a rival landed first or the period got too old. */
  skipped: Hex[];
}

/** The context a batch proof for these entries must be made under (ProvenFeeHook.batchContextOf). */
export function batchContextFor(chainId: number | bigint, hook: Address, entries: readonly { key: PoolKey; asOfPeriod: number }[]): bigint {
  return batchContextOf(chainId, hook, entries.map((e) => ({ poolId: poolIdOf(e.key), asOfPeriod: e.asOfPeriod })));
}

/**
 * Sends updateFees and waits for it. The call is simulated first, so a refusal (InvalidProof, NoFreshEntry,
 * DuplicatePool, ...) is thrown with its name before anything is sent. `gas` defaults to the node's estimate.
 */
export async function sendUpdateFees(clients: Clients, hook: Address, entries: readonly UpdateFeesEntry[], proof: BatchProofPoints, gas?: bigint): Promise<UpdateFeesOutcome> {
  const abi = hookArtifact().abi;
  const args = [entries.map((e) => ({ key: e.key, asOfPeriod: e.asOfPeriod, fee: e.fee, forecast: e.forecast, featureWord: e.featureWord })), proof.a, proof.b, proof.c];
  const { request } = await clients.public.simulateContract({ address: hook, abi, functionName: "updateFees", args, account: clients.account, gas });
  const hash = await clients.wallet.writeContract(request);
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`updateFees reverted (tx ${hash})`);
  const applied: Hex[] = [];
  const skipped: Hex[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== hook.toLowerCase()) continue;
    try {
      const event = decodeEventLog({ abi, data: log.data, topics: log.topics });
      const id = (event.args as { id?: Hex }).id;
      if (event.eventName === "FeeUpdated" && id) applied.push(id);
      if (event.eventName === "FeeUpdateSkipped" && id) skipped.push(id);
    } catch {
      // not one of the hook's events
    }
  }
  return { receipt, applied, skipped };
}
