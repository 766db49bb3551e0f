import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { N_FEATURES } from "../model/index.ts";
import { alive, descendants, portOpen, waitFor } from "./processes.ts";

// `npm pack`, installed into a fresh prefix and run from folders that have nothing to do with the
// repository: user files resolve against the caller's folder, the package's own files (model, data,
// prover keys, compiled contracts) against the package.
//
// Installed globally (`npm install -g`) into a fresh prefix, as a user would, with no project around it.
const REPO = path.resolve(".");
const MAINNET_DAY = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";

let root: string;
let prefix: string;
let work: string;
let bin: string;
let packed: string[];

function run(cmd: string, args: string[], cwd: string, timeout = 240_000, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, npm_config_update_notifier: "false", ...env } });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}
const provenfee = (args: string[], cwd = work) => run(bin, args, cwd);

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), "provenfee-pack-")));
  const pack = run("npm", ["pack", "--json", "--pack-destination", root], REPO);
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")));
  packed = info.files.map((f: { path: string }) => f.path);
  prefix = path.join(root, "prefix");
  const install = run("npm", ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", "--fetch-retries=0", path.join(root, info.filename)], root, 300_000);
  expect(install.code, install.stderr).toBe(0);
  bin = path.join(prefix, "bin", "provenfee");
  work = path.join(root, "work");
  mkdirSync(path.join(work, "sub"), { recursive: true });
}, 360_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the packed package, installed and run from elsewhere", () => {
  it("ships the code, the shipped model and data, the prover keys and the compiled contracts; no tests or benchmarks", () => {
    for (const f of [
      "bin/provenfee.js", "cli/provenfee.ts", "history/index.ts", "model/default-model.json", MAINNET_DAY, "prover/artifacts/provenfee_final.zkey", "prover/artifacts/provenfee.wasm",
      "prover/circuits/provenfee.circom", "out/ProvenFeeHook.sol/ProvenFeeHook.json", "out/Groth16Verifier.sol/Groth16Verifier.json", "out/ReplayRouter.sol/ReplayRouter.json",
    ]) expect(packed, f).toContain(f);
    expect(packed.filter((f) => /^(test|bench|snapshots|cache|reports)\//.test(f))).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(prefix, "lib/node_modules/provenfee/package.json"), "utf8")).private).toBe(true);
  });

  it("provenfee --help and a job's --help, from an unrelated folder", () => {
    const help = provenfee(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    for (const job of ["demo", "train", "evaluate", "backtest", "setup", "prove", "deploy", "keeper"]) expect(help.stdout).toMatch(new RegExp(`^  ${job} `, "m"));
    expect(provenfee(["prove", "--help"]).stdout).toMatch(/^usage: provenfee prove/);
  });

  it("provenfee prove: the user's model file relative to the caller's folder, the package's prover keys; same proof inputs as the repository's", () => {
    copyFileSync("model/default-model.json", path.join(work, "my-model.json"));
    const features = Array.from({ length: N_FEATURES }, () => "1").join(",");
    const args = ["prove", "--model", "my-model.json", "--features", features, "--context", "7", "--pool-fee-min", "100", "--pool-fee-max", "100000", "--json"];
    const installed = provenfee(args);
    expect(installed.code, installed.stderr).toBe(0);
    const here = run(process.execPath, [path.join(REPO, "bin/provenfee.js"), ...args.map((a) => (a === "my-model.json" ? path.join(work, a) : a))], REPO);
    expect(here.code, here.stderr).toBe(0);
    const [a, b] = [JSON.parse(installed.stdout), JSON.parse(here.stdout)];
    expect(a.fee).toBe(b.fee);
    expect(a.publicSignals).toEqual(b.publicSignals);
    expect(a.calldata.encoded).toMatch(/^0x[0-9a-f]+$/);
  }, 120_000);

  it("provenfee evaluate: the user's data relative to the caller's folder, the shipped model by default", () => {
    // The file keeps its name: the backtest below reads the pool's fee tier from it.
    copyFileSync(MAINNET_DAY, path.join(work, path.basename(MAINNET_DAY)));
    const r = provenfee(["evaluate", "--data", path.basename(MAINNET_DAY), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(j.model.path).toBe(path.join(prefix, "lib/node_modules/provenfee/model/default-model.json"));
    expect(j.results.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(["garch", "har", "model", "model-quantized"]));
    expect(j.test.n).toBeGreaterThan(100);
  }, 120_000);

  it("provenfee backtest from a subfolder: input and output paths are the caller's", () => {
    const r = provenfee(["backtest", "--swaps", `../${path.basename(MAINNET_DAY)}`, "--model", "../my-model.json", "--out", "bt", "--no-png", "--quiet"], path.join(work, "sub"));
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["backtest.json", "policies.csv", "report.html"]) expect(existsSync(path.join(work, "sub", "bt", f)), f).toBe(true);
  }, 120_000);

  it("npx provenfee from an unrelated folder finds the globally installed bin", () => {
    // npm_config_prefix is where `npm install -g` put it (a user's global prefix); nothing may be fetched.
    const r = run("npx", ["--offline", "--no-install", "provenfee", "--version"], path.join(work, "sub"), 60_000, { npm_config_prefix: prefix });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  });

  it("provenfee demo starts its anvil from the installed package and SIGTERM stops both", async () => {
    let output = "";
    const child = spawn(bin, ["demo", "--blocks", "20", "--warmup-minutes", "30"], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const [, port] = await waitFor("the embedded anvil", () => output, /at http:\/\/127\.0\.0\.1:(\d+) \(embedded anvil\)/, 120_000);
    // Past the deployments (the hook, verifier and replay router come from the package's out/).
    await waitFor("the warm-up replay", () => output, /warm-up: replaying/, 120_000);
    const started = descendants(child.pid!);
    child.kill("SIGTERM");
    expect(await exit).toBe(143);
    for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(started.filter(alive)).toEqual([]);
    expect(await portOpen(Number(port))).toBe(false);
  }, 180_000);
});
