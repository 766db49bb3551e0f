import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, type Hex } from "viem";
import { foundry } from "viem/chains";
import { privateKeyToAccount } from "viem/accounts";
import { compileCircuit } from "../prover/compile.ts";
import { ARTIFACTS, REPO_ROOT } from "../prover/paths.ts";
import { Prover } from "../prover/prover.ts";
import { PUBLISHED_PTAU, publishedPtauByHash } from "../prover/publishedPtau.ts";
import { readTranscript } from "../prover/ceremony.ts";
import { startAnvil } from "../chain/anvil.ts";
import { loadModel } from "../model/index.ts";

// The multi-party setup as its parties run it: every step is its own `provenfee ceremony` process and
// files pass between them by hand. Phase 1 is the committed 2^12 powers of tau, which no table knows (it
// was made locally), so every step here needs --allow-unknown-ptau; a real ceremony uses a published file.
const PTAU = ARTIFACTS.ptau;
const BEACON = "0x6a1d4f2e8b7c3a5918273645546372819a0b1c2d3e4f5061728394a5b6c7d8e9";

function ceremony(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "cli/provenfee.ts", "ceremony", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.trim().split("\n").filter(Boolean) };
}

/** Offsets of each contribution record in a zkey's MPC section (binfile section 10, snarkjs's layout). */
function contributionOffsets(zkey: Uint8Array): number[] {
  const view = new DataView(zkey.buffer, zkey.byteOffset, zkey.byteLength);
  let pos = 12; // "zkey", version, number of sections
  for (;;) {
    const type = view.getUint32(pos, true);
    const size = Number(view.getBigUint64(pos + 4, true));
    if (type === 10) break;
    pos += 12 + size;
  }
  let at = pos + 12 + 64; // past the circuit hash
  const n = view.getUint32(at, true);
  at += 4;
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    offsets.push(at);
    at += 64 * 3 + 128 + 64 + 4; // deltaAfter, g1_s, g1_sx, g2_spx, transcript, type
    at += 4 + view.getUint32(at, true); // parameters (name, beacon)
  }
  return offsets;
}

describe("provenfee ceremony", () => {
  let dir: string;
  let r1cs: string;
  const file = (name: string) => join(dir, name);
  const common = () => ["--r1cs", r1cs, "--allow-unknown-ptau"];
  const published: Record<string, string> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "provenfee-ceremony-"));
    r1cs = compileCircuit(dir).r1cs;
  });

  afterAll(async () => {
    await Prover.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships snarkjs's table of published powers-of-tau hashes, word for word", () => {
    const readme = readFileSync(join(REPO_ROOT, "node_modules/snarkjs/README.md"), "utf8");
    const rows = [...readme.matchAll(/\|\s+(\d+)\s+\|\s+\S+\s+\|\s+\[(powersOfTau28_hez_final(?:_\d+)?\.ptau)\]\((\S+)\)\s+\|\s+([0-9a-f]{128})\s+\|/g)];
    expect(rows).toHaveLength(21);
    expect(PUBLISHED_PTAU.map((p) => [p.power, p.file, p.url, p.blake2b])).toEqual(rows.map((m) => [Number(m[1]), m[2], m[3], m[4]]));
    expect(publishedPtauByHash(PUBLISHED_PTAU[4]!.blake2b.toUpperCase())?.file).toBe("powersOfTau28_hez_final_12.ptau");
  });

  it("refuses a powers-of-tau file that is not a published one unless told, in one line, exit 1", () => {
    const r = ceremony(["init", "--ptau", PTAU, "--out", file("refused.zkey"), "--transcript", file("refused.json"), "--r1cs", r1cs]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^provenfee ceremony init: .*pot12_final\.ptau: BLAKE2b [0-9a-f]{16}\.\.\. is not a published powers-of-tau file/);
  });

  it("exits 2 on an unknown flag, an unknown step or a missing option", () => {
    for (const [args, message] of [
      [["init", "--ptau", PTAU, "--bogus"], /--bogus: unknown option/],
      [["init", "--ptau", PTAU, "--allow-unkown-ptau"], /did you mean --allow-unknown-ptau\?/],
      [["contribte"], /unknown step 'contribte' \(did you mean contribute\?/],
      [["shuffle"], /unknown step 'shuffle'/],
      [["contribute", "--in", "a.zkey", "--out", "b.zkey"], /--name: required/],
      [["finalize", "--ptau", PTAU, "--in", "a.zkey", "--beacon", "00", "--out-dir", "x", "--iterations-exp", "ten"], /--iterations-exp: expected an integer in \[10, 63\], got 'ten'/],
    ] as const) {
      const r = ceremony([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(message);
    }
  });

  it("three parties, one process each, then verify, a beacon, and a fee proven and verified with the final key", async () => {
    const init = ceremony(["init", "--ptau", PTAU, "--out", file("c0.zkey"), "--transcript", file("transcript.json"), ...common()]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/NOT a published file/);
    let previous = "c0.zkey";
    for (const [i, name] of ["alice", "bob", "carol"].entries()) {
      const out = `c${i + 1}.zkey`;
      const r = ceremony(["contribute", "--in", file(previous), "--out", file(out), "--name", name, "--transcript", file("transcript.json"), ...(name === "bob" ? ["--entropy", "dice: 3 5 1 6"] : [])]);
      expect(r.code, r.stderr).toBe(0);
      published[name] = /^contribution hash: ([0-9a-f]{128})$/m.exec(r.stdout)![1]!;
      previous = out;
    }
    expect(new Set(Object.values(published)).size).toBe(3);

    const verify = ceremony(["verify", "--ptau", PTAU, "--zkey", file("c3.zkey"), "--transcript", file("transcript.json"), ...common()]);
    expect(verify.code, verify.stderr).toBe(0);
    for (const [i, name] of ["alice", "bob", "carol"].entries()) expect(verify.stdout).toContain(`#${i + 1} ${name}: ${published[name]}`);
    expect(verify.stdout).toMatch(/^OK: /m);

    const out = file("final");
    const finalize = ceremony(["finalize", "--ptau", PTAU, "--in", file("c3.zkey"), "--beacon", BEACON, "--out-dir", out, "--transcript", file("transcript.json"), ...common()]);
    expect(finalize.code, finalize.stderr).toBe(0);
    expect(finalize.stdout).toContain(`#4 final beacon: `);
    expect(finalize.stdout).toContain(`(beacon ${BEACON.slice(2)}, 2^10 iterations)`);
    const transcript = readTranscript(file("transcript.json"));
    expect(transcript.contributions.map((c) => c.name)).toEqual(["alice", "bob", "carol", "final beacon"]);
    expect(transcript.contributions.slice(0, 3).map((c) => c.hash)).toEqual([published.alice, published.bob, published.carol]);

    // a fee proven with the final key verifies with its verification key, off-chain and in the exported
    // Solidity verifier, and not with the committed development key
    const prover = await Prover.load({ zkey: join(out, "provenfee_final.zkey"), verificationKey: join(out, "verification_key.json") });
    const model = await loadModel(join(REPO_ROOT, "model/default-model.json"));
    const proven = await prover.prove(model, [30n << 18n, 20n << 18n, 16n << 18n, 14n << 18n, 11n << 18n], { poolFeeMin: 100, poolFeeMax: 10_000, period: 60 }, 4242n);
    expect(await prover.verify(proven.publicSignals, proven.proof)).toBe(true);
    const devKey = await Prover.load();
    expect(await devKey.verify(proven.publicSignals, proven.proof)).toBe(false);

    const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
    const compiled = JSON.parse(solc.compile(JSON.stringify({
      language: "Solidity",
      sources: { "Groth16Verifier.sol": { content: readFileSync(join(out, "Groth16Verifier.sol"), "utf8") } },
      settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 800 }, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
    })));
    const contract = compiled.contracts["Groth16Verifier.sol"].Groth16Verifier;
    const anvil = await startAnvil();
    try {
      const transport = http(anvil.rpcUrl);
      const publicClient = createPublicClient({ chain: foundry, transport });
      const wallet = createWalletClient({ account: privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"), chain: foundry, transport });
      const hash = await wallet.deployContract({ abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` as Hex });
      const address = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
      const onChain = (input: readonly bigint[]) => publicClient.readContract({ address, abi: contract.abi, functionName: "verifyProof", args: [proven.calldata.a, proven.calldata.b, proven.calldata.c, input] }) as Promise<boolean>;
      expect(await onChain(proven.calldata.input)).toBe(true);
      const [w0, w1, commitment, context] = proven.calldata.input;
      expect(await onChain([w0, w1, commitment, context + 1n])).toBe(false);
    } finally {
      await anvil.stop();
    }
  });

  it("verify refuses a key in which one contribution's record was tampered with", () => {
    const zkey = new Uint8Array(readFileSync(file("c3.zkey")));
    const bob = contributionOffsets(zkey)[1]!;
    zkey[bob + 64 * 3 + 128 + 7]! ^= 0x01; // one bit of bob's transcript hash
    writeFileSync(file("tampered.zkey"), zkey);
    const r = ceremony(["verify", "--ptau", PTAU, "--zkey", file("tampered.zkey"), ...common()]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^provenfee ceremony verify: .*tampered\.zkey: refused: INVALID\(1\): Inconsistent transcript/);
    expect(r.stdout).not.toMatch(/^OK/m);
  });

  it("verify refuses a chain where a party's contribution was swapped for another's, given the published transcript", () => {
    // Someone redoes "bob" on alice's key and carol contributes on that: a valid chain, but not bob's.
    copyFileSync(file("transcript.json"), file("published.json"));
    for (const [from, to, name] of [["c1.zkey", "x2.zkey", "bob"], ["x2.zkey", "x3.zkey", "carol"]] as const) {
      expect(ceremony(["contribute", "--in", file(from), "--out", file(to), "--name", name]).code).toBe(0);
    }
    const alone = ceremony(["verify", "--ptau", PTAU, "--zkey", file("x3.zkey"), ...common()]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(alone.stdout).not.toContain(published.bob);

    const r = ceremony(["verify", "--ptau", PTAU, "--zkey", file("x3.zkey"), "--transcript", file("published.json"), ...common()]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(`refused: the transcript's contribution #2 (bob, ${published.bob!.slice(0, 16)}...) is not the key's`);
  });

  it("contribute refuses a key that is not the transcript's latest", () => {
    const r = ceremony(["contribute", "--in", file("c1.zkey"), "--out", file("late.zkey"), "--name", "dave", "--transcript", file("published.json")]);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(/c1\.zkey: not the zkey the transcript's last step produced/);
  });
});
