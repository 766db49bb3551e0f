// Training pipeline benchmark: `npx tsx bench/training.bench.ts [--json] [--skip-train]`
//
// 1. Loading: the shipped 35-day Polygon minute series through the history loader (history/; rows/s).
// 2. Features: a year of minute bars (525,600 rows) -> period closes -> the oracle's 5 features,
//    the 5 log inputs, the HAR windows and the target for every minute (rows/s; target: under 10 s). The year is
//    the real shipped 35-day series tiled end to end with shifted timestamps (real price paths,
//    repeated; not synthetic prices): feature building cost does not depend on the values.
// 3. Training: `provenfee train` with its defaults (forecast, then fee-policy fit) on the shipped
//    series, without and with the Binance reference, wall time (target: under 2 minutes), and peak
//    resident memory of the whole process.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadMinuteBars, type MinuteBars } from "../history/index.ts";
import { featureMatrix, observationsFromMinuteBars } from "../training/features.ts";
import { trainCommand } from "../training/cli.ts";

const json = process.argv.includes("--json");
const skipTrain = process.argv.includes("--skip-train");
const say = (s: string) => (json ? process.stderr.write(`${s}\n`) : console.log(s));
const results: Record<string, unknown> = { node: process.version, cpus: (await import("node:os")).cpus().length };

// 1. Loading.
let t = performance.now();
const files = Array.from({ length: 35 }, (_, d) => {
  const day = new Date(Date.UTC(2022, 6, 19 + d)).toISOString().slice(0, 10);
  return `data/polygon-usdc-weth-005-minute/polygon-0x45dd-${day}.minute.csv.gz`;
});
const bars = loadMinuteBars(files);
const loadSeconds = (performance.now() - t) / 1000;
results.load = { rows: bars.timestamps.length, seconds: loadSeconds, rowsPerSecond: bars.timestamps.length / loadSeconds, note: "history/ loader, csv.gz" };
say(`load: ${bars.timestamps.length} rows (35 files, csv.gz, history/ loader) in ${loadSeconds.toFixed(2)} s = ${Math.round(bars.timestamps.length / loadSeconds)} rows/s`);

// 2. Features for a year of minutes.
const YEAR = 525_600;
const span = bars.timestamps[bars.timestamps.length - 1]! - bars.timestamps[0]! + 60;
const year: MinuteBars = { timestamps: new Float64Array(YEAR), closeTick: new Int32Array(YEAR), traded: new Uint8Array(YEAR), sources: ["tiled"] };
const n0 = bars.timestamps.length;
for (let i = 0; i < YEAR; i++) {
  const k = i % n0;
  const rep = Math.floor(i / n0);
  year.timestamps[i] = bars.timestamps[k]! + rep * span;
  // Each repetition continues from the last close, so no artificial jump appears at the seams.
  year.closeTick[i] = bars.closeTick[k]! + rep * (bars.closeTick[n0 - 1]! - bars.closeTick[0]!);
  year.traded[i] = bars.traded[k]!;
}
t = performance.now();
const obs = observationsFromMinuteBars(year, 60);
const first = Math.floor(year.timestamps[0]! / 60);
const last = Math.floor(year.timestamps[YEAR - 1]! / 60);
const fm = featureMatrix(obs, first, last, 30);
const featureSeconds = (performance.now() - t) / 1000;
results.features = { bars: YEAR, asOfPeriods: fm.asOf.length, observations: obs.periods.length, seconds: featureSeconds, rowsPerSecond: YEAR / featureSeconds, targetSeconds: 10, pass: featureSeconds < 10 };
say(`features: ${YEAR} minute bars -> ${obs.periods.length} closes -> ${fm.asOf.length} rows x (5 features + 5 inputs + 4 HAR windows + target) in ${featureSeconds.toFixed(2)} s = ${Math.round(YEAR / featureSeconds)} rows/s (target < 10 s)`);

// 3. Train + fee-policy fit of one pool-month (the train command's defaults: forecast, then the fee
//    policy by net LP PnL at five elasticities), with the pool's own price and with the Binance
//    reference as the CEX price. Target: under 2 minutes each on these 2-core machines.
if (!skipTrain) {
  const runs: Array<{ name: string; args: string[] }> = [
    { name: "train", args: [] },
    { name: "trainWithReference", args: ["--reference", "data/reference-binance-ethusdt/binance-ethusdt-1m-2022-07-18..2022-08-23.csv.gz"] },
  ];
  for (const run of runs) {
    const dir = mkdtempSync(path.join(tmpdir(), "provenfee-bench-"));
    t = performance.now();
    const log = console.log;
    const err = console.error;
    console.log = () => {};
    console.error = () => {};
    let code: number;
    try {
      code = await trainCommand(["--out", path.join(dir, "model.json"), "--quiet", ...run.args]);
    } finally {
      console.log = log;
      console.error = err;
    }
    const trainSeconds = (performance.now() - t) / 1000;
    results[run.name] = { exitCode: code, seconds: trainSeconds, targetSeconds: 120, pass: code === 0 && trainSeconds < 120, output: dir, args: run.args, note: "load + features + baselines + level fit + TF.js correction + evaluation + fee-policy fit at 5 elasticities + PNG" };
    say(`${run.name === "train" ? "train + policy fit (pool's own price)" : "train + policy fit (Binance reference)"}: shipped 35-day series in ${trainSeconds.toFixed(1)} s (exit ${code}; target < 120 s)`);
  }
}

const peak = process.resourceUsage().maxRSS / 1024;
results.peakRssMiB = peak;
say(`peak memory: ${peak.toFixed(0)} MiB resident (whole process)`);
if (json) console.log(JSON.stringify(results));
