// `provenfee train` and `provenfee evaluate`: flag parsing, progress and printing only; the work is
// in pipeline.ts. Exit codes: 0 done, 1 bad data or a failed run (one-line error on stderr),
// 2 bad usage, 3 (`evaluate --require-win` only) the model did not beat the best baseline.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { loadModel } from "../model/index.ts";
import type { DataFormat } from "../history/index.ts";
import { DEFAULT_CORRECTION, type BackendChoice, type EpochLog, type Levels } from "./fit.ts";
import { REPORTED_ELASTICITIES, type PolicyFitResult } from "../backtest/policyFit.ts";
import { ESTIMATED_ELASTICITY } from "../backtest/run.ts";
import {
  DEFAULT_DATA, DEFAULT_FROM, DEFAULT_MODEL, DEFAULT_TO, REQUIRED_NAMES, fileName, runEvaluation, runTraining,
  type TrainOptions,
} from "./pipeline.ts";
import { resolveFormat } from "./dataset.ts";
import { POOLS } from "./pools.ts";
import type { ScoredForecast } from "./forecasts.ts";
import { choiceOption, failure, numberOption, parseOptions, UsageError } from "../cli/options.ts";
import { CHAIN_PRESETS, UPDATE_RULE_MODES } from "../model/updateRule.ts";
import { shipped } from "../cli/shipped.ts";
import { PAIR_SPEC, pairHelp, parsePairFlags } from "../cli/pairFlags.ts";

interface FlagSpec {
  [name: string]: "string" | "number" | "boolean";
}

/** The shared parser (cli/options.ts) with numbers converted here, each error naming its option. */
function parseFlags(argv: string[], spec: FlagSpec, command: string): Record<string, string | number | boolean> {
  // The booleans the help offers as `--no-NAME` (on by default).
  const negatable = new Set(["correction", "policy-fit"]);
  const parsed = parseOptions(command, argv, Object.fromEntries(Object.entries(spec).map(([name, kind]) => [name, kind === "boolean" ? { type: "boolean" as const, negatable: negatable.has(name) } : { type: "string" as const }])));
  if (parsed === "help") return { help: true };
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined) continue;
    out[name] = spec[name] === "number" ? numberOption(`--${name}`, value as string) : (value as string | boolean);
  }
  return out;
}

function str(f: Record<string, unknown>, k: string, d: string): string {
  return (f[k] as string | undefined) ?? d;
}
function num(f: Record<string, unknown>, k: string, d: number): number {
  return (f[k] as number | undefined) ?? d;
}
function int(f: Record<string, unknown>, k: string, d: number, min = 1): number {
  const v = num(f, k, d);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${k}: must be an integer >= ${min}, got ${v}`);
  return v;
}

function parseDate(text: string, name: string, endOfDay: boolean): number {
  const day = /^\d{4}-\d\d-\d\d$/.test(text);
  const ms = Date.parse(day ? `${text}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name}: '${text}' is not a date (YYYY-MM-DD or an ISO time, UTC)`);
  return ms / 1000 + (day && endOfDay ? 86400 : 0);
}

function parseSplit(text: string): [number, number] {
  const parts = text.split(",").map(Number);
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p)) || !(parts[0]! > 0 && parts[1]! > 0 && parts[0]! + parts[1]! < 1)) {
    throw new UsageError(`--split: expected TRAIN,VALIDATION fractions such as 0.6,0.2 (test is the rest), got '${text}'`);
  }
  return [parts[0]!, parts[1]!];
}

function parseFormat(text: string): DataFormat | "auto" {
  if (text === "auto" || text === "minute" || text === "swaps") return text;
  throw new UsageError(`--format: must be auto, minute or swaps, got '${text}'`);
}

/** --data/--from/--to: with no --data, the contiguous 35-day Polygon series shipped in data/. */
function dataFlags(f: Record<string, unknown>) {
  const given = f.data !== undefined;
  const from = f.from !== undefined ? parseDate(f.from as string, "from", false) : given ? undefined : parseDate(DEFAULT_FROM, "from", false);
  const to = f.to !== undefined ? parseDate(f.to as string, "to", true) : given ? undefined : parseDate(DEFAULT_TO, "to", true);
  if (from !== undefined && to !== undefined && to <= from) {
    // Without --data the shipped series' dates are the defaults: say which bound was not given.
    throw new UsageError(f.to === undefined ? `--from: must be before ${DEFAULT_TO}, the end of the shipped series (give --to, or --data)` : f.from === undefined ? `--to: must be after ${DEFAULT_FROM}, the start of the shipped series (give --from, or --data)` : "--to: must be after --from");
  }
  return {
    data: str(f, "data", shipped(DEFAULT_DATA)),
    format: parseFormat(str(f, "format", "auto")),
    from,
    to,
    split: parseSplit(str(f, "split", "0.6,0.2")),
    maxFill: int(f, "max-fill", 5, 0),
    maxGapSeconds: num(f, "max-gap-hours", 6) * 3600,
  };
}

const DATA_HELP = `Data:
  --data PATH[,PATH...]   a .csv or .csv.gz file, a comma-separated list, or a folder; minute bars
                          (demeter: timestamp, closeTick, inAmount0, inAmount1, ...) or per-swap rows
                          (block_number, block_timestamp, pool_log_index, current_tick, ...).
                          Default: ${DEFAULT_DATA} from ${DEFAULT_FROM} to ${DEFAULT_TO}
                          (the contiguous 35-day series).
  --format F              auto (default: from each file's header), minute or swaps
  --from DATE, --to DATE  keep rows in [from, to] (UTC; a bare YYYY-MM-DD 'to' includes that day)
  --split T,V             walk-forward fractions for train and validation (default 0.6,0.2; test = rest)
  --max-fill N            forward-fill up to N consecutive missing minutes as minutes without swaps
                          (default 5; the count is printed). Longer holes split the series.
  --max-gap-hours H       per-swap rows: a silence longer than H hours splits the series (default 6)`;

export const TRAIN_HELP = `usage: provenfee train [options]

Fits the volatility model of model/SPEC.md §4 on QLIKE: the level forecast (a non-negative mix of
the oracle's five EWMA variances plus a constant), started from the best on validation of EWMA,
GARCH(1,1) and HAR-RV projected into that space and the prior's levels (a model fitted on other
pools), then a learned correction in TensorFlow.js kept only if it helps on validation. Writes a
model file (float and quantized weights, fee policy, commitment), a training report (JSON) and a
PNG of forecast vs realized volatility on the test part.

${DATA_HELP}

Model:
  --period S              seconds per period (default 60)
  --horizon H             forecast horizon in periods: target = realized variance of the next H (default 30)
  --seed N                random seed (default 1): same seed, same data, same model file
  --prior FILE            a model whose levels are a candidate start, kept only where validation
                          prefers them (default ${DEFAULT_MODEL}: fitted on every pool in data/)
  --no-prior              start from the projected baselines only
  --no-correction         levels only: skip the learned correction
  --epochs N              maximum epochs of the correction (default ${DEFAULT_CORRECTION.maxEpochs})
  --patience N            early stopping: epochs without a better validation QLIKE (default ${DEFAULT_CORRECTION.patience})
  --lr X                  Adam learning rate of the correction (default ${DEFAULT_CORRECTION.learningRate})
  --l2 X                  L2 penalty on the correction's weights (default ${DEFAULT_CORRECTION.l2})
  --backend B             auto (tfjs-node-gpu if installed, else wasm), tensorflow, wasm or cpu

Fee policy (step 2; --no-policy-fit keeps the policy of --policy-from):
  --no-policy-fit         skip the fit: take the fee policy from --policy-from
  --policy-from FILE      the starting (or, with --no-policy-fit, the kept) fee policy (default ${DEFAULT_MODEL})
  --reference FILE        a CEX reference price (time,price, or Binance kline CSVs as downloaded)
                          for LVR and arbitrage classification;
                          default: the pool's own price
  --elasticity E          the volume elasticity per bp whose fitted policy the model file ships
                          (default ${ESTIMATED_ELASTICITY}, estimated from data: backtest/README.md); the report
                          always covers ${REPORTED_ELASTICITIES.join(", ")}
  --update-rule pays|off  the fitted policy is judged on the updates it would really send: pays
                          (default) sends a fee change only when it is worth its gas, falling back
                          counting as a change to the fallback fee, the best constant fee chosen on
                          validation (model/updateRule.ts); off: every change
  --rule-horizon H        periods a fee change is assumed to persist (default: --horizon)
  --gas-price-gwei G      gas price of fee updates (default 20, or the --chain preset's); gas is priced
                          in quote tokens where the chain and pair allow (WETH pairs where gas is ETH:
                          mainnet history or --chain), else counted only
  --chain mainnet|l2      gas-price preset, gas paid in ETH: mainnet 2.7 gwei, l2 0.005 gwei
                          (sources: backtest/README.md, "Updates only when they pay")
  --gas-token-price P     quote tokens per unit of the gas token (prices gas on any chain)
  --workers N             threads for the policy fit (default: all cores)

${pairHelp(26, true)}

Output:
  --out FILE              model file (default trained-model.json; written atomically)
  --report FILE           training report JSON (default: FILE with .report.json)
  --plot FILE             PNG of the test period (default: FILE with .png); --no-plot to skip
  --json                  print the training report JSON on stdout (progress goes to stderr)
  --quiet                 no progress bar
  -h, --help              this text`;

export const EVALUATE_HELP = `usage: provenfee evaluate [options]

Compares a model file with the classic volatility forecasts on the held-out last part of a data set
(walk-forward: baselines fitted on everything before the test part, see --fit-on): EWMA (lambda
0.94 and tuned), GARCH(1,1) by maximum likelihood, HAR-RV (Corsi 2009) by least squares, the model
in float and the model exactly as the circuit computes it. QLIKE and MSE of realized variance over
the model's horizon, Diebold-Mariano test of each against the model (positive: the model is better).
Realized and forecast variances are floored at 1 tick^2 (the circuit's own floor) for every forecast.

  --model FILE            model file (default ${DEFAULT_MODEL})
${DATA_HELP.split("\n").slice(1).join("\n")}
  --fit-on R              rows the baselines are fitted on: train+validation (default: the last 20%
                          is the test, everything before it fits GARCH and HAR and tunes the EWMA
                          lambda, as the default model was refitted) or train (lambda tuned on validation)
  --dm-lag N              Newey-West lag of the DM test (default max(2 * horizon, 4 (n/100)^(2/9)))
  --plot FILE             also write a PNG of forecast vs realized volatility
  --require-win           exit 3 unless the model beats the best of HAR, tuned EWMA and GARCH on
                          QLIKE with a one-sided DM p-value below 0.05
  --json                  one JSON object on stdout: {"test": {"from","to","n"}, "results": [{"name",
                          "qlike","mse","dmVsModel",...}], ...}
  -h, --help              this text`;

function progress(quiet: boolean) {
  const tty = process.stderr.isTTY;
  let lastVariant = "";
  return (variant: string, e: EpochLog) => {
    if (quiet) return;
    const width = 24;
    const done = Math.round((e.epoch / e.maxEpochs) * width);
    const bar = `[${"#".repeat(done)}${".".repeat(width - done)}]`;
    const line = `${variant.padEnd(6)} ${bar} epoch ${String(e.epoch).padStart(3)}/${e.maxEpochs}  loss ${e.loss.toFixed(4)}  val ${e.valLoss.toFixed(4)}  best ${e.bestValLoss.toFixed(4)} @ ${e.bestEpoch}`;
    if (tty) {
      if (lastVariant && lastVariant !== variant) process.stderr.write("\n");
      process.stderr.write(`\r${line}`);
    } else if (e.epoch === 1 || e.epoch % 10 === 0) process.stderr.write(`${line}\n`);
    lastVariant = variant;
  };
}

function fmt(x: number | null, digits = 4): string {
  if (x === null || x === undefined) return "-";
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e5 ? x.toExponential(3) : x.toFixed(digits);
}

export function resultsTable(results: ScoredForecast[]): string {
  const head = ["forecast", "QLIKE", "QLIKE (RV>0)", "MSE", "DM vs model", "p (model better)"];
  const rows = results.map((r) => [r.name, fmt(r.qlike), fmt(r.qlikeNonzero), fmt(r.mse, 0), r.dmVsModel === null ? "-" : fmt(r.dmVsModel, 2), r.dmPValue === null ? "-" : fmt(r.dmPValue, 3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function verdictLine(v: { bestBaseline: string; modelBeatsBest: boolean; dmVsBest: number | null; pValueVsBest: number | null; significant: boolean; quantizationLossPct: number | null }): string {
  const q = v.quantizationLossPct === null ? "" : `; quantized vs float QLIKE ${v.quantizationLossPct >= 0 ? "+" : ""}${v.quantizationLossPct.toFixed(3)}%`;
  if (!v.modelBeatsBest) return `verdict: the model does NOT beat the best baseline (${v.bestBaseline}) on QLIKE (DM ${fmt(v.dmVsBest, 2)})${q}`;
  return `verdict: the model beats the best baseline (${v.bestBaseline}) on QLIKE, DM ${fmt(v.dmVsBest, 2)}, one-sided p = ${fmt(v.pValueVsBest, 3)}${v.significant ? " (significant at 5%)" : " (NOT significant at 5%)"}${q}`;
}

const money = (x: number) => (Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : Math.abs(x) >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

/** The policy fit's test-range verdicts, one block per elasticity. */
export function policyFitTable(fit: PolicyFitResult): string {
  const updates = fit.updateRule === "pays" ? `the updates the update rule sends${fit.gasPriced ? "" : " (every change: gas not priced)"}` : "every fee change an update (--update-rule off)";
  const gas = fit.gasPriced ? ` after update gas at ${fit.gasPriceGwei} gwei` : " (gas not priced for this chain: fees - LVR)";
  const lines = [`fee policy fitted by net LP PnL${gas} on validation, counterfactual (b), ${updates}; test range, never used for a choice:`];
  for (const r of fit.rows) {
    const p = r.fitted;
    const names = Object.keys(r.test).filter((n) => n !== "fitted").sort((a, b) => Number(/([\d.]+)bp/.exec(a)![1]) - Number(/([\d.]+)bp/.exec(b)![1]));
    lines.push(`elasticity ${r.elasticity}${r.elasticity === fit.shipElasticity ? " (shipped)" : ""}: fitted base ${p.base} slope ${p.slope} bounds [${p.modelFeeMin}, ${p.modelFeeMax}] pips; best constant on validation ${r.validation.bestConstantBps} bp${r.validation.bestConstantBps === r.validation.gridBestBps ? "" : ` (of the grid and the constants the search tried; the grid's best: ${r.validation.gridBestBps} bp)`}; ${r.validation.shipsConstant ? "the dynamics did not beat it on validation, so the fit ships it and the pool rests on it (its fallback fee)" : `the pool's fallback fee ${r.fallbackFee / 100} bp`}`);
    lines.push(`  test net: fitted ${money(r.test.fitted!.net)} (mean fee ${r.test.fitted!.meanFeeBps.toFixed(1)} bp, ${r.test.fitted!.updates} updates) | ${names.map((n) => `${n.replace("static-", "")} ${money(r.test[n]!.net)}`).join(" | ")}`);
    for (const e of r.edges) lines.push(`  edge vs ${e.versus.padEnd(45)} ${money(e.edge).padStart(9)}  [${money(e.lo)}, ${money(e.hi)}]  P(edge>0) ${e.pPositive.toFixed(2)}`);
    lines.push(`  verdict: ${r.beatsBestConstant ? "beats" : "does NOT beat"} the best constant fee; ${r.beatsEveryTier ? "beats" : "does NOT beat"} every static tier`);
    if (r.notShipped) {
      const d = r.notShipped;
      lines.push(`  set aside: the dynamic policy (base ${d.policy.base} slope ${d.policy.slope} bounds [${d.policy.modelFeeMin}, ${d.policy.modelFeeMax}]) would have netted ${money(d.net)} on test (${d.updates} updates), ${money(d.edge.edge)} [${money(d.edge.lo)}, ${money(d.edge.hi)}] vs the best constant (reported only)`);
    }
    // A fee that never moves is a static fee with extra costs: the hook's keep-alive updates.
    if (p.slope === 0 || p.modelFeeMin >= p.modelFeeMax) {
      const fixed = Math.min(Math.max(p.base, p.modelFeeMin), p.modelFeeMax);
      lines.push(
        fixed === r.fallbackFee
          ? `  note: the fitted fee does not move (${fixed} pips, the fallback fee): the pool is left on its fallback fee, as a static pool (${r.test.fitted!.updates} updates on the test range)`
          : `  note: the fitted fee does not move (${fixed} pips): a static pool at that fee charges the same without the hook's updates (${r.test.fitted!.updates} on the test range)`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * The levels of a model file as a candidate start (`--prior`): its level sum only (a correction, if it
 * has one, is not carried over). A prior for another period or horizon forecasts another quantity: refused.
 */
async function priorLevels(file: string, period: number, horizon: number, given: boolean, onSkip: (line: string) => void): Promise<{ name: string; levels: Levels; fittedOn?: string[] } | null> {
  const m = await loadModel(file);
  if (m.file.period !== period || m.file.horizon !== horizon) {
    // The shipped default, offered by default, simply does not apply to another period or horizon.
    if (!given) {
      onSkip(`prior: the shipped default is a model for ${m.file.period}-s periods and a ${m.file.horizon}-period horizon: not a candidate start here`);
      return null;
    }
    throw new UsageError(`--prior ${file}: a model for period ${m.file.period} s and horizon ${m.file.horizon}, not ${period} s and ${horizon} (pass --no-prior or a prior for these)`);
  }
  const levels = [m.file.float.c0, ...m.file.float.w] as Levels;
  if (file !== shipped(DEFAULT_MODEL)) return { name: `prior ${path.basename(file)}`, levels };
  return { name: "default", levels, fittedOn: defaultModelFiles() };
}

/** The data/ files the shipped default model was fitted on (training/pools.ts; train + validation rows of each). */
function defaultModelFiles(): string[] {
  const names: string[] = [];
  for (const pool of POOLS) {
    for (const f of resolveFormat(shipped(pool.data)).files) {
      const day = /(\d{4}-\d\d-\d\d)/.exec(path.basename(f))?.[1];
      if (pool.from && pool.to && day && (day < pool.from || day > pool.to)) continue;
      names.push(fileName(f));
    }
  }
  return names;
}

export async function trainCommand(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(TRAIN_HELP);
    return 0;
  }
  try {
    const f = parseFlags(argv, {
      data: "string", format: "string", from: "string", to: "string", split: "string", "max-fill": "number", "max-gap-hours": "number",
      period: "number", horizon: "number", seed: "number", correction: "boolean", epochs: "number", patience: "number",
      lr: "number", l2: "number", backend: "string", "policy-from": "string", "policy-fit": "boolean", reference: "string", elasticity: "number",
      "gas-price-gwei": "number", "gas-token-price": "number", "update-rule": "string", "rule-horizon": "number", chain: "string", workers: "number", out: "string", report: "string", plot: "string",
      ...Object.fromEntries(Object.keys(PAIR_SPEC).map((k) => [k, "string" as const])),
      "no-plot": "boolean", json: "boolean", quiet: "boolean", prior: "string", "no-prior": "boolean",
    }, "train");
    const backend = str(f, "backend", "auto");
    if (!["auto", "tensorflow", "wasm", "cpu"].includes(backend)) throw new UsageError(`--backend: must be auto, tensorflow, wasm or cpu, got '${backend}'`);
    const out = str(f, "out", "trained-model.json");
    const stem = out.replace(/\.json$/, "");
    const policySource = str(f, "policy-from", shipped(DEFAULT_MODEL));
    const policyModel = (await loadModel(policySource)).file;
    const policy = policyModel.policy;
    // The fallback fee goes with the policy it was recommended for (--no-policy-fit ships that policy).
    const policyFallbackFee = typeof policyModel.meta?.fallbackFee === "number" ? policyModel.meta.fallbackFee : undefined;
    if (f["no-prior"] && f.prior !== undefined) throw new UsageError("--prior and --no-prior: give one");
    const priorSource = f["no-prior"] ? null : str(f, "prior", shipped(DEFAULT_MODEL));
    const prior = priorSource === null ? null : await priorLevels(priorSource, int(f, "period", 60), int(f, "horizon", 30), f.prior !== undefined, (line) => f.quiet || console.error(line));
    const lr = num(f, "lr", DEFAULT_CORRECTION.learningRate);
    const l2 = num(f, "l2", DEFAULT_CORRECTION.l2);
    if (!(lr > 0)) throw new UsageError(`--lr: must be positive, got ${lr}`);
    if (!(l2 >= 0)) throw new UsageError(`--l2: must be >= 0, got ${l2}`);
    const plot = f["no-plot"] ? null : typeof f.plot === "string" ? f.plot : `${stem}.png`;
    const elasticity = num(f, "elasticity", ESTIMATED_ELASTICITY);
    if (!(elasticity >= 0)) throw new UsageError(`--elasticity: must be >= 0, got ${elasticity}`);
    const horizon = int(f, "horizon", 30);
    if (horizon >= 2 ** 16) throw new UsageError("--horizon: must be below 65536");
    const chain = f.chain !== undefined ? choiceOption("--chain", String(f.chain), ["mainnet", "l2"] as const) : undefined;
    const updateRule = f["update-rule"] !== undefined ? choiceOption("--update-rule", String(f["update-rule"]), UPDATE_RULE_MODES) : undefined;
    const ruleHorizon = f["rule-horizon"] !== undefined ? int(f, "rule-horizon", 30) : undefined;
    const options: TrainOptions = {
      ...dataFlags(f),
      period: int(f, "period", 60),
      horizon,
      seed: int(f, "seed", 1, 0),
      correction: f.correction === false ? null : { maxEpochs: int(f, "epochs", DEFAULT_CORRECTION.maxEpochs), patience: int(f, "patience", DEFAULT_CORRECTION.patience), learningRate: lr, l2 },
      backend: backend as BackendChoice,
      policy,
      policySource,
      policyFallbackFee,
      pair: parsePairFlags(f as Record<string, string>),
      prior,
      policyFit: f["policy-fit"] === false ? null : {
        reference: typeof f.reference === "string" ? f.reference : undefined,
        elasticities: [...new Set([...REPORTED_ELASTICITIES, elasticity])].sort((a, b) => a - b),
        shipElasticity: elasticity,
        gasPriceGwei: (f["gas-price-gwei"] as number | undefined) ?? (chain ? CHAIN_PRESETS[chain].gasPriceGwei : undefined),
        gasTokenPrice: f["gas-token-price"] as number | undefined,
        chain,
        updateRule,
        ruleHorizon,
        workers: f.workers !== undefined ? int(f, "workers", 1) : undefined,
      },
      out,
      reportPath: str(f, "report", `${stem}.report.json`),
      plotPath: plot,
      onEpoch: progress(Boolean(f.quiet)),
      log: f.quiet ? undefined : (l) => console.error(l),
    };
    // The folders of what it writes exist before minutes of fitting, not after.
    makeFoldersFor([options.out, options.reportPath, options.plotPath]);
    const { report } = await runTraining(options);
    if (!f.quiet && process.stderr.isTTY) process.stderr.write("\n");
    if (f.json) {
      console.log(JSON.stringify(report));
      return 0;
    }
    console.log(`validation (${report.validation.rows.from.slice(0, 16)} .. ${report.validation.rows.to.slice(0, 16)}, n=${report.validation.rows.n}):`);
    console.log(resultsTable(report.validation.results));
    console.log(`\ntest, held out (${report.test.rows.from.slice(0, 16)} .. ${report.test.rows.to.slice(0, 16)}, n=${report.test.rows.n}, DM lag ${report.test.dmLag}):`);
    console.log(resultsTable(report.test.results));
    console.log(verdictLine(report.test.verdict));
    if (report.policyFit) console.log(`\n${policyFitTable(report.policyFit)}`);
    console.log(`wrote ${out} (commitment ${report.model.commitment}), ${options.reportPath}${plot ? `, ${plot}` : ""} in ${report.seconds.toFixed(1)} s`);
    return 0;
  } catch (e) {
    return failure("train", e);
  }
}

/** Creates the folders the given output files go in (as backtest --out does). */
function makeFoldersFor(files: (string | null | undefined)[]): void {
  for (const file of files) if (file) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
}

export async function evaluateCommand(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(EVALUATE_HELP);
    return 0;
  }
  try {
    const f = parseFlags(argv, {
      model: "string", data: "string", format: "string", from: "string", to: "string", split: "string", "max-fill": "number", "max-gap-hours": "number",
      "dm-lag": "number", plot: "string", json: "boolean", "require-win": "boolean", "fit-on": "string",
    }, "evaluate");
    const fitOn = str(f, "fit-on", "train+validation");
    if (fitOn !== "train" && fitOn !== "train+validation") throw new UsageError(`--fit-on: must be train or train+validation, got '${fitOn}'`);
    makeFoldersFor([typeof f.plot === "string" ? f.plot : null]);
    const result = await runEvaluation({
      ...dataFlags(f),
      modelPath: str(f, "model", shipped(DEFAULT_MODEL)),
      dmLag: f["dm-lag"] !== undefined ? int(f, "dm-lag", 0, 0) : undefined,
      fitOn,
      plotPath: typeof f.plot === "string" ? f.plot : null,
      log: f.json ? (l) => console.error(l) : (l) => console.log(l),
    });
    const names = new Set(result.results.map((r) => r.name));
    for (const n of REQUIRED_NAMES) if (!names.has(n)) throw new Error(`internal: result '${n}' missing`);
    if (f.json) console.log(JSON.stringify(result));
    else {
      console.log(`model ${path.normalize(result.model.path)} (commitment ${result.model.commitment.slice(0, 18)}..., horizon ${result.model.horizon} periods of ${result.model.period} s)`);
      console.log(`test: ${result.test.from.slice(0, 16)} .. ${result.test.to.slice(0, 16)} UTC, n=${result.test.n} forecasts, DM lag ${result.dmLag}, zero realized variance in ${(100 * result.zeroShare).toFixed(1)}%`);
      console.log(resultsTable(result.results));
      console.log(verdictLine(result.verdict));
    }
    if (f["require-win"] && !result.verdict.significant) return 3;
    return 0;
  } catch (e) {
    return failure("evaluate", e);
  }
}
