// The proving seam between the keeper's decisions and its transactions. The keeper groups the pools
// it decided to update at a block into batches of `batchSize` and hands each batch to a BatchProver;
// whatever proves it (worker threads in this process, or provers anywhere behind a job queue), the
// keeper submits what comes back.
//
// A batch of one pool is proven by the single-pool circuit (prover/) and submitted with `updateFee`:
// a BatchProof of kind "per-pool". With --batch-size 2, 4 or 8, a batch of that many pools is proven
// by the batched circuit (prover/batch.ts) and submitted with one `updateFees`: kind "batched".
import type { Hex } from "viem";
import { BATCH_SIZES, parseModel, type Model, type ModelFile, type PoolTerms } from "../model/index.ts";
import { BatchProver as BatchCircuitProver, checkBatchSize, type BatchEntryProof } from "../prover/batch.ts";
import type { FeeProver, ProvenFee } from "./keeper.ts";

/** One pool's part of a batch: everything a prover needs, nothing it must read from the chain. */
export interface PoolProofRequest {
  pool: string;
  poolId: Hex;
  model: Model;
  features: bigint[];
  terms: PoolTerms;
  context: bigint;
  /** In a batch of 2, 4 or 8 pools: the batch's context (batchContextOf of its pools and periods, in order), the same in every request. */
  batchContext?: bigint;
  asOfPeriod: number;
  /** How many proofs of this (pool, period) the chain refused without a verdict (malformed, out of gas): a retry
   * must be proven afresh, never served from a queue's record of the earlier job. */
  attempt: number;
}

/**
 * A batch's proof(s). "per-pool": one single-pool proof per pool, in the batch's order (updateFee each).
 * "batched": one proof of the whole batch (2, 4 or 8 pools, prover/batch.ts), entries in the batch's
 * order, made under the batch's context (batchContextOf of its pools and periods), for one updateFees.
 */
export type BatchProof =
  | { kind: "per-pool"; proofs: ProvenFee[] }
  | { kind: "batched"; entries: BatchEntryProof[]; a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint]; witnessMs: number; proofMs: number };

/**
 * How `count` pools decided at one block are cut into batches with at most `max` pools each: as many
 * of the largest supported size <= what is left as fit, and one single-pool updateFee for a last 1
 * (7 with max 8 -> 4, 2, 1). Every batch is of a size with a circuit and a verifier.
 */
export function batchSizesFor(count: number, max: number): number[] {
  const sizes: number[] = [];
  let left = count;
  while (left > 0) {
    let s = 1;
    for (const b of BATCH_SIZES) if (b <= max && b <= left && b > s) s = b;
    sizes.push(s);
    left -= s;
  }
  return sizes;
}

/**
 * Batches of up to `size` pools: a batch of 2, 4 or 8 is proven with one batched proof (prover/batch.ts,
 * the circuit of that size loaded on first use and kept warm), a batch of 1 by `single` (updateFee).
 * The batch's context binds every pool's id and period in order: the keeper computes it and sends it
 * with every request (batchContext). Any batch of 2, 4 or 8 is proven, whatever `size` (a queue
 * prover serves the sizes its schedulers send).
 */
export function batchedProverOf(single: BatchProver, size: number): BatchProver {
  checkBatchSize(size);
  const provers = new Map<number, Promise<BatchCircuitProver>>();
  const load = (n: number) => {
    let p = provers.get(n);
    if (!p) {
      p = BatchCircuitProver.load(n);
      provers.set(n, p);
      p.catch(() => provers.delete(n));
    }
    return p;
  };
  return {
    batchSize: size,
    async prove(batch) {
      if (batch.length === 1) return single.prove(batch);
      const prover = await load(batch.length);
      const context = batch[0]!.batchContext;
      if (context === undefined || batch.some((q) => q.batchContext !== context)) throw new Error(`a batch of ${batch.length} pools needs its batch context in every request`);
      const r = await prover.proveBatch(batch.map((q) => ({ model: q.model, features: q.features, terms: q.terms })), context);
      return { kind: "batched", entries: r.entries, a: r.calldata.a, b: r.calldata.b, c: r.calldata.c, witnessMs: r.timings.witnessMs, proofMs: r.timings.proofMs };
    },
    close: () => single.close?.() ?? Promise.resolve(),
  };
}

export interface BatchProver {
  /** Pools per batch (1 with the single-pool circuit). */
  readonly batchSize: number;
  /** Proves every pool of the batch; rejects when the batch cannot be proven. */
  prove(batch: PoolProofRequest[]): Promise<BatchProof>;
  /** Releases workers, connections. */
  close?(): Promise<void>;
}

export const isBatchProver = (p: FeeProver | BatchProver): p is BatchProver => typeof (p as BatchProver).batchSize === "number";

/** Batches of one pool, each proven by a single-pool FeeProver (what the keeper did before batching). */
export function batchProverOf(prover: FeeProver): BatchProver {
  if (isBatchProver(prover as FeeProver | BatchProver)) return prover as unknown as BatchProver;
  return {
    batchSize: 1,
    async prove(batch) {
      const proofs: ProvenFee[] = [];
      for (const r of batch) proofs.push(await prover.prove(r.model, r.features, r.terms, r.context));
      return { kind: "per-pool", proofs };
    },
  };
}

/** A proof as JSON can carry it (worker messages, queue results): bigints as decimal strings. */
export interface WireProof {
  fee: number;
  forecast: string;
  a: [string, string];
  b: [[string, string], [string, string]];
  c: [string, string];
  witnessMs: number;
  proofMs: number;
}

export const toWire = (p: ProvenFee): WireProof => ({
  fee: p.fee, forecast: p.forecast.toString(), a: [p.a[0].toString(), p.a[1].toString()],
  b: [[p.b[0][0].toString(), p.b[0][1].toString()], [p.b[1][0].toString(), p.b[1][1].toString()]], c: [p.c[0].toString(), p.c[1].toString()],
  witnessMs: p.witnessMs, proofMs: p.proofMs,
});

export const fromWire = (w: WireProof): ProvenFee => ({
  fee: w.fee, forecast: BigInt(w.forecast), a: [BigInt(w.a[0]), BigInt(w.a[1])],
  b: [[BigInt(w.b[0][0]), BigInt(w.b[0][1])], [BigInt(w.b[1][0]), BigInt(w.b[1][1])]], c: [BigInt(w.c[0]), BigInt(w.c[1])],
  witnessMs: w.witnessMs, proofMs: w.proofMs,
});

/** A BatchProof as JSON can carry it (queue results). */
export type WireBatchProof =
  | { kind: "per-pool"; proofs: WireProof[] }
  | { kind: "batched"; entries: { fee: number; forecast: string; featureWord: string }[]; a: [string, string]; b: [[string, string], [string, string]]; c: [string, string]; witnessMs: number; proofMs: number };

export function batchProofToWire(p: BatchProof): WireBatchProof {
  if (p.kind === "per-pool") return { kind: "per-pool", proofs: p.proofs.map(toWire) };
  const { a, b, c } = toWire({ fee: 0, forecast: 0n, a: p.a, b: p.b, c: p.c, witnessMs: 0, proofMs: 0 });
  return { kind: "batched", entries: p.entries.map((e) => ({ fee: e.fee, forecast: e.forecast.toString(), featureWord: e.featureWord.toString() })), a, b, c, witnessMs: p.witnessMs, proofMs: p.proofMs };
}

export function batchProofFromWire(w: WireBatchProof): BatchProof {
  if (w.kind === "per-pool") return { kind: "per-pool", proofs: w.proofs.map(fromWire) };
  const { a, b, c } = fromWire({ fee: 0, forecast: "0", a: w.a, b: w.b, c: w.c, witnessMs: 0, proofMs: 0 });
  return { kind: "batched", entries: w.entries.map((e) => ({ fee: e.fee, forecast: BigInt(e.forecast), featureWord: BigInt(e.featureWord) })), a, b, c, witnessMs: w.witnessMs, proofMs: w.proofMs };
}

/** Witness plus proof milliseconds of a batch's proof(s). */
export const provingMsOf = (p: BatchProof): number => (p.kind === "batched" ? p.witnessMs + p.proofMs : p.proofs.reduce((s, q) => s + q.witnessMs + q.proofMs, 0));

/** One pool's request as JSON: the model travels as its file (small), so a prover needs no deployment. */
export interface WireRequest {
  pool: string;
  poolId: Hex;
  model: ModelFile;
  features: string[];
  terms: PoolTerms;
  context: string;
  batchContext?: string;
  asOfPeriod: number;
  attempt: number;
}

export const requestToWire = (r: PoolProofRequest): WireRequest => ({
  pool: r.pool, poolId: r.poolId, model: r.model.file, features: r.features.map(String), terms: r.terms, context: r.context.toString(), ...(r.batchContext !== undefined ? { batchContext: r.batchContext.toString() } : {}), asOfPeriod: r.asOfPeriod, attempt: r.attempt,
});

/** Parses a model file once per commitment (the Poseidon commitment takes a few milliseconds). */
export class ModelCache {
  private models = new Map<string, Promise<Model>>();
  get(file: ModelFile): Promise<Model> {
    const key = `${file.commitment}`;
    let m = this.models.get(key);
    if (!m) {
      m = parseModel(file, `model ${file.commitment}`);
      this.models.set(key, m);
      m.catch(() => this.models.delete(key));
    }
    return m;
  }
}

export async function requestFromWire(w: WireRequest, models: ModelCache): Promise<PoolProofRequest> {
  return { pool: w.pool, poolId: w.poolId, model: await models.get(w.model), features: w.features.map(BigInt), terms: w.terms, context: BigInt(w.context), ...(w.batchContext !== undefined ? { batchContext: BigInt(w.batchContext) } : {}), asOfPeriod: w.asOfPeriod, attempt: w.attempt ?? 0 };
}
