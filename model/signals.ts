// The four public signals of SPEC §7. The hook builds the same words from its own state, so a
// proof can only verify for the features, terms and context the chain itself sees.
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { MAX_LP_FEE } from "./constants.ts";
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

export function packFeatureWords(features: readonly bigint[], terms: PoolTerms, fee: number): [bigint, bigint] {
  checkFeatures(features);
  checkTerms(terms);
  const f = features as bigint[];
  let word0 = 0n;
  for (let i = 0; i < 7; i++) word0 |= f[i]! << BigInt(32 * i);
  const word1 =
    f[7]! |
    (f[8]! << 32n) | (f[9]! << 40n) | (f[10]! << 48n) | (f[11]! << 56n) |
    (BigInt(terms.poolFeeMin) << 64n) |
    (BigInt(terms.poolFeeMax) << 88n) |
    (BigInt(terms.period) << 112n) |
    (unsignedLane(BigInt(fee), 24, "fee") << 144n);
  return [word0, word1];
}

export function unpackFeatureWords(word0: bigint, word1: bigint): { features: bigint[]; terms: PoolTerms; fee: number } {
  const lane = (w: bigint, at: number, bits: number) => (w >> BigInt(at)) & ((1n << BigInt(bits)) - 1n);
  const features = [0, 1, 2, 3, 4, 5, 6].map((i) => lane(word0, 32 * i, 32));
  features.push(lane(word1, 0, 32), lane(word1, 32, 8), lane(word1, 40, 8), lane(word1, 48, 8), lane(word1, 56, 8));
  return {
    features,
    terms: { poolFeeMin: Number(lane(word1, 64, 24)), poolFeeMax: Number(lane(word1, 88, 24)), period: Number(lane(word1, 112, 32)) },
    fee: Number(lane(word1, 144, 24)),
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

export function publicSignals(features: readonly bigint[], terms: PoolTerms, fee: number, commitment: bigint, context: bigint): bigint[] {
  return [...packFeatureWords(features, terms, fee), commitment, context];
}
