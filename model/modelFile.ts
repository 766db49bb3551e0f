// The model file (SPEC §8): one JSON that training writes, the prover proves and the hook commits to.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { DEFAULT_HORIZON, DEFAULT_PERIOD, FRAC_BITS_INPUT, FRAC_BITS_WEIGHT, HALF_LIVES, HIDDEN, N_FEATURES, VARIANCE_FRAC_BITS } from "./constants.ts";
import { commitmentOf, checkPolicy } from "./commitment.ts";
import type { Policy, QuantizedNetwork } from "./fixedpoint.ts";
import type { FloatNetwork } from "./float.ts";
import { checkShape, quantizeNetwork, assertForecastInRange } from "./quantize.ts";
export { recommendedFallbackFee } from "./updateRule.ts";

export const MODEL_FORMAT = "provenfee-model/2";

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  architecture: { features: number; hidden: number; halfLives: number[]; varianceFracBits: number; fracBitsInput: number; fracBitsWeight: number };
  period: number;
  horizon: number;
  float: FloatNetwork;
  quantized: { w: number[]; c0: number; W: number[][]; c: number[]; v: number[]; b: number };
  policy: Policy;
  commitment: string;
  meta: Record<string, unknown>;
}

/** A model ready to evaluate and prove: the file plus its parsed fixed-point network. */
export interface Model {
  file: ModelFile;
  network: QuantizedNetwork;
  commitment: bigint;
}

export function architecture(): ModelFile["architecture"] {
  return {
    features: N_FEATURES, hidden: HIDDEN, halfLives: [...HALF_LIVES], varianceFracBits: VARIANCE_FRAC_BITS,
    fracBitsInput: FRAC_BITS_INPUT, fracBitsWeight: FRAC_BITS_WEIGHT,
  };
}

function toNumbers(q: QuantizedNetwork): ModelFile["quantized"] {
  return { w: q.w.map(Number), c0: Number(q.c0), W: q.W.map((r) => r.map(Number)), c: q.c.map(Number), v: q.v.map(Number), b: Number(q.b) };
}

export function toHex(v: bigint): string {
  return `0x${v.toString(16).padStart(64, "0")}`;
}

export async function createModel(options: {
  float: FloatNetwork;
  policy: Policy;
  period?: number;
  horizon?: number;
  meta?: Record<string, unknown>;
}): Promise<Model> {
  const period = options.period ?? DEFAULT_PERIOD;
  const horizon = options.horizon ?? DEFAULT_HORIZON;
  checkPolicy(options.policy);
  const network = quantizeNetwork(options.float);
  const commitment = await commitmentOf(network, options.policy, period, horizon);
  const file: ModelFile = {
    format: MODEL_FORMAT,
    architecture: architecture(),
    period,
    horizon,
    float: options.float,
    quantized: toNumbers(network),
    policy: options.policy,
    commitment: toHex(commitment),
    meta: options.meta ?? {},
  };
  return { file, network, commitment };
}

/** Rebuilds the derived fields (quantized weights, commitment) after a change, e.g. a tuned policy. */
export async function withPolicy(model: Model, policy: Policy): Promise<Model> {
  return createModel({ float: model.file.float, policy, period: model.file.period, horizon: model.file.horizon, meta: model.file.meta });
}

/** Validates a parsed model file; `source` names it in every error. */
export async function parseModel(json: unknown, source: string): Promise<Model> {
  const fail = (field: string, why: string): never => {
    throw new Error(`${source}: ${field}: ${why}`);
  };
  if (typeof json !== "object" || json === null) fail("(root)", "not a JSON object");
  const f = json as ModelFile;
  if (f.format !== MODEL_FORMAT) fail("format", `expected "${MODEL_FORMAT}", got ${JSON.stringify(f.format)}${f.format === "provenfee-model/1" ? " (revision 1 models ran on the windowed-feature oracle this build no longer has: retrain with provenfee train)" : ""}`);
  const arch = architecture();
  for (const key of Object.keys(arch) as (keyof typeof arch)[]) {
    if (JSON.stringify(f.architecture?.[key]) !== JSON.stringify(arch[key])) {
      fail(`architecture.${key}`, `this build proves ${JSON.stringify(arch[key])}, the file has ${JSON.stringify(f.architecture?.[key])}`);
    }
  }
  if (!Number.isInteger(f.period) || f.period <= 0) fail("period", `must be a positive integer, got ${f.period}`);
  if (!Number.isInteger(f.horizon) || f.horizon <= 0 || f.horizon >= 2 ** 16) fail("horizon", `must be an integer in [1, 65535], got ${f.horizon}`);
  if (!f.float || !f.quantized || !f.policy) fail("float/quantized/policy", "missing");
  try {
    checkShape(f.float);
  } catch (e) {
    fail("float", (e as Error).message);
  }
  try {
    checkPolicy(f.policy);
  } catch (e) {
    fail("policy", (e as Error).message);
  }
  let network: QuantizedNetwork;
  try {
    network = quantizeNetwork(f.float);
  } catch (e) {
    return fail("float", (e as Error).message);
  }
  const expected = toNumbers(network);
  for (const key of ["w", "c0", "W", "c", "v", "b"] as const) {
    if (JSON.stringify(f.quantized[key]) !== JSON.stringify(expected[key])) {
      fail(`quantized.${key}`, "does not equal the quantization of the float weights");
    }
  }
  assertForecastInRange(network);
  const fallback = (f.meta ?? {}).fallbackFee;
  if (fallback !== undefined && !(Number.isInteger(fallback) && (fallback as number) >= 0 && (fallback as number) <= 1_000_000)) {
    fail("meta.fallbackFee", `a recommended fallback fee is an integer number of pips in [0, 1000000], got ${JSON.stringify(fallback)}`);
  }
  const commitment = await commitmentOf(network, f.policy, f.period, f.horizon);
  if (typeof f.commitment !== "string" || BigInt(f.commitment) !== commitment) {
    fail("commitment", `file says ${f.commitment}, the weights and policy hash to ${toHex(commitment)}`);
  }
  return { file: f, network, commitment };
}

export async function loadModel(path: string): Promise<Model> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseModel(json, path);
}

/** Pretty JSON with number arrays kept on one line, so a model file diffs and reads well. */
export function formatModelJson(file: ModelFile): string {
  const text = JSON.stringify(file, null, 2).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_m, body: string) => `[${body.split(/,\s*/).join(", ")}]`);
  return `${text}\n`;
}

/** Writes through a temporary file so a crash never leaves a half-written model. */
export function saveModel(model: Model, path: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, formatModelJson(model.file));
  renameSync(tmp, path);
}
