// Groth16 proofs that the fees of N pools of one hook are what their committed models compute, in one
// proof (model/SPEC.md §7b), for ProvenFeeHook.updateFees.
//
//   const prover = await BatchProver.load(8);        // once per size: witness calculator + zkey in memory
//   const batch = await prover.proveBatch(pools, context);   // pools in batch order
//   // -> batch.entries[i] (fee, forecast, featureWord), batch.calldata (a, b, c for updateFees)
//
// Each pool's circuit input is exactly the single-pool one (buildCircuitInput in prover.ts: fee,
// forecast, commitment all from model/); this module only stacks them and packs the batch's words.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as snarkjs from "snarkjs";
import { BATCH_SIZES, batchPublicSignals, featureWord, type PoolTerms } from "../model/index.ts";
import { batchArtifacts } from "./paths.ts";
import { buildCircuitInput, toSolidityCalldata, type CircuitInput, type ModelLike } from "./prover.ts";

/** One pool of a batch: its model, its features as of the batch entry's period, and its terms. */
export interface BatchPool {
  model: ModelLike;
  features: readonly bigint[];
  terms: PoolTerms;
}

/** What updateFees takes for one pool besides its key and as-of period. */
export interface BatchEntryProof {
  fee: number;
  forecast: bigint;
  /** The pool's featureWord (SPEC §7): the hook reads it only for an entry it skips. */
  featureWord: bigint;
}

export interface BatchProveResult {
  entries: BatchEntryProof[];
  proof: snarkjs.Groth16Proof;
  /** Decimal strings: poolWord[N], commitment[N], termsWord[ceil(N/3)], context. */
  publicSignals: string[];
  calldata: { a: [bigint, bigint]; b: [[bigint, bigint], [bigint, bigint]]; c: [bigint, bigint] };
  timings: { witnessMs: number; proofMs: number };
}

interface WitnessCalculator {
  calculateWTNSBin(input: CircuitInput, sanityCheck?: boolean): Promise<Uint8Array>;
}
type WitnessCalculatorBuilder = (code: Uint8Array, options?: Record<string, unknown>) => Promise<WitnessCalculator>;

/** The private input names of one pool in the single circuit, which the batch circuit takes as arrays. */
const PER_POOL_INPUTS = [
  "features", "poolFeeMin", "poolFeeMax", "period", "fee", "forecast", "w", "c0", "W", "c", "v", "b",
  "base", "slope", "modelFeeMin", "modelFeeMax", "horizon",
] as const;

export function checkBatchSize(size: number): asserts size is (typeof BATCH_SIZES)[number] {
  if (!(BATCH_SIZES as readonly number[]).includes(size)) {
    throw new RangeError(`batch size ${size} is not one of ${BATCH_SIZES.join(", ")} (the sizes with a circuit and an on-chain verifier)`);
  }
}

/** The batch circuit's input and public signals for `pools` (in batch order) and the batch's context. */
export async function buildBatchInput(pools: readonly BatchPool[], context: bigint) {
  checkBatchSize(pools.length);
  const requests = await Promise.all(pools.map((p) => buildCircuitInput(p.model, p.features, p.terms, context)));
  const input: CircuitInput = {};
  for (const name of PER_POOL_INPUTS) input[name] = requests.map((r) => r.input[name]!);
  const publicSignals = batchPublicSignals(
    requests.map((r) => ({ features: r.features, terms: r.terms, fee: r.evaluation.fee, forecast: r.evaluation.forecast, commitment: r.model.commitment })),
    context,
  );
  const size = pools.length;
  input.poolWord = publicSignals.slice(0, size);
  input.commitment = publicSignals.slice(size, 2 * size);
  input.termsWord = publicSignals.slice(2 * size, -1);
  input.context = context;
  const entries: BatchEntryProof[] = requests.map((r) => ({ fee: r.evaluation.fee, forecast: r.evaluation.forecast, featureWord: featureWord(r.features) }));
  return { input, publicSignals, entries };
}

export class BatchProver {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly size: number,
    private readonly calculator: WitnessCalculator,
    private readonly zkey: Uint8Array,
    readonly verificationKey: snarkjs.VerificationKey,
  ) {}

  /** Loads the committed artifacts of the `size`-pool circuit (prover/artifacts/batch/) once. */
  static async load(size: number): Promise<BatchProver> {
    checkBatchSize(size);
    const files = batchArtifacts(size);
    const require = createRequire(import.meta.url);
    let builder: WitnessCalculatorBuilder, wasm: Uint8Array, zkey: Uint8Array, vk: snarkjs.VerificationKey;
    try {
      builder = require(files.witnessCalculator) as WitnessCalculatorBuilder;
      wasm = readFileSync(files.wasm);
      zkey = readFileSync(files.zkey);
      vk = JSON.parse(readFileSync(files.verificationKey, "utf8")) as snarkjs.VerificationKey;
    } catch (e) {
      throw new Error(`cannot load the ${size}-pool batch artifacts (run \`npx tsx prover/batchSetup.ts\`): ${(e as Error).message}`);
    }
    return new BatchProver(size, await builder(wasm), zkey, vk);
  }

  /** Proves the fees of `pools` (exactly `size` of them, in the order updateFees will list them) under `context`. */
  async proveBatch(pools: readonly BatchPool[], context: bigint): Promise<BatchProveResult> {
    if (pools.length !== this.size) throw new RangeError(`this prover takes batches of ${this.size} pools, got ${pools.length}`);
    const { input, publicSignals: expected, entries } = await buildBatchInput(pools, context);
    const run = this.queue.then(async () => {
      const t0 = performance.now();
      const wtns = await this.calculator.calculateWTNSBin(input, true);
      const t1 = performance.now();
      const { proof, publicSignals } = await snarkjs.groth16.prove({ type: "mem", data: this.zkey }, { type: "mem", data: new Uint8Array(wtns) });
      return { proof, publicSignals, timings: { witnessMs: t1 - t0, proofMs: performance.now() - t1 } };
    });
    this.queue = run.catch(() => undefined);
    const { proof, publicSignals, timings } = await run;
    if (publicSignals.length !== expected.length || publicSignals.some((s, i) => s !== String(expected[i]))) {
      throw new Error(`public signals ${publicSignals.join(",")} differ from model/'s ${expected.join(",")}`);
    }
    const { a, b, c } = toSolidityCalldata(0, 0n, proof, [0n, 0n, 0n, 0n]);
    return { entries, proof, publicSignals, calldata: { a, b, c }, timings };
  }

  async verify(publicSignals: readonly (string | bigint)[], proof: snarkjs.Groth16Proof): Promise<boolean> {
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }
}

/** One-shot: loads the `pools.length`-pool prover and proves the batch. A keeper keeps a BatchProver instead. */
export async function proveBatch(pools: readonly BatchPool[], context: bigint): Promise<BatchProveResult> {
  return (await BatchProver.load(pools.length)).proveBatch(pools, context);
}
