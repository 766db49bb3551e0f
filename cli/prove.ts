// `provenfee prove`: one proof, from explicit features or from a pool's on-chain features.
import { loadModel, checkFeatures, forecastVariance, N_FEATURES, MAX_LP_FEE } from "../model/index.ts";
import { Prover } from "../prover/prover.ts";
import { failure, integerOption, parseOptions, UsageError } from "./options.ts";

const USAGE = `usage: provenfee prove --model FILE --features F0,...,F${N_FEATURES - 1} --context N
                      [--pool-fee-min PIPS] [--pool-fee-max PIPS] [--period S] [--json]

Proves the fee that the model sets for ${N_FEATURES} raw features (SPEC §2 order), pool bounds and period,
bound to a context (the hook's contextOf(key, asOfPeriod)). Prints the fee, the public signals and
the proof; --json prints one JSON object with the Solidity calldata too.`;

/** The --features list: exactly N_FEATURES integers, each within the range model/ gives it. */
export function parseFeatures(text: string): bigint[] {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length !== N_FEATURES) throw new UsageError(`--features: got ${parts.length} value${parts.length === 1 ? "" : "s"}, expected ${N_FEATURES} (comma-separated, SPEC §2 order)`);
  const bad = parts.findIndex((p) => !/^\d+$/.test(p));
  if (bad >= 0) throw new UsageError(`--features: feature ${bad} is '${parts[bad]}', expected a non-negative integer`);
  const features = parts.map((p) => BigInt(p));
  try {
    checkFeatures(features);
  } catch (e) {
    throw new UsageError(`--features: ${(e as Error).message}`);
  }
  return features;
}

export async function proveCommand(argv: string[]): Promise<number> {
  let values;
  let features: bigint[];
  try {
    const parsed = parseOptions("prove", argv, {
      json: { type: "boolean" }, model: { type: "string" }, features: { type: "string" }, context: { type: "string" },
      "pool-fee-min": { type: "string", default: "0" }, "pool-fee-max": { type: "string", default: String(MAX_LP_FEE) }, period: { type: "string" },
    });
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    values = parsed.values;
    if (!values.model) throw new UsageError("--model: required");
    if (!values.features) throw new UsageError(`--features: required (${N_FEATURES} comma-separated integers)`);
    if (!values.context) throw new UsageError("--context: required (the hook's contextOf(key, asOfPeriod))");
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(values.context)) throw new UsageError(`--context: expected an integer (decimal or 0x hex), got '${values.context}'`);
    features = parseFeatures(values.features);
    const feeMin = integerOption("--pool-fee-min", values["pool-fee-min"], 0, MAX_LP_FEE);
    const feeMax = integerOption("--pool-fee-max", values["pool-fee-max"], 0, MAX_LP_FEE);
    if (feeMin > feeMax) throw new UsageError(`--pool-fee-min ${feeMin} is above --pool-fee-max ${feeMax}`);
    if (values.period !== undefined) integerOption("--period", values.period, 1, 2 ** 32 - 1);
  } catch (e) {
    return failure("prove", e);
  }
  // 2 = the command line is wrong; 1 = it was right but the model could not be loaded or proved.
  const fail = (msg: string, code = 1) => {
    console.error(`provenfee prove: ${msg}`);
    return code;
  };
  let model;
  try {
    model = await loadModel(values.model);
  } catch (e) {
    return fail((e as Error).message, 1);
  }
  const terms = { poolFeeMin: Number(values["pool-fee-min"]), poolFeeMax: Number(values["pool-fee-max"]), period: Number(values.period ?? model.file.period) };
  const prover = await Prover.load();
  try {
    const r = await prover.prove(model, features, terms, BigInt(values.context));
    if (values.json) {
      const { a, b, c, encoded } = r.calldata;
      console.log(JSON.stringify({ fee: r.fee, forecast: r.forecast, publicSignals: r.publicSignals, proof: r.proof, calldata: { a, b, c, encoded }, timings: r.timings }, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    } else {
      console.log(`fee            ${r.fee} pips (${(r.fee / 100).toFixed(2)} bps)`);
      const variance = forecastVariance(r.forecast);
      console.log(`forecast       ${r.forecast} (log2 variance at scale 2^32: ${variance.toFixed(1)} ticks^2 over ${model.file.horizon} periods, volatility ${Math.sqrt(variance).toFixed(1)} ticks)`);
      console.log(`public signals ${r.publicSignals.join("\n               ")}`);
      console.log(`calldata       ${r.calldata.encoded}`);
      console.log(`witness ${r.timings.witnessMs.toFixed(0)} ms, proof ${r.timings.proofMs.toFixed(0)} ms`);
    }
    return 0;
  } catch (e) {
    return fail((e as Error).message.split("\n")[0]!, 1);
  } finally {
    await Prover.shutdown();
  }
}
