// `provenfee prove`: one proof, from explicit features or from a pool's on-chain features.
import { parseArgs } from "node:util";
import { loadModel, FEATURE_MAX } from "../model/index.ts";
import { Prover } from "../prover/prover.ts";

const USAGE = `usage: provenfee prove --model FILE --features F0,...,F11 --context N
                      [--pool-fee-min PIPS] [--pool-fee-max PIPS] [--period S] [--json]

Proves the fee that the model sets for 12 raw features (SPEC §2 order), pool bounds and period,
bound to a context (the hook's contextOf(key, asOfPeriod)). Prints the fee, the public signals and
the proof; --json prints one JSON object with the Solidity calldata too.`;

export async function proveCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        help: { type: "boolean", short: "h" }, json: { type: "boolean" }, model: { type: "string" }, features: { type: "string" },
        context: { type: "string" }, "pool-fee-min": { type: "string", default: "0" }, "pool-fee-max": { type: "string", default: "1000000" }, period: { type: "string" },
      },
    }));
  } catch (e) {
    console.error(`provenfee prove: ${(e as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // 2 = the command line is wrong; 1 = it was right but the model could not be loaded or proved.
  const fail = (msg: string, code = 2) => {
    console.error(`provenfee prove: ${msg}`);
    return code;
  };
  if (!values.model) return fail("--model: required");
  if (!values.features) return fail("--features: required (12 comma-separated integers)");
  if (!values.context || !/^(0x[0-9a-fA-F]+|\d+)$/.test(values.context)) return fail("--context: required, an integer");
  const parts = values.features.split(",");
  if (parts.length !== 12 || parts.some((p) => !/^\d+$/.test(p.trim()))) return fail("--features: expected 12 comma-separated non-negative integers");
  const features = parts.map((p) => BigInt(p.trim()));
  const bad = features.findIndex((f, i) => f > (i < 8 ? FEATURE_MAX : 240n));
  if (bad >= 0) return fail(`--features: feature ${bad} = ${features[bad]} is out of range`);
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
      console.log(JSON.stringify({ fee: r.fee, publicSignals: r.publicSignals, proof: r.proof, calldata: { a, b, c, encoded }, timings: r.timings }, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    } else {
      console.log(`fee            ${r.fee} pips (${(r.fee / 100).toFixed(2)} bps)`);
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
