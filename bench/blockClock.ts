// The keeper benches' clock: bench/keeper-observer.ts in a process of its own records when each block reaches a
// WebSocket subscriber, so that the keeper's proving in the bench's process cannot delay the clock it is measured by.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface BlockClock {
  /** Per block number: when it arrived (Date.now()) and its timestamp. */
  arrivals: Map<number, { at: number; timestamp: number }>;
  stop(): void;
}

/** Starts the observer on `wsUrl`; resolves once it is subscribed. */
export async function startBlockClock(wsUrl: string): Promise<BlockClock> {
  const observer = spawn(process.execPath, ["--import", "tsx", "bench/keeper-observer.ts", wsUrl], { stdio: ["ignore", "pipe", "inherit"] });
  const arrivals = new Map<number, { at: number; timestamp: number }>();
  await new Promise<void>((resolve) => {
    createInterface({ input: observer.stdout! }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.ready) resolve();
      else if (!arrivals.has(m.number)) arrivals.set(m.number, { at: m.at, timestamp: m.timestamp });
    });
  });
  return { arrivals, stop: () => observer.kill("SIGTERM") };
}
