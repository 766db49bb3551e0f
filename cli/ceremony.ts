// `provenfee ceremony <init|contribute|verify|finalize>`: the multi-party trusted setup. The ceremony itself
// lives in prover/ceremony.ts; this file only parses each step's options and prints its result.
import { relative } from "node:path";
import { compileCircuit } from "../prover/compile.ts";
import { failure, integerOption, parseOptions, UsageError, closest, type Spec } from "./options.ts";
import { CeremonyError, ceremonyContribute, ceremonyFinalize, ceremonyInit, ceremonyVerify, terminateCurves, type PtauCheck, type VerifyReport } from "../prover/ceremony.ts";

const USAGE = `usage: provenfee ceremony <step> [options]

The circuit's trusted setup with as many parties as you like; one honest party makes it safe
(prover/README.md). Each step is its own process; files go from party to party by hand.

steps:
  init        --ptau FILE --out ZKEY --transcript FILE [--r1cs FILE] [--allow-unknown-ptau]
              phase 1 (a published powers-of-tau file, checked by hash) + circuit -> initial key
  contribute  --in ZKEY --out ZKEY --name NAME [--entropy TEXT] [--transcript FILE]
              add one party's randomness; prints the contribution hash to publish
  verify      --ptau FILE --zkey ZKEY [--transcript FILE] [--r1cs FILE] [--allow-unknown-ptau]
              check the whole chain against the circuit and the ptau; lists every contribution
  finalize    --ptau FILE --in ZKEY --beacon HEX --out-dir DIR [--iterations-exp N] [--name NAME]
              [--transcript FILE] [--r1cs FILE] [--allow-unknown-ptau]
              a public random beacon (e.g. the hash of a block mined after the last contribution),
              then verify, then write provenfee_final.zkey, verification_key.json, Groth16Verifier.sol

--r1cs defaults to compiling prover/circuits/provenfee.circom (into prover/build/).
--allow-unknown-ptau accepts a powers-of-tau file that is not a published one: tests only.`;

type Values = Record<string, string | boolean | undefined>;
type Step = { options: Spec; required: string[]; run: (v: Values) => Promise<number> };

const ptauOptions = { ptau: { type: "string" }, r1cs: { type: "string" }, "allow-unknown-ptau": { type: "boolean" } } as const;

const rel = (p: string) => relative(process.cwd(), p) || p;

function r1csOf(v: Values): string {
  if (typeof v.r1cs === "string") return v.r1cs;
  const circuit = compileCircuit();
  console.log(`compiled prover/circuits/provenfee.circom -> ${rel(circuit.r1cs)}`);
  return circuit.r1cs;
}

function describePtau(p: PtauCheck): string {
  return p.published
    ? `${p.path}: ${p.published.file} (published, 2^${p.published.power} powers)`
    : `${p.path}: NOT a published file (accepted by --allow-unknown-ptau; whoever made it can forge proofs), blake2b ${p.blake2b}`;
}

function printReport(r: VerifyReport): void {
  console.log(describePtau(r.ptau));
  console.log("contributions:");
  for (const c of r.contributions) {
    const beacon = c.beacon ? ` (beacon ${c.beacon.hash}, 2^${c.beacon.iterationsExp} iterations)` : "";
    console.log(`  #${c.index} ${c.name}: ${c.hash}${beacon}`);
  }
}

const steps: Record<string, Step> = {
  init: {
    options: { ...ptauOptions, out: { type: "string" }, transcript: { type: "string" } },
    required: ["ptau", "out", "transcript"],
    async run(v) {
      const { ptau, transcript } = await ceremonyInit({
        r1cs: r1csOf(v), ptau: v.ptau as string, zkey: v.out as string, transcript: v.transcript as string, allowUnknownPtau: v["allow-unknown-ptau"] === true,
      });
      console.log(describePtau(ptau));
      console.log(`circuit ${transcript.circuit.r1cs}: ${transcript.circuit.constraints} constraints`);
      console.log(`wrote ${v.out} (initial key, no contribution yet) and ${v.transcript}`);
      return 0;
    },
  },
  contribute: {
    options: { in: { type: "string" }, out: { type: "string" }, name: { type: "string" }, entropy: { type: "string" }, transcript: { type: "string" } },
    required: ["in", "out", "name"],
    async run(v) {
      const { hash } = await ceremonyContribute({ input: v.in as string, output: v.out as string, name: v.name as string, entropy: v.entropy as string | undefined, transcript: v.transcript as string | undefined });
      console.log(`contribution hash: ${hash}`);
      console.log(`wrote ${v.out}. Publish the hash; 'provenfee ceremony verify' lists it once your key is in the chain. Your randomness is gone with this process.`);
      return 0;
    },
  },
  verify: {
    options: { ...ptauOptions, zkey: { type: "string" }, transcript: { type: "string" } },
    required: ["ptau", "zkey"],
    async run(v) {
      const report = await ceremonyVerify({ r1cs: r1csOf(v), ptau: v.ptau as string, zkey: v.zkey as string, transcript: v.transcript as string | undefined, allowUnknownPtau: v["allow-unknown-ptau"] === true });
      if (!report.ok) throw new CeremonyError(`${v.zkey}: refused: ${report.reason}`);
      printReport(report);
      console.log(`OK: ${v.zkey} is this circuit's key, made from this ptau by exactly these contributions`);
      return 0;
    },
  },
  finalize: {
    options: { ...ptauOptions, in: { type: "string" }, beacon: { type: "string" }, "iterations-exp": { type: "string", default: "10" }, name: { type: "string" }, "out-dir": { type: "string" }, transcript: { type: "string" } },
    required: ["ptau", "in", "beacon", "out-dir"],
    async run(v) {
      const iterationsExp = Number(v["iterations-exp"]);
      const { beaconHash, report, files } = await ceremonyFinalize({
        r1cs: r1csOf(v), ptau: v.ptau as string, input: v.in as string, beacon: v.beacon as string, iterationsExp, name: v.name as string | undefined,
        outDir: v["out-dir"] as string, transcript: v.transcript as string | undefined, allowUnknownPtau: v["allow-unknown-ptau"] === true,
      });
      printReport(report);
      console.log(`beacon contribution hash: ${beaconHash}`);
      console.log(`wrote ${files.zkey}, ${files.verificationKey}, ${files.solidityVerifier}`);
      return 0;
    },
  },
};

export async function ceremonyCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const step = steps[name];
  const job = step ? `ceremony ${name}` : "ceremony";
  let v: Values;
  try {
    if (!step) {
      const near = closest(name, Object.keys(steps));
      throw new UsageError(`unknown step '${name}' (${near ? `did you mean ${near}? ` : ""}steps: init, contribute, verify, finalize)`);
    }
    const parsed = parseOptions(job, rest, step.options);
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    v = parsed.values as Values;
    const missing = step.required.find((o) => typeof v[o] !== "string");
    if (missing) throw new UsageError(`--${missing}: required`);
    if (typeof v["iterations-exp"] === "string") integerOption("--iterations-exp", v["iterations-exp"], 10, 63);
  } catch (e) {
    return failure(job, e);
  }
  try {
    return await step.run(v);
  } catch (e) {
    return failure(job, e instanceof CeremonyError ? e : new Error((e as Error).message.split("\n")[0]!));
  } finally {
    await terminateCurves();
  }
}
