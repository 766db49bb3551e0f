import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import * as snarkjs from "snarkjs";
import { createPublicClient, createWalletClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import {
  createModel, fastLog2Fixed, forecastFixed, forecastLane, sigmaFromForecast, feeFromSigma, loadModel, FEATURE_MAX, N_FEATURES, SNARK_FIELD,
  type Model, type PoolTerms, type Policy,
} from "../model/index.ts";
import { Prover, buildCircuitInput, toSolidityCalldata, type CircuitInput } from "../prover/prover.ts";
import { compileCircuit, type CompiledCircuit } from "../prover/compile.ts";
import { ARTIFACTS, SOLIDITY_VERIFIER, REPO_ROOT } from "../prover/paths.ts";
import { solidityVerifierSource, sha256File } from "../prover/ceremony.ts";
import { startAnvil, type Anvil } from "../chain/anvil.ts";

// ---------------------------------------------------------------------------------------------
// Random inputs across the whole domain
// ---------------------------------------------------------------------------------------------

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
type Rng = ReturnType<typeof rng>;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
const pick = <T,>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function randomFeatures(r: Rng): bigint[] {
  return Array.from({ length: N_FEATURES }, () => {
    const kind = r();
    if (kind < 0.12) return 0n;
    if (kind < 0.2) return FEATURE_MAX;
    if (kind < 0.25) return BigInt(int(r, 1, 3));
    const v = BigInt(Math.floor(2 ** (r() * 38)));
    return v > FEATURE_MAX ? FEATURE_MAX : v;
  });
}

/** A signed integer below 2^bits in magnitude, log-uniform, sometimes 0 or an extreme. */
function randomParam(r: Rng, bits: number): number {
  const u = r();
  if (u < 0.1) return 0;
  if (u < 0.13) return r() < 0.5 ? -(2 ** 15) : 2 ** 15 - 1;
  const mag = Math.floor(2 ** (r() * bits));
  return Math.min(r() < 0.5 ? -mag : mag, 2 ** 15 - 1);
}

function randomPolicy(r: Rng): Policy {
  const bounds = [int(r, 0, 1_000_000), int(r, 0, 1_000_000)].sort((x, y) => x - y) as [number, number];
  if (r() < 0.1) bounds[0] = 0;
  if (r() < 0.1) bounds[1] = 1_000_000;
  const base = r() < 0.3 ? 0 : r() < 0.1 ? pick(r, [-(2 ** 23), 2 ** 23 - 1]) : Math.round((r() - 0.5) * 2 ** int(r, 1, 24));
  const slope = r() < 0.1 ? pick(r, [0, 2 ** 24 - 1]) : Math.floor(2 ** (r() * 24));
  return { base, slope, modelFeeMin: bounds[0], modelFeeMax: bounds[1] };
}

/** An unsigned lane value below 2^bits, log-uniform, sometimes 0 or the maximum. */
function randomUnsigned(r: Rng, bits: number): number {
  const u = r();
  if (u < 0.15) return 0;
  if (u < 0.18) return 2 ** bits - 1;
  return Math.floor(2 ** (r() * bits));
}

/** A random model that model/ accepts (lanes in range, forecast inside the 45-bit range). */
async function randomModel(r: Rng): Promise<Model> {
  const period = pick(r, [60, 1, 12, 3600, 2 ** 32 - 1, int(r, 1, 2 ** 31)]);
  const horizon = pick(r, [30, 1, 65535, int(r, 1, 65535)]);
  const policy = randomPolicy(r);
  const levelsOnly = r() < 0.25;
  for (let scale = 15; ; scale -= 1) {
    const S = 2 ** 12, F = 2 ** 8;
    const q = {
      w: Array.from({ length: N_FEATURES }, () => randomUnsigned(r, 24)),
      c0: randomUnsigned(r, 32),
      W: [0, 1, 2, 3].map(() => Array.from({ length: N_FEATURES }, () => (levelsOnly ? 0 : randomParam(r, scale)))),
      c: [0, 1, 2, 3].map(() => (levelsOnly ? 0 : randomParam(r, 15))),
      v: [0, 1, 2, 3].map(() => (levelsOnly ? 0 : randomParam(r, Math.min(scale, 13)))),
      b: randomParam(r, 15),
    };
    const float = { w: q.w.map((w) => w / S), c0: q.c0 / S, W: q.W.map((row) => row.map((w) => w / S)), c: q.c.map((c) => c / F), v: q.v.map((v) => v / S), b: q.b / F };
    try {
      return await createModel({ float, policy, period, horizon, meta: { kind: "random test model" } });
    } catch (e) {
      if (!/45-bit range/.test((e as Error).message) || scale < 2) throw e;
    }
  }
}

function randomTerms(r: Rng, model: Model): PoolTerms {
  const bounds = [int(r, 0, 1_000_000), int(r, 0, 1_000_000)].sort((x, y) => x - y) as [number, number];
  if (r() < 0.15) bounds[0] = 0;
  if (r() < 0.15) bounds[1] = 1_000_000;
  if (r() < 0.05) bounds[1] = bounds[0];
  return { poolFeeMin: bounds[0], poolFeeMax: bounds[1], period: model.file.period };
}

const randomContext = (r: Rng) => BigInt(`0x${Array.from({ length: 63 }, () => "0123456789abcdef"[int(r, 0, 15)]).join("")}`) >> 2n;

// ---------------------------------------------------------------------------------------------
// Witness helpers
// ---------------------------------------------------------------------------------------------

/** Wire index of each named signal that survived --O2 (from the .sym file of the fresh compile). */
function wireMap(symPath: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of readFileSync(symPath, "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    if (name && Number(wire) >= 0) map.set(name, Number(wire));
  }
  return map;
}

const toField = (v: bigint) => ((v % SNARK_FIELD) + SNARK_FIELD) % SNARK_FIELD;
const fromField = (v: bigint) => (v > SNARK_FIELD / 2n ? v - SNARK_FIELD : v);

/** Overwrites witness value `index` in a .wtns buffer (section 2 holds n8-byte little-endian values). */
function setWtnsValue(wtns: Uint8Array, index: number, value: bigint): Uint8Array {
  const out = new Uint8Array(wtns);
  const view = new DataView(out.buffer);
  const n8 = view.getUint32(24, true); // after "wtns", version, nSections, section-1 type and size
  const valuesAt = 12 + 12 + 4 + n8 + 4 + 12;
  let v = toField(value);
  for (let i = 0; i < n8; i++) {
    out[valuesAt + index * n8 + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const silent: snarkjs.Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Replaces the fee lane of termsWord (bits 80..103). */
const withFeeLane = (word: bigint, fee: bigint) => (word & ~((2n ** 24n - 1n) << 80n)) | (fee << 80n);
/** Replaces the forecast lane of termsWord (bits 104..141). */
const withForecastLane = (word: bigint, forecast: bigint) => (word & ~((2n ** 38n - 1n) << 104n)) | (forecast << 104n);

// ---------------------------------------------------------------------------------------------

let prover: Prover;
let compiled: CompiledCircuit;
let wires: Map<string, number>;
let defaultModel: Model;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "provenfee-prover-test-"));
  compiled = compileCircuit(scratch);
  wires = wireMap(compiled.sym);
  prover = await Prover.load();
  defaultModel = await loadModel(join(REPO_ROOT, "model", "default-model.json"));
});

afterAll(async () => {
  await Prover.shutdown();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const wire = (w: bigint[], name: string) => {
  const i = wires.get(name);
  if (i === undefined) throw new Error(`no wire ${name}`);
  return fromField(w[i]!);
};

describe("circuit", () => {
  it("compiles with --inspect reporting nothing, inside a 2^12 powers of tau", () => {
    expect(compiled.log).not.toMatch(/warning/i);
    expect(compiled.linearConstraints).toBe(0);
    expect(compiled.nonLinearConstraints).toBeGreaterThan(1000);
    expect(compiled.nonLinearConstraints + 5).toBeLessThanOrEqual(4096);
    const manifest = JSON.parse(readFileSync(ARTIFACTS.manifest, "utf8"));
    expect(manifest.constraints).toBe(compiled.nonLinearConstraints);
  });

  it("computes model/'s inputs, forecast, saturated raw fee and fee exactly on 400 random cases", async () => {
    const r = rng(20261125);
    const seen = { yNeg: 0, yOver: 0, yIn: 0, rawNeg: 0, rawBig: 0, atLo: 0, atHi: 0, inside: 0, relu: 0, levelsOnly: 0 };
    let model = defaultModel;
    for (let n = 0; n < 400; n++) {
      if (n % 4 === 0) model = n === 0 ? defaultModel : await randomModel(r);
      const features = randomFeatures(r);
      const terms = randomTerms(r, model);
      const req = await buildCircuitInput(model, features, terms, randomContext(r));
      const w = await prover.witness(req.input); // asserts every constraint, fee === computed fee included
      const ev = req.evaluation;
      for (let i = 0; i < N_FEATURES; i++) expect(wire(w, `main.X[${i}]`)).toBe(ev.inputs[i]);
      // the level sum S (eliminated as a wire by --O2): c0 2^18 + the products w_k F_k
      let levelSum = wire(w, "main.c0") << 18n;
      for (let k = 0; k < N_FEATURES; k++) levelSum += wire(w, `main.wf[${k}]`);
      expect(levelSum).toBe(ev.levelSum);
      expect(wire(w, "main.Y")).toBe(ev.Y);
      for (let j = 0; j < 4; j++) expect(wire(w, `main.correction.sign[${j}].out`)).toBe(ev.preActivations[j]! >= 0n ? 1n : 0n);
      const saturated = ev.rawFee < 0n ? 0n : ev.rawFee > 2n ** 24n - 1n ? 2n ** 24n - 1n : ev.rawFee;
      expect(wire(w, "main.policy.raw")).toBe(saturated);
      expect((wire(w, "main.termsWord") >> 104n) & (2n ** 38n - 1n)).toBe(ev.forecast);

      const lo = Math.max(model.file.policy.modelFeeMin, terms.poolFeeMin);
      const hi = Math.min(model.file.policy.modelFeeMax, terms.poolFeeMax);
      if (ev.Y < 0n) seen.yNeg++; else if (ev.Y >= 24n * 2n ** 33n) seen.yOver++; else seen.yIn++;
      if (ev.rawFee < 0n) seen.rawNeg++;
      if (ev.rawFee >= 2n ** 24n) seen.rawBig++;
      if (ev.fee === hi) seen.atHi++; else if (ev.fee === lo) seen.atLo++; else seen.inside++;
      if (ev.preActivations.some((z) => z > 0n) && model.network.v.some((v) => v !== 0n)) seen.relu++;
      if (model.network.W.flat().every((x) => x === 0n)) seen.levelsOnly++;

      // Exactly one fee and one forecast work: their neighbours have no witness.
      if (n % 10 === 0) {
        for (const wrong of [ev.fee - 1, ev.fee + 1]) {
          if (wrong < 0) continue;
          const bad: CircuitInput = { ...req.input, fee: BigInt(wrong), termsWord: withFeeLane(req.publicSignals[1], BigInt(wrong)) };
          await expect(prover.witness(bad)).rejects.toThrow(/Assert Failed/);
        }
        for (const wrong of [ev.forecast - 1n, ev.forecast + 1n]) {
          if (wrong < 0n) continue;
          const bad: CircuitInput = { ...req.input, forecast: wrong, termsWord: withForecastLane(req.publicSignals[1], wrong) };
          await expect(prover.witness(bad)).rejects.toThrow(/Assert Failed/);
        }
      }
    }
    // Every regime of SPEC §5 was exercised.
    for (const [k, count] of Object.entries(seen)) expect(count, k).toBeGreaterThan(5);
  });

  it("follows SPEC §3-4 on extreme lanes: all zero, all saturated, powers of two and their neighbours", async () => {
    const r = rng(7);
    const model = await randomModel(r);
    const specials = [0n, 1n, 2n, 3n, FEATURE_MAX, FEATURE_MAX - 1n, 1n << 37n, (1n << 37n) - 1n, (1n << 37n) + 1n];
    for (let n = 0; n < 40; n++) {
      const features = Array.from({ length: N_FEATURES }, (_, k) => (n === 0 ? 0n : n === 1 ? FEATURE_MAX : specials[(n * 3 + k * 5) % specials.length]!));
      const terms = randomTerms(r, model);
      const inputs = features.map((f) => fastLog2Fixed(f));
      const { Y } = forecastFixed(model.network, features, inputs);
      const req = await buildCircuitInput(model, features, terms, 1n);
      const w = await prover.witness(req.input);
      for (let i = 0; i < N_FEATURES; i++) expect(wire(w, `main.X[${i}]`)).toBe(inputs[i]);
      expect(wire(w, "main.Y")).toBe(Y);
      expect(req.evaluation.forecast).toBe(forecastLane(Y));
      expect(req.evaluation.fee).toBe(feeFromSigma(sigmaFromForecast(Y), model.file.policy, terms).fee);
    }
  });

  it("has no witness when a lane is out of range or a word does not match its lanes", async () => {
    const req = await buildCircuitInput(defaultModel, randomFeatures(rng(3)), { poolFeeMin: 100, poolFeeMax: 5000, period: 60 }, 99n);
    const f = req.input.features as bigint[];
    // a lane shifted by 2^38 into its neighbour keeps featureWord but breaks the 38-bit range check
    const shifted = [...f];
    shifted[0] = f[0]! + 2n ** 38n;
    shifted[1] = f[1]! - 1n;
    await expect(prover.witness({ ...req.input, features: shifted })).rejects.toThrow(/Assert Failed/);
    // a level weight outside 24 bits
    const wl = [...(req.input.w as bigint[])];
    wl[0] = 2n ** 24n;
    await expect(prover.witness({ ...req.input, w: wl })).rejects.toThrow(/Assert Failed/);
    // a weight outside 16 bits
    const W = (req.input.W as bigint[][]).map((row) => [...row]);
    W[0]![0] = 2n ** 15n;
    await expect(prover.witness({ ...req.input, W })).rejects.toThrow(/Assert Failed/);
    // a feature word that is not the packing of the lanes
    await expect(prover.witness({ ...req.input, featureWord: req.publicSignals[0] + 1n })).rejects.toThrow(/Assert Failed/);
  });
});

describe("proofs", () => {
  it("proves and verifies model/'s fee for random models, features and terms", async () => {
    const r = rng(424242);
    for (let n = 0; n < 4; n++) {
      const model = n === 0 ? defaultModel : await randomModel(r);
      const features = randomFeatures(r);
      const terms = n === 0 ? { poolFeeMin: 100, poolFeeMax: 10_000, period: 60 } : randomTerms(r, model);
      const context = randomContext(r);
      const out = await prover.prove(model, features, terms, context);
      expect(out.fee).toBe(out.evaluation.fee);
      expect(out.publicSignals.map(BigInt)).toEqual((await buildCircuitInput(model, features, terms, context)).publicSignals);
      expect(await prover.verify(out.publicSignals, out.proof)).toBe(true);
      expect(out.calldata.input.map(String)).toEqual(out.publicSignals);
    }
  });

  it("accepts the raw model-file JSON object as well as a loaded model", async () => {
    const json = JSON.parse(readFileSync(join(REPO_ROOT, "model", "default-model.json"), "utf8"));
    const out = await prover.prove(json, randomFeatures(rng(5)), { poolFeeMin: 0, poolFeeMax: 1_000_000, period: 60 }, 5n);
    expect(await prover.verify(out.publicSignals, out.proof)).toBe(true);
  });

  it("refuses a pool whose period differs from the model's (the commitment binds it)", async () => {
    await expect(prover.prove(defaultModel, randomFeatures(rng(6)), { poolFeeMin: 0, poolFeeMax: 1000, period: 61 }, 1n)).rejects.toThrow(/period/);
  });
});

describe("soundness", () => {
  let honest: Awaited<ReturnType<Prover["prove"]>>;
  let req: Awaited<ReturnType<typeof buildCircuitInput>>;
  const features = [40n << 18n, 25n << 18n, 18n << 18n, 15n << 18n, 12n << 18n];
  const terms = { poolFeeMin: 100, poolFeeMax: 10_000, period: 60 };
  const context = 123456789n;

  beforeAll(async () => {
    honest = await prover.prove(defaultModel, features, terms, context);
    req = await buildCircuitInput(defaultModel, features, terms, context);
    expect(honest.fee).toBeGreaterThan(terms.poolFeeMin); // strictly inside the bounds, so fee +- 1 are both "plausible"
    expect(honest.fee).toBeLessThan(terms.poolFeeMax);
  });

  it("rejects the honest proof with any other fee or forecast in the public signals, or another commitment or context", async () => {
    const sig = honest.publicSignals.map(BigInt);
    for (const fee of [honest.fee - 1, honest.fee + 1, 0, terms.poolFeeMax]) {
      expect(await prover.verify([sig[0]!, withFeeLane(sig[1]!, BigInt(fee)), sig[2]!, sig[3]!], honest.proof)).toBe(false);
    }
    for (const forecast of [honest.forecast - 1n, honest.forecast + 1n, 0n]) {
      expect(await prover.verify([sig[0]!, withForecastLane(sig[1]!, forecast), sig[2]!, sig[3]!], honest.proof)).toBe(false);
    }
    const other = await loadModel(join(REPO_ROOT, "test", "fixtures", "other-model.json"));
    expect(other.commitment).not.toBe(defaultModel.commitment);
    expect(await prover.verify([sig[0]!, sig[1]!, other.commitment, sig[3]!], honest.proof)).toBe(false);
    expect(await prover.verify([sig[0]!, sig[1]!, sig[2]!, sig[3]! + 1n], honest.proof)).toBe(false);
    expect(await prover.verify([sig[0]! + 1n, sig[1]!, sig[2]!, sig[3]!], honest.proof)).toBe(false);
  });

  it("has no witness for another fee, another commitment or a commitment of other weights", async () => {
    const fee = BigInt(honest.fee + 7);
    await expect(prover.witness({ ...req.input, fee, termsWord: withFeeLane(req.publicSignals[1], fee) })).rejects.toThrow(/Assert Failed/);
    await expect(prover.witness({ ...req.input, commitment: req.publicSignals[2] + 1n })).rejects.toThrow(/Assert Failed/);
    const b = (req.input.b as bigint) + 1n; // other weights under the same commitment
    await expect(prover.witness({ ...req.input, b })).rejects.toThrow(/Assert Failed/);
    const w = (req.input.w as bigint[]).map((x, k) => (k === 0 ? x + 1n : x));
    await expect(prover.witness({ ...req.input, w })).rejects.toThrow(/Assert Failed/);
  });

  it("a forged witness for another fee fails the constraint check and its proof does not verify", async () => {
    const wtns = await prover.witnessBin(req.input);
    expect(await snarkjs.wtns.check(compiled.r1cs, { type: "mem", data: wtns }, silent)).toBe(true);

    // (1) Splice another fee into the public word of the honest witness.
    const forgedFee = BigInt(honest.fee + 1);
    const forgedWord1 = withFeeLane(req.publicSignals[1], forgedFee);
    const spliced = setWtnsValue(wtns, 2, forgedWord1); // wire 0 is the constant 1, then the 4 public signals
    expect(await snarkjs.wtns.check(compiled.r1cs, { type: "mem", data: spliced }, silent)).toBe(false);
    const p1 = await prover.proveWitness(spliced);
    expect(p1.publicSignals[1]).toBe(forgedWord1.toString());
    expect(await prover.verify(p1.publicSignals, p1.proof)).toBe(false);

    // (2) A witness that is internally consistent with the forged fee: the same model and
    // features, but a pool minimum that clamps the fee to forgedFee, then the pool's real
    // termsWord (honest bounds, forged fee) spliced in.
    const clamped = await buildCircuitInput(defaultModel, features, { ...terms, poolFeeMin: Number(forgedFee) }, context);
    expect(clamped.evaluation.fee).toBe(Number(forgedFee));
    const clampedWtns = setWtnsValue(await prover.witnessBin(clamped.input), 2, forgedWord1);
    expect(await snarkjs.wtns.check(compiled.r1cs, { type: "mem", data: clampedWtns }, silent)).toBe(false);
    const p2 = await prover.proveWitness(clampedWtns);
    expect(await prover.verify(p2.publicSignals, p2.proof)).toBe(false);
  });
});

describe("committed artifacts", () => {
  it("the committed wasm is what the circuit compiles to", () => {
    expect(sha256File(ARTIFACTS.wasm)).toBe(sha256File(compiled.wasm));
  });

  it("the committed zkey is the circuit's, from the committed powers of tau (snarkjs zkey verify)", async () => {
    expect(await snarkjs.zKey.verifyFromR1cs(compiled.r1cs, ARTIFACTS.ptau, ARTIFACTS.zkey)).toBe(true);
  });

  it("the committed verification key and Solidity verifier are exported from the committed zkey, byte for byte", async () => {
    const vk = await snarkjs.zKey.exportVerificationKey(ARTIFACTS.zkey);
    expect(JSON.parse(readFileSync(ARTIFACTS.verificationKey, "utf8"))).toEqual(vk);
    expect(vk.nPublic).toBe(4);
    // model/'s field constant is the verifier's scalar field
    expect(readFileSync(SOLIDITY_VERIFIER, "utf8")).toContain(`uint256 constant r    = ${SNARK_FIELD};`);
    expect(readFileSync(SOLIDITY_VERIFIER, "utf8")).toBe(await solidityVerifierSource(ARTIFACTS.zkey));
    const manifest = JSON.parse(readFileSync(ARTIFACTS.manifest, "utf8"));
    for (const [file, hash] of Object.entries(manifest.sha256 as Record<string, string>)) expect(sha256File(join(REPO_ROOT, file)), file).toBe(hash);
  });
});

describe("Solidity verifier and forge ffi", () => {
  let anvil: Anvil;
  let verifier: Hex;
  let abi: readonly unknown[];
  let publicClient: ReturnType<typeof createPublicClient>;

  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    const solc = require("solc") as { compile(input: string): string };
    const out = JSON.parse(solc.compile(JSON.stringify({
      language: "Solidity",
      sources: { "Groth16Verifier.sol": { content: readFileSync(SOLIDITY_VERIFIER, "utf8") } },
      settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 800 }, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
    })));
    expect((out.errors ?? []).filter((e: { severity: string }) => e.severity === "error")).toEqual([]);
    const contract = out.contracts["Groth16Verifier.sol"].Groth16Verifier;
    abi = contract.abi;
    anvil = await startAnvil();
    const account = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: foundry, transport });
    const wallet = createWalletClient({ account, chain: foundry, transport });
    const hash = await wallet.deployContract({ abi, bytecode: `0x${contract.evm.bytecode.object}` });
    verifier = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  });

  afterAll(async () => {
    await anvil?.stop();
  });

  const verifyOnChain = async (cd: { a: unknown; b: unknown; c: unknown }, input: readonly bigint[]) =>
    publicClient.readContract({ address: verifier, abi: abi as never, functionName: "verifyProof", args: [cd.a, cd.b, cd.c, input] as never }) as Promise<boolean>;

  it("accepts the prover's calldata and rejects another fee or context", async () => {
    const out = await prover.prove(defaultModel, randomFeatures(rng(11)), { poolFeeMin: 100, poolFeeMax: 10_000, period: 60 }, 777n);
    expect(await verifyOnChain(out.calldata, out.calldata.input)).toBe(true);
    const [w0, w1, cm, ctx] = out.calldata.input;
    expect(await verifyOnChain(out.calldata, [w0, withFeeLane(w1, BigInt(out.fee + 1)), cm, ctx])).toBe(false);
    expect(await verifyOnChain(out.calldata, [w0, withForecastLane(w1, out.forecast + 1n), cm, ctx])).toBe(false);
    expect(await verifyOnChain(out.calldata, [w0, w1, cm, ctx + 1n])).toBe(false);
  });

  it("ffi-prove prints one abi-encoded line that the deployed verifier accepts", async () => {
    const features = [30n << 18n, 20n << 18n, 16n << 18n, 14n << 18n, 11n << 18n];
    const stdout = execFileSync(process.execPath, ["--import", "tsx", "prover/ffi-prove.ts", "model/default-model.json", features.join(","), "100", "10000", "60", "12345"], { cwd: REPO_ROOT, encoding: "utf8" });
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^0x[0-9a-f]{640}$/); // 10 words: fee, forecast, a[2], b[2][2], c[2]
    const words = lines[0]!.slice(2).match(/.{64}/g)!.map((h) => BigInt(`0x${h}`));
    const [fee, forecast, a0, a1, b00, b01, b10, b11, c0, c1] = words as [bigint, ...bigint[]];
    const req = await buildCircuitInput(defaultModel, features, { poolFeeMin: 100, poolFeeMax: 10_000, period: 60 }, 12345n);
    expect(fee).toBe(BigInt(req.evaluation.fee));
    expect(forecast).toBe(req.evaluation.forecast);
    const cd = { a: [a0, a1], b: [[b00, b01], [b10, b11]], c: [c0, c1] };
    expect(await verifyOnChain(cd, req.publicSignals)).toBe(true);
    // and the encoding agrees with toSolidityCalldata's ordering (b swapped against snarkjs's pi_b)
    expect(toSolidityCalldata(0, 0n, { pi_a: ["1", "2"], pi_b: [["3", "4"], ["5", "6"]], pi_c: ["7", "8"], protocol: "groth16", curve: "bn128" }, ["0", "0", "0", "0"]).b).toEqual([[4n, 3n], [6n, 5n]]);
  });

  it("ffi-prove fails with a one-line error on bad arguments", () => {
    expect(() => execFileSync(process.execPath, ["--import", "tsx", "prover/ffi-prove.ts", "model/default-model.json", "1,2,3", "0", "1", "60", "1"], { cwd: REPO_ROOT, encoding: "utf8", stdio: "pipe" })).toThrow(/expected 5 comma-separated features, got 3/);
  });
});
