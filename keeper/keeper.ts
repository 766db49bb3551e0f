// The per-block loop: for every served pool whose latest completed period is newer than its last
// update, read the hook's own features, run the model, prove it, and submit `updateFee`. The chain
// is the arbiter: several keepers may serve one pool, and a revert saying another one was first is
// an ordinary outcome, not a failure.
//
// Every decision is pinned to one block (its number and hash: the "basis"). A reorg that orphans the
// basis voids everything derived from it: decisions are re-made on the new chain, a proof still in
// the making is discarded, and a transaction already sent is cancelled (txmanager.ts).
import { EventEmitter } from "node:events";
import { decodeEventLog, encodeFunctionData, type Hex, type Block, type TransactionReceipt } from "viem";
import { batchContextOf, evaluateFixed, N_FEATURES, type Model, type PoolTerms } from "../model/index.ts";
import type { HookClient, PoolState } from "./hookClient.ts";
import type { PoolKey } from "../chain/localPool.ts";
import type { Logger } from "./log.ts";
import type { Registry, Counter, Histogram, Gauge } from "./metrics.ts";
import { inferBatch, type InferenceJob } from "./inference.ts";
import { DEFAULT_GAS_PER_UPDATE, GAS_PER_UPDATE_ONCHAIN, type KeepAliveMode, type UpdateRuleMode } from "../model/updateRule.ts";
import { keeperDecision, SWAP_EVENT, SwapFeeBase, type GasPricing } from "./updateRule.ts";
import { FeeCapError, type BlockRef, type Head, type TxManager, type TxOutcome } from "./txmanager.ts";
import { batchProverOf, batchSizesFor, isBatchProver, type BatchProof, type BatchProver, type PoolProofRequest } from "./batch.ts";

export interface ProvenFee {
  fee: number;
  /** The published forecast the proof binds with the fee (SPEC §5). */
  forecast: bigint;
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
  witnessMs: number;
  proofMs: number;
}

/** What the keeper needs of `prover/`: a proof that `model` outputs a fee on these features. */
export interface FeeProver {
  prove(model: Model, features: bigint[], terms: PoolTerms, context: bigint): Promise<ProvenFee>;
}

export interface ServedPool {
  name: string;
  key: PoolKey;
  poolId: Hex;
  model: Model;
  terms: PoolTerms;
  /**
   * How the hook checks the pool's updates (its poolConfig): "zk" (default) proves each update and sends
   * updateFee/updateFees; "onchain" sends updateFeeOnchain, which evaluates the public model in the hook: no proof.
   */
  verification?: "zk" | "onchain";
  /** How the update rule values the pool's fee base and an update's gas (needed with rule "pays"). */
  gas?: GasPricing;
}

export interface KeeperSettings {
  /**
   * The update rule (model/updateRule.ts): "pays" sends an update when the fee change is worth its
   * gas (a lapse of liveness judged per `keepAlive`); "off" sends every change of at least
   * `feeChangeThreshold` pips.
   */
  updateRule: UpdateRuleMode;
  /** Rule "off": do not spend gas on an update that moves the fee by less than this many pips. */
  feeChangeThreshold: number;
  /** Decide the pool's liveness when it would fall back to its fallback fee within this many periods. */
  keepAliveMargin: number;
  /** "on-change": falling back is a change to the fallback fee, sent against only when it would be sent; "always": keep-alive whatever it costs. */
  keepAlive: KeepAliveMode;
  /** Rule "pays": an update's gas (its share of a batch's, with batching). */
  gasPerUpdate: number;
  /** Rule "pays": the gas price to judge updates at, gwei; default the head's base fee + priorityFeeGwei. */
  ruleGasPriceGwei?: number;
  /** The tip the transaction manager adds to the base fee, gwei (part of an update's gas price). */
  priorityFeeGwei: number;
  /** Rule "pays": periods a fee change is assumed to persist; default each pool's model horizon. */
  ruleHorizon?: number;
  /** Milliseconds between polls for a new block when the endpoint offers no subscription. */
  pollIntervalMs: number;
  /** With a new-heads subscription, poll anyway this often (a missed notification costs at most this). */
  heartbeatMs: number;
  /** Longest wait between retries while the endpoint is unreachable. */
  maxBackoffMs: number;
  /** On stop, how long to keep watching transactions already sent before abandoning them. */
  shutdownGraceMs: number;
  /** /healthz reports unhealthy when no new block arrived for this long. */
  staleAfterMs: number;
}

export const DEFAULT_SETTINGS: KeeperSettings = {
  updateRule: "pays", feeChangeThreshold: 1, keepAliveMargin: 2, keepAlive: "on-change", gasPerUpdate: DEFAULT_GAS_PER_UPDATE, priorityFeeGwei: 1, pollIntervalMs: 500, heartbeatMs: 5000, maxBackoffMs: 5000, shutdownGraceMs: 10_000, staleAfterMs: 60_000,
};

/**
 * Who may schedule and submit, where several processes share the pools (queue mode, keeper/queue.ts):
 * only the holder of the scheduler lease decides and submits, and a (pool, period) is claimed before
 * its transaction goes out, so a second scheduler started by mistake sends nothing the first sent.
 */
export type ClaimResult = "ours" | "taken" | "unavailable";

export interface SubmitCoordinator {
  /** This process holds the scheduler lease (checked every block). */
  isScheduler(): boolean;
  /**
   * Claims the submission of (pool, period): "ours" (claimed now, or earlier by this process),
   * "taken" (another scheduler claimed it), or "unavailable" (the claim cannot be made now: the
   * lease is lost or Redis is unreachable).
   */
  claim(poolId: Hex, asOfPeriod: number): Promise<ClaimResult>;
}

export interface UpdateTimings {
  /** Reading the pool's state, features, current fee and context at the block. */
  readMs: number;
  /** The batched float inference over every pool updated at this block. */
  inferenceMs: number;
  /** From the decision to the proof's start: waiting for a free prover (a worker thread, or a prover behind the queue). */
  queueMs: number;
  witnessMs: number;
  proofMs: number;
  /** Orphan check and simulation (eth_call), signing, eth_sendRawTransaction. */
  sendMs: number;
  /** From having the block in hand to the signed transaction accepted by the node. */
  totalMs: number;
}

export interface UpdateReport {
  pool: string;
  block: bigint;
  blockHash: Hex;
  asOfPeriod: number;
  features: bigint[];
  forecastY: number;
  floatFee: number;
  fee: number;
  previousFee: number;
  /** Why the update rule sent it. */
  reason: string;
  timings: UpdateTimings;
  /** Date.now() when the keeper had the block in hand, and when the node accepted the transaction. */
  seenAt: number;
  sentAt: number;
  hash: Hex;
  nonce: number;
}

export interface KeeperMetrics {
  blocksSeen: Counter;
  proofsMade: Counter;
  provingSeconds: Histogram;
  updateLatencySeconds: Histogram;
  updatesSent: Counter;
  updatesLanded: Counter;
  updatesFailed: Counter;
  updatesSkipped: Counter;
  lostRaces: Counter;
  gasSpent: Counter;
  rpcErrors: Counter;
  rpcUp: Gauge;
  reorgs: Counter;
  txReplacements: Counter;
  txRebroadcasts: Counter;
  txCancellations: Counter;
  pendingTransactions: Gauge;
  lastBlock: Gauge;
  poolFee: Gauge;
  poolLastUpdatePeriod: Gauge;
}

export function keeperMetrics(registry: Registry): KeeperMetrics {
  return {
    blocksSeen: registry.counter("provenfee_blocks_seen_total", "New blocks the keeper processed"),
    proofsMade: registry.counter("provenfee_proofs_made_total", "Proofs generated"),
    provingSeconds: registry.histogram("provenfee_proving_seconds", "Witness plus proof time per update", [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10]),
    updateLatencySeconds: registry.histogram("provenfee_update_latency_seconds", "From having the block that closes a period to the signed update accepted by the node", [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10]),
    updatesSent: registry.counter("provenfee_updates_sent_total", "updateFee transactions sent"),
    updatesLanded: registry.counter("provenfee_updates_landed_total", "updateFee transactions mined successfully"),
    updatesFailed: registry.counter("provenfee_updates_failed_total", "updateFee transactions that reverted, were abandoned or could not be sent"),
    updatesSkipped: registry.counter("provenfee_updates_skipped_total", "Periods the update rule skipped (the change would not pay for its gas, or is under the threshold)"),
    lostRaces: registry.counter("provenfee_updates_lost_race_total", "Periods another keeper updated first"),
    gasSpent: registry.counter("provenfee_gas_spent_total", "Gas used by the keeper's mined transactions"),
    rpcErrors: registry.counter("provenfee_rpc_errors_total", "Failed calls to the RPC endpoint"),
    rpcUp: registry.gauge("provenfee_rpc_up", "1 while the RPC endpoint answers, 0 during an outage"),
    reorgs: registry.counter("provenfee_reorgs_total", "Chain reorganizations seen"),
    txReplacements: registry.counter("provenfee_tx_replacements_total", "Transactions re-sent with higher fees (stuck, or dropped and underpriced)"),
    txRebroadcasts: registry.counter("provenfee_tx_rebroadcasts_total", "Transactions the mempool dropped and the keeper re-sent"),
    txCancellations: registry.counter("provenfee_tx_cancellations_total", "Transactions cancelled because a reorg orphaned the block they were derived from"),
    pendingTransactions: registry.gauge("provenfee_pending_transactions", "Transactions sent and not yet mined"),
    lastBlock: registry.gauge("provenfee_last_block", "Number of the last block processed"),
    poolFee: registry.gauge("provenfee_pool_fee_pips", "The pool's LP fee as last read, in pips"),
    poolLastUpdatePeriod: registry.gauge("provenfee_pool_last_update_period", "The as-of period of the pool's last accepted update"),
  };
}

/** Pools decided at one block whose proofs are being made. */
interface Dispatch {
  basis: BlockRef;
  asOfPeriod: number;
}

interface Candidate {
  pool: ServedPool;
  state: PoolState;
  asOfPeriod: number;
  features: bigint[];
  previousFee: number;
  /** The pool's price at the block (slot0). */
  sqrtPriceX96: bigint;
  context: bigint;
  readMs: number;
}

/** Gas limit of a pool's first update, before any receipt tells what it really uses (about 300k). */
export const FIRST_UPDATE_GAS = 1_000_000n;

/**
 * What a refusal of updateFee means, by the hook's error name:
 * - `lost`: another keeper updated this period (or a later one) first.
 * - `out-of-gas`: the verifier could not run to the end on the gas left (VerifierOutOfGas). No verdict
 *   on the proof: the period is retried, with a higher gas limit when the transaction's was the cause.
 * - `malformed-proof`: a proof point is not a curve point (ProofNotInField, ProofNotOnCurve), refused
 *   before verification: the proof was mangled on its way out of the prover, not proven wrong.
 * - `bad-proof`: the verifier ran and refused the proof (InvalidProof), or the fee is outside the pool's
 *   bounds (FeeOutOfBounds): the model, prover and hook disagree, a bug to look at.
 * - `too-late`: the period can no longer be updated (PeriodTooOld, PeriodNotCompleted) or the pool is gone.
 * - `other`: anything else, retried at the next block.
 */
export type RefusalKind = "lost" | "out-of-gas" | "malformed-proof" | "bad-proof" | "too-late" | "other";

export function classifyRefusal(name: string | undefined): { kind: RefusalKind; settlesPeriod: boolean; level: "info" | "warn" | "error" } {
  switch (name) {
    case "PeriodNotNewer":
      return { kind: "lost", settlesPeriod: true, level: "info" };
    case "VerifierOutOfGas":
      return { kind: "out-of-gas", settlesPeriod: false, level: "warn" };
    case "ProofNotInField":
    case "ProofNotOnCurve":
      return { kind: "malformed-proof", settlesPeriod: true, level: "error" };
    case "InvalidProof":
    case "FeeOutOfBounds":
      return { kind: "bad-proof", settlesPeriod: true, level: "error" };
    case "PeriodTooOld":
    case "PeriodNotCompleted":
    case "UnknownPool":
      return { kind: "too-late", settlesPeriod: true, level: "warn" };
    default:
      return { kind: "other", settlesPeriod: false, level: "warn" };
  }
}

const firstLine = (e: unknown) => String((e as { shortMessage?: string }).shortMessage ?? (e as Error)?.message ?? e).split("\n")[0]!;

/**
 * The as-of period a pending transaction's meta sets for `poolId` (an updateFee's, or its entry in an
 * updateFees), or undefined when it does not list the pool.
 */
export function pendingPeriodOf(meta: Record<string, unknown>, poolId: Hex): number | undefined {
  if (meta.poolId === poolId) return meta.asOfPeriod as number;
  const ids = meta.poolIds as Hex[] | undefined;
  const i = ids ? ids.indexOf(poolId) : -1;
  return i >= 0 ? (meta.asOfPeriods as number[])[i] : undefined;
}

/** The pool ids an updateFees receipt set (FeeUpdated) and skipped (FeeUpdateSkipped). */
export function batchEvents(abi: import("viem").Abi, hook: Hex, receipt: TransactionReceipt): { applied: Set<Hex>; skipped: Set<Hex> } {
  const applied = new Set<Hex>();
  const skipped = new Set<Hex>();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== hook.toLowerCase()) continue;
    try {
      const event = decodeEventLog({ abi, data: log.data, topics: log.topics });
      const id = (event.args as { id?: Hex }).id;
      if (!id) continue;
      if (event.eventName === "FeeUpdated") applied.add(id);
      if (event.eventName === "FeeUpdateSkipped") skipped.add(id);
    } catch {
      // not one of the hook's events
    }
  }
  return { applied, skipped };
}

/** Errors that mean the endpoint is unreachable (as opposed to answering with an error). */
export function isConnectionError(e: unknown): boolean {
  for (let x = e as { name?: string; message?: string; code?: string; cause?: unknown } | undefined, i = 0; x && i < 8; x = x.cause as typeof x, i++) {
    if (/HttpRequestError|SocketClosedError|WebSocketRequestError|TimeoutError/.test(x.name ?? "")) return true;
    if (/ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|fetch failed|socket has been closed|other side closed/i.test(`${x.code ?? ""} ${x.message ?? ""}`)) return true;
  }
  return false;
}

/**
 * Events: "block" (each new head), "reorg" ({forkPoint, voided}), "sent" (UpdateReport), "landed"
 * (UpdateReport & {gasUsed, minedIn}), "skipped", "lost", "failed", "outage", "recovered".
 */
export class Keeper extends EventEmitter {
  /** Hashes of the blocks processed, by number: the chain as this keeper last knew it. */
  private recent = new Map<bigint, Hex>();
  private head?: BlockRef;
  /** Per pool, the as-of period already decided (updated, skipped, or lost to another keeper). */
  private decided = new Map<Hex, number>();
  private stopping = false;
  private wake?: () => void;
  private headSignalled = false;
  private outageSince?: number;
  private lastError?: string;
  private lastBlockAt = 0;
  private outstanding = new Set<Promise<unknown>>();
  private subscribed = false;
  private subscribeFailedLogged = false;
  /** Per pool, the most gas a mined update used. */
  private gasUsed = new Map<Hex, bigint>();
  /** Per pool, the least gas limit to send with: raised when an update ran the verifier out of gas. */
  private gasFloor = new Map<Hex, bigint>();
  /** Per batch size, the most gas a mined updateFees used, and the least limit to send with after an out-of-gas refusal. */
  private batchGasUsed = new Map<number, bigint>();
  private batchGasFloor = new Map<number, bigint>();
  /** Per pool: the period and how many of its proofs were refused without a verdict (to prove a retry afresh). */
  private refusedProofs = new Map<Hex, { asOfPeriod: number; count: number }>();
  private unsubscribe?: () => Promise<void>;
  /** Rule "pays": per pool, the fee base from its Swap events, read through block `swapsThrough`. */
  private feeBases = new Map<Hex, SwapFeeBase>();
  private swapsThrough?: bigint;
  /** Per pool, the proof being made for it, until its update is sent (at most one: a newer period waits for it). */
  private proving = new Map<Hex, Dispatch>();
  private prover: BatchProver;
  private wasScheduler?: boolean;
  /** Batches between a proof's return and their transactions' send (stop waits for them). */
  private submitting = 0;
  /** Every batch handed to the prover and not yet sent or given up (settled() waits for them). */
  private dispatched = new Set<Promise<void>>();

  constructor(
    private hook: HookClient,
    private pools: ServedPool[],
    prover: FeeProver | BatchProver,
    private txm: TxManager,
    private log: Logger,
    private metrics: KeeperMetrics,
    private settings: KeeperSettings = DEFAULT_SETTINGS,
    private coordinator?: SubmitCoordinator,
  ) {
    super();
    this.prover = isBatchProver(prover) ? prover : batchProverOf(prover);
    if (settings.updateRule === "pays") {
      for (const pool of pools) {
        if (!pool.gas) throw new Error(`pool ${pool.name}: the update rule needs to price its gas (ServedPool.gas)`);
        this.feeBases.set(pool.poolId, new SwapFeeBase(settings.ruleHorizon ?? pool.model.file.horizon, pool.terms.period, pool.gas));
      }
    }
    // A dropped WebSocket is an outage now, not at the next heartbeat.
    hook.clients.ws?.on("close", () => this.wake?.());
    txm.on("replaced", (e: { why: string }) => {
      if (e.why !== "superseded") metrics.txReplacements.inc();
    });
    txm.on("resent", () => metrics.txRebroadcasts.inc());
    txm.on("cancelled", () => metrics.txCancellations.inc());
    txm.on("mined", (e: { kind: string; receipt: { gasUsed: bigint } }) => {
      if (e.kind === "cancel") metrics.gasSpent.inc({ pool: "none" }, Number(e.receipt.gasUsed));
    });
  }

  get servedPools(): readonly ServedPool[] {
    return this.pools;
  }

  health(): { ok: boolean; detail: Record<string, unknown> } {
    const ageMs = this.lastBlockAt ? Date.now() - this.lastBlockAt : null;
    const rpc = this.outageSince === undefined ? "up" : "down";
    const ok = this.lastBlockAt > 0 && rpc === "up" && ageMs !== null && ageMs < this.settings.staleAfterMs && !this.stopping;
    return {
      ok,
      detail: {
        rpc, lastBlock: this.head ? Number(this.head.number) : null, lastBlockAgeMs: ageMs, lastError: this.lastError ?? null,
        inFlight: this.txm.inFlight, pools: this.pools.length, subscribed: this.subscribed, stopping: this.stopping,
      },
    };
  }

  /** Stops taking new work; run() then waits (up to shutdownGraceMs) for transactions already sent. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.headSignalled) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  /** A warm prover and inference backend, so the first update is as fast as the rest (prover: false, inference only). */
  async warmUp(prover = true): Promise<void> {
    const zero = Array.from({ length: N_FEATURES }, () => 0n);
    inferBatch(this.pools.map((p) => ({ model: p.model, features: zero, terms: p.terms })));
    const first = this.pools.find((p) => p.verification !== "onchain");
    if (first && prover) await this.prover.prove([{ pool: first.name, poolId: first.poolId, model: first.model, features: zero, terms: first.terms, context: 1n, asOfPeriod: 0, attempt: 0 }]);
  }

  /**
   * Waits until every batch dispatched so far is proven and sent (or given up). For a caller that
   * drives onBlock() itself and wants each block's updates out before the next block (the demo);
   * the daemon never waits: the next block is processed while proofs are made.
   */
  async settled(): Promise<void> {
    while (this.dispatched.size > 0) await Promise.allSettled([...this.dispatched]);
  }

  /** Pools whose proof is being made (or waits for a prover) or whose proven update is being sent. */
  get proofsInFlight(): number {
    return this.proving.size;
  }

  private async subscribe(): Promise<void> {
    const ws = this.hook.clients.ws;
    if (!ws || this.subscribed) return;
    try {
      this.unsubscribe = await ws.subscribe(["newHeads"], () => {
        this.headSignalled = true;
        this.wake?.();
      });
      this.subscribed = true;
      this.log.info("subscribed to new heads", { endpoint: ws.url });
    } catch (e) {
      if (!this.subscribeFailedLogged) this.log.warn("new-heads subscription failed; polling until it succeeds", { error: firstLine(e) });
      this.subscribeFailedLogged = true;
      if (isConnectionError(e)) throw e;
    }
  }

  async run(): Promise<void> {
    let backoff = this.settings.pollIntervalMs;
    while (!this.stopping) {
      this.headSignalled = false;
      try {
        await this.subscribe();
        const block = await this.hook.clients.public.getBlock({ blockTag: "latest" });
        this.onReachable();
        backoff = this.settings.pollIntervalMs;
        if (!this.head || block.hash !== this.head.hash) await this.onBlock(block);
        this.lastError = undefined;
      } catch (e) {
        this.metrics.rpcErrors.inc();
        this.lastError = firstLine(e);
        if (isConnectionError(e)) {
          this.onUnreachable();
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
          continue;
        }
        this.log.error("block processing failed; retrying on the next block", { error: this.lastError });
      }
      await this.sleep(this.subscribed && this.hook.clients.ws?.connected ? this.settings.heartbeatMs : this.settings.pollIntervalMs);
    }
    await this.drain();
    await this.unsubscribe?.().catch(() => undefined);
  }

  private onUnreachable(): void {
    this.metrics.rpcUp.set(0);
    if (this.outageSince !== undefined) return;
    this.outageSince = Date.now();
    this.log.warn("RPC endpoint unreachable; retrying", { error: this.lastError });
    this.emit("outage", { error: this.lastError });
  }

  private onReachable(): void {
    this.metrics.rpcUp.set(1);
    if (this.outageSince === undefined) return;
    const downForMs = Date.now() - this.outageSince;
    this.outageSince = undefined;
    this.log.info("RPC endpoint reachable again", { downForMs });
    this.emit("recovered", { downForMs });
  }

  /** After stop(): keeps settling what was sent until nothing is in flight or the grace period ends. */
  private async drain(): Promise<void> {
    const deadline = Date.now() + this.settings.shutdownGraceMs;
    while (this.submitting > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (this.txm.inFlight > 0) this.log.info("waiting for transactions in flight", { inFlight: this.txm.inFlight, graceMs: this.settings.shutdownGraceMs });
    while (this.txm.inFlight > 0 && Date.now() < deadline) {
      try {
        const block = await this.hook.clients.public.getBlock({ blockTag: "latest" });
        if (!this.head || block.hash !== this.head.hash) {
          this.head = { number: block.number!, hash: block.hash! };
          await this.txm.onBlock({ number: block.number!, baseFeePerGas: block.baseFeePerGas });
        }
      } catch {
        // unreachable: the deadline decides
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(this.settings.pollIntervalMs, deadline - Date.now()))));
    }
    if (this.txm.inFlight > 0) {
      this.log.warn("abandoning transactions still in flight", { inFlight: this.txm.inFlight });
      this.txm.abandonAll("keeper stopped");
    }
    await Promise.allSettled([...this.outstanding]);
  }

  private async canonicalHash(number: bigint): Promise<Hex | undefined> {
    return (await this.hook.clients.public.getBlock({ blockNumber: number }).catch(() => undefined))?.hash ?? undefined;
  }

  /** The first block number that is no longer on the chain this keeper knew, or undefined if none. */
  private async forkPointOf(block: Block): Promise<bigint | undefined> {
    const number = block.number!;
    if (!this.head) return undefined;
    const known = this.recent.get(number);
    if (known === block.hash) return number < this.head.number ? number + 1n : undefined; // the head went back
    let from: bigint;
    if (known !== undefined) from = number - 1n; // same height, other block
    else {
      const parent = this.recent.get(number - 1n);
      if (parent !== undefined) {
        if (parent === block.parentHash) return undefined;
        from = number - 2n;
      } else {
        // Blocks were skipped (slow keeper, or an outage): is the last one we knew still canonical?
        if ((await this.canonicalHash(this.head.number)) === this.head.hash) return undefined;
        from = this.head.number - 1n;
      }
    }
    const lowest = [...this.recent.keys()].reduce((a, b) => (a < b ? a : b), number);
    for (let n = from < this.head.number ? from : this.head.number; n >= lowest; n--) {
      const mine = this.recent.get(n);
      if (mine === undefined) continue;
      if ((await this.canonicalHash(n)) === mine) return n + 1n;
    }
    return lowest;
  }

  private async handleReorg(forkPoint: bigint, block: Block): Promise<void> {
    this.metrics.reorgs.inc();
    this.log.warn("chain reorganization: re-deriving observations, decisions and pending transactions", {
      forkPoint, depth: this.head ? Number(this.head.number - forkPoint + 1n) : 0, newHead: block.number, hash: block.hash,
    });
    for (const n of [...this.recent.keys()]) if (n >= forkPoint) this.recent.delete(n);
    // Decisions rest on features read from blocks that may be gone: make them again. A proof still
    // being made on an orphaned block is let go (its result is discarded on arrival).
    this.decided.clear();
    for (const [poolId, d] of [...this.proving]) if (d.basis.number >= forkPoint) this.proving.delete(poolId);
    // So does the fee base: forget the orphaned blocks' swaps and read them again.
    for (const f of this.feeBases.values()) f.forgetFrom(forkPoint);
    if (this.swapsThrough !== undefined && this.swapsThrough >= forkPoint) this.swapsThrough = forkPoint - 1n;
    const voided = await this.txm.onReorg(forkPoint, { number: block.number!, baseFeePerGas: block.baseFeePerGas });
    this.emit("reorg", { forkPoint, voided });
  }

  /** Processes one new head: reorg check, transaction upkeep, then each pool's update for the period just closed. */
  async onBlock(block: Block): Promise<void> {
    const seenAt = Date.now();
    const seenPerf = performance.now();
    const number = block.number!;
    const basis: BlockRef = { number, hash: block.hash! };
    const head: Head = { number, baseFeePerGas: block.baseFeePerGas };
    const forkPoint = await this.forkPointOf(block);
    if (forkPoint !== undefined) await this.handleReorg(forkPoint, block);
    this.recent.set(number, block.hash!);
    for (const n of this.recent.keys()) if (n < number - 128n) this.recent.delete(n);
    this.head = basis;
    this.metrics.blocksSeen.inc();
    this.metrics.lastBlock.set(Number(number));
    this.lastBlockAt = Date.now();
    this.emit("block", { number, hash: block.hash, timestamp: block.timestamp });

    // Receipts, re-broadcasts and bumps run alongside this block's reads.
    const upkeep = this.txm.onBlock(head).catch((e) => {
      this.metrics.rpcErrors.inc();
      this.log.warn("transaction upkeep failed", { error: firstLine(e) });
    });
    const timestamp = Number(block.timestamp);
    if (this.coordinator) {
      const scheduler = this.coordinator.isScheduler();
      if (scheduler !== this.wasScheduler) {
        if (scheduler) this.log.info("scheduling: this process holds the scheduler lease", { block: number });
        else this.log.info("standing by: another process holds the scheduler lease", { block: number });
        this.wasScheduler = scheduler;
      }
      if (!scheduler) {
        await upkeep;
        return;
      }
    }
    const [reads] = await Promise.all([Promise.all(this.pools.map((pool) => this.readPool(pool, number, timestamp))), this.readSwaps(block)]);
    await upkeep;
    this.metrics.pendingTransactions.set(this.txm.inFlight);

    const pending = this.txm.pending().filter((p) => p.kind === "call");
    const candidates: Candidate[] = [];
    for (const read of reads) {
      if (!read) continue;
      if (pending.some((p) => (pendingPeriodOf(p.meta, read.pool.poolId) ?? -1) >= read.asOfPeriod)) continue;
      // A proof still being made for this pool: wait for it (a newer period goes at a later block).
      if (this.proving.has(read.pool.poolId)) continue;
      candidates.push(read);
    }
    if (candidates.length === 0) return;

    const t1 = performance.now();
    const jobs: InferenceJob[] = candidates.map((c) => ({ model: c.pool.model, features: c.features, terms: c.pool.terms }));
    const inferred = inferBatch(jobs);
    const inferenceMs = performance.now() - t1;

    let gasPriceWei: bigint | undefined;
    const toProve: { c: Candidate; forecastY: number; floatFee: number; reason: string }[] = [];
    for (const [i, c] of candidates.entries()) {
      if (this.stopping) {
        this.log.info("shutting down: not proving", { pool: c.pool.name, asOfPeriod: c.asOfPeriod });
        break;
      }
      const fixed = evaluateFixed(c.pool.model.network, c.pool.model.file.policy, c.features, c.pool.terms);
      const float = inferred[i]!;
      // Both sides are compared as whole pips: float32 rounding can carry the unfloored float fee just
      // past an integer the fixed-point fee floors below.
      if (Math.abs(fixed.fee - Math.floor(float.fee)) > 1) {
        this.log.error("float inference and fixed-point fee disagree by more than 1 pip", { pool: c.pool.name, fixed: fixed.fee, float: float.fee });
      }
      gasPriceWei ??= this.settings.updateRule === "pays" ? await this.gasPriceWei(block) : 0n;
      const { decision } = keeperDecision({
        settings: { mode: this.settings.updateRule, keepAlive: this.settings.keepAlive, keepAlivePeriods: this.settings.keepAliveMargin, minChangePips: this.settings.feeChangeThreshold },
        liveUntil: c.state.liveUntil, onFallback: c.state.onFallback, fallbackFee: c.state.fallbackFee, asOfPeriod: c.asOfPeriod, currentFee: c.previousFee, candidateFee: fixed.fee,
        feeBase: this.feeBases.get(c.pool.poolId), pricing: c.pool.gas, gasPriceWei, poolSqrtPriceX96: c.sqrtPriceX96,
        gasPerUpdate: c.pool.verification === "onchain" ? GAS_PER_UPDATE_ONCHAIN : this.settings.gasPerUpdate,
      });
      if (!decision.send) {
        this.decided.set(c.pool.poolId, c.asOfPeriod);
        this.metrics.updatesSkipped.inc({ pool: c.pool.name });
        this.log.info("update skipped", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, fee: fixed.fee, previousFee: c.previousFee, reason: decision.reason });
        this.emit("skipped", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, fee: fixed.fee, previousFee: c.previousFee, reason: decision.reason });
        continue;
      }
      if (c.pool.verification === "onchain") {
        // Nothing to prove: the hook evaluates the public model itself. Sent at once; the pool counts as
        // busy until it is, so the next block does not send the same period twice.
        const dispatch: Dispatch = { basis, asOfPeriod: c.asOfPeriod };
        this.proving.set(c.pool.poolId, dispatch);
        const evaluated: ProvenFee = { fee: fixed.fee, forecast: fixed.forecast, a: [0n, 0n], b: [[0n, 0n], [0n, 0n]], c: [0n, 0n], witnessMs: 0, proofMs: 0 };
        const work = this.submit(c, basis, head, evaluated, float.y, float.fee, decision.reason, { readMs: c.readMs, inferenceMs, queueMs: 0, witnessMs: 0, proofMs: 0 }, seenAt, seenPerf)
          .finally(() => {
            if (this.proving.get(c.pool.poolId) === dispatch) this.proving.delete(c.pool.poolId);
          });
        this.dispatched.add(work);
        void work.finally(() => this.dispatched.delete(work));
        continue;
      }
      this.log.debug("proving", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: number, reason: decision.reason });
      toProve.push({ c, forecastY: float.y, floatFee: float.fee, reason: decision.reason });
    }
    // Batches go to the prover at once and are not awaited: the next block is processed while they
    // are proven (on worker threads, or by provers behind the queue), and each is submitted as soon
    // as its proof is back.
    // With --batch-size N > 1: batches of N, then the largest supported size that the rest fills, and a
    // single updateFee for a last pool (keeper/batch.ts batchSizesFor).
    for (let k = 0, sizes = batchSizesFor(toProve.length, Math.max(1, this.prover.batchSize)); sizes.length > 0; ) {
      const batch = toProve.slice(k, (k += sizes.shift()!));
      const dispatch: Dispatch = { basis, asOfPeriod: batch[0]!.c.asOfPeriod };
      for (const b of batch) this.proving.set(b.c.pool.poolId, dispatch);
      // Not in `outstanding`: on stop, proofs still being made are let go, not waited for.
      const work = this.proveAndSubmit(batch, dispatch, basis, head, inferenceMs, seenAt, seenPerf);
      this.dispatched.add(work);
      void work.finally(() => this.dispatched.delete(work));
    }
  }

  /** Proves one batch and submits what it proved; a failure is logged and the period decided again at the next block. */
  private async proveAndSubmit(
    batch: { c: Candidate; forecastY: number; floatFee: number; reason: string }[], dispatch: Dispatch, basis: BlockRef, head: Head,
    inferenceMs: number, seenAt: number, seenPerf: number,
  ): Promise<void> {
    const dispatchedAt = performance.now();
    // A batch of several pools is proven under one context binding every pool's id and period in order (SPEC §7b).
    const batchContext = batch.length > 1 ? batchContextOf(this.hook.clients.chain.id, this.hook.hook, batch.map(({ c }) => ({ poolId: c.pool.poolId, asOfPeriod: c.asOfPeriod }))) : undefined;
    const requests: PoolProofRequest[] = batch.map(({ c }) => ({
      pool: c.pool.name, poolId: c.pool.poolId, model: c.pool.model, features: c.features, terms: c.pool.terms, context: c.context, ...(batchContext !== undefined ? { batchContext } : {}),
      asOfPeriod: c.asOfPeriod, attempt: this.proofAttempts(c.pool.poolId, c.asOfPeriod),
    }));
    let proof: BatchProof | undefined;
    let error: unknown;
    try {
      proof = await this.prover.prove(requests);
    } catch (e) {
      error = e;
    }
    // Still ours? A reorg or a restart of the pool's work may have let this dispatch go.
    const current = batch.filter(({ c }) => this.proving.get(c.pool.poolId) === dispatch);
    // A pool stays in `proving` until its update is sent (or given up): between the proof's return
    // and the send (the simulation's round trip) the next block must not decide and prove the same
    // period again, a proof that would only lose to ours with PeriodNotNewer.
    const release = () => {
      for (const { c } of batch) if (this.proving.get(c.pool.poolId) === dispatch) this.proving.delete(c.pool.poolId);
    };
    if (this.stopping) {
      release();
      if (proof) for (const { c } of batch) this.log.info("shutting down: proof discarded", { pool: c.pool.name, asOfPeriod: c.asOfPeriod });
      return;
    }
    if (!proof) {
      release();
      for (const { c } of batch) {
        this.metrics.updatesFailed.inc({ pool: c.pool.name, reason: "proof" });
        this.log.error("proving failed", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, error: firstLine(error) });
      }
      return;
    }
    const provedAt = performance.now();
    this.submitting++;
    try {
      await this.submitBatch(batch, proof, current.length === batch.length, basis, head, { inferenceMs, dispatchedAt, provedAt, seenAt, seenPerf });
    } finally {
      this.submitting--;
      release();
    }
  }

  /**
   * Submits a batch's proof(s): today one `updateFee` per pool ("per-pool" proofs); a batched proof
   * will be one `updateFees` for the whole batch.
   */
  private async submitBatch(
    batch: { c: Candidate; forecastY: number; floatFee: number; reason: string }[], proof: BatchProof, stillOurs: boolean, basis: BlockRef, head: Head,
    t: { inferenceMs: number; dispatchedAt: number; provedAt: number; seenAt: number; seenPerf: number },
  ): Promise<void> {
    if (proof.kind === "batched") return this.submitBatched(batch, proof, stillOurs, basis, head, t);
    for (const [i, { c, forecastY, floatFee, reason }] of batch.entries()) {
      const proven = proof.proofs[i]!;
      this.metrics.proofsMade.inc({ pool: c.pool.name });
      this.metrics.provingSeconds.observe((proven.witnessMs + proven.proofMs) / 1000);
      if (!stillOurs) {
        this.log.info("proof discarded: its block was orphaned while proving", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: basis.number });
        this.emit("discarded", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: basis.number });
        continue;
      }
      const queueMs = Math.max(0, t.provedAt - t.dispatchedAt - proven.witnessMs - proven.proofMs);
      await this.submit(c, basis, head, proven, forecastY, floatFee, reason, { readMs: c.readMs, inferenceMs: t.inferenceMs, queueMs, witnessMs: proven.witnessMs, proofMs: proven.proofMs }, t.seenAt, t.seenPerf);
    }
  }

  /**
   * Submits a batched proof: one `updateFees` for every pool of the batch (model/SPEC.md §7b).
   *
   * The proof covers all N entries in order, so no entry can be left out without proving again. An entry
   * the hook finds stale when the transaction runs (a rival keeper landed that period first, or it got
   * too old) is verified and skipped (FeeUpdateSkipped) and the others land: each pool is reported as
   * `landed` or `lost` from the receipt. In queue mode every (pool, period) is claimed first; a pool
   * another scheduler claimed is still listed (its proof needs it) but counted as that scheduler's: the
   * chain sets that period once, for whichever transaction runs first, and skips it in the other. Nothing
   * is sent when no claim is ours, or when a claim cannot be made now (the periods are decided again).
   */
  private async submitBatched(
    batch: { c: Candidate; forecastY: number; floatFee: number; reason: string }[], proof: Extract<BatchProof, { kind: "batched" }>, stillOurs: boolean,
    basis: BlockRef, head: Head, t: { inferenceMs: number; dispatchedAt: number; provedAt: number; seenAt: number; seenPerf: number },
  ): Promise<void> {
    const n = batch.length;
    for (const { c } of batch) {
      this.metrics.proofsMade.inc({ pool: c.pool.name });
      if (!stillOurs) {
        this.log.info("proof discarded: its block was orphaned while proving", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: basis.number });
        this.emit("discarded", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: basis.number });
      }
    }
    this.metrics.provingSeconds.observe((proof.witnessMs + proof.proofMs) / 1000);
    if (!stillOurs) return;
    const t0 = performance.now();
    const names = batch.map(({ c }) => c.pool.name);
    try {
      const entries = batch.map(({ c }, i) => ({ key: c.pool.key, asOfPeriod: c.asOfPeriod, fee: proof.entries[i]!.fee, forecast: proof.entries[i]!.forecast, featureWord: proof.entries[i]!.featureWord }));
      const data = encodeFunctionData({ abi: this.hook.abi, functionName: "updateFees", args: [entries, proof.a, proof.b, proof.c] });
      const [canonical, simulation] = await Promise.all([
        this.canonicalHash(basis.number),
        this.hook.clients.public.call({ account: this.hook.clients.account, to: this.hook.hook, data }).then(() => undefined, (e: unknown) => e ?? new Error("reverted")),
      ]);
      if (canonical !== basis.hash) {
        for (const { c } of batch) {
          this.log.warn("block orphaned while proving; proof discarded", { pool: c.pool.name, block: basis.number, asOfPeriod: c.asOfPeriod });
          this.emit("discarded", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, block: basis.number });
        }
        return;
      }
      if (simulation) {
        if (isConnectionError(simulation)) throw simulation;
        await this.onBatchRevert(batch.map(({ c }) => c), this.hook.errorName(simulation), simulation, "simulation");
        return;
      }
      // Every entry already has an update for its period (or a newer one) pending: nothing left to set.
      const pending = this.txm.pending().filter((p) => p.kind === "call");
      if (batch.every(({ c }) => pending.some((p) => (pendingPeriodOf(p.meta, c.pool.poolId) ?? -1) >= c.asOfPeriod))) {
        this.log.info("proof discarded: updates for these pools and periods are already pending", { pools: names });
        return;
      }
      const claims = this.coordinator ? await Promise.all(batch.map(({ c }) => this.coordinator!.claim(c.pool.poolId, c.asOfPeriod))) : batch.map(() => "ours" as ClaimResult);
      if (claims.includes("unavailable")) {
        this.log.warn("not submitting: the claim cannot be made now (scheduler lease lost or queue unreachable); the periods are decided again", { pools: names });
        return;
      }
      const ours = batch.filter((_, i) => claims[i] === "ours");
      for (const [i, { c }] of batch.entries()) {
        if (claims[i] !== "taken") continue;
        this.decided.set(c.pool.poolId, Math.max(c.asOfPeriod, this.decided.get(c.pool.poolId) ?? -1));
        this.log.warn("another scheduler claimed this pool and period; its entry stays in the batch (the proof covers it) and counts as theirs", { pool: c.pool.name, asOfPeriod: c.asOfPeriod });
        this.emit("claimed", { pool: c.pool.name, asOfPeriod: c.asOfPeriod });
      }
      if (ours.length === 0) return;
      const gas = this.batchGasLimit(n);
      const sent = await this.txm.send(`batch${n}[${names.join(",")}]@${batch[0]!.c.asOfPeriod}`, { to: this.hook.hook, data, gas }, {
        basis, head, meta: { pools: names, poolIds: batch.map(({ c }) => c.pool.poolId), asOfPeriods: batch.map(({ c }) => c.asOfPeriod), fees: proof.entries.map((e) => e.fee) },
      });
      const sendMs = performance.now() - t0;
      const totalMs = performance.now() - t.seenPerf;
      this.metrics.updateLatencySeconds.observe(totalMs / 1000);
      const queueMs = Math.max(0, t.provedAt - t.dispatchedAt - proof.witnessMs - proof.proofMs);
      const reports = new Map<Hex, UpdateReport>();
      for (const { c, forecastY, floatFee, reason } of ours) {
        this.metrics.updatesSent.inc({ pool: c.pool.name });
        const report: UpdateReport = {
          pool: c.pool.name, block: basis.number, blockHash: basis.hash, asOfPeriod: c.asOfPeriod, features: c.features, forecastY, floatFee, fee: proof.entries[batch.findIndex((b) => b.c === c)]!.fee,
          previousFee: c.previousFee, reason, timings: { readMs: c.readMs, inferenceMs: t.inferenceMs, queueMs, witnessMs: proof.witnessMs, proofMs: proof.proofMs, sendMs, totalMs },
          seenAt: t.seenAt, sentAt: Date.now(), hash: sent.hash, nonce: sent.nonce,
        };
        reports.set(c.pool.poolId, report);
        this.emit("sent", report);
      }
      const settled = sent.outcome.then((outcome) => this.onBatchOutcome(batch.map(({ c }) => c), reports, outcome, data, gas));
      this.outstanding.add(settled);
      void settled.finally(() => this.outstanding.delete(settled));
    } catch (e) {
      if (isConnectionError(e)) this.metrics.rpcErrors.inc();
      const reason = e instanceof FeeCapError ? "fee-cap" : "send";
      for (const { c } of batch) {
        this.metrics.updatesFailed.inc({ pool: c.pool.name, reason });
        this.emit("failed", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, reason, error: firstLine(e) });
      }
      this.log.error("could not send updateFees", { pools: names, error: firstLine(e) });
    }
  }

  /** Gas limit for an updateFees of n pools: 1.5 x the most one of that size used, at least the floor an out-of-gas refusal set. */
  private batchGasLimit(n: number): bigint {
    const seen = this.batchGasUsed.get(n);
    const limit = seen ? (seen * 3n) / 2n : FIRST_UPDATE_GAS + 150_000n * BigInt(n);
    const floor = this.batchGasFloor.get(n) ?? 0n;
    return limit > floor ? limit : floor;
  }

  /**
   * A refused updateFees, for each pool of the batch. NoFreshEntry (every entry stale) is told apart per
   * pool by the pool's last update: a rival's update of this period or a newer one is a lost race, else
   * the period is too old. Any other refusal (InvalidProof, VerifierOutOfGas, ...) is the whole batch's.
   */
  private async onBatchRevert(pools: Candidate[], name: string | undefined, error: unknown, stage: "simulation" | "transaction", gas?: bigint): Promise<void> {
    if (name === "VerifierOutOfGas" && gas !== undefined) this.batchGasFloor.set(pools.length, gas * 2n);
    for (const c of pools) {
      let reason: unknown = name ?? error;
      if (name === "NoFreshEntry") {
        const state = await this.hook.poolState(c.pool.key).catch(() => undefined);
        reason = state && state.lastUpdatePeriod >= c.asOfPeriod ? "PeriodNotNewer" : "PeriodTooOld";
      }
      this.onRevert(c.pool, c.asOfPeriod, reason, stage);
    }
  }

  private async onBatchOutcome(pools: Candidate[], reports: Map<Hex, UpdateReport>, outcome: TxOutcome, data: Hex, gas: bigint): Promise<void> {
    const n = pools.length;
    if (outcome.status === "mined") {
      const used = outcome.receipt.gasUsed;
      if (used > (this.batchGasUsed.get(n) ?? 0n)) this.batchGasUsed.set(n, used);
      for (const c of pools) if (reports.has(c.pool.poolId)) this.metrics.gasSpent.inc({ pool: c.pool.name }, Number(used / BigInt(n)));
    }
    if (outcome.status === "mined" && outcome.receipt.status === "success") {
      const { applied, skipped } = batchEvents(this.hook.abi, this.hook.hook, outcome.receipt);
      const used = outcome.receipt.gasUsed;
      for (const c of pools) {
        const report = reports.get(c.pool.poolId);
        if (!report) continue; // another scheduler's claim: theirs to report
        if (applied.has(c.pool.poolId)) {
          this.decided.set(c.pool.poolId, Math.max(c.asOfPeriod, this.decided.get(c.pool.poolId) ?? -1));
          this.metrics.updatesLanded.inc({ pool: c.pool.name });
          this.log.info("fee updated", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, fee: report.fee, previousFee: report.previousFee, reason: report.reason, gasUsed: used / BigInt(n), batchSize: n, batchGasUsed: used, block: outcome.receipt.blockNumber, hash: outcome.receipt.transactionHash });
          this.emit("landed", { ...report, gasUsed: used / BigInt(n), batchGasUsed: used, batchSize: n, minedIn: outcome.receipt.blockNumber, minedHash: outcome.receipt.transactionHash });
        } else {
          // FeeUpdateSkipped: stale when the batch ran. A rival's update of this period or a newer one is a lost race.
          const state = await this.hook.poolState(c.pool.key, outcome.receipt.blockNumber).catch(() => undefined);
          this.onRevert(c.pool, c.asOfPeriod, state && state.lastUpdatePeriod >= c.asOfPeriod ? "PeriodNotNewer" : skipped.has(c.pool.poolId) ? "PeriodTooOld" : "unknown", "transaction");
        }
      }
      return;
    }
    if (outcome.status === "mined") {
      const reason = await this.hook.clients.public
        .call({ account: this.hook.clients.account, to: this.hook.hook, data, gas, blockNumber: outcome.receipt.blockNumber })
        .then(() => "unknown", (e) => this.hook.errorName(e) ?? "unknown");
      await this.onBatchRevert(pools.filter((c) => reports.has(c.pool.poolId)), reason, reason, "transaction", gas);
      return;
    }
    for (const c of pools) {
      if (!reports.has(c.pool.poolId)) continue;
      if (outcome.reason.startsWith("superseded")) continue;
      this.metrics.updatesFailed.inc({ pool: c.pool.name, reason: "abandoned" });
      this.log.warn("update abandoned", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, reason: outcome.reason });
      this.emit("failed", { pool: c.pool.name, asOfPeriod: c.asOfPeriod, reason: "abandoned", error: outcome.reason });
    }
  }

  /** The pool's reads at this block, or undefined when its latest completed period needs nothing. */
  private async readPool(pool: ServedPool, number: bigint, timestamp: number): Promise<Omit<Candidate, "supersedes"> | undefined> {
    const t0 = performance.now();
    const period = pool.terms.period;
    const asOfPeriod = Math.floor(timestamp / period) - 1;
    const settled = (this.decided.get(pool.poolId) ?? -1) >= asOfPeriod;
    // Speculatively read everything at once when this period is still open for us: one round trip.
    const [state, features, slot0, context] = await Promise.all([
      this.hook.poolState(pool.key, number),
      settled ? undefined : this.hook.featuresAsOf(pool.key, asOfPeriod, number),
      this.hook.slot0(pool.key, number),
      settled ? undefined : this.hook.contextOf(pool.key, asOfPeriod, number),
    ]);
    const previousFee = slot0.lpFee;
    this.metrics.poolFee.set(previousFee, { pool: pool.name });
    this.metrics.poolLastUpdatePeriod.set(state.lastUpdatePeriod, { pool: pool.name });
    if (settled || asOfPeriod <= state.lastUpdatePeriod || !features || context === undefined) return undefined;
    return { pool, state, asOfPeriod, features, previousFee, sqrtPriceX96: slot0.sqrtPriceX96, context, readMs: performance.now() - t0 };
  }

  /**
   * Rule "pays": reads the served pools' Swap events up to this block into their fee bases. The
   * first time, the blocks of the longest horizon (from the chain's block time); a block's swaps go to
   * the period of its timestamp (interpolated between the range's ends when several blocks are read).
   */
  private async readSwaps(head: Block): Promise<void> {
    if (this.feeBases.size === 0) return;
    const client = this.hook.clients.public;
    const to = head.number!;
    const tTo = Number(head.timestamp);
    let from: bigint;
    if (this.swapsThrough === undefined) {
      const seconds = Math.max(...[...this.feeBases.values()].map((f) => f.horizon * f.periodSeconds));
      const back = to > 64n ? 64n : to;
      const blockTime = back > 0n ? Math.max(0.05, (tTo - Number((await client.getBlock({ blockNumber: to - back })).timestamp)) / Number(back)) : 12;
      const n = BigInt(Math.ceil(seconds / blockTime)) + 2n;
      from = to > n ? to - n : 0n;
    } else from = this.swapsThrough + 1n;
    if (from > to) return;
    const logs = await client.getLogs({ address: this.hook.manager, event: SWAP_EVENT, args: { id: [...this.feeBases.keys()] }, fromBlock: from, toBlock: to });
    const tFrom = from < to && logs.some((l) => l.blockNumber !== to) ? Number((await client.getBlock({ blockNumber: from })).timestamp) : tTo;
    const timestampOf = (b: bigint) => (from === to ? tTo : tFrom + (Number(b - from) * (tTo - tFrom)) / Number(to - from));
    for (const l of logs) {
      const a = l.args as { id: Hex; amount0: bigint; amount1: bigint; sqrtPriceX96: bigint };
      this.feeBases.get(a.id)?.add({ blockNumber: l.blockNumber!, timestamp: timestampOf(l.blockNumber!), amount0: a.amount0, amount1: a.amount1, sqrtPriceX96: a.sqrtPriceX96 });
    }
    this.swapsThrough = to;
  }

  /** The gas price an update would pay now: the head's base fee plus the tip (or the configured price). */
  private async gasPriceWei(block: Block): Promise<bigint> {
    if (this.settings.ruleGasPriceGwei !== undefined) return BigInt(Math.round(this.settings.ruleGasPriceGwei * 1e9));
    if (block.baseFeePerGas !== null && block.baseFeePerGas !== undefined) return block.baseFeePerGas + BigInt(Math.round(this.settings.priorityFeeGwei * 1e9));
    return this.hook.clients.public.getGasPrice();
  }

  /**
   * Gas limit for updateFee: 1.5 x the most a mined update of this pool used (unused gas is not paid for),
   * and at least the floor an out-of-gas refusal set.
   */
  private gasLimitFor(pool: ServedPool): bigint {
    const seen = this.gasUsed.get(pool.poolId);
    const limit = seen ? (seen * 3n) / 2n : FIRST_UPDATE_GAS;
    const floor = this.gasFloor.get(pool.poolId) ?? 0n;
    return limit > floor ? limit : floor;
  }

  private updateCalldata(pool: ServedPool, asOfPeriod: number, proven: Pick<ProvenFee, "fee" | "forecast" | "a" | "b" | "c">): Hex {
    if (pool.verification === "onchain") return encodeFunctionData({ abi: this.hook.abi, functionName: "updateFeeOnchain", args: [pool.key, asOfPeriod] });
    return encodeFunctionData({ abi: this.hook.abi, functionName: "updateFee", args: [pool.key, asOfPeriod, proven.fee, proven.forecast, proven.a, proven.b, proven.c] });
  }

  private async submit(
    c: Candidate, basis: BlockRef, head: Head, proven: ProvenFee, forecastY: number, floatFee: number, reason: string,
    timings: Omit<UpdateTimings, "sendMs" | "totalMs">, seenAt: number, seenPerf: number,
  ): Promise<void> {
    const { pool, asOfPeriod, features } = c;
    const t0 = performance.now();
    try {
      const data = this.updateCalldata(pool, asOfPeriod, proven);
      // Nothing goes out on features read from a block that is no longer canonical, and nothing that
      // the chain would refuse: one eth_call simulates the update on the latest state (a full gas
      // estimate re-executes the pairing check a dozen times; the gas limit comes from experience).
      const [canonical, simulation] = await Promise.all([
        this.canonicalHash(basis.number),
        this.hook.clients.public.call({ account: this.hook.clients.account, to: this.hook.hook, data }).then(() => undefined, (e: unknown) => e ?? new Error("reverted")),
      ]);
      if (canonical !== basis.hash) {
        this.log.warn("block orphaned while proving; proof discarded", { pool: pool.name, block: basis.number, asOfPeriod });
        this.emit("discarded", { pool: pool.name, asOfPeriod, block: basis.number });
        return;
      }
      if (simulation) {
        if (isConnectionError(simulation)) throw simulation;
        this.onRevert(pool, asOfPeriod, simulation, "simulation");
        return;
      }
      // A pending update of this pool for an older period is replaced (same nonce) by this one.
      const older = this.txm.pending().find((p) => p.kind === "call" && p.meta.poolId === pool.poolId);
      if (older && (older.meta.asOfPeriod as number) >= asOfPeriod) {
        this.log.info("proof discarded: an update for this or a newer period is already pending", { pool: pool.name, asOfPeriod, pending: older.tag });
        return;
      }
      const claim = this.coordinator ? await this.coordinator.claim(pool.poolId, asOfPeriod) : "ours";
      if (claim === "taken") {
        this.decided.set(pool.poolId, Math.max(asOfPeriod, this.decided.get(pool.poolId) ?? -1));
        this.log.warn("not submitting: another scheduler claimed this pool and period", { pool: pool.name, asOfPeriod });
        this.emit("claimed", { pool: pool.name, asOfPeriod });
        return;
      }
      if (claim === "unavailable") {
        // Not decided: once the claim can be made (Redis back, or the lease held again) the period is
        // decided again, and its job's result, if still stored, spares a second proof.
        this.log.warn("not submitting: the claim cannot be made now (scheduler lease lost or queue unreachable); the period is decided again", { pool: pool.name, asOfPeriod });
        return;
      }
      const gas = this.gasLimitFor(pool);
      const sent = await this.txm.send(`${pool.name}@${asOfPeriod}`, { to: this.hook.hook, data, gas }, {
        basis, head, meta: { pool: pool.name, poolId: pool.poolId, asOfPeriod, fee: proven.fee }, replaceNonce: older?.nonce,
      });
      const sendMs = performance.now() - t0;
      const totalMs = performance.now() - seenPerf;
      this.metrics.updatesSent.inc({ pool: pool.name });
      this.metrics.updateLatencySeconds.observe(totalMs / 1000);
      const report: UpdateReport = {
        pool: pool.name, block: basis.number, blockHash: basis.hash, asOfPeriod, features, forecastY, floatFee, fee: proven.fee, previousFee: c.previousFee, reason,
        timings: { ...timings, sendMs, totalMs }, seenAt, sentAt: Date.now(), hash: sent.hash, nonce: sent.nonce,
      };
      this.emit("sent", report);
      const settled = sent.outcome.then((outcome) => this.onOutcome(pool, asOfPeriod, outcome, report, data, gas));
      this.outstanding.add(settled);
      void settled.finally(() => this.outstanding.delete(settled));
    } catch (e) {
      if (isConnectionError(e)) this.metrics.rpcErrors.inc();
      const reason = e instanceof FeeCapError ? "fee-cap" : "send";
      this.metrics.updatesFailed.inc({ pool: pool.name, reason });
      this.log.error(pool.verification === "onchain" ? "could not send updateFeeOnchain" : "could not send updateFee", { pool: pool.name, asOfPeriod, error: firstLine(e) });
      this.emit("failed", { pool: pool.name, asOfPeriod, reason, error: firstLine(e) });
    }
  }

  private async onOutcome(pool: ServedPool, asOfPeriod: number, outcome: TxOutcome, report: UpdateReport, data: Hex, gas: bigint): Promise<void> {
    if (outcome.status === "mined") {
      const used = outcome.receipt.gasUsed;
      if (used > (this.gasUsed.get(pool.poolId) ?? 0n)) this.gasUsed.set(pool.poolId, used);
    }
    if (outcome.status === "mined" && outcome.receipt.status === "success") {
      this.decided.set(pool.poolId, Math.max(asOfPeriod, this.decided.get(pool.poolId) ?? -1));
      this.metrics.updatesLanded.inc({ pool: pool.name });
      this.metrics.gasSpent.inc({ pool: pool.name }, Number(outcome.receipt.gasUsed));
      this.log.info("fee updated", { pool: pool.name, asOfPeriod, fee: report.fee, previousFee: report.previousFee, reason: report.reason, gasUsed: outcome.receipt.gasUsed, block: outcome.receipt.blockNumber, hash: outcome.receipt.transactionHash });
      this.emit("landed", { ...report, gasUsed: outcome.receipt.gasUsed, minedIn: outcome.receipt.blockNumber, minedHash: outcome.receipt.transactionHash });
      return;
    }
    if (outcome.status === "mined") {
      this.metrics.gasSpent.inc({ pool: pool.name }, Number(outcome.receipt.gasUsed));
      // Replay the call on the state the block left for the reason: usually another keeper landed first.
      // With the transaction's own gas limit, so that running out of gas shows as such.
      const reason = await this.hook.clients.public
        .call({ account: this.hook.clients.account, to: this.hook.hook, data, gas, blockNumber: outcome.receipt.blockNumber })
        .then(() => "unknown", (e) => this.hook.errorName(e) ?? "unknown");
      this.onRevert(pool, asOfPeriod, reason, "transaction", gas);
      return;
    }
    if (outcome.reason.startsWith("superseded")) {
      this.log.info("update superseded by a newer period's before it was mined", { pool: pool.name, asOfPeriod, reason: outcome.reason });
      return;
    }
    this.metrics.updatesFailed.inc({ pool: pool.name, reason: "abandoned" });
    this.log.warn("update abandoned", { pool: pool.name, asOfPeriod, reason: outcome.reason });
    this.emit("failed", { pool: pool.name, asOfPeriod, reason: "abandoned", error: outcome.reason });
  }

  private proofAttempts(poolId: Hex, asOfPeriod: number): number {
    const refused = this.refusedProofs.get(poolId);
    return refused?.asOfPeriod === asOfPeriod ? refused.count : 0;
  }

  private onRevert(pool: ServedPool, asOfPeriod: number, error: unknown, stage: "simulation" | "transaction", gas?: bigint): void {
    const name = typeof error === "string" ? error : this.hook.errorName(error);
    const { kind, settlesPeriod, level } = classifyRefusal(name);
    // A refusal the next block cannot change for this period (or a bug): do not retry the period.
    if (settlesPeriod) this.decided.set(pool.poolId, Math.max(asOfPeriod, this.decided.get(pool.poolId) ?? -1));
    if (kind === "lost") {
      this.metrics.lostRaces.inc({ pool: pool.name });
      this.log.info("another keeper updated first; standing down for this period", { pool: pool.name, asOfPeriod, stage });
      this.emit("lost", { pool: pool.name, asOfPeriod, stage });
      return;
    }
    this.metrics.updatesFailed.inc({ pool: pool.name, reason: name ?? "unknown" });
    const fields = { pool: pool.name, asOfPeriod, stage, reason: name ?? firstLine(error) };
    if (kind === "out-of-gas" || kind === "malformed-proof") {
      const earlier = this.refusedProofs.get(pool.poolId);
      this.refusedProofs.set(pool.poolId, { asOfPeriod, count: earlier?.asOfPeriod === asOfPeriod ? earlier.count + 1 : 1 });
    }
    if (kind === "out-of-gas") {
      // Not a verdict on the proof. Where the transaction's limit was the cause, send the retry with twice it.
      if (gas !== undefined) this.gasFloor.set(pool.poolId, gas * 2n);
      this.log[level]("updateFee ran the verifier out of gas; retrying the period", { ...fields, gasLimit: gas, nextGasLimit: this.gasLimitFor(pool) });
    } else if (kind === "malformed-proof") {
      this.log[level]("updateFee refused a malformed proof before verifying it (its points are not curve points)", fields);
    } else {
      this.log[level](pool.verification === "onchain" ? "updateFeeOnchain refused" : "updateFee refused", fields);
    }
    this.emit("failed", { pool: pool.name, asOfPeriod, reason: name ?? "unknown", kind, stage });
  }
}

/** Adapts prover/'s Prover to what the keeper needs. */
export function feeProverOf(prover: { prove(model: Model, features: readonly bigint[], terms: PoolTerms, context: bigint): Promise<{ fee: number; forecast: bigint; calldata: { a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint] }; timings: { witnessMs: number; proofMs: number } }> }): FeeProver {
  return {
    async prove(model, features, terms, context) {
      const r = await prover.prove(model, features, terms, context);
      return { fee: r.fee, forecast: r.forecast, a: r.calldata.a, b: r.calldata.b, c: r.calldata.c, witnessMs: r.timings.witnessMs, proofMs: r.timings.proofMs };
    },
  };
}
