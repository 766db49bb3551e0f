// `provenfee backtest`: would this fee model have paid LPs more than a static fee?
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Model } from "../model/modelFile.ts";
import { DataError } from "../history/index.ts";
import { jsonSummary, type Report } from "./metrics.ts";
import { formatTable, writeOutputs } from "./report.ts";
import { defaultOptions, loadHistory, parseBound, runBacktest, type BacktestOptions } from "./run.ts";
import { runSweep, type SweepPoint } from "./sweep.ts";
import { tunePolicy } from "./tune.ts";
import { withinValidatedFees } from "./policyFit.ts";
import { choiceOption, failure, numberOption, parseOptions, UsageError } from "../cli/options.ts";
import { PAIR_SPEC, pairHelp, parsePairFlags } from "../cli/pairFlags.ts";
import { shipped } from "../cli/shipped.ts";
import { CHAIN_PRESETS, KEEP_ALIVE_MODES, UPDATE_RULE_MODES } from "../model/updateRule.ts";

export const HELP = `usage: provenfee backtest (--swaps FILES | --bars FILES | --simulate) [options]

Replays fee policies on real pool history, or runs them in a simulated market, and compares what
LPs earn: fees, loss-versus-rebalancing (LVR), net LP PnL = fees - LVR, markouts, volume, fee
statistics, gas of fee updates, daily Sharpe (over a week or more) and drawdown, results per
volatility regime, and bootstrap intervals of each policy's edge over the best static tier.

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
  --elasticity E           volume elasticity per bp of fee above the historical fee (default 0.1: estimated
                           from the volume split between fee tiers, backtest/README.md)
  --classify-horizon S     seconds after a trade for its arbitrage markout (default 60)
  --reference FILE         a reference (CEX) price series: time column + --reference-column NAME
                           (default "price"), the price of the non-quote token in quote tokens;
                           Binance kline CSVs as downloaded (close at each minute's end)
  --from T, --to T         range [from, to): YYYY-MM-DD[THH:MM] (UTC), unix seconds, or block:N
                           (--to 2024-01-06 ends with 2024-01-05; train's --to DAY includes DAY);
                           the swaps before --from feed the policies' oracles only (a hook
                           deployed earlier)
  --period S               seconds per period (default 60)
${pairHelp(27)}
fee updates and their gas (backtest/README.md, "Updates only when they pay"):
  --update-rule pays|off   pays (default): a dynamic policy's fee change is sent only when |change| x
                           the fee base of the last H periods exceeds its gas; the pool charges the
                           last fee sent (its fallback fee once it falls back). off: every change
  --rule-horizon H         periods a fee change is assumed to persist (default: the policy's own
                           horizon, a model's forecast horizon: 30 for the shipped model)
  --liveness N             the hook's livenessPeriods (default 60, provenfee deploy's)
  --keep-alive-periods N   decide the pool's liveness this many periods before it would fall back (default 2)
  --keep-alive on-change|always
                           on-change (default): falling back is a change to the fallback fee, sent
                           against (or not) like any other; always: a keep-alive whatever it costs
  --fallback-fee P         the hooked pools' fallback fee, pips (default: each model file's
                           recommendation, meta.fallbackFee, else 3000, provenfee deploy's)
  --gas-per-update G       an update's gas, or its share of a batch's (default 280000, measured)
  --gas-price-gwei P       (default 20; or the --chain preset's)
  --chain mainnet|l2       gas-price preset, gas paid in ETH: mainnet 2.7 gwei (2025 average), l2
                           0.005 gwei (Base's minimum base fee since 2026-02-19; L1 data fee excluded)
  --gas-token-price Q      quote tokens per gas token (default: the pool's own price for a WETH pair
                           where gas is ETH: --chain, or Ethereum history; else gas in units only)
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
                           plots go (default reports/backtest); --no-html, --no-png; --sweep writes
                           sweep.json there; --tune-policy writes its model to --tuned-out
  --json                   print one JSON object on stdout (and nothing else)
  --quiet                  no table; --progress / --no-progress (default: on a terminal)
  -h, --help

exit status: 0 done, 1 bad data or a failed run (a one-line error naming file, row and field), 2 usage.`;

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
  return numberOption(flag, v ?? "", check, what);
}

const str = { type: "string" } as const;
const bool = { type: "boolean" } as const;
const SPEC = {
  swaps: str, bars: str, simulate: bool, static: str, model: { type: "string", multiple: true }, "ewma-half-life": str, ewma: { type: "boolean", negatable: true },
  foresight: { type: "boolean", negatable: true }, counterfactual: str, elasticity: str, "classify-horizon": str, reference: str, "reference-column": str,
  ...PAIR_SPEC, from: str, to: str, period: str, "gas-per-update": str, "gas-price-gwei": str,
  "gas-token-price": str, "update-rule": str, "rule-horizon": str, liveness: str, "keep-alive-periods": str, "keep-alive": str, "fallback-fee": str, chain: str, days: str, sigma: str, "block-seconds": str, blocks: str, seed: str, "initial-price": str, jumps: str, regimes: str,
  "noise-trades-per-day": str, "noise-size": str, "tune-policy": str, validation: str, test: str, "tuned-out": str, sweep: str, workers: str, out: str,
  html: { type: "boolean", negatable: true }, png: { type: "boolean", negatable: true }, json: bool, quiet: bool, progress: { type: "boolean", negatable: true },
} as const;

export function parseArgs(argv: string[]): CliOptions | "help" {
  const parsed = parseOptions("backtest", argv, SPEC);
  if (parsed === "help") return "help";
  const f = parsed.values;
  const o: CliOptions = { bt: defaultOptions(), json: f.json === true, quiet: f.quiet === true, progress: f.progress, out: f.out ?? "reports/backtest", html: f.html !== false, png: f.png !== false };
  const bt = o.bt;
  const sources = parsed.given.filter((n) => n === "swaps" || n === "bars" || n === "simulate").map((n) => `--${n}`);
  if (f.swaps !== undefined) [bt.source, bt.input] = ["swaps", f.swaps];
  if (f.bars !== undefined) [bt.source, bt.input] = ["bars", f.bars];
  if (f.simulate) bt.source = "simulate";
  if (f.static !== undefined) bt.statics = f.static === "none" ? [] : f.static.split(",").map((s) => num("--static", s, (x) => x >= 0 && x <= 10000, "bp values in [0, 10000] (or none)"));
  if (f.model) bt.models.push(...f.model);
  if (f["ewma-half-life"] !== undefined) bt.ewmaHalfLife = num("--ewma-half-life", f["ewma-half-life"], (x) => x > 0, "a positive number of periods");
  if (f.ewma === false) bt.ewma = false;
  if (f.foresight === false) bt.foresight = false;
  if (f.counterfactual !== undefined) bt.counterfactual = choiceOption("--counterfactual", f.counterfactual, ["same", "resize"] as const);
  if (f.elasticity !== undefined) bt.elasticity = num("--elasticity", f.elasticity, (x) => x >= 0, "a number >= 0");
  if (f["classify-horizon"] !== undefined) bt.classifyHorizon = num("--classify-horizon", f["classify-horizon"], (x) => x >= 0, "seconds >= 0");
  if (f.reference !== undefined) bt.reference = f.reference;
  if (f["reference-column"] !== undefined) bt.referenceColumn = f["reference-column"];
  if (f.from !== undefined) bt.from = f.from;
  if (f.to !== undefined) bt.to = f.to;
  Object.assign(bt, parsePairFlags(f));
  if (f.period !== undefined) bt.period = num("--period", f.period, (x) => Number.isInteger(x) && x > 0, "a positive integer (seconds)");
  if (f["gas-per-update"] !== undefined) bt.gasPerUpdate = num("--gas-per-update", f["gas-per-update"], (x) => x >= 0, "gas >= 0");
  if (f["gas-price-gwei"] !== undefined) bt.gasPriceGwei = num("--gas-price-gwei", f["gas-price-gwei"], (x) => x >= 0, "gwei >= 0");
  if (f["gas-token-price"] !== undefined) bt.gasTokenPrice = num("--gas-token-price", f["gas-token-price"], (x) => x >= 0, "a price >= 0");
  if (f.chain !== undefined) {
    bt.chain = choiceOption("--chain", f.chain, ["mainnet", "l2"] as const);
    if (f["gas-price-gwei"] === undefined) bt.gasPriceGwei = CHAIN_PRESETS[bt.chain].gasPriceGwei;
  }
  if (f["update-rule"] !== undefined) bt.updateRule = choiceOption("--update-rule", f["update-rule"], UPDATE_RULE_MODES);
  if (f["rule-horizon"] !== undefined) bt.ruleHorizon = num("--rule-horizon", f["rule-horizon"], (x) => Number.isInteger(x) && x >= 1, "a positive integer (periods)");
  if (f.liveness !== undefined) bt.liveness = num("--liveness", f.liveness, (x) => Number.isInteger(x) && x >= 1, "a positive integer (periods)");
  if (f["keep-alive-periods"] !== undefined) bt.keepAlivePeriods = num("--keep-alive-periods", f["keep-alive-periods"], (x) => Number.isInteger(x) && x >= 0, "an integer >= 0 (periods)");
  if (f["keep-alive"] !== undefined) bt.keepAlive = choiceOption("--keep-alive", f["keep-alive"], KEEP_ALIVE_MODES);
  if (f["fallback-fee"] !== undefined) bt.fallbackFee = num("--fallback-fee", f["fallback-fee"], (x) => Number.isInteger(x) && x >= 0 && x <= 1_000_000, "an integer number of pips in [0, 1000000]");
  if (!(bt.liveness > bt.keepAlivePeriods)) throw new UsageError(`--liveness ${bt.liveness} must exceed --keep-alive-periods ${bt.keepAlivePeriods}`);
  if (f.days !== undefined) bt.sim.days = num("--days", f.days, (x) => x > 0, "a positive number of days");
  if (f.sigma !== undefined) bt.sim.price.sigma = num("--sigma", f.sigma, (x) => x >= 0, "a volatility >= 0");
  if (f["block-seconds"] !== undefined) bt.sim.blockSeconds = num("--block-seconds", f["block-seconds"], (x) => x > 0, "positive seconds");
  if (f.blocks !== undefined) bt.sim.blockTiming = choiceOption("--blocks", f.blocks, ["fixed", "poisson"] as const);
  if (f.seed !== undefined) bt.sim.seed = f.seed;
  if (f["initial-price"] !== undefined) bt.sim.price.initial = num("--initial-price", f["initial-price"], (x) => x > 0, "a positive price");
  if (f.jumps !== undefined) {
    const [a, b, c] = f.jumps.split(",");
    bt.sim.price.jumps = { perDay: num("--jumps", a, (x) => x >= 0, "PER_DAY,MEAN_LOG,SD_LOG"), meanLog: num("--jumps", b, Number.isFinite, "PER_DAY,MEAN_LOG,SD_LOG"), sdLog: num("--jumps", c, (x) => x >= 0, "PER_DAY,MEAN_LOG,SD_LOG") };
  }
  if (f.regimes !== undefined) {
    const parts = f.regimes.split(",").map((p) => p.split(":"));
    bt.sim.price.regimes = { sigmas: parts.map(([s]) => num("--regimes", s, (x) => x >= 0, "SIGMA:DAYS,...")), meanDays: parts.map(([, d]) => num("--regimes", d, (x) => x > 0, "SIGMA:DAYS,...")) };
  }
  if (f["noise-trades-per-day"] !== undefined) bt.sim.noise = { ...bt.sim.noise!, tradesPerDay: num("--noise-trades-per-day", f["noise-trades-per-day"], (x) => x >= 0, "a number >= 0") };
  if (f["noise-size"] !== undefined) bt.sim.noise = { ...bt.sim.noise!, meanSize: num("--noise-size", f["noise-size"], (x) => x > 0, "a positive size") };
  o.tune = f["tune-policy"];
  o.validation = f.validation;
  o.test = f.test;
  o.tunedOut = f["tuned-out"];
  if (f.sweep !== undefined) {
    const m = /^([a-z-]+)=(.+)$/.exec(f.sweep);
    if (!m) throw new UsageError(`--sweep: expected NAME=V1,V2,..., got '${f.sweep}'`);
    o.sweep = { name: m[1]!, values: m[2]!.split(",") };
  }
  if (f.workers !== undefined) o.workers = num("--workers", f.workers, (x) => Number.isInteger(x) && x >= 1, "a positive integer");
  if (sources.length === 0 && !o.tune) throw new UsageError("give the data: --swaps FILES, --bars FILES or --simulate");
  if (sources.length > 1) throw new UsageError(`give one data source, not ${sources.join(" and ")}`);
  if (o.bt.source === "simulate" && o.bt.counterfactual !== "same") throw new UsageError("--counterfactual: applies to history, not --simulate");
  if (o.tune && (!o.validation || !o.test || !o.tunedOut)) throw new UsageError("--tune-policy: needs --validation FROM..TO, --test FROM..TO and --tuned-out FILE");
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
  if (sameFile(out, shipped("model/default-model.json"))) throw new UsageError("--tuned-out: refusing to overwrite the shipped model/default-model.json; choose a new file");
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
  // Its bounds narrowed to the fees it charged on validation, as `provenfee train` ships a fitted
  // policy (policyFit.ts): the same validation result, and no fee on later data that validation never tried.
  const policy = await withinValidatedFees(model, best.policy, { ...bt, from: vFrom, to: vTo }, history);
  // The winner alone gets a committed model (the Poseidon commitment of weights + policy).
  const saved = await withPolicy(model, policy);
  // meta is not committed to; the weights are the input model's, only the fee mapping changed.
  // The fallback fee it was tuned with (--fallback-fee, else the input model's recommendation) goes with it.
  saved.file.meta = { ...model.file.meta, ...(o.bt.fallbackFee !== undefined ? { fallbackFee: o.bt.fallbackFee } : {}), policyFrom: `tuned by provenfee backtest --tune-policy on ${o.bt.input} ${vFrom}..${vTo}`, reference: o.bt.reference ?? "the pool's own price", tunedFrom: file, tunedOn: `${o.bt.input} ${vFrom}..${vTo}`, tunedBy: "provenfee backtest --tune-policy (counterfactual resize, net LP PnL)", tunedAt: new Date().toISOString() };
  saveModel(saved, out);
  // The test range: tuned vs original vs the static tiers.
  const testModels = new Map<string, Model>([[out, saved], [file, model]]);
  const test = await runBacktest({ ...o.bt, counterfactual: "resize", from: tFrom, to: tTo, models: [out, file], foresight: false }, (f) => bar.update(0.9 + f * 0.1), testModels, history);
  return {
    report: test.report,
    summary: {
      tuned: { file: out, policy, searched: best.policy, validationNetPnl: best.netPnl, commitment: saved.file.commitment },
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
    return failure("backtest", e);
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
      const sweepJson = JSON.stringify({ swaps: first.swaps, from: first.from, to: first.to, policies: first.policies, sweep: points.map((p) => ({ [o.sweep!.name]: p.value, policies: (p.summary as { policies: unknown[] }).policies })) });
      mkdirSync(o.out, { recursive: true });
      const sweepFile = path.join(o.out, "sweep.json");
      writeFileSync(sweepFile, `${sweepJson}\n`);
      if (o.json) process.stdout.write(sweepJson + "\n");
      else if (!o.quiet) {
        console.log(`net LP PnL before gas (fees - LVR), in the quote token, per ${o.sweep.name}; every figure in ${sweepFile}:`);
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
    return failure("backtest", e);
  }
}

