import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// `provenfee demo` end to end, as a user runs it: its own anvil, real swaps, the in-process keeper.
describe("provenfee demo", () => {
  it("lands proven fee updates on-chain and writes the report", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "provenfee-demo-"));
    const report = path.join(dir, "demo.html");
    const run = spawnSync(process.execPath, ["--import", "tsx", "cli/provenfee.ts", "demo", "--blocks", "20", "--warmup-minutes", "30", "--report", report, "--json"], { encoding: "utf8", timeout: 280_000 });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop()!);
    expect(summary.keeperBlocks).toBe(20);
    // 20 mainnet blocks span about 4 minutes: a proven update lands for every period that closed.
    expect(summary.updatesLanded).toBeGreaterThanOrEqual(3);
    expect(summary.meanGasPerUpdate).toBeGreaterThan(150_000);
    expect(summary.finalFeePips).toBeGreaterThanOrEqual(100);
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("<svg");
    expect((html.match(/<tr><td>/g) ?? []).length).toBe(summary.updatesLanded);
  }, 300_000);

  it("refuses a bad option with a one-line error and exit code 2", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "cli/provenfee.ts", "demo", "--blocks", "zero"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("provenfee demo: --blocks: expected a positive integer");
  });
});
