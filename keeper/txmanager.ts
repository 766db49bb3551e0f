// Sends the keeper's transactions from one account: a local nonce counter shared by every pool,
// EIP-1559 fees under a cap, replacement of a transaction stuck in the mempool, re-broadcast of one
// the mempool dropped, and cancellation of one whose basis (the block whose state it was derived
// from) a reorg orphaned. The chain is the arbiter: a receipt, not a send, settles a transaction,
// and a receipt in a block that a reorg later removed settles nothing.
import { EventEmitter } from "node:events";
import { keccak256, type Address, type Hex, type TransactionReceipt } from "viem";
import type { Clients } from "../chain/chain.ts";
import type { Logger } from "./log.ts";

export interface TxRequest {
  to: Address;
  data: Hex;
  gas: bigint;
  value?: bigint;
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
  /** Blocks a mined transaction stays tracked, so that a reorg deeper than this is not handled. */
  reorgWindowBlocks: number;
}

export const DEFAULT_FEES: FeeSettings = { maxFeePerGasCap: 200_000_000_000n, priorityFeePerGas: 1_000_000_000n, replaceAfterBlocks: 3, bumpPercent: 15, reorgWindowBlocks: 64 };

export type TxOutcome = { status: "mined"; receipt: TransactionReceipt } | { status: "abandoned"; reason: string };

export interface BlockRef {
  number: bigint;
  hash: Hex;
}

export interface Head {
  number: bigint;
  baseFeePerGas?: bigint | null;
}

export interface SendOptions {
  /** The block whose state the transaction was derived from; a reorg that orphans it voids the transaction. */
  basis?: BlockRef;
  /** The head when sending: the base fee to price on, and the block from which "stuck" is counted. */
  head: Head;
  /** Free-form facts about the transaction (the keeper puts the pool and period here). */
  meta?: Record<string, unknown>;
}

export class FeeCapError extends Error {}

/** One thing the keeper wanted done at a nonce: an update, its replacement by a newer one, or a cancellation. */
interface Intent {
  tag: string;
  kind: "call" | "cancel";
  meta: Record<string, unknown>;
  request: TxRequest;
  basis?: BlockRef;
  hashes: Hex[];
  settled: boolean;
  resolve: (outcome: TxOutcome) => void;
  outcome: Promise<TxOutcome>;
}

/** A nonce in use: the intents signed for it (the last is current), and whichever got mined. */
interface Slot {
  nonce: number;
  intents: Intent[];
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  raw: Map<Hex, Hex>;
  lastSentBlock: bigint;
  mined?: { receipt: TransactionReceipt; hash: Hex };
  atCapLogged?: boolean;
  /** The last signed bytes are not the current intent's (a cancellation that failed to go out): sign again. */
  needsResign?: boolean;
  /** A nonce an earlier run (or another process) left pending: we hold no bytes for it, only a cancellation to use. */
  leftover?: boolean;
}

export interface PendingTx {
  tag: string;
  kind: "call" | "cancel";
  nonce: number;
  meta: Record<string, unknown>;
  hashes: Hex[];
  basis?: BlockRef;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

const firstLine = (e: unknown) => String((e as { details?: string }).details ?? (e as Error).message ?? e).split("\n")[0]!;
const errorText = (e: unknown): string => {
  const parts: string[] = [];
  for (let x = e as { message?: string; details?: string; cause?: unknown } | undefined, i = 0; x && i < 8; x = x.cause as typeof x, i++) parts.push(`${x.details ?? ""} ${x.message ?? ""}`);
  return parts.join(" | ");
};
const NONCE_TAKEN = /nonce too low|nonce.*already.*used|replacement transaction underpriced|already known|known transaction/i;
const BELOW_BASE_FEE = /less than (the )?block base fee|fee cap.*lower than.*base fee|max fee per gas less than/i;

/**
 * Events: "sent", "resent" (dropped, re-broadcast), "replaced" (fees bumped, or superseded by a newer
 * update), "cancelled" (voided by a reorg), "mined", "unmined" (its block was reorged away),
 * "adopted" / "leftoverMined" (a nonce an earlier run left pending); each with {tag, nonce, ...}.
 */
export class TxManager extends EventEmitter {
  private nextNonce: number | undefined;
  private slots = new Map<number, Slot>();
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private clients: Clients, private fees: FeeSettings, private log: Logger) {
    super();
  }

  get address(): Address {
    return this.clients.account.address;
  }

  /** Transactions sent and not (canonically) mined yet. */
  get inFlight(): number {
    return this.pending().length;
  }

  /** The current intent of every nonce not mined yet, lowest nonce first. */
  pending(): PendingTx[] {
    return [...this.slots.values()]
      .filter((s) => !s.mined)
      .sort((a, b) => a.nonce - b.nonce)
      .map((s) => {
        const i = current(s);
        return { tag: i.tag, kind: i.kind, nonce: s.nonce, meta: i.meta, hashes: [...i.hashes], basis: i.basis, maxFeePerGas: s.maxFeePerGas, maxPriorityFeePerGas: s.maxPriorityFeePerGas };
      });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Re-reads the account's nonce from the chain: at start-up, and after the node disagreed with us.
   * At start-up, transactions still pending from an earlier run are adopted: a restarted keeper would
   * otherwise queue every update behind them, and if they are underpriced, wait for them forever.
   */
  async syncNonce(): Promise<void> {
    const first = this.nextNonce === undefined;
    const [onChain, mined, head] = await Promise.all([
      this.clients.public.getTransactionCount({ address: this.address, blockTag: "pending" }),
      first ? this.clients.public.getTransactionCount({ address: this.address, blockTag: "latest" }) : Promise.resolve(0),
      first ? this.clients.public.getBlockNumber({ cacheTime: 0 }) : Promise.resolve(0n),
    ]);
    if (first) for (let nonce = mined; nonce < onChain; nonce++) if (!this.slots.has(nonce)) this.adoptLeftover(nonce, head);
    const afterOurs = this.slots.size ? Math.max(...this.slots.keys()) + 1 : 0;
    this.nextNonce = Math.max(onChain, afterOurs);
  }

  /**
   * Tracks a nonce left pending by an earlier run. It may still land on its own (then the slot is
   * dropped); if it is still pending `replaceAfterBlocks` later, it is taken over by a 0-value
   * transfer to ourselves, priced up block by block until the node accepts it as a replacement:
   * its basis is unknown, so re-sending it is not an option.
   */
  private adoptLeftover(nonce: number, head: bigint): void {
    const intent = this.newIntent(`leftover@${nonce}`, "cancel", { to: this.address, data: "0x", gas: 21_000n, value: 0n }, { leftover: true });
    this.slots.set(nonce, { nonce, intents: [intent], maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, raw: new Map(), lastSentBlock: head, needsResign: true, leftover: true });
    this.log.warn("adopted a transaction left pending by an earlier run", { nonce });
    this.emit("adopted", { tag: intent.tag, nonce });
  }

  private async baseFee(head?: Head): Promise<bigint> {
    if (head?.baseFeePerGas != null) return head.baseFeePerGas;
    const block = await this.clients.public.getBlock({ blockTag: "latest" });
    return block.baseFeePerGas ?? 0n;
  }

  /** maxFeePerGas = 2 x base fee + tip (room for six full blocks of base-fee rises), under the cap. */
  private freshFees(base: bigint): Fees {
    const cap = this.fees.maxFeePerGasCap;
    if (base > cap) throw new FeeCapError(`base fee ${base} wei exceeds the fee cap ${cap} wei; not sending until it falls`);
    const tip = this.fees.priorityFeePerGas;
    let maxFee = base * 2n + tip;
    if (maxFee > cap) maxFee = cap;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip > maxFee ? maxFee : tip };
  }

  /** Fees for a replacement: both fields up by bumpPercent, and at least what a fresh send would pay; undefined at the cap. */
  private bumpedFees(s: Slot, base: bigint): Fees | undefined {
    const up = (v: bigint) => (v * BigInt(100 + this.fees.bumpPercent) + 99n) / 100n;
    const tip = max(up(s.maxPriorityFeePerGas), this.fees.priorityFeePerGas);
    let maxFee = max(up(s.maxFeePerGas), base * 2n + tip);
    if (maxFee > this.fees.maxFeePerGasCap) maxFee = this.fees.maxFeePerGasCap;
    // Nodes refuse a replacement that does not raise the fee cap by 10%, and any fee cap under the base fee.
    if (maxFee * 10n < s.maxFeePerGas * 11n || maxFee < base) return undefined;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: tip > maxFee ? maxFee : tip };
  }

  /** Signs the slot's current intent with `fees` and hands it to the node. */
  private async broadcast(s: Slot, fees: Fees, headNumber: bigint): Promise<Hex> {
    const intent = current(s);
    const raw = await this.clients.wallet.signTransaction({
      account: this.clients.account,
      chain: this.clients.chain,
      to: intent.request.to,
      data: intent.request.data,
      value: intent.request.value ?? 0n,
      gas: intent.request.gas,
      nonce: s.nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      type: "eip1559",
    });
    const hash = keccak256(raw);
    try {
      await this.clients.public.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      if (!/already known|known transaction/i.test(errorText(e))) throw e;
    }
    s.maxFeePerGas = fees.maxFeePerGas;
    s.maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    s.lastSentBlock = headNumber;
    s.needsResign = false;
    s.atCapLogged = false;
    s.raw.set(hash, raw);
    if (!intent.hashes.includes(hash)) intent.hashes.push(hash);
    return hash;
  }

  private newIntent(tag: string, kind: Intent["kind"], request: TxRequest, meta: Record<string, unknown>, basis?: BlockRef): Intent {
    let resolve!: (o: TxOutcome) => void;
    const outcome = new Promise<TxOutcome>((r) => (resolve = r));
    return { tag, kind, meta, request, basis, hashes: [], settled: false, resolve, outcome };
  }

  /**
   * Signs and sends with the next nonce (or, with `replaceNonce`, in place of our pending transaction
   * at that nonce, which it supersedes); the outcome settles when a receipt for the nonce exists, or
   * the transaction is abandoned (shutdown, superseded, nonce taken elsewhere, voided by a reorg).
   */
  send(tag: string, request: TxRequest, options: SendOptions & { replaceNonce?: number }): Promise<{ hash: Hex; nonce: number; outcome: Promise<TxOutcome> }> {
    // "Stuck" counts from the chain's head at sending, not from options.head (proving took a while
    // since): read after the transaction is out, so that the read cannot delay it.
    const countFromNow = (s: Slot) =>
      void this.clients.public.getBlockNumber({ cacheTime: 0 }).then((n) => (s.lastSentBlock = max(n, s.lastSentBlock)), () => undefined);
    return this.exclusive(async () => {
      const intent = this.newIntent(tag, "call", request, options.meta ?? {}, options.basis);
      let base = await this.baseFee(options.head);
      const old = options.replaceNonce !== undefined ? this.slots.get(options.replaceNonce) : undefined;
      if (old && !old.mined) {
        const fees = this.bumpedFees(old, base);
        if (fees) {
          const previous = current(old);
          old.intents.push(intent);
          try {
            const hash = await this.broadcast(old, fees, options.head.number);
            settle(previous, { status: "abandoned", reason: `superseded by ${tag}` });
            countFromNow(old);
            this.log.info("pending transaction superseded by a newer one", { tag, replaces: previous.tag, hash, nonce: old.nonce, maxFeePerGas: fees.maxFeePerGas });
            this.emit("replaced", { tag, nonce: old.nonce, hash, why: "superseded", maxFeePerGas: fees.maxFeePerGas });
            return { hash, nonce: old.nonce, outcome: intent.outcome };
          } catch (e) {
            old.intents.pop();
            // Mined meanwhile, or not replaceable: the new update goes out with a fresh nonce instead.
            this.log.debug("could not supersede; sending with a fresh nonce", { tag, nonce: old.nonce, error: firstLine(e) });
          }
        }
      }
      if (this.nextNonce === undefined) await this.syncNonce();
      const s: Slot = { nonce: this.nextNonce!, intents: [intent], maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, raw: new Map(), lastSentBlock: options.head.number };
      for (let attempt = 0; ; attempt++) {
        try {
          const hash = await this.broadcast(s, this.freshFees(base), options.head.number);
          this.nextNonce = s.nonce + 1;
          this.slots.set(s.nonce, s);
          countFromNow(s);
          this.log.info("transaction sent", { tag, hash, nonce: s.nonce, maxFeePerGas: s.maxFeePerGas, maxPriorityFeePerGas: s.maxPriorityFeePerGas });
          this.emit("sent", { tag, nonce: s.nonce, hash, meta: intent.meta });
          return { hash, nonce: s.nonce, outcome: intent.outcome };
        } catch (e) {
          const text = errorText(e);
          if (attempt < 2 && NONCE_TAKEN.test(text)) {
            // Another process (or an earlier run of this one) used the nonce: take the node's count.
            await this.syncNonce();
            this.log.warn("nonce taken; resynchronized with the node", { tag, nonce: this.nextNonce });
            s.nonce = this.nextNonce!;
            continue;
          }
          if (attempt < 2 && BELOW_BASE_FEE.test(text)) {
            base = await this.baseFee();
            continue;
          }
          throw e;
        }
      }
    });
  }

  private async receiptOf(s: Slot): Promise<{ receipt: TransactionReceipt; hash: Hex } | undefined> {
    const hashes = s.intents.flatMap((i) => i.hashes);
    const found = await Promise.all(hashes.map((hash) => this.clients.public.getTransactionReceipt({ hash }).then((receipt) => ({ receipt, hash }), () => undefined)));
    return found.find((f) => f !== undefined);
  }

  private async knownToNode(s: Slot): Promise<boolean> {
    const hashes = s.intents.flatMap((i) => i.hashes);
    const known = await Promise.all(hashes.map((hash) => this.clients.public.getTransaction({ hash }).then(() => true, () => false)));
    return known.some(Boolean);
  }

  private onMined(s: Slot, found: { receipt: TransactionReceipt; hash: Hex }): void {
    s.mined = found;
    const winner = s.intents.find((i) => i.hashes.includes(found.hash))!;
    if (winner.kind === "cancel") {
      this.log.info("cancellation mined", { tag: winner.tag, nonce: s.nonce, hash: found.hash });
    } else if (winner !== current(s)) {
      this.log.warn("an earlier transaction at this nonce was mined before its replacement", { tag: winner.tag, nonce: s.nonce, hash: found.hash });
    }
    this.emit("mined", { tag: winner.tag, nonce: s.nonce, hash: found.hash, kind: winner.kind, meta: winner.meta, receipt: found.receipt });
    for (const i of s.intents) settle(i, i === winner ? { status: "mined", receipt: found.receipt } : { status: "abandoned", reason: `nonce ${s.nonce} went to ${winner.tag}` });
  }

  /** Called on every new head: settles mined transactions, re-broadcasts dropped ones, bumps stuck ones. */
  onBlock(head: Head): Promise<void> {
    return this.exclusive(async () => {
      for (const s of this.slots.values()) {
        if (s.mined && head.number - s.mined.receipt.blockNumber > BigInt(this.fees.reorgWindowBlocks)) this.slots.delete(s.nonce);
      }
      if (this.nextNonce === undefined) await this.syncNonce();
      const waiting = [...this.slots.values()].filter((s) => !s.mined).sort((a, b) => a.nonce - b.nonce);
      if (waiting.length === 0) return;
      // The nonce count first: a transaction mined after it was read still shows its receipt below.
      const latestNonce = await this.clients.public.getTransactionCount({ address: this.address, blockTag: "latest" });
      const receipts = await Promise.all(waiting.map((s) => this.receiptOf(s)));
      for (const [k, s] of waiting.entries()) {
        const found = receipts[k];
        if (found) {
          this.onMined(s, found);
          continue;
        }
        if (latestNonce > s.nonce) {
          this.slots.delete(s.nonce);
          if (s.leftover) {
            this.log.info("a transaction left pending by an earlier run was mined", { nonce: s.nonce });
            settle(current(s), { status: "abandoned", reason: "the earlier run's transaction was mined" });
            this.emit("leftoverMined", { tag: current(s).tag, nonce: s.nonce });
            continue;
          }
          // The nonce went to a transaction this manager did not sign (another process with this key).
          this.log.warn("nonce used by a transaction this keeper did not send; giving up on ours", { tag: current(s).tag, nonce: s.nonce });
          for (const i of s.intents) settle(i, { status: "abandoned", reason: "nonce used by another transaction" });
          continue;
        }
        const base = await this.baseFee(head);
        if (s.leftover && current(s).hashes.length === 0) {
          if (head.number - s.lastSentBlock >= BigInt(this.fees.replaceAfterBlocks)) await this.replace(s, head, base, "stuck");
          continue;
        }
        if (!(await this.knownToNode(s))) {
          await this.resend(s, head, base);
          continue;
        }
        if (head.number - s.lastSentBlock >= BigInt(this.fees.replaceAfterBlocks)) await this.replace(s, head, base, "stuck");
      }
    });
  }

  /** A transaction the node no longer knows: broadcast the same bytes again, re-priced if the base fee outgrew it. */
  private async resend(s: Slot, head: Head, base: bigint): Promise<void> {
    const intent = current(s);
    const hash = intent.hashes[intent.hashes.length - 1];
    const raw = hash && s.raw.get(hash);
    if (raw && s.maxFeePerGas >= base && !s.needsResign) {
      try {
        await this.clients.public.sendRawTransaction({ serializedTransaction: raw });
        s.lastSentBlock = head.number;
        this.log.warn("transaction dropped from the mempool; re-sent", { tag: intent.tag, nonce: s.nonce, hash });
        this.emit("resent", { tag: intent.tag, nonce: s.nonce, hash });
        return;
      } catch (e) {
        if (!BELOW_BASE_FEE.test(errorText(e)) && !/underpriced/i.test(errorText(e))) {
          this.log.warn("re-sending a dropped transaction failed", { tag: intent.tag, nonce: s.nonce, error: firstLine(e) });
          return;
        }
      }
    }
    await this.replace(s, head, base, "dropped");
  }

  private async replace(s: Slot, head: Head, base: bigint, why: "stuck" | "dropped"): Promise<void> {
    const intent = current(s);
    const fees = this.bumpedFees(s, base);
    if (!fees) {
      if (!s.atCapLogged) this.log.warn("transaction pending at the fee cap; waiting for the base fee to fall", { tag: intent.tag, nonce: s.nonce, maxFeePerGas: s.maxFeePerGas, baseFee: base, cap: this.fees.maxFeePerGasCap });
      s.atCapLogged = true;
      return;
    }
    try {
      const hash = await this.broadcast(s, fees, head.number);
      this.log.info(why === "stuck" ? "replaced stuck transaction with higher fees" : "transaction dropped from the mempool; re-sent with higher fees", { tag: intent.tag, nonce: s.nonce, hash, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
      this.emit("replaced", { tag: intent.tag, nonce: s.nonce, hash, why, maxFeePerGas: fees.maxFeePerGas });
    } catch (e) {
      if (/underpriced/i.test(errorText(e))) {
        // The node holds a transaction at this nonce priced above our offer (one we never saw, for a
        // leftover): the next block bids bumpPercent more, up to the cap.
        s.maxFeePerGas = fees.maxFeePerGas;
        s.maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
      }
      this.log.warn("replacement failed", { tag: intent.tag, nonce: s.nonce, error: firstLine(e) });
    }
  }

  /**
   * A reorg removed the blocks from `forkPoint` on. Transactions mined there are pending again (to be
   * re-broadcast if the node dropped them); a transaction whose basis block is gone must not land
   * on the new chain, so its nonce is taken over by a 0-value transfer to ourselves, priced to
   * replace it if the mempool still holds it. Returns the tags voided.
   */
  onReorg(forkPoint: bigint, head: Head): Promise<string[]> {
    return this.exclusive(async () => {
      const voided: string[] = [];
      for (const s of [...this.slots.values()].sort((a, b) => a.nonce - b.nonce)) {
        if (s.mined && s.mined.receipt.blockNumber >= forkPoint) {
          const again = await this.receiptOf(s);
          if (again) {
            s.mined = again;
          } else {
            s.mined = undefined;
            this.log.warn("transaction un-mined by the reorg", { tag: current(s).tag, nonce: s.nonce });
            this.emit("unmined", { tag: current(s).tag, nonce: s.nonce, meta: current(s).meta });
          }
        }
        const intent = current(s);
        if (s.mined || intent.kind === "cancel" || !intent.basis || intent.basis.number < forkPoint) continue;
        voided.push(intent.tag);
        await this.cancel(s, head, "its basis block was orphaned by a reorg");
      }
      return voided;
    });
  }

  private async cancel(s: Slot, head: Head, reason: string): Promise<void> {
    const base = await this.baseFee(head);
    const voided = current(s);
    settle(voided, { status: "abandoned", reason });
    s.intents.push(this.newIntent(`${voided.tag}:cancel`, "cancel", { to: this.address, data: "0x", gas: 21_000n, value: 0n }, voided.meta));
    s.needsResign = true;
    try {
      const fees = this.bumpedFees(s, base) ?? this.freshFees(base);
      const hash = await this.broadcast(s, fees, head.number);
      this.log.warn("cancelled a transaction derived from an orphaned block", { tag: voided.tag, nonce: s.nonce, hash, reason });
      this.emit("cancelled", { tag: voided.tag, nonce: s.nonce, hash, meta: voided.meta });
    } catch (e) {
      // Still tracked: onBlock signs the cancellation again, or bumps it, like any other transaction.
      this.log.error("could not cancel a transaction derived from an orphaned block", { tag: voided.tag, nonce: s.nonce, error: firstLine(e) });
    }
  }

  /** Gives up on everything pending (shutdown): the promises settle as abandoned. */
  abandonAll(reason: string): void {
    for (const s of this.slots.values()) for (const i of s.intents) settle(i, { status: "abandoned", reason });
    this.slots.clear();
  }
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

function current(s: Slot): Intent {
  return s.intents[s.intents.length - 1]!;
}

function settle(i: Intent, outcome: TxOutcome): void {
  if (i.settled) return;
  i.settled = true;
  i.resolve(outcome);
}
