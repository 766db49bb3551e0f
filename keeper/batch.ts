// The proving seam between the keeper's decisions and its transactions. The keeper groups the pools
// it decided to update at a block into batches of `batchSize` and hands each batch to a BatchProver;
// whatever proves it (worker threads in this process, or provers anywhere behind a job queue), the
// keeper submits what comes back.
//
// Today a batch holds one pool, proven by the single-pool circuit (prover/) and submitted with
// `updateFee`: a BatchProof of kind "per-pool". A batched circuit (one proof for N pools, submitted
// with one `updateFees`) adds a kind of its own and a batchSize > 1; the queue's job unit, (pool
// batch, period), already carries N pools.
import type { Hex } from "viem";
import { parseModel, type Model, type ModelFile, type PoolTerms } from "../model/index.ts";
import type { FeeProver, ProvenFee } from "./keeper.ts";

/** One pool's part of a batch: everything a prover needs, nothing it must read from the chain. */
export interface PoolProofRequest {
  pool: string;
  poolId: Hex;
  model: Model;
  features: bigint[];
  terms: PoolTerms;
  context: bigint;
  asOfPeriod: number;
  /** How many proofs of this (pool, period) the chain refused without a verdict (malformed, out of gas): a retry
   * must be proven afresh, never served from a queue's record of the earlier job. */
  attempt: number;
}

/** A batch's proof(s). "per-pool": one single-pool proof per pool, in the batch's order (updateFee each). */
export type BatchProof = { kind: "per-pool"; proofs: ProvenFee[] };

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

/** One pool's request as JSON: the model travels as its file (small), so a prover needs no deployment. */
export interface WireRequest {
  pool: string;
  poolId: Hex;
  model: ModelFile;
  features: string[];
  terms: PoolTerms;
  context: string;
  asOfPeriod: number;
  attempt: number;
}

export const requestToWire = (r: PoolProofRequest): WireRequest => ({
  pool: r.pool, poolId: r.poolId, model: r.model.file, features: r.features.map(String), terms: r.terms, context: r.context.toString(), asOfPeriod: r.asOfPeriod, attempt: r.attempt,
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
  return { pool: w.pool, poolId: w.poolId, model: await models.get(w.model), features: w.features.map(BigInt), terms: w.terms, context: BigInt(w.context), asOfPeriod: w.asOfPeriod, attempt: w.attempt ?? 0 };
}
