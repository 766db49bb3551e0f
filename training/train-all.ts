// `provenfee train` (forecast, then fee policy) on every real pool history in data/, plus thinned
// copies of the busy 35-day series (a thinly traded pool: a random 20%, 5% or 2% of its traded minutes
// kept, training/thin.ts), and the tables of training/README.md and backtest/README.md.
//
//   npx tsx training/train-all.ts [--out training/results/pools.json] [--no-policy-fit] [--only NAME]
//
// Each pool: walk-forward split 60/20/20 of its own history; the model and its fee policy are chosen on
// train/validation only and reported on the last 20% (see training/pipeline.ts). A Binance ETH/USDT
// reference is used where data/ has one for those dates; elsewhere the pool's own price.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { loadModel } from "../model/index.ts";
import { REPORTED_ELASTICITIES, type PolicyFitResult } from "../backtest/policyFit.ts";
import { ESTIMATED_ELASTICITY } from "../backtest/run.ts";
import { DEFAULT_CORRECTION } from "./fit.ts";
import { runTraining } from "./pipeline.ts";
import { loadPool, pooledLevels } from "./default.ts";
import { refitSplit } from "./dataset.ts";
import { POOLS } from "./pools.ts";

const REFERENCES: { from: string; to: string; file: string }[] = [
  { from: "2022-07-18", to: "2022-08-23", file: "data/reference-binance-ethusdt/binance-ethusdt-1m-2022-07-18..2022-08-23.csv.gz" },
  { from: "2023-11-09", to: "2023-11-11", file: "data/reference-binance-ethusdt/binance-ethusdt-1m-2023-11-09..2023-11-11.csv.gz" },
];

function referenceFor(from: string, to: string): string | undefined {
  return REFERENCES.find((r) => from >= r.from && to <= r.to)?.file;
}

interface Entry {
  name: string;
  data: string;
  from?: string;
  to?: string;
  /** The days the history covers, for the reference lookup. */
  days: [string, string];
  /** The POOLS history it is (or is thinned from): the default recipe's prior is refitted without it. */
  pool: number;
}

function entries(thinDir: string): Entry[] {
  const list: Entry[] = POOLS.map((p, pool) => {
    const day = /(\d{4}-\d\d-\d\d)/.exec(p.data)?.[1];
    return { ...p, days: [p.from ?? day!, p.to ?? day!] as [string, string], pool };
  });
  for (const keep of [0.2, 0.05, 0.02]) {
    for (const seed of [1, 2]) {
      const dir = path.join(thinDir, `thin-${keep}-s${seed}`);
      execFileSync(process.execPath, ["--import", "tsx", "training/thin.ts", "--data", "data/polygon-usdc-weth-005-minute", "--from", "2022-07-19", "--to", "2022-08-22", "--keep", String(keep), "--seed", String(seed), "--out", dir], { stdio: "ignore" });
      list.push({ name: `polygon 35 days thinned to ${100 * keep}% of traded minutes (seed ${seed})`, data: dir, days: ["2022-07-19", "2022-08-22"], pool: 0 });
    }
  }
  return list;
}

const fmt = (x: number | null | undefined, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));
const money = (x: number) => (Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : Math.abs(x) >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const out = arg("out") ?? "training/results/pools.json";
  const only = arg("only");
  const fitPolicy = !process.argv.includes("--no-policy-fit");
  const tmp = mkdtempSync(path.join(tmpdir(), "provenfee-train-all-"));
  const policy = (await loadModel("model/default-model.json")).file.policy;
  // The prior each history is trained with: the default model's recipe refitted without that pool (its
  // train + validation rows never seen), as the shipped default is a prior for a pool it never saw.
  const pools = POOLS.map(loadPool);
  const priorWithout = (i: number) => ({ name: "default-loo", levels: pooledLevels(pools.filter((_, j) => j !== i), (p) => refitSplit(p.split).train) });
  const results = [];
  for (const e of entries(tmp)) {
    if (only && !e.name.includes(only)) continue;
    const reference = referenceFor(e.days[0], e.days[1]);
    const started = performance.now();
    const { report } = await runTraining({
      data: e.data, split: [0.6, 0.2], period: 60, horizon: 30, seed: 1,
      from: e.from ? Date.parse(`${e.from}T00:00:00Z`) / 1000 : undefined,
      to: e.to ? Date.parse(`${e.to}T00:00:00Z`) / 1000 + 86400 : undefined,
      correction: { ...DEFAULT_CORRECTION },
      backend: "auto",
      policy,
      policySource: "model/default-model.json",
      prior: priorWithout(e.pool),
      policyFit: fitPolicy ? { reference, elasticities: REPORTED_ELASTICITIES, shipElasticity: ESTIMATED_ELASTICITY } : null,
      out: path.join(tmp, "model.json"),
      reportPath: path.join(tmp, "model.report.json"),
      plotPath: null,
    });
    const seconds = (performance.now() - started) / 1000;
    const by = new Map(report.test.results.map((r) => [r.name, r]));
    const v = report.test.verdict;
    const row = {
      pool: e.name, data: e.data, reference: reference ?? "the pool's own price", seconds,
      test: report.test.rows, zeroShare: report.test.zeroShare,
      qlike: { model: by.get("model-quantized")!.qlike, ewmaTuned: by.get("ewma-tuned")!.qlike, garch: by.get("garch")!.qlike, har: by.get("har")!.qlike },
      bestBaseline: v.bestBaseline, dmVsBest: v.dmVsBest, pValueVsBest: v.pValueVsBest, modelBeatsBest: v.modelBeatsBest,
      fit: { start: report.fit.levels.start, levels: report.fit.levels.kept, correction: report.fit.correction?.kept ?? false },
      policyFit: report.policyFit as PolicyFitResult | null,
    };
    results.push(row);
    const best = Math.min(row.qlike.ewmaTuned, row.qlike.garch, row.qlike.har);
    console.error(`${e.name}: model ${fmt(row.qlike.model)} vs ${v.bestBaseline} ${fmt(best)} (x${fmt(row.qlike.model / best, 3)}, DM ${fmt(v.dmVsBest, 2)}) in ${seconds.toFixed(0)} s`);
  }
  writeFileSync(out, `${JSON.stringify({ format: "provenfee-pools-report/1", createdAt: new Date().toISOString(), command: `npx tsx training/train-all.ts${fitPolicy ? "" : " --no-policy-fit"}`, pools: results }, null, 2)}\n`);

  // Markdown tables for the READMEs.
  console.log("| pool | test rows (zero RV) | model QLIKE | EWMA tuned | GARCH(1,1) | HAR-RV | model / best | DM vs best (p) | start, levels, correction |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of results) {
    const best = Math.min(r.qlike.ewmaTuned, r.qlike.garch, r.qlike.har);
    console.log(`| ${r.pool} | ${r.test.n} (${(100 * r.zeroShare).toFixed(0)}%) | ${fmt(r.qlike.model)} | ${fmt(r.qlike.ewmaTuned)} | ${fmt(r.qlike.garch)} | ${fmt(r.qlike.har)} | ${fmt(r.qlike.model / best, 3)} | ${fmt(r.dmVsBest, 2)} (${fmt(r.pValueVsBest, 2)}) | ${r.fit.start}, ${r.fit.levels}, ${r.fit.correction ? "kept" : "dropped"} |`);
  }
  if (!fitPolicy) return;
  console.log("\n| pool | elasticity | fitted: mean fee, updates | best constant (validation) | edge vs best constant [95% CI] | edge vs best static tier [95% CI] | beats both |");
  console.log("|---|---:|---|---:|---|---|---|");
  for (const r of results) {
    for (const row of r.policyFit!.rows) {
      const tiers = row.edges.slice(0, -1);
      const worstTier = tiers.reduce((a, b) => (b.edge < a.edge ? b : a));
      const bc = row.edges[row.edges.length - 1]!;
      console.log(`| ${r.pool} | ${row.elasticity} | ${row.test.fitted!.meanFeeBps.toFixed(1)} bp, ${row.test.fitted!.updates} | ${row.validation.bestConstantBps} bp | ${money(bc.edge)} [${money(bc.lo)}, ${money(bc.hi)}] | ${money(worstTier.edge)} vs ${worstTier.versus} [${money(worstTier.lo)}, ${money(worstTier.hi)}] | ${row.beatsBestConstant && row.beatsEveryTier ? "yes" : "no"} |`);
    }
  }
  // The dynamic policies the fit set aside for the constant (reported, never used for a choice).
  console.log("\n| pool | elasticity | set-aside dynamic policy: base, slope, bounds | its test edge vs best constant [95% CI] |");
  console.log("|---|---:|---|---|");
  for (const r of results) {
    for (const row of r.policyFit!.rows) {
      const d = row.notShipped;
      if (!d) continue;
      console.log(`| ${r.pool} | ${row.elasticity} | ${d.policy.base}, ${d.policy.slope}, [${d.policy.modelFeeMin}, ${d.policy.modelFeeMax}] | ${money(d.edge.edge)} [${money(d.edge.lo)}, ${money(d.edge.hi)}] |`);
    }
  }
}

await main();
