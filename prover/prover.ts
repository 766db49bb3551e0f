// Groth16 proofs that a pool's fee is what its committed model computes (model/SPEC.md §3-7).
//
//   const prover = await Prover.load();              // once: witness calculator + zkey in memory
//   const { fee, proof, publicSignals, calldata } = await prover.prove(model, features, terms, context);
//   await prover.verify(publicSignals, proof);       // off-chain check, same key as the contract
//
// The fee, the lane packing and the commitment all come from model/ (the one definition); this
// module only assembles the circuit's input from them and runs the witness calculator and snarkjs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { encodeAbiParameters, type Hex } from "viem";
import * as snarkjs from "snarkjs";
import {
  commitmentOf, evaluateFixed, featureWord, parseModel, SNARK_FIELD, termsWord,
  type FixedEvaluation, type Model, type ModelFile, type PoolTerms,
} from "../model/index.ts";
import { ARTIFACTS } from "./paths.ts";

/** circom's generated witness calculator (witness_calculator.js), as instantiated by its builder. */
interface WitnessCalculator {
  calculateWitness(input: CircuitInput, sanityCheck?: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: CircuitInput, sanityCheck?: boolean): Promise<Uint8Array>;
}
type WitnessCalculatorBuilder = (code: Uint8Array, options?: Record<string, unknown>) => Promise<WitnessCalculator>;

type Value = bigint | Value[];
/** The circuit's input signals by name (public and private). */
export type CircuitInput = Record<string, Value>;

/** Proof points in the argument order of Groth16Verifier.verifyProof (G2 coordinates swapped). */
export interface SolidityCalldata {
  a: [bigint, bigint];
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
  /** The 4 public signals: featureWord, termsWord, commitment, context. */
  input: [bigint, bigint, bigint, bigint];
  /** abi.encode(uint256 fee, uint256 forecast, uint256[2] a, uint256[2][2] b, uint256[2] c). */
  encoded: Hex;
}

export interface ProveResult {
  /** The fee in pips, as model/evaluateFixed computes it and the proof attests. */
  fee: number;
  /** The published forecast (SPEC §5), which the proof attests too. */
  forecast: bigint;
  proof: snarkjs.Groth16Proof;
  /** Decimal strings, SPEC §7 order. */
  publicSignals: string[];
  calldata: SolidityCalldata;
  evaluation: FixedEvaluation;
  /** Milliseconds spent computing the witness and the proof. */
  timings: { witnessMs: number; proofMs: number };
}

export interface ProveRequest {
  model: Model;
  features: readonly bigint[];
  terms: PoolTerms;
  context: bigint;
  evaluation: FixedEvaluation;
  input: CircuitInput;
  publicSignals: [bigint, bigint, bigint, bigint];
}

/** A loaded model, or the raw model-file JSON object (SPEC §8), which is validated first. */
export type ModelLike = Model | ModelFile;

async function asModel(model: ModelLike): Promise<Model> {
  if ("network" in model && "file" in model) return model;
  return parseModel(model, "model");
}

/**
 * The circuit input for one fee: model/ computes the fee and forecast (evaluateFixed), the two public
 * words (featureWord, termsWord) and the commitment (commitmentOf, with the POOL's period, as the
 * circuit does).
 */
export async function buildCircuitInput(modelLike: ModelLike, features: readonly bigint[], terms: PoolTerms, context: bigint): Promise<ProveRequest> {
  const model = await asModel(modelLike);
  if (typeof context !== "bigint" || context < 0n || context >= SNARK_FIELD) {
    throw new RangeError(`context ${context} is not a field element (expected keccak256(...) >> 6)`);
  }
  const { network: q } = model;
  const { policy, horizon } = model.file;
  const evaluation = evaluateFixed(q, policy, features, terms);
  const features0 = featureWord(features);
  const terms0 = termsWord(terms, evaluation.fee, evaluation.forecast);
  const commitment = await commitmentOf(q, policy, terms.period, horizon);
  if (commitment !== model.commitment) {
    throw new Error(`the pool's period ${terms.period} differs from the model's period ${model.file.period}: the commitment binds the period, so no proof can verify for this pool`);
  }
  const input: CircuitInput = {
    featureWord: features0, termsWord: terms0, commitment, context,
    features: [...features],
    poolFeeMin: BigInt(terms.poolFeeMin),
    poolFeeMax: BigInt(terms.poolFeeMax),
    period: BigInt(terms.period),
    fee: BigInt(evaluation.fee),
    forecast: evaluation.forecast,
    w: [...q.w],
    c0: q.c0,
    W: q.W.map((row) => [...row]),
    c: [...q.c],
    v: [...q.v],
    b: q.b,
    base: BigInt(policy.base),
    slope: BigInt(policy.slope),
    modelFeeMin: BigInt(policy.modelFeeMin),
    modelFeeMax: BigInt(policy.modelFeeMax),
    horizon: BigInt(horizon),
  };
  return { model, features, terms, context, evaluation, input, publicSignals: [features0, terms0, commitment, context] };
}

/** Solidity argument order: snarkjs's pi_b is [[x0, x1], [y0, y1]]; the precompile wants [[x1, x0], [y1, y0]]. */
export function toSolidityCalldata(fee: number, forecast: bigint, proof: snarkjs.Groth16Proof, publicSignals: readonly (string | bigint)[]): SolidityCalldata {
  const n = (v: string | bigint | undefined) => BigInt(v ?? NaN);
  const a: [bigint, bigint] = [n(proof.pi_a[0]), n(proof.pi_a[1])];
  const b: [[bigint, bigint], [bigint, bigint]] = [
    [n(proof.pi_b[0]?.[1]), n(proof.pi_b[0]?.[0])],
    [n(proof.pi_b[1]?.[1]), n(proof.pi_b[1]?.[0])],
  ];
  const c: [bigint, bigint] = [n(proof.pi_c[0]), n(proof.pi_c[1])];
  if (publicSignals.length !== 4) throw new Error(`expected 4 public signals, got ${publicSignals.length}`);
  const input = publicSignals.map(n) as [bigint, bigint, bigint, bigint];
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256[2]" }, { type: "uint256[2][2]" }, { type: "uint256[2]" }],
    [BigInt(fee), forecast, a, b, c],
  );
  return { a, b, c, input, encoded };
}

export class Prover {
  /** Serializes witness computations: the calculator is one wasm instance with shared memory. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly calculator: WitnessCalculator,
    private readonly zkey: Uint8Array,
    readonly verificationKey: snarkjs.VerificationKey,
  ) {}

  /** Loads the committed artifacts (prover/artifacts, or the given paths) once. */
  static async load(paths: { wasm?: string; witnessCalculator?: string; zkey?: string; verificationKey?: string } = {}): Promise<Prover> {
    const require = createRequire(import.meta.url);
    const files = { ...ARTIFACTS, ...paths };
    let builder: WitnessCalculatorBuilder;
    let wasm: Uint8Array, zkey: Uint8Array, vk: snarkjs.VerificationKey;
    try {
      builder = require(files.witnessCalculator) as WitnessCalculatorBuilder;
      wasm = readFileSync(files.wasm);
      zkey = readFileSync(files.zkey);
      vk = JSON.parse(readFileSync(files.verificationKey, "utf8")) as snarkjs.VerificationKey;
    } catch (e) {
      throw new Error(`cannot load the prover artifacts (run \`npx tsx prover/setup.ts\`): ${(e as Error).message}`);
    }
    const calculator = await builder(wasm);
    return new Prover(calculator, zkey, vk);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The full witness (wire values) for a circuit input; throws "Assert Failed" if it violates a constraint. */
  witness(input: CircuitInput): Promise<bigint[]> {
    return this.exclusive(() => this.calculator.calculateWitness(input, true));
  }

  /** The witness in snarkjs's .wtns format. */
  witnessBin(input: CircuitInput): Promise<Uint8Array> {
    return this.exclusive(async () => new Uint8Array(await this.calculator.calculateWTNSBin(input, true)));
  }

  /** A Groth16 proof from a .wtns witness (no constraint check: a bad witness gives a proof that does not verify). */
  async proveWitness(wtns: Uint8Array): Promise<{ proof: snarkjs.Groth16Proof; publicSignals: string[] }> {
    return snarkjs.groth16.prove({ type: "mem", data: this.zkey }, { type: "mem", data: wtns });
  }

  /** Proves the fee that `model` sets for these features and pool terms, bound to `context`. */
  async prove(model: ModelLike, features: readonly bigint[], terms: PoolTerms, context: bigint): Promise<ProveResult> {
    const request = await buildCircuitInput(model, features, terms, context);
    const t0 = performance.now();
    const wtns = await this.witnessBin(request.input);
    const t1 = performance.now();
    const { proof, publicSignals } = await this.proveWitness(wtns);
    const t2 = performance.now();
    const expected = request.publicSignals.map(String);
    if (publicSignals.length !== 4 || publicSignals.some((s, i) => s !== expected[i])) {
      throw new Error(`public signals ${publicSignals.join(",")} differ from model/'s ${expected.join(",")}`);
    }
    const { fee, forecast } = request.evaluation;
    return {
      fee,
      forecast,
      proof,
      publicSignals,
      calldata: toSolidityCalldata(fee, forecast, proof, publicSignals),
      evaluation: request.evaluation,
      timings: { witnessMs: t1 - t0, proofMs: t2 - t1 },
    };
  }

  /** Off-chain verification with the committed verification key. */
  async verify(publicSignals: readonly (string | bigint)[], proof: snarkjs.Groth16Proof): Promise<boolean> {
    return snarkjs.groth16.verify(this.verificationKey, publicSignals.map(String), proof);
  }

  /** Stops snarkjs's worker threads so the process can exit. */
  static async shutdown(): Promise<void> {
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) {
      await g.curve_bn128.terminate();
      delete g.curve_bn128;
    }
  }
}
