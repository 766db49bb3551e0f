// Backtest replay throughput on the shipped data: swaps replayed per second, for one policy and
// for a 5-policy run, under both counterfactuals, single-threaded and with the policies split over
// worker threads.
//   npx tsx bench/backtest.bench.ts [swaps=1000000] [workers=2] [modes=same,resize] [sources=swaps,bars]
// The per-swap mainnet day (6,045 swaps) is replayed back to back until `swaps` swaps have been
// processed (each pass is a full replay: book reconstruction, oracle, policies, ledgers); the
// Polygon minute bars (59,418 price moves, 35 contiguous days plus sample days) are replayed once.
// Each line gives the wall time and the process's CPU time (user + sys, all its threads: V8's GC
// and compiler threads included) of the timed part, and the 1-minute load average after it, so a
// figure taken while other work shares the cores can be told apart.
import { loadavg } from "node:os";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { loadMinuteBarsFull, loadPoolEvents } from "../history/index.ts";
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

interface Timing {
  swaps: number;
  seconds: number;
  cpu?: number;
}

function run(ev: ReplayEvents, set: Set, mode: Counterfactual, target: number, model: Model, pick?: number[]): Timing {
  let swaps = 0;
  const t = performance.now();
  const c = process.cpuUsage();
  do {
    const r = replay(ev, policies(set, model, pick), { counterfactual: mode, valuation, elasticity: 0.02 });
    swaps += r.stats.swaps;
  } while (swaps < target);
  const used = process.cpuUsage(c);
  return { swaps, seconds: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
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
  const modes = (process.argv[4] ?? "same,resize").split(",") as Counterfactual[];
  const sources = (process.argv[5] ?? "swaps,bars").split(",") as ("swaps" | "bars")[];
  const rate = (r: Timing) =>
    `${Math.round(r.swaps / r.seconds).toLocaleString("en-US").padStart(9)} swaps/s  (${r.swaps.toLocaleString("en-US")} swaps in ${r.seconds.toFixed(2)} s${r.cpu === undefined ? "" : `, cpu ${r.cpu.toFixed(2)} s`}; load ${loadavg()[0]!.toFixed(2)})`;
  const lines: string[] = [];
  const model = await (await import("../model/modelFile.ts")).loadModel("model/default-model.json");
  for (const source of sources) {
    const ev = events(source);
    const swapTarget = source === "swaps" ? target : 1; // bars: one full pass
    for (const mode of modes) {
      for (const set of ["one", "five"] as const) {
        run(ev, set, mode, Math.min(swapTarget, 20_000), model); // warm-up
        const r = run(ev, set, mode, swapTarget, model);
        const label = `${source === "swaps" ? "per-swap mainnet day" : "minute bars, 35+ days"}  ${mode === "same" ? "(a) same  " : "(b) resize"}  ${set === "one" ? "1 policy  " : "5 policies"}  1 thread `;
        lines.push(`${label} ${rate(r)}`);
        console.log(lines[lines.length - 1]);
        if (set === "five" && workers > 1) {
          // The five policies split over worker threads, each replaying every swap: longest first
          // onto the least loaded thread. Measured costs per 1M swaps (1 thread, idle machine):
          // the replay itself ~0.9 s, a static or EWMA policy ~1.7 s, the model ~2.5 s (it also
          // evaluates the network every period), so the model counts 1.5.
          const weight = [1, 1, 1, 1, 1.5];
          const groups: number[][] = Array.from({ length: workers }, () => []);
          const load = new Array<number>(workers).fill(0);
          for (const i of [4, 0, 1, 2, 3]) {
            const w = load.indexOf(Math.min(...load));
            groups[w]!.push(i);
            load[w]! += weight[i]!;
          }
          const t = performance.now();
          const c = process.cpuUsage();
          const results = await Promise.all(
            groups.map(
              (pick) =>
                new Promise<Timing>((resolve, reject) => {
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
          const used = process.cpuUsage(c);
          // The threads' own timed parts: the slowest thread's wall time; CPU of the whole process
          // over the whole step (worker start-up, data loading and warm-up included).
          lines.push(
            `${label.replace("1 thread ", `${workers} threads`)} ${rate({ swaps, seconds: wall })}  [incl. start-up: wall ${((performance.now() - t) / 1000).toFixed(2)} s, cpu ${((used.user + used.system) / 1e6).toFixed(2)} s]`,
          );
          console.log(lines[lines.length - 1]);
        }
      }
    }
  }
}
