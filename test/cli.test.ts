import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkFeatures, loadModel, N_FEATURES, FEATURE_MAX } from "../model/index.ts";
import { closest, editDistance, parseOptions, UsageError } from "../cli/options.ts";
import { explainChainError, hookAndV4ErrorAbis } from "../cli/chainErrors.ts";
import { SETUP_OUTPUTS } from "../prover/setup.ts";
import { startAnvil, freePort, type Anvil } from "../chain/anvil.ts";
import { connect, deploy, ANVIL_DEV_KEY } from "../chain/chain.ts";
import { v4Artifact } from "../chain/artifacts.ts";
import { createPool, deployHook, deployVerifier, hookedPoolKey, registerModel, VERIFICATION } from "../chain/deploy.ts";
import { sqrtPriceNearTick } from "../chain/localPool.ts";

// The bin as a user runs it, from a folder that is not the repository: paths must not depend on it.
const BIN = path.resolve("bin/provenfee.js");
function provenfee(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmpdir(), encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.trim().split("\n") };
}

describe("the option parser", () => {
  const spec = { blocks: { type: "string" }, json: { type: "boolean" }, html: { type: "boolean", negatable: true }, model: { type: "string", multiple: true } } as const;
  const parse = (argv: string[]) => parseOptions("demo", argv, spec);
  const refusal = (argv: string[]) => {
    try {
      parse(argv);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${argv.join(" ")}`);
  };

  it("suggests the closest known option by edit distance, and nothing when none is close", () => {
    expect(editDistance("reuse-ptua", "reuse-ptau")).toBe(1);
    expect(editDistance("blcoks", "blocks")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closest("--jsno", ["--json", "--blocks"])).toBe("--json");
    expect(closest("--frobnicate", ["--json", "--blocks"])).toBeUndefined();
    expect(refusal(["--blcoks", "3"])).toBe("--blcoks: unknown option (did you mean --blocks?)");
    expect(refusal(["--no-htlm"])).toBe("--no-htlm: unknown option (did you mean --no-html?)");
    expect(refusal(["--frobnicate"])).toBe("--frobnicate: unknown option (see 'provenfee demo --help')");
  });

  it("refuses missing and unexpected values and stray arguments, naming the option; a repeated single option takes its last value", () => {
    expect(refusal(["--blocks"])).toBe("--blocks: needs a value");
    expect(refusal(["--blocks", "--json"])).toBe("--blocks: needs a value");
    expect(refusal(["--json=yes"])).toBe("--json: takes no value (got 'yes')");
    expect(parse(["--blocks", "1", "--blocks", "2"])).toMatchObject({ values: { blocks: "2" } });
    expect(refusal(["300"])).toMatch(/^unexpected argument '300'/);
  });

  it("reads values, repeats, negations, defaults and help", () => {
    const p = parse(["--blocks", "-5", "--model", "a.json", "--model=b.json", "--no-html"]);
    expect(p).not.toBe("help");
    if (p === "help") return;
    expect(p.values).toEqual({ blocks: "-5", model: ["a.json", "b.json"], html: false });
    expect(p.given).toEqual(["blocks", "model", "model", "html"]);
    expect(parse(["--blocks", "1", "-h"])).toBe("help");
    expect(parse(["--frobnicate", "--help"])).toBe("help");
  });
});

describe("provenfee: every job refuses what it does not understand, the same way", () => {
  const typos: [string, string, string][] = [
    ["demo", "--blcoks", "--blocks"], ["train", "--epohcs", "--epochs"], ["evaluate", "--modle", "--model"], ["backtest", "--swpas", "--swaps"],
    ["setup", "--reuse-ptua", "--reuse-ptau"], ["prove", "--featuers", "--features"], ["deploy", "--fee-mni", "--fee-min"], ["keeper", "--deploymnet", "--deployment"],
  ];
  for (const [job, typo, meant] of typos) {
    it(`${job} ${typo}: exit 2, one line, did you mean ${meant}`, () => {
      const r = provenfee([job, typo, "x"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.lines).toEqual([`provenfee ${job}: ${typo}: unknown option (did you mean ${meant}?)`]);
      expect(r.stdout).toBe("");
    });
  }

  it("an unknown job is refused with the closest job; no job prints the usage with exit 2; --version prints the version", () => {
    const r = provenfee(["kepeer"]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual(["provenfee: kepeer: unknown job (did you mean keeper?)"]);
    const none = provenfee([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: provenfee <job>/);
    const v = provenfee(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });
});

describe("provenfee setup never overwrites the committed keys and verifier by accident", () => {
  const fingerprint = () => SETUP_OUTPUTS.map((f) => `${f} ${statSync(f).mtimeMs} ${createHash("sha256").update(readFileSync(f)).digest("hex")}`);

  it("a misspelled --reuse-ptau (--reuse-ptua) is refused before anything runs; the files stay as they are", () => {
    const before = fingerprint();
    const r = provenfee(["setup", "--reuse-ptua"]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual(["provenfee setup: --reuse-ptua: unknown option (did you mean --reuse-ptau?)"]);
    expect(r.stdout).toBe("");
    expect(fingerprint()).toEqual(before);
  });

  it("without --force it refuses while keys exist, naming the proving key and the verifier", () => {
    const before = fingerprint();
    const r = provenfee(["setup", "--reuse-ptau"]);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^provenfee setup: refusing to overwrite the existing keys and verifier \(prover\/artifacts\/provenfee_final\.zkey, contracts\/verifier\/Groth16Verifier\.sol and 5 more\) without --force/);
    expect(r.stdout).toBe("");
    expect(fingerprint()).toEqual(before);
  });
});

describe("provenfee prove: --features errors say what they got and what the model expects", () => {
  const model = path.resolve("model/default-model.json");
  const valid = () => Array.from({ length: N_FEATURES }, () => 1n);

  it("a wrong count names both counts (model/'s N_FEATURES)", () => {
    const got = N_FEATURES - 1;
    const r = provenfee(["prove", "--model", model, "--context", "1", "--features", Array(got).fill("1").join(",")]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([`provenfee prove: --features: got ${got} values, expected ${N_FEATURES} (comma-separated, SPEC §2 order)`]);
  });

  it("an out-of-range feature gives model/'s range for it", () => {
    const features = valid();
    features[0] = FEATURE_MAX + 1n;
    let rangeMessage: string | undefined;
    try {
      checkFeatures(features);
    } catch (e) {
      rangeMessage = (e as Error).message;
    }
    expect(rangeMessage).toContain(String(FEATURE_MAX));
    const r = provenfee(["prove", "--model", model, "--context", "1", "--features", features.join(",")]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([`provenfee prove: --features: ${rangeMessage}`]);
    const word = provenfee(["prove", "--model", model, "--context", "1", "--features", ["x", ...valid().slice(1)].join(",")]);
    expect(word.lines).toEqual(["provenfee prove: --features: feature 0 is 'x', expected a non-negative integer"]);
  });
});

describe("provenfee deploy: errors name the flag, the endpoint or the contract error", () => {
  const key = { PROVENFEE_PRIVATE_KEY: ANVIL_DEV_KEY };
  const tokens = ["--token0", "0x1111111111111111111111111111111111111111", "--token1", "0x2222222222222222222222222222222222222222"];
  let closedUrl: string;
  beforeAll(async () => {
    closedUrl = `http://127.0.0.1:${await freePort()}`;
  });

  it("checks the pool terms before sending anything (exit 2)", () => {
    // The endpoint is closed: a refusal that mentions it would mean a request was attempted.
    const bounds = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--fee-min", "5000", "--fee-max", "100"], key);
    expect(bounds.code).toBe(2);
    expect(bounds.lines).toEqual(["provenfee deploy: --fee-min 5000 is above --fee-max 100 (pips)"]);
    const fallback = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--fallback-fee", "200000"], key);
    expect(fallback.lines).toEqual(["provenfee deploy: --fallback-fee 200000 is outside [--fee-min 100, --fee-max 100000] (pips)"]);
    // Without --fallback-fee the pool falls back to the model's recommendation (meta.fallbackFee, the best constant fee of its training).
    const dir = mkdtempSync(path.join(tmpdir(), "deploy-fallback-"));
    const recommending = path.join(dir, "model.json");
    const json = JSON.parse(readFileSync("model/default-model.json", "utf8"));
    writeFileSync(recommending, JSON.stringify({ ...json, meta: { ...json.meta, fallbackFee: 50 } }));
    const recommended = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--model", recommending], key);
    expect(recommended.lines).toEqual(["provenfee deploy: the default fallback fee 50 (the model's recommendation, else 3000; pass --fallback-fee) is outside [--fee-min 100, --fee-max 100000] (pips)"]);
    const lowered = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--model", recommending, "--fee-min", "50"], key);
    expect(lowered.lines[0]).toMatch(/ECONNREFUSED/); // within bounds: on to the endpoint
    const staleness = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--max-staleness", "16"], key);
    expect(staleness.lines).toEqual(["provenfee deploy: --max-staleness: expected an integer in [1, 15], got '16'"]);
    const verification = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", ...tokens, "--verification", "onchian"], key);
    expect(verification.lines).toEqual(["provenfee deploy: --verification: expected zk or onchain, got 'onchian' (did you mean onchain?)"]);
  });

  it("an invalid address names its flag; an unreachable endpoint names the URL (exit 1)", () => {
    const addr = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json", "--token0", "0x1234", "--token1", "0x2222222222222222222222222222222222222222"], key);
    expect(addr.code).toBe(2);
    expect(addr.lines).toEqual(["provenfee deploy: --token0: '0x1234' is not an address (0x followed by 40 hex digits)"]);
    const rpc = provenfee(["deploy", "--rpc", closedUrl, "--out", "d.json"], key);
    expect(rpc.code).toBe(1);
    expect(rpc.lines).toHaveLength(1);
    expect(rpc.lines[0]).toMatch(new RegExp(`^provenfee deploy: ${closedUrl}: RPC request failed \\(.*ECONNREFUSED`));
  });

  describe("on a chain", () => {
    let anvil: Anvil;
    beforeAll(async () => {
      anvil = await startAnvil();
    }, 60_000);
    afterAll(async () => {
      await anvil?.stop();
    });

    it("a revert is decoded to the hook's custom error with what it means", async () => {
      const clients = await connect(anvil.rpcUrl, ANVIL_DEV_KEY);
      const model = await loadModel("model/default-model.json");
      const manager = await deploy(clients, v4Artifact("PoolManager"), [clients.account.address]);
      const hook = await deployHook(clients, manager, await deployVerifier(clients));
      await registerModel(clients, hook, model, "file://model/default-model.json");
      const key = hookedPoolKey("0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222", hook);
      // What `deploy --fee-min 5000 --fee-max 100` would have sent without its own check.
      const terms = { commitment: model.commitment, poolFeeMin: 5000, poolFeeMax: 100, fallbackFee: 3000, period: model.file.period, maxStalenessPeriods: 15, livenessPeriods: 60, admin: clients.account.address, verification: VERIFICATION.zk };
      const error = await createPool(clients, hook, key, sqrtPriceNearTick(0), terms).then(() => undefined, (e: unknown) => e);
      expect(error).toBeDefined();
      expect(explainChainError(error, anvil.rpcUrl, hookAndV4ErrorAbis())).toBe(
        `createPool on ${hook} reverted with InvalidFeeBounds(): the hook needs poolFeeMin <= fallbackFee <= poolFeeMax <= 1000000 pips`,
      );
      // Creating the same pool again: with the same terms it is left as it is (an earlier run); with other terms
      // the read-back names every field that differs, since a pool key does not bind its terms.
      const ok = { ...terms, poolFeeMin: 100, poolFeeMax: 100000 };
      const id = await createPool(clients, hook, key, sqrtPriceNearTick(0), ok);
      expect(await createPool(clients, hook, key, sqrtPriceNearTick(0), ok)).toBe(id);
      const other = await createPool(clients, hook, key, sqrtPriceNearTick(0), { ...ok, poolFeeMax: 50000 }).then(() => undefined, (e: unknown) => e);
      expect(String((other as Error)?.message)).toMatch(/^pool 0x[0-9a-f]{64} on hook 0x[0-9a-fA-F]{40} does not have the terms asked for \(created first by someone else\?\): .*poolFeeMax/);
      clients.close();
    }, 120_000);
  });
});
