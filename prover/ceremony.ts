// The trusted setup a deployment can use, on snarkjs, as a library (the CLI in cli/ceremony.ts only parses
// arguments and prints): phase 1 is a published powers-of-tau file the user brings, recognised by its
// BLAKE2b hash (publishedPtau.ts); phase 2 is a chain of contributions, each one step run by one party in
// its own process, files passed by hand, nothing trusted between the steps:
//
//   ceremonyInit       circuit r1cs + ptau -> initial zkey (no secret in it) + transcript
//   ceremonyContribute one party's randomness -> next zkey; returns the contribution hash the party publishes
//   ceremonyVerify     anyone: the whole chain in a zkey against the circuit and the ptau (and the transcript)
//   ceremonyFinalize   a public random beacon -> final zkey, verification key, Solidity verifier
//
// Plus helpers shared with setup.ts and the tests: verifier export, curve shutdown, file hashes.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import * as snarkjs from "snarkjs";
import { publishedPtauByHash, type PublishedPtau } from "./publishedPtau.ts";

/** snarkjs's own Groth16 Solidity template, as `snarkjs zkey export solidityverifier` uses it. */
export function groth16Template(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("snarkjs"); // build/main.cjs
  return readFileSync(join(dirname(main), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
}

/** The Solidity verifier (contract Groth16Verifier) for a zkey, byte-for-byte what snarkjs exports. */
export async function solidityVerifierSource(zkey: snarkjs.FileRef): Promise<string> {
  return snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: groth16Template() });
}

/** snarkjs keeps worker threads for the curve; stop them so a script can exit. */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** BLAKE2b-512 of a file, streamed (the published files go up to 2^28 powers, hundreds of GB). */
export async function blake2bFile(path: string): Promise<string> {
  const hash = createHash("blake2b512");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 24 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export const quietLogger: snarkjs.Logger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/** A ceremony step refused its input; the message is one line naming the file and what is wrong. */
export class CeremonyError extends Error {}

/** A logger that keeps snarkjs's messages, which carry the contribution list and the reasons it refuses. */
function recordingLogger(): { logger: snarkjs.Logger; info: string[]; errors: string[] } {
  const info: string[] = [];
  const errors: string[] = [];
  const logger: snarkjs.Logger = {
    debug() {},
    info: (m) => void info.push(m),
    warn: (m) => void errors.push(m),
    error: (m) => void errors.push(m),
  };
  return { logger, info, errors };
}

// ---------------------------------------------------------------- phase 1

export interface PtauCheck {
  path: string;
  blake2b: string;
  /** The published file it is, or undefined for an unknown file accepted with allowUnknown. */
  published?: PublishedPtau;
}

/**
 * Hashes a powers-of-tau file and looks the hash up among the published ones; an unknown file is refused
 * unless `allowUnknown` (a locally made file, fine for tests and useless for a deployment: whoever made it
 * knows its tau).
 */
export async function checkPtau(path: string, options: { allowUnknown?: boolean } = {}): Promise<PtauCheck> {
  let blake2b: string;
  try {
    blake2b = await blake2bFile(path);
  } catch (e) {
    throw new CeremonyError(`${path}: cannot read the powers-of-tau file (${(e as Error).message})`);
  }
  const published = publishedPtauByHash(blake2b);
  if (!published && !options.allowUnknown) {
    throw new CeremonyError(
      `${path}: BLAKE2b ${blake2b.slice(0, 16)}... is not a published powers-of-tau file (prover/publishedPtau.ts lists them); use powersOfTau28_hez_final_NN.ptau, or --allow-unknown-ptau for a test setup only`,
    );
  }
  return { path, blake2b, published };
}

// ---------------------------------------------------------------- transcript

/** What each step appends; published with the final key so anyone can re-run ceremonyVerify. */
export interface Transcript {
  format: "provenfee-ceremony/1";
  circuit: { r1cs: string; r1csSha256: string; constraints: number };
  ptau: { file: string; blake2b: string; published: string | null };
  initialZkeySha256: string;
  contributions: TranscriptEntry[];
}

export interface TranscriptEntry {
  name: string;
  /** The contribution hash (BLAKE2b-512 of the party's public key, hex) that the party published. */
  hash: string;
  /** sha256 of the zkey this contribution produced, so the next party can tell it holds the right file. */
  zkeySha256: string;
  beacon?: { hash: string; iterationsExp: number };
}

export function readTranscript(path: string): Transcript {
  let t: Transcript;
  try {
    t = JSON.parse(readFileSync(path, "utf8")) as Transcript;
  } catch (e) {
    throw new CeremonyError(`${path}: cannot read the transcript (${(e as Error).message.split("\n")[0]})`);
  }
  if (t.format !== "provenfee-ceremony/1" || !Array.isArray(t.contributions)) throw new CeremonyError(`${path}: not a provenfee-ceremony/1 transcript`);
  return t;
}

function writeTranscript(path: string, t: Transcript): void {
  writeFileSync(path, `${JSON.stringify(t, null, 2)}\n`);
}

/** The sha256 a zkey handed to the next step must have: the last contribution's output, or the initial key. */
function latestZkeySha256(t: Transcript): string {
  return t.contributions.at(-1)?.zkeySha256 ?? t.initialZkeySha256;
}

const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// ---------------------------------------------------------------- phase 2 steps

export interface InitOptions {
  r1cs: string;
  ptau: string;
  /** The initial zkey to write. */
  zkey: string;
  /** The transcript to start. */
  transcript: string;
  allowUnknownPtau?: boolean;
}

/** Circuit + phase 1 -> the initial phase-2 key, which holds no secret yet, and a new transcript. */
export async function ceremonyInit(o: InitOptions): Promise<{ ptau: PtauCheck; transcript: Transcript }> {
  const ptau = await checkPtau(o.ptau, { allowUnknown: o.allowUnknownPtau });
  let info;
  try {
    info = await snarkjs.r1cs.info(o.r1cs);
  } catch (e) {
    throw new CeremonyError(`${o.r1cs}: not a circuit r1cs file (${(e as Error).message.split("\n")[0]})`);
  }
  const log = recordingLogger();
  const csHash = await snarkjs.zKey.newZKey(o.r1cs, o.ptau, o.zkey, log.logger);
  if (!(csHash instanceof Uint8Array)) {
    throw new CeremonyError(`${o.ptau}: snarkjs cannot make a key for ${o.r1cs} from it: ${log.errors.at(-1) ?? "unknown reason"}`);
  }
  const transcript: Transcript = {
    format: "provenfee-ceremony/1",
    circuit: { r1cs: basename(o.r1cs), r1csSha256: sha256File(o.r1cs), constraints: info.nConstraints },
    ptau: { file: basename(o.ptau), blake2b: ptau.blake2b, published: ptau.published?.file ?? null },
    initialZkeySha256: sha256File(o.zkey),
    contributions: [],
  };
  writeTranscript(o.transcript, transcript);
  return { ptau, transcript };
}

export interface ContributeOptions {
  /** The previous party's zkey (or the initial one). */
  input: string;
  output: string;
  /** Public name recorded in the key and the transcript. */
  name: string;
  /** Extra entropy from the party, mixed with 64 fresh random bytes (snarkjs mixes in 64 more). */
  entropy?: string;
  /** The transcript to append to; the input must be the zkey its last entry produced. */
  transcript?: string;
}

/**
 * One party's contribution: draws fresh randomness, applies it, and forgets it. Returns the contribution
 * hash the party publishes; `ceremonyVerify` lists it, so the party can check its randomness is in the key.
 */
export async function ceremonyContribute(o: ContributeOptions): Promise<{ hash: string; zkeySha256: string }> {
  const transcript = o.transcript ? readTranscript(o.transcript) : undefined;
  if (transcript && sha256File(o.input) !== latestZkeySha256(transcript)) {
    throw new CeremonyError(`${o.input}: not the zkey the transcript's last step produced (sha256 differs): contribute on the latest key`);
  }
  const entropy = `${randomBytes(64).toString("hex")}${o.entropy ?? ""}`;
  const log = recordingLogger();
  let hash: unknown;
  try {
    hash = await snarkjs.zKey.contribute(o.input, o.output, o.name, entropy, log.logger);
  } catch (e) {
    throw new CeremonyError(`${o.input}: cannot contribute to it (${(e as Error).message.split("\n")[0]})`);
  }
  if (!(hash instanceof Uint8Array)) throw new CeremonyError(`${o.input}: cannot contribute to it: ${log.errors.at(-1) ?? "unknown reason"}`);
  const entry: TranscriptEntry = { name: o.name, hash: toHex(hash), zkeySha256: sha256File(o.output) };
  if (transcript && o.transcript) {
    transcript.contributions.push(entry);
    writeTranscript(o.transcript, transcript);
  }
  return { hash: entry.hash, zkeySha256: entry.zkeySha256 };
}

export interface Contribution {
  /** 1-based position in the chain. */
  index: number;
  name: string;
  hash: string;
  beacon?: { hash: string; iterationsExp: number };
}

export interface VerifyOptions {
  r1cs: string;
  ptau: string;
  zkey: string;
  /** Also check the key's contributions are exactly the transcript's, in order. */
  transcript?: string;
  allowUnknownPtau?: boolean;
}

export interface VerifyReport {
  ok: boolean;
  ptau: PtauCheck;
  /** The key's contributions, first to last (complete only when ok). */
  contributions: Contribution[];
  /** Why the key was refused. */
  reason?: string;
}

/**
 * Checks a zkey from scratch: rebuilds the initial key from the circuit and the ptau, then checks every
 * contribution's proof of knowledge and that the key is exactly the initial one moved by the chain of
 * contributions (snarkjs `zkey verify`). Needs nothing from the earlier steps but their published hashes.
 */
export async function ceremonyVerify(o: VerifyOptions): Promise<VerifyReport> {
  const ptau = await checkPtau(o.ptau, { allowUnknown: o.allowUnknownPtau });
  const transcript = o.transcript ? readTranscript(o.transcript) : undefined;
  const log = recordingLogger();
  // snarkjs reports some refusals with console.log rather than its logger
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => void log.errors.push(args.map(String).join(" "));
  let ok: boolean;
  try {
    ok = await snarkjs.zKey.verifyFromR1cs(o.r1cs, o.ptau, o.zkey, log.logger);
  } catch (e) {
    ok = false;
    log.errors.push((e as Error).message.split("\n")[0]!);
  } finally {
    console.log = consoleLog;
  }
  const contributions = parseContributions(log.info);
  if (!ok) return { ok, ptau, contributions, reason: log.errors.filter((m) => m.trim()).at(-1)?.trim() ?? "snarkjs refused the key" };
  if (transcript) {
    if (transcript.ptau.blake2b !== ptau.blake2b) return { ok: false, ptau, contributions, reason: `the transcript's ptau (${transcript.ptau.file}) is not ${o.ptau}` };
    if (transcript.circuit.r1csSha256 !== sha256File(o.r1cs)) return { ok: false, ptau, contributions, reason: `the transcript's circuit is not ${o.r1cs}` };
    const listed = transcript.contributions;
    for (let i = 0; i < Math.max(listed.length, contributions.length); i++) {
      const [t, k] = [listed[i], contributions[i]];
      if (!t || !k || t.hash !== k.hash || t.name !== k.name) {
        const what = t ? `the transcript's contribution #${i + 1} (${t.name}, ${t.hash.slice(0, 16)}...)` : `contribution #${i + 1} of the key (${k!.name})`;
        return { ok: false, ptau, contributions, reason: `${what} is not ${t ? "the key's" : "in the transcript"}` };
      }
    }
  }
  return { ok: true, ptau, contributions };
}

/** snarkjs's verify lists contributions last to first: "contribution #N name:" and the hash in 4 rows of 4 words. */
function parseContributions(info: string[]): Contribution[] {
  const out: Contribution[] = [];
  for (let i = 0; i < info.length; i++) {
    const m = /^contribution #(\d+) ?(.*):\n([\s0-9a-f]+)$/.exec(info[i]!);
    if (!m) continue;
    const c: Contribution = { index: Number(m[1]), name: m[2]!, hash: m[3]!.replace(/\s+/g, "") };
    const generator = /^Beacon generator: ([0-9a-f]+)$/.exec(info[i + 1] ?? "");
    const iterations = /^Beacon iterations Exp: (\d+)$/.exec(info[i + 2] ?? "");
    if (generator && iterations) c.beacon = { hash: generator[1]!, iterationsExp: Number(iterations[1]) };
    out.push(c);
  }
  return out.sort((a, b) => a.index - b.index);
}

export interface FinalizeOptions {
  r1cs: string;
  ptau: string;
  /** The last party's zkey. */
  input: string;
  /** A public random value nobody could know when the last party contributed (a future block hash), hex. */
  beacon: string;
  /** 2^iterationsExp SHA-256 rounds over the beacon (snarkjs: 10..63), so it cannot be ground cheaply. */
  iterationsExp?: number;
  name?: string;
  /** Where the final zkey, verification key and Solidity verifier go. */
  outDir: string;
  transcript?: string;
  allowUnknownPtau?: boolean;
}

export interface FinalizeResult {
  beaconHash: string;
  report: VerifyReport;
  files: { zkey: string; verificationKey: string; solidityVerifier: string };
}

/**
 * Applies the beacon as a last, public contribution (its randomness is derived from the beacon, so anyone can
 * re-derive and check it), verifies the whole chain against the circuit and the ptau, and only then exports
 * the verification key and the Solidity verifier.
 */
export async function ceremonyFinalize(o: FinalizeOptions): Promise<FinalizeResult> {
  const beacon = o.beacon.replace(/^0x/i, "").toLowerCase();
  if (!/^([0-9a-f]{2}){1,255}$/.test(beacon)) throw new CeremonyError(`--beacon ${o.beacon}: expected 1 to 255 bytes of hex (e.g. a block hash)`);
  const iterationsExp = o.iterationsExp ?? 10;
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) throw new CeremonyError(`iterations exponent ${iterationsExp}: snarkjs takes 10 to 63`);
  const transcript = o.transcript ? readTranscript(o.transcript) : undefined;
  if (transcript && sha256File(o.input) !== latestZkeySha256(transcript)) {
    throw new CeremonyError(`${o.input}: not the zkey the transcript's last step produced (sha256 differs)`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const files = {
    zkey: join(o.outDir, "provenfee_final.zkey"),
    verificationKey: join(o.outDir, "verification_key.json"),
    solidityVerifier: join(o.outDir, "Groth16Verifier.sol"),
  };
  const log = recordingLogger();
  const name = o.name ?? "final beacon";
  const hash = await snarkjs.zKey.beacon(o.input, files.zkey, name, beacon, iterationsExp, log.logger);
  if (!(hash instanceof Uint8Array)) throw new CeremonyError(`${o.input}: cannot apply the beacon: ${log.errors.at(-1) ?? "unknown reason"}`);
  const entry: TranscriptEntry = { name, hash: toHex(hash), zkeySha256: sha256File(files.zkey), beacon: { hash: beacon, iterationsExp } };
  if (transcript && o.transcript) {
    transcript.contributions.push(entry);
    writeTranscript(o.transcript, transcript);
  }
  const report = await ceremonyVerify({ r1cs: o.r1cs, ptau: o.ptau, zkey: files.zkey, transcript: o.transcript, allowUnknownPtau: o.allowUnknownPtau });
  if (!report.ok) throw new CeremonyError(`${o.input}: the chain does not verify, nothing exported: ${report.reason}`);
  const vk = await snarkjs.zKey.exportVerificationKey(files.zkey);
  writeFileSync(files.verificationKey, `${JSON.stringify(vk, null, 1)}\n`);
  writeFileSync(files.solidityVerifier, await solidityVerifierSource(files.zkey));
  return { beaconHash: entry.hash, report, files };
}
