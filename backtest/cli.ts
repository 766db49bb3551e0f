// `provenfee backtest`: would this fee model have paid LPs more than a static fee?
import { existsSync } from "node:fs";
import path from "node:path";
import type { Model } from "../model/modelFile.ts";
import { InputError } from "./data.ts";
import { jsonSummary, type Report } from "./metrics.ts";
import { formatTable, writeOutputs } from "./report.ts";
import { defaultOptions, loadHistory, parseBound, runBacktest, type BacktestOptions } from "./run.ts";
import { runSweep, type SweepPoint } from "./sweep.ts";
import { tunePolicy } from "./tune.ts";

export const HELP = `usage: provenfee backtest (--swaps FILES | --bars FILES | --simulate) [options]

Replays fee policies on real pool history, or runs them in a simulated market, and compares what
LPs earn: fees, loss-versus-rebalancing (LVR), net LP PnL = fees - LVR, markouts, volume, fee
statistics, gas of fee updates, daily Sharpe and drawdown, results per volatility regime, and
bootstrap intervals of each policy's edge over the best static tier.

data (one of):
  --swaps FILES            per-swap rows (*.tick.csv[.gz]; a file, a comma-separated list or a folder)
  --bars FILES             minute bars (*.minute.csv[.gz]), replayed as demeter does
  --simulate               GBM market: --days --sigma --block-seconds --blocks fixed|poisson --seed
                           --jumps PER_DAY,MEAN_LOG,SD_LOG --regimes SIGMA:DAYS,SIGMA:DAYS
                           --noise-trades-per-day N --noise-size S --initial-price P
policies (all side by side):
  --static BPS,...         static fee tiers in bp (default 1,5,30,100)
  --model FILE             a model file's fee policy (repeatable); adds a perfect-foresight bound
  --ewma-half-life N       the EWMA-volatility rule's half-life in periods (default 30); --no-ewma
  --no-foresight           leave out the perfect-foresight upper bound
counterfactual (history):
  --counterfactual same|resize
                           same: (a) the same swaps under the new fee (default)
                           resize: (b) arbitrage re-sized to the fee, other volume elastic
  --elasticity E           volume elasticity per bp of fee above the historical fee (default 0.02)
  --classify-horizon S     seconds after a trade for its arbitrage markout (default 60)
  --reference FILE         a reference (CEX) price series: time column + --reference-column NAME
                           (default "price"), the price of the non-quote token in quote tokens
  --from T, --to T         range: YYYY-MM-DD[THH:MM] (UTC), unix seconds, or block:N
  --historical-fee PIPS    the pool's fee where rows and file names do not tell (e.g. 500)
  --tick-spacing N  --quote 0|1 (default 0)  --decimals D0,D1 (default 6,18)  --period S (default 60)
costs:
  --gas-per-update G (default 350000)  --gas-price-gwei P (default 20)  --gas-token-price Q
tuning and sweeps:
  --tune-policy MODEL      fit MODEL's whole fee policy (intercept, slope, modelFeeMin, modelFeeMax) by
                           net LP PnL under (b) on --validation FROM..TO (grids, then a pattern
                           search; --workers threads), write it to --tuned-out FILE (a new file, new
                           commitment), report tuned vs original vs static tiers on --test FROM..TO
  --sweep NAME=V1,V2,...   run once per value (elasticity, classify-horizon, ewma-half-life, slope,
                           fee-min, fee-max, static, sigma, block-seconds) on worker threads
  --workers N              threads for --sweep and --tune-policy (default: all cores)
output:
  --out DIR                where backtest.json, policies.csv, hourly.csv, report.html and the PNG
                           plots go (default reports/backtest); --no-html, --no-png
  --json                   print one JSON object on stdout (and nothing else)
  --quiet                  no table; --progress / --no-progress (default: on a terminal)
  -h, --help

exit status: 0 done, 1 bad data or a failed run (a one-line error naming file, row and field), 2 usage.`;

class UsageError extends Error {}

interface CliOptions {
  bt: BacktestOptions;
  json: boolean;
  quiet: boolean;
  progress: boolean | undefined;
  out: string;
  html: boolean;
  png: boolean;
  tune?: string;
  validation?: string;
  test?: string;
  tunedOut?: string;
  sweep?: { name: string; values: string[] };
  workers?: number;
}

function num(flag: string, v: string | undefined, check: (x: number) => boolean = Number.isFinite, what = "a number"): number {
  const x = v === undefined ? NaN : Number(v);
  if (!check(x)) throw new UsageError(`${flag}: expected ${what}, got ${JSON.stringify(v ?? "")}`);
  return x;
}

export function parseArgs(argv: string[]): CliOptions | "help" {
  const o: CliOptions = { bt: defaultOptions(), json: false, quiet: false, progress: undefined, out: "reports/backtest", html: true, png: true };
  const sources: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || (v.startsWith("--") && !/^--?\d/.test(v))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const bt = o.bt;
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--swaps":
      case "--bars":
        bt.source = flag === "--swaps" ? "swaps" : "bars";
        bt.input = value();
        sources.push(flag);
        break;
      case "--simulate":
        bt.source = "simulate";
        sources.push(flag);
        break;
      case "--static":
        bt.statics = value() === "none" ? [] : argv[i]!.split(",").map((s) => num("--static", s, (x) => x >= 0 && x <= 10000, "bp values"));
        break;
      case "--model":
        bt.models.push(value());
        break;
      case "--ewma-half-life":
        bt.ewmaHalfLife = num(flag, value(), (x) => x > 0);
        break;
      case "--no-ewma":
        bt.ewma = false;
        break;
      case "--no-foresight":
        bt.foresight = false;
        break;
      case "--counterfactual": {
        const v = value();
        if (v !== "same" && v !== "resize") throw new UsageError(`--counterfactual: expected same or resize, got ${JSON.stringify(v)}`);
        bt.counterfactual = v;
        break;
      }
      case "--elasticity":
        bt.elasticity = num(flag, value(), (x) => x >= 0);
        break;
      case "--classify-horizon":
        bt.classifyHorizon = num(flag, value(), (x) => x >= 0);
        break;
      case "--reference":
        bt.reference = value();
        break;
      case "--reference-column":
        bt.referenceColumn = value();
        break;
      case "--from":
        bt.from = value();
        break;
      case "--to":
        bt.to = value();
        break;
      case "--historical-fee":
        bt.historicalFee = num(flag, value(), (x) => Number.isInteger(x) && x >= 0 && x < 1e6, "pips in [0, 1000000)");
        break;
      case "--tick-spacing":
        bt.tickSpacing = num(flag, value(), (x) => Number.isInteger(x) && x >= 1 && x <= 32767, "an integer in [1, 32767]");
        break;
      case "--quote":
        bt.quote = num(flag, value(), (x) => x === 0 || x === 1, "0 or 1") as 0 | 1;
        break;
      case "--decimals": {
        const [a, b] = value().split(",");
        bt.decimals0 = num(flag, a, (x) => Number.isInteger(x) && x >= 0 && x <= 36, "D0,D1");
        bt.decimals1 = num(flag, b, (x) => Number.isInteger(x) && x >= 0 && x <= 36, "D0,D1");
        break;
      }
      case "--period":
        bt.period = num(flag, value(), (x) => Number.isInteger(x) && x > 0);
        break;
      case "--gas-per-update":
        bt.gasPerUpdate = num(flag, value(), (x) => x >= 0);
        break;
      case "--gas-price-gwei":
        bt.gasPriceGwei = num(flag, value(), (x) => x >= 0);
        break;
      case "--gas-token-price":
        bt.gasTokenPrice = num(flag, value(), (x) => x >= 0);
        break;
      case "--days":
        bt.sim.days = num(flag, value(), (x) => x > 0);
        break;
      case "--sigma":
        bt.sim.price.sigma = num(flag, value(), (x) => x >= 0);
        break;
      case "--block-seconds":
        bt.sim.blockSeconds = num(flag, value(), (x) => x > 0);
        break;
      case "--blocks": {
        const v = value();
        if (v !== "fixed" && v !== "poisson") throw new UsageError(`--blocks: expected fixed or poisson, got ${JSON.stringify(v)}`);
        bt.sim.blockTiming = v;
        break;
      }
      case "--seed":
        bt.sim.seed = value();
        break;
      case "--initial-price":
        bt.sim.price.initial = num(flag, value(), (x) => x > 0);
        break;
      case "--jumps": {
        const [a, b, c] = value().split(",");
        bt.sim.price.jumps = { perDay: num(flag, a, (x) => x >= 0), meanLog: num(flag, b), sdLog: num(flag, c, (x) => x >= 0) };
        break;
      }
      case "--regimes": {
        const parts = value().split(",").map((p) => p.split(":"));
        bt.sim.price.regimes = { sigmas: parts.map(([s]) => num(flag, s, (x) => x >= 0, "SIGMA:DAYS,...")), meanDays: parts.map(([, d]) => num(flag, d, (x) => x > 0, "SIGMA:DAYS,...")) };
        break;
      }
      case "--noise-trades-per-day":
        bt.sim.noise = { ...bt.sim.noise!, tradesPerDay: num(flag, value(), (x) => x >= 0) };
        break;
      case "--noise-size":
        bt.sim.noise = { ...bt.sim.noise!, meanSize: num(flag, value(), (x) => x > 0) };
        break;
      case "--tune-policy":
        o.tune = value();
        break;
      case "--validation":
        o.validation = value();
        break;
      case "--test":
        o.test = value();
        break;
      case "--tuned-out":
        o.tunedOut = value();
        break;
      case "--sweep": {
        const v = value();
        const m = /^([a-z-]+)=(.+)$/.exec(v);
        if (!m) throw new UsageError(`--sweep: expected NAME=V1,V2,..., got ${JSON.stringify(v)}`);
        o.sweep = { name: m[1]!, values: m[2]!.split(",") };
        break;
      }
      case "--workers":
        o.workers = num(flag, value(), (x) => Number.isInteger(x) && x >= 1);
        break;
      case "--out":
        o.out = value();
        break;
      case "--no-html":
        o.html = false;
        break;
      case "--no-png":
        o.png = false;
        break;
      case "--json":
        o.json = true;
        break;
      case "--quiet":
        o.quiet = true;
        break;
      case "--progress":
        o.progress = true;
        break;
      case "--no-progress":
        o.progress = false;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  if (sources.length === 0 && !o.tune) throw new UsageError("give the data: --swaps FILES, --bars FILES or --simulate");
  if (sources.length > 1) throw new UsageError(`give one data source, not ${sources.join(" and ")}`);
  if (o.bt.source === "simulate" && o.bt.counterfactual !== "same") throw new UsageError("--counterfactual applies to history, not --simulate");
  if (o.tune && (!o.validation || !o.test || !o.tunedOut)) throw new UsageError("--tune-policy needs --validation FROM..TO, --test FROM..TO and --tuned-out FILE");
  return o;
}

function progressBar(enabled: boolean): { update: (f: number) => void; done: () => void } {
  if (!enabled) return { update: () => {}, done: () => {} };
  const start = performance.now();
  let last = -1;
  return {
    update(f) {
      const pct = Math.floor(f * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pct).padStart(3)}%  ${((performance.now() - start) / 1000).toFixed(1)} s`);
    },
    done() {
      process.stderr.write("\r" + " ".repeat(60) + "\r");
    },
  };
}

function splitRange(text: string, flag: string): [string, string] {
  const m = /^(.+?)\.\.(.+)$/.exec(text);
  if (!m) throw new UsageError(`${flag}: expected FROM..TO, got ${JSON.stringify(text)}`);
  return [m[1]!, m[2]!];
}

function sameFile(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

async function tune(o: CliOptions, bar: ReturnType<typeof progressBar>): Promise<{ report: Report; summary: Record<string, unknown> }> {
  const file = o.tune!;
  const out = o.tunedOut!;
  if (sameFile(file, out)) throw new UsageError(`--tuned-out ${out}: refusing to overwrite the input model; choose a new file`);
  if (sameFile(out, "model/default-model.json")) throw new UsageError("--tuned-out: refusing to overwrite model/default-model.json; choose a new file");
  if (existsSync(out)) throw new UsageError(`--tuned-out ${out}: already exists; choose a new file`);
  if (o.bt.source === "simulate") throw new UsageError("--tune-policy tunes on history: give --swaps or --bars");
  const { loadModel, saveModel, withPolicy } = await import("../model/modelFile.ts");
  const model = await loadModel(file);
  const [vFrom, vTo] = splitRange(o.validation!, "--validation");
  const [tFrom, tTo] = splitRange(o.test!, "--test");
  // Under (a) fees scale with the fee at no cost in volume, so tuning needs (b).
  const bt: BacktestOptions = { ...o.bt, counterfactual: "resize", models: [], statics: [], ewma: false, foresight: false };
  const history = loadHistory(bt);
  // Reported "on a later test range": the test range must start where validation ends or after.
  const vEnd = parseBound(vTo, "validation", history.events, history.blocks);
  const tStart = parseBound(tFrom, "test", history.events, history.blocks);
  if (tStart < vEnd) throw new UsageError(`--test ${o.test}: the test range must come after the validation range (${o.validation})`);
  const result = await tunePolicy(model, { ...bt, from: vFrom, to: vTo }, { workers: o.workers, history, onProgress: (f) => bar.update(f * 0.9) });
  const best = result.best;
  // The winner alone gets a committed model (the Poseidon commitment of weights + policy).
  const saved = await withPolicy(model, best.policy);
  // meta is not committed to; the weights are the input model's, only the fee mapping changed.
  saved.file.meta = { ...model.file.meta, tunedFrom: file, tunedOn: `${o.bt.input} ${vFrom}..${vTo}`, tunedBy: "provenfee backtest --tune-policy (counterfactual resize, net LP PnL)", tunedAt: new Date().toISOString() };
  saveModel(saved, out);
  // The test range: tuned vs original vs the static tiers.
  const testModels = new Map<string, Model>([[out, saved], [file, model]]);
  const test = await runBacktest({ ...o.bt, counterfactual: "resize", from: tFrom, to: tTo, models: [out, file], foresight: false }, (f) => bar.update(0.9 + f * 0.1), testModels, history);
  return {
    report: test.report,
    summary: {
      tuned: { file: out, policy: best.policy, validationNetPnl: best.netPnl, commitment: saved.file.commitment },
      original: { file, policy: result.original.policy, validationNetPnl: result.original.netPnl },
      validation: {
        from: vFrom,
        to: vTo,
        candidates: result.evaluated.length,
        evaluated: result.evaluated.map((e) => ({ ...e.policy, netPnl: e.netPnl, stage: e.stage })),
      },
      test: { from: tFrom, to: tTo },
    },
  };
}

export async function backtestCommand(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    const parsed = parseArgs(argv);
    if (parsed === "help") {
      console.log(HELP);
      return 0;
    }
    o = parsed;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`provenfee backtest: ${e.message} (see --help)`);
      return 2;
    }
    throw e;
  }
  const bar = progressBar(o.progress ?? (process.stderr.isTTY === true && !o.json));
  try {
    if (o.tune) {
      const { report, summary } = await tune(o, bar);
      bar.done();
      if (o.json) process.stdout.write(JSON.stringify({ ...jsonSummary(report), tuning: summary }) + "\n");
      else if (!o.quiet) {
        console.log(`tuned ${o.tune} -> ${o.tunedOut}: ${JSON.stringify((summary.tuned as { policy: unknown }).policy)}\n`);
        console.log(formatTable(report, "quote"));
      }
      return 0;
    }
    if (o.sweep) {
      const points: SweepPoint[] = await runSweep(o.bt, o.sweep.name, o.sweep.values, o.workers, bar.update);
      bar.done();
      const first = points[0]!.summary as { swaps: number; from: string; to: string; policies: unknown[] };
      if (o.json) process.stdout.write(JSON.stringify({ swaps: first.swaps, from: first.from, to: first.to, policies: first.policies, sweep: points.map((p) => ({ [o.sweep!.name]: p.value, policies: (p.summary as { policies: unknown[] }).policies })) }) + "\n");
      else if (!o.quiet) {
        for (const p of points) {
          const s = p.summary as { policies: { name: string; netPnl: number; feeRevenue: number; lvr: number }[] };
          console.log(`${o.sweep.name}=${p.value}: ` + s.policies.map((q) => `${q.name} ${q.netPnl.toFixed(0)}`).join(", "));
        }
      }
      return 0;
    }
    const outcome = await runBacktest(o.bt, bar.update);
    bar.done();
    const command = `provenfee backtest ${argv.join(" ")}`;
    const files = writeOutputs(o.out, outcome.report, outcome.quoteName, outcome.forecasts, command, { html: o.html, png: o.png });
    if (o.json) process.stdout.write(JSON.stringify(jsonSummary(outcome.report)) + "\n");
    else if (!o.quiet) {
      console.log(`${outcome.report.mode}: ${outcome.report.swaps.toLocaleString("en-US")} swaps, ${outcome.report.from} to ${outcome.report.to}, ${outcome.seconds.toFixed(1)} s; values in ${outcome.quoteName}\n`);
      console.log(formatTable(outcome.report, outcome.quoteName));
      console.log(`\nwrote ${[files.json, files.csv, files.hourly, files.html, ...files.pngs].filter(Boolean).join(", ")}`);
    }
    return 0;
  } catch (e) {
    bar.done();
    if (e instanceof UsageError) {
      console.error(`provenfee backtest: ${e.message} (see --help)`);
      return 2;
    }
    const msg = (e as Error).message.split("\n")[0];
    console.error(`provenfee backtest: ${msg}`);
    return 1;
  }
}

export { InputError };
