import { describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { alive, descendants, portOpen, waitFor } from "../processes.ts";

// A supervisor (systemd, a shell's `kill $!`, a CI runner) holds one pid and signals it. The demo
// must then stop with everything it started: its embedded anvil included, its port closed.
const BIN = path.resolve("bin/provenfee.js");

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[]): Started {
  let output = "";
  const child = spawn(command, args, { cwd: path.resolve("."), stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output, exit: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))) };
}

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "(gone)";
  }
};

/** Starts the demo, waits until its anvil is up and the replay is under way, signals `target`, and checks nothing is left. */
async function stopMidway(run: Started, signal: NodeJS.Signals) {
  const [, port] = await waitFor("the embedded anvil", run.output, /at http:\/\/127\.0\.0\.1:(\d+) \(embedded anvil\)/, 120_000);
  await waitFor("the warm-up replay", run.output, /warm-up: replaying/, 120_000);
  const started = descendants(run.child.pid!);
  expect(started.map(comm), run.output()).toContain("anvil");
  expect(await portOpen(Number(port))).toBe(true);
  run.child.kill(signal);
  const exit = await run.exit;
  // Give the kernel a moment to reap what the exiting process killed.
  for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  const left = started.filter(alive).map((p) => `${p} ${comm(p)}`);
  expect(left, run.output()).toEqual([]);
  expect(await portOpen(Number(port))).toBe(false);
  return exit;
}

describe("signals to the launched pid stop the job and everything it started", () => {
  const report = () => path.join(mkdtempSync(path.join(tmpdir(), "provenfee-signals-")), "demo.html");

  it("demo: SIGTERM to `provenfee demo` stops it and its embedded anvil (exit 143)", async () => {
    const run = start(process.execPath, [BIN, "demo", "--blocks", "50", "--warmup-minutes", "60", "--report", report()]);
    const exit = await stopMidway(run, "SIGTERM");
    expect(exit).toEqual({ code: 143, signal: null });
  }, 180_000);

  it("demo: SIGINT (Ctrl-C sent to the pid alone, not the terminal's group) does the same (exit 130)", async () => {
    const run = start(process.execPath, [BIN, "demo", "--blocks", "50", "--warmup-minutes", "60", "--report", report()]);
    const exit = await stopMidway(run, "SIGINT");
    expect(exit).toEqual({ code: 130, signal: null });
  }, 180_000);

  it("npm start: SIGTERM to npm's pid reaches the demo (the script execs node) and stops anvil", async () => {
    const run = start("npm", ["start", "--silent", "--", "--report", report()]);
    await stopMidway(run, "SIGTERM");
  }, 180_000);
});
