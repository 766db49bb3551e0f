// Backtest replay throughput on the shipped data: swaps replayed per second, for one policy and
// for a 5-policy run, under both counterfactuals, single-threaded and with the policies split over
// worker threads.
//   npx tsx bench/backtest.bench.ts [swaps=1000000] [workers=2]
// The per-swap mainnet day (6,045 swaps) is replayed back to back until `swaps` swaps have been
// processed (each pass is a full replay: book reconstruction, oracle, policies, ledgers); the
// Polygon minute bars (59,418 price moves, 35 contiguous days plus sample days) are replayed once.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { loadMinuteBarsFull, loadPoolEvents } from "../backtest/data.ts";
import { eventsFromMinuteBars, eventsFromSwaps, replay, type Counterfactual, type ReplayEvents } from "../backtest/replay.ts";
import { ewmaPolicy, modelPolicy, staticPolicy, type FeePolicy } from "../backtest/policy.ts";
import type { Model } from "../model/modelFile.ts";

const SWAPS_FILE = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const BARS_DIR = "data/polygon-usdc-weth-005-minute";
const valuation = { quote: 0 as const, decimals0: 6, decimals1: 18 };

type Set = "one" | "five";
function policies(set: Set, model: Model, pick?: number[]): FeePolicy[] {
  const all = set === "one" ? [modelPolicy(model)] : [staticPolicy(1), staticPolicy(5), staticPolicy(30), ewmaPolicy(), modelPolicy(model)];
  return pick ? pick.map((i) => all[i]!) : all;
}

function run(ev: ReplayEvents, set: Set, mode: Counterfactual, target: number, model: Model, pick?: number[]): { swaps: number; seconds: number } {
  let swaps = 0;
  const t = performance.now();
  do {
    const r = replay(ev, policies(set, model, pick), { counterfactual: mode, valuation, elasticity: 0.02 });
    swaps += r.stats.swaps;
  } while (swaps < target);
  return { swaps, seconds: (performance.now() - t) / 1000 };
}

function events(source: string): ReplayEvents {
  return source === "swaps" ? eventsFromSwaps(loadPoolEvents(SWAPS_FILE)) : eventsFromMinuteBars(loadMinuteBarsFull(BARS_DIR));
}

if (!isMainThread) {
  // The model comes verified from the main thread (model/'s Poseidon code is not worker-safe).
  const { source, set, mode, target, pick, model } = workerData as { source: string; set: Set; mode: Counterfactual; target: number; pick: number[]; model: Model };
  const ev = events(source);
  run(ev, set, mode, Math.min(target, 20_000), model, pick); // warm-up
  parentPort!.postMessage(run(ev, set, mode, target, model, pick));
} else {
  const target = Number(process.argv[2] ?? 1_000_000);
  const workers = Number(process.argv[3] ?? 2);
  const rate = (r: { swaps: number; seconds: number }) => `${Math.round(r.swaps / r.seconds).toLocaleString("en-US").padStart(9)} swaps/s  (${r.swaps.toLocaleString("en-US")} swaps in ${r.seconds.toFixed(2)} s)`;
  const lines: string[] = [];
  const model = await (await import("../model/modelFile.ts")).loadModel("model/default-model.json");
  for (const source of ["swaps", "bars"] as const) {
    const ev = events(source);
    const swapTarget = source === "swaps" ? target : 1; // bars: one full pass
    for (const mode of ["same", "resize"] as const) {
      for (const set of ["one", "five"] as const) {
        run(ev, set, mode, Math.min(swapTarget, 20_000), model); // warm-up
        const r = run(ev, set, mode, swapTarget, model);
        const label = `${source === "swaps" ? "per-swap mainnet day" : "minute bars, 35+ days"}  ${mode === "same" ? "(a) same  " : "(b) resize"}  ${set === "one" ? "1 policy  " : "5 policies"}  1 thread `;
        lines.push(`${label} ${rate(r)}`);
        console.log(lines[lines.length - 1]);
        if (set === "five" && workers > 1) {
          // The five policies split over worker threads, each replaying every swap.
          const groups: number[][] = Array.from({ length: workers }, () => []);
          for (let i = 0; i < 5; i++) groups[i % workers]!.push(i);
          const t = performance.now();
          const results = await Promise.all(
            groups.map(
              (pick) =>
                new Promise<{ swaps: number; seconds: number }>((resolve, reject) => {
                  // Node 20 does not carry `--import tsx` into worker threads: register it in the worker.
                  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
                  const w = new Worker(boot, { eval: true, workerData: { source, set, mode, target: swapTarget, pick, model }, execArgv: [] });
                  w.once("message", (m) => {
                    void w.terminate();
                    resolve(m);
                  });
                  w.once("error", reject);
                }),
            ),
          );
          const wall = Math.max(...results.map((x) => x.seconds));
          const swaps = Math.min(...results.map((x) => x.swaps));
          lines.push(`${label.replace("1 thread ", `${workers} threads`)} ${rate({ swaps, seconds: wall })}  [wall incl. start-up ${((performance.now() - t) / 1000).toFixed(2)} s]`);
          console.log(lines[lines.length - 1]);
        }
      }
    }
  }
}
