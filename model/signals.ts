// The four public signals of SPEC §7. The hook builds the same words from its own state (all but
// the fee and forecast, which the proof forces to be the model's outputs), so a proof can only
// verify for the features, terms and context the chain itself sees.
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { FEATURE_BITS, FORECAST_BITS, MAX_LP_FEE, N_FEATURES } from "./constants.ts";
import { checkFeatures, type PoolTerms } from "./fixedpoint.ts";
import { unsignedLane } from "./commitment.ts";

export function checkTerms(terms: PoolTerms): void {
  for (const name of ["poolFeeMin", "poolFeeMax"] as const) {
    const v = terms[name];
    if (!Number.isInteger(v) || v < 0 || v > MAX_LP_FEE) throw new RangeError(`${name} = ${v} is outside [0, ${MAX_LP_FEE}]`);
  }
  if (terms.poolFeeMin > terms.poolFeeMax) throw new RangeError(`poolFeeMin ${terms.poolFeeMin} exceeds poolFeeMax ${terms.poolFeeMax}`);
  unsignedLane(BigInt(terms.period), 32, "period");
  if (terms.period === 0) throw new RangeError("period must be positive");
}

/** F_0 | F_1 << 38 | ... | F_4 << 152. */
export function featureWord(features: readonly bigint[]): bigint {
  checkFeatures(features);
  return features.reduce((word, f, k) => word | (f << BigInt(FEATURE_BITS * k)), 0n);
}

/** poolFeeMin | poolFeeMax << 24 | period << 48 | fee << 80 | forecast << 104. */
export function termsWord(terms: PoolTerms, fee: number, forecast: bigint): bigint {
  checkTerms(terms);
  return (
    BigInt(terms.poolFeeMin) |
    (BigInt(terms.poolFeeMax) << 24n) |
    (BigInt(terms.period) << 48n) |
    (unsignedLane(BigInt(fee), 24, "fee") << 80n) |
    (unsignedLane(forecast, FORECAST_BITS, "forecast") << 104n)
  );
}

const lane = (w: bigint, at: number, bits: number) => (w >> BigInt(at)) & ((1n << BigInt(bits)) - 1n);

export function unpackFeatureWord(word: bigint): bigint[] {
  return Array.from({ length: N_FEATURES }, (_, k) => lane(word, FEATURE_BITS * k, FEATURE_BITS));
}

export function unpackTermsWord(word: bigint): { terms: PoolTerms; fee: number; forecast: bigint } {
  return {
    terms: { poolFeeMin: Number(lane(word, 0, 24)), poolFeeMax: Number(lane(word, 24, 24)), period: Number(lane(word, 48, 32)) },
    fee: Number(lane(word, 80, 24)),
    forecast: lane(word, 104, FORECAST_BITS),
  };
}

/** Binds a proof to one chain, hook, pool and as-of period, so it cannot be replayed elsewhere. */
export function contextOf(chainId: bigint | number, hook: Address, poolId: Hex, asOfPeriod: bigint | number): bigint {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "uint256" }],
    [BigInt(chainId), hook, poolId, BigInt(asOfPeriod)],
  );
  return BigInt(keccak256(encoded)) >> 6n;
}

export function publicSignals(features: readonly bigint[], terms: PoolTerms, fee: number, forecast: bigint, commitment: bigint, context: bigint): bigint[] {
  return [featureWord(features), termsWord(terms, fee, forecast), commitment, context];
}

// ---- batches (SPEC §7b): N pools in one proof, lanes packed tighter ---------------------------

/** The batch sizes the batch circuits (prover/circuits/batch/) and ProvenFeeHook.updateFees take. */
export const BATCH_SIZES = [2, 4, 8] as const;
export type BatchSize = (typeof BATCH_SIZES)[number];

/** featureWord | fee << 190 | forecast << 214: a pool's features, fee and forecast in one 252-bit word. */
export function batchPoolWord(features: readonly bigint[], fee: number, forecast: bigint): bigint {
  return featureWord(features) | (unsignedLane(BigInt(fee), 24, "fee") << 190n) | (unsignedLane(forecast, FORECAST_BITS, "forecast") << 214n);
}

/** Pools 3j, 3j+1, 3j+2, each poolFeeMin | poolFeeMax << 24 | period << 48, at bit 80 * (i % 3). */
export function batchTermsWords(terms: readonly PoolTerms[]): bigint[] {
  const words = Array.from({ length: Math.ceil(terms.length / 3) }, () => 0n);
  terms.forEach((t, i) => {
    checkTerms(t);
    const lanes = BigInt(t.poolFeeMin) | (BigInt(t.poolFeeMax) << 24n) | (BigInt(t.period) << 48n);
    words[Math.floor(i / 3)]! |= lanes << BigInt(80 * (i % 3));
  });
  return words;
}

/**
 * Binds a batch proof to one chain and hook, and each position to one pool and as-of period:
 * keccak256(abi.encode(chainId, hook, id_0, asOf_0, id_1, asOf_1, ...)) >> 6 (ProvenFeeHook.batchContextOf).
 */
export function batchContextOf(chainId: bigint | number, hook: Address, positions: readonly { poolId: Hex; asOfPeriod: bigint | number }[]): bigint {
  const types = [{ type: "uint256" }, { type: "address" }, ...positions.flatMap(() => [{ type: "bytes32" }, { type: "uint256" }])];
  const values = [BigInt(chainId), hook, ...positions.flatMap((p) => [p.poolId, BigInt(p.asOfPeriod)])];
  return BigInt(keccak256(encodeAbiParameters(types, values))) >> 6n;
}

/** The batch circuit's public signals: poolWord[N], commitment[N], termsWord[ceil(N/3)], context. */
export function batchPublicSignals(
  pools: readonly { features: readonly bigint[]; terms: PoolTerms; fee: number; forecast: bigint; commitment: bigint }[],
  context: bigint,
): bigint[] {
  return [
    ...pools.map((p) => batchPoolWord(p.features, p.fee, p.forecast)),
    ...pools.map((p) => p.commitment),
    ...batchTermsWords(pools.map((p) => p.terms)),
    context,
  ];
}
