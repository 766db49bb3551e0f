// Sends the keeper's transactions from one account: a local nonce counter shared by every pool,
// EIP-1559 fees under a cap, replacement of a transaction stuck in the mempool, and re-broadcast of
// one the mempool dropped. The chain is the arbiter: a receipt, not a send, settles a transaction.
import type { Hex, Address, TransactionReceipt } from "viem";
import type { Clients } from "./chain.ts";
import type { Logger } from "./log.ts";

export interface TxRequest {
  to: Address;
  data: Hex;
  gas: bigint;
}

export interface FeeSettings {
  /** Never pay more than this per gas, whatever the base fee does. */
  maxFeePerGasCap: bigint;
  /** Tip offered to the block builder. */
  priorityFeePerGas: bigint;
  /** Replace a transaction still pending after this many blocks. */
  replaceAfterBlocks: number;
  /** Percent by which a replacement raises both fee fields (nodes require at least 10). */
  bumpPercent: number;
}

export const DEFAULT_FEES: FeeSettings = { maxFeePerGasCap: 200_000_000_000n, priorityFeePerGas: 1_000_000_000n, replaceAfterBlocks: 3, bumpPercent: 15 };

export type TxOutcome = { status: "mined"; receipt: TransactionReceipt } | { status: "abandoned"; reason: string };

interface Pending {
  tag: string;
  request: TxRequest;
  nonce: number;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  hashes: Hex[];
  sentAtBlock: bigint;
  resolve: (outcome: TxOutcome) => void;
  promise: Promise<TxOutcome>;
}

export class TxManager {
  private nextNonce: number | undefined;
  private pending = new Map<number, Pending>();

  constructor(private clients: Clients, private fees: FeeSettings, private log: Logger) {}

  get inFlight(): number {
    return this.pending.size;
  }

  /** Re-reads the account's nonce from the chain: at start-up, and after the node disagreed with us. */
  async syncNonce(): Promise<void> {
    const onChain = await this.clients.public.getTransactionCount({ address: this.clients.account.address, blockTag: "pending" });
    const afterPending = this.pending.size ? Math.max(...this.pending.keys()) + 1 : 0;
    this.nextNonce = Math.max(onChain, afterPending);
  }

  private async feeFields(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const block = await this.clients.public.getBlock({ blockTag: "latest" });
    const base = block.baseFeePerGas ?? 0n;
    const tip = this.fees.priorityFeePerGas;
    let maxFee = base * 2n + tip;
    if (maxFee > this.fees.maxFeePerGasCap) maxFee = this.fees.maxFeePerGasCap;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip > maxFee ? maxFee : tip };
  }

  private async broadcast(p: Pending): Promise<Hex> {
    const signed = await this.clients.wallet.signTransaction({
      account: this.clients.account,
      chain: this.clients.chain,
      to: p.request.to,
      data: p.request.data,
      gas: p.request.gas,
      nonce: p.nonce,
      maxFeePerGas: p.maxFeePerGas,
      maxPriorityFeePerGas: p.maxPriorityFeePerGas,
      type: "eip1559",
    });
    const hash = await this.clients.public.sendRawTransaction({ serializedTransaction: signed });
    if (!p.hashes.includes(hash)) p.hashes.push(hash);
    return hash;
  }

  /** Signs and sends; the promise settles when a receipt for the nonce exists or the tx is abandoned. */
  async send(tag: string, request: TxRequest, currentBlock: bigint): Promise<{ hash: Hex; outcome: Promise<TxOutcome> }> {
    if (this.nextNonce === undefined) await this.syncNonce();
    const fields = await this.feeFields();
    let resolve!: (o: TxOutcome) => void;
    const promise = new Promise<TxOutcome>((r) => (resolve = r));
    const p: Pending = { tag, request, nonce: this.nextNonce!, ...fields, hashes: [], sentAtBlock: currentBlock, resolve, promise };
    try {
      const hash = await this.broadcast(p);
      this.nextNonce!++;
      this.pending.set(p.nonce, p);
      this.log.info("transaction sent", { tag, hash, nonce: p.nonce, maxFeePerGas: p.maxFeePerGas });
      return { hash, outcome: promise };
    } catch (e) {
      if (/nonce too low|already known|nonce.*low/i.test((e as Error).message)) await this.syncNonce();
      throw e;
    }
  }

  /** Called on every new block: settles mined transactions, re-broadcasts dropped ones, bumps stuck ones. */
  async onBlock(blockNumber: bigint): Promise<void> {
    for (const p of [...this.pending.values()]) {
      let receipt: TransactionReceipt | undefined;
      for (const hash of p.hashes) {
        try {
          receipt = await this.clients.public.getTransactionReceipt({ hash });
          break;
        } catch {
          // not mined under this hash
        }
      }
      if (receipt) {
        this.pending.delete(p.nonce);
        p.resolve({ status: "mined", receipt });
        continue;
      }
      const onChainNonce = await this.clients.public.getTransactionCount({ address: this.clients.account.address, blockTag: "latest" });
      if (onChainNonce > p.nonce) {
        // Another transaction of ours took this nonce (e.g. a replacement we lost track of).
        this.pending.delete(p.nonce);
        p.resolve({ status: "abandoned", reason: "nonce used by another transaction" });
        continue;
      }
      const known = await Promise.all(p.hashes.map((hash) => this.clients.public.getTransaction({ hash }).then(() => true, () => false)));
      if (!known.some(Boolean)) {
        this.log.warn("transaction dropped from the mempool; re-sending", { tag: p.tag, nonce: p.nonce });
        await this.broadcast(p).catch((e) => this.log.warn("re-send failed", { tag: p.tag, error: (e as Error).message }));
        continue;
      }
      if (blockNumber - p.sentAtBlock >= BigInt(this.fees.replaceAfterBlocks)) {
        const bump = (v: bigint) => (v * BigInt(100 + this.fees.bumpPercent) + 99n) / 100n;
        const maxFeePerGas = bump(p.maxFeePerGas);
        if (maxFeePerGas > this.fees.maxFeePerGasCap) {
          this.log.warn("stuck transaction already at the fee cap; waiting", { tag: p.tag, nonce: p.nonce });
          continue;
        }
        p.maxFeePerGas = maxFeePerGas;
        p.maxPriorityFeePerGas = bump(p.maxPriorityFeePerGas);
        p.sentAtBlock = blockNumber;
        const hash = await this.broadcast(p).catch((e) => {
          this.log.warn("replacement failed", { tag: p.tag, error: (e as Error).message });
          return undefined;
        });
        if (hash) this.log.info("replaced stuck transaction", { tag: p.tag, nonce: p.nonce, hash, maxFeePerGas });
      }
    }
  }

  /** Gives up on everything pending (shutdown): the promises settle as abandoned. */
  abandonAll(reason: string): void {
    for (const p of this.pending.values()) p.resolve({ status: "abandoned", reason });
    this.pending.clear();
  }
}
