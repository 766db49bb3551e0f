// The Poseidon commitment of SPEC §6: what a pool stores, and what the circuit recomputes from the
// private weights. Lane packing first keeps the hash to one Poseidon(4) call.
import { buildPoseidon } from "circomlibjs";
import { LEVEL_CONSTANT_BITS, LEVEL_WEIGHT_BITS, MAX_LP_FEE, PARAM_BITS, POLICY_BITS } from "./constants.ts";
import type { Policy, QuantizedNetwork } from "./fixedpoint.ts";

const LANES_PER_WORD = 15;

/** The 29 signed correction parameters in commitment order: W row by row, c, v, b. */
export function correctionParameters(q: QuantizedNetwork): bigint[] {
  return [...q.W.flat(), ...q.c, ...q.v, q.b];
}

export function signedLane(value: bigint, bits: number, field: string): bigint {
  const half = 1n << BigInt(bits - 1);
  if (value < -half || value >= half) throw new RangeError(`${field} = ${value} does not fit a signed ${bits}-bit lane`);
  return value + half;
}

export function unsignedLane(value: bigint, bits: number, field: string): bigint {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new RangeError(`${field} = ${value} does not fit an unsigned ${bits}-bit lane`);
  return value;
}

export function correctionWords(q: QuantizedNetwork): bigint[] {
  const params = correctionParameters(q);
  const words: bigint[] = [];
  for (let start = 0; start < params.length; start += LANES_PER_WORD) {
    let word = 0n;
    params.slice(start, start + LANES_PER_WORD).forEach((p, i) => {
      word |= signedLane(p, PARAM_BITS, `correction parameter ${start + i}`) << BigInt(PARAM_BITS * i);
    });
    words.push(word);
  }
  return words;
}

/** c0 (32-bit) | w_0 << 32 | w_1 << 56 | ... | w_4 << 128 (24-bit lanes). */
export function levelWord(q: QuantizedNetwork): bigint {
  let word = unsignedLane(q.c0, LEVEL_CONSTANT_BITS, "c0");
  q.w.forEach((w, k) => {
    word |= unsignedLane(w, LEVEL_WEIGHT_BITS, `w[${k}]`) << BigInt(LEVEL_CONSTANT_BITS + LEVEL_WEIGHT_BITS * k);
  });
  return word;
}

export function checkPolicy(policy: Policy): void {
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isInteger(value)) throw new RangeError(`policy.${name} must be an integer, got ${value}`);
  }
  signedLane(BigInt(policy.base), POLICY_BITS, "policy.base");
  unsignedLane(BigInt(policy.slope), POLICY_BITS, "policy.slope");
  for (const name of ["modelFeeMin", "modelFeeMax"] as const) {
    if (policy[name] < 0 || policy[name] > MAX_LP_FEE) throw new RangeError(`policy.${name} = ${policy[name]} is outside [0, ${MAX_LP_FEE}]`);
  }
  if (policy.modelFeeMin > policy.modelFeeMax) throw new RangeError(`policy.modelFeeMin ${policy.modelFeeMin} exceeds policy.modelFeeMax ${policy.modelFeeMax}`);
}

export function policyWord(policy: Policy, period: number, horizon: number): bigint {
  checkPolicy(policy);
  return (
    signedLane(BigInt(policy.base), POLICY_BITS, "policy.base") |
    (BigInt(policy.slope) << 24n) |
    (BigInt(policy.modelFeeMin) << 48n) |
    (BigInt(policy.modelFeeMax) << 72n) |
    (unsignedLane(BigInt(period), 32, "period") << 96n) |
    (unsignedLane(BigInt(horizon), 16, "horizon") << 128n)
  );
}

let poseidonPromise: ReturnType<typeof buildPoseidon> | undefined;

export async function poseidonHash(inputs: readonly bigint[]): Promise<bigint> {
  poseidonPromise ??= buildPoseidon();
  const poseidon = await poseidonPromise;
  return poseidon.F.toObject(poseidon(inputs as bigint[]));
}

export async function commitmentOf(q: QuantizedNetwork, policy: Policy, period: number, horizon: number): Promise<bigint> {
  return poseidonHash([...correctionWords(q), levelWord(q), policyWord(policy, period, horizon)]);
}
