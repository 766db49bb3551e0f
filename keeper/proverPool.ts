// Proving off the keeper's main thread: a pool of worker threads (node:worker_threads), each holding
// a warm Prover, so that the per-block loop (reads, inference, decisions, sends, receipts, reorg
// checks) never waits behind a proof, and several proofs run at once where there are cores for them.
// Requests queue in the pool and go to the first idle worker; a worker that dies fails its request
// (the keeper logs it and decides the period again at the next block) and is replaced.
import { Worker } from "node:worker_threads";
import { fromWire, requestToWire, type BatchProof, type BatchProver, type PoolProofRequest, type WireProof } from "./batch.ts";
import type { Logger } from "./log.ts";
import { defaultProverThreads } from "./config.ts";

interface Task {
  request: PoolProofRequest;
  resolve: (p: ReturnType<typeof fromWire>) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy?: { id: number; task: Task };
  loaded?: boolean;
  dead?: boolean;
}

export class ProverPool implements BatchProver {
  readonly batchSize = 1;
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(readonly threads: number, private log?: Logger) {}

  /** Starts `threads` workers and waits until each has loaded the prover. */
  static async start(threads = defaultProverThreads(), log?: Logger): Promise<ProverPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`prover threads: expected a positive integer, got ${threads}`);
    const pool = new ProverPool(threads, log);
    for (let i = 0; i < threads; i++) pool.slots.push(pool.spawn());
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Proofs waiting for a worker plus those being made. */
  get inFlight(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL("./proverWorker.mjs", import.meta.url));
    const slot: Slot = { worker, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onEarly = (e: Error) => reject(new Error(`prover worker failed to start: ${e.message.split("\n")[0]}`));
      worker.once("error", onEarly);
      worker.on("message", (m: { ready?: true; id?: number; ok?: boolean; proof?: WireProof; error?: string }) => {
        if (m.ready) {
          slot.loaded = true;
          worker.off("error", onEarly);
          resolve();
          this.pump();
          return;
        }
        const busy = slot.busy;
        if (!busy || busy.id !== m.id) return;
        slot.busy = undefined;
        if (m.ok) busy.task.resolve(fromWire(m.proof!));
        else busy.task.reject(new Error(m.error ?? "proving failed"));
        this.pump();
      });
    });
    worker.on("error", (e) => this.log?.error("prover worker error", { thread: worker.threadId, error: e.message.split("\n")[0] }));
    worker.on("exit", (code) => {
      slot.dead = true;
      const busy = slot.busy;
      slot.busy = undefined;
      busy?.task.reject(new Error(`prover worker exited (code ${code}) while proving`));
      if (this.closed) return;
      this.log?.warn("prover worker exited; starting another", { thread: worker.threadId, code });
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    });
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      // A worker still loading gets its first request once ready (pump runs again then).
      if (slot.busy || slot.dead || !slot.loaded) continue;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, task };
      slot.worker.postMessage({ id, request: requestToWire(task.request) });
    }
  }

  /** One proof, on the first idle worker. */
  proveOne(request: PoolProofRequest): Promise<ReturnType<typeof fromWire>> {
    if (this.closed) return Promise.reject(new Error("prover pool closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  async prove(batch: PoolProofRequest[]): Promise<BatchProof> {
    return { kind: "per-pool", proofs: await Promise.all(batch.map((r) => this.proveOne(r))) };
  }

  /** Fails what is queued, stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error("prover pool closed"));
    await Promise.all(this.slots.map(async (s) => {
      if (s.dead) return;
      const exited = new Promise<void>((r) => s.worker.once("exit", () => r()));
      s.worker.postMessage({ shutdown: true });
      const t = setTimeout(() => void s.worker.terminate(), 2000);
      await exited;
      clearTimeout(t);
    }));
  }
}
