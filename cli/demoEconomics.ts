// The demo's answer to the LP's question: over the blocks the keeper served, what would the pool's LPs
// have netted (fees - LVR - the gas of fee updates) under the proven fee and under each static tier?
// Counterfactual (b) of the backtester (backtest/README.md): arbitrage re-sized to each policy's fee,
// other volume elastic at the estimated elasticity; every policy runs on its own copy of the real
// pool (its historical liquidity), so the figures are the real pool's LPs', in USDC. The dynamic
// policy's fee updates are those the update rule (model/updateRule.ts) sends at the given gas price.
//
// The replay starts where the demo's chain started (the warm-up), so the model policy's oracle has
// the same history as the hook's; only the hours from the keeper's start on are counted.
import { STATIC_TIERS_BPS } from "../backtest/policy.ts";
import { defaultOptions, ESTIMATED_ELASTICITY, runBacktest } from "../backtest/run.ts";
import type { Model } from "../model/modelFile.ts";

export interface PolicyNet {
  name: string;
  feesUsdc: number;
  lvrUsdc: number;
  gasUsdc: number;
  updates: number;
  netUsdc: number;
  meanFeeBps: number;
}

export interface LpNetComparison {
  method: string;
  from: string;
  to: string;
  elasticity: number;
  reference: string;
  gasPerUpdate: number;
  gasPriceGwei: number;
  usdcPerEth: number;
  rows: PolicyNet[];
  winner: string;
}

export interface LpNetOptions {
  data: string;
  model: Model;
  modelPath: string;
  /** Unix seconds: the replay's start (the warm-up's), the first counted hour (the keeper's start), the end. */
  replayFrom: number;
  countFrom: number;
  to: number;
  /** Gas of one fee update (the demo's measured mean receipt gas) and its price. */
  gasPerUpdate: number;
  gasPriceGwei: number;
  elasticity?: number;
  /** The update rule the proven fee's updates go through (default "pays", as the backtester's). */
  updateRule?: "pays" | "off";
}

export async function lpNetComparison(o: LpNetOptions): Promise<LpNetComparison> {
  const elasticity = o.elasticity ?? ESTIMATED_ELASTICITY;
  const outcome = await runBacktest(
    {
      ...defaultOptions(),
      source: "swaps", input: o.data, counterfactual: "resize", elasticity,
      statics: [...STATIC_TIERS_BPS], ewma: false, foresight: false, models: [o.modelPath],
      // the hook's oracle saw nothing before the chain's first block: neither does the replay's
      from: String(o.replayFrom), to: String(o.to), warmup: false, gasPerUpdate: o.gasPerUpdate, gasPriceGwei: o.gasPriceGwei,
      ...(o.updateRule ? { updateRule: o.updateRule } : {}),
    },
    undefined,
    new Map([[o.modelPath, o.model]]),
  );
  const report = outcome.report;
  const hours = report.series.hours;
  // Hours from the keeper's start on (it starts on a clock hour by default; otherwise its hour).
  const first = Math.max(0, hours.findIndex((h) => h + 3600 > o.countFrom));
  const sum = (xs: number[]) => xs.slice(first).reduce((a, b) => a + b, 0);
  const rows: PolicyNet[] = report.policies.map((p) => {
    const times = report.series.feeTimes[p.name]!;
    const values = report.series.feeValues[p.name]!;
    let feeSum = 0;
    let asked = 0;
    for (let i = 0; i < values.length; i++) {
      if (times[i]! < hours[first]!) continue;
      feeSum += values[i]!;
      asked++;
    }
    // The updates the update rule sent in the counted hours, each at its own gas cost.
    const sent = report.series.updateTimes[p.name]!;
    const costs = report.series.updateGasCosts[p.name]!;
    let updates = 0;
    let gasUsdc = 0;
    for (let i = 0; i < sent.length; i++) {
      if (sent[i]! < hours[first]!) continue;
      updates++;
      if (Number.isFinite(costs[i])) gasUsdc += costs[i]!;
    }
    const fees = sum(report.series.hourlyFees[p.name]!);
    const lvr = sum(report.series.hourlyLvr[p.name]!);
    return {
      name: p.name === "model" ? "proven dynamic" : p.name.replace(/^static-(\d+)bp$/, (_, b: string) => `static ${b} bp${b === "1" ? "" : "s"}`),
      feesUsdc: fees, lvrUsdc: lvr, gasUsdc, updates, netUsdc: fees - lvr - gasUsdc, meanFeeBps: asked ? feeSum / asked / 100 : 0,
    };
  });
  const winner = rows.reduce((a, b) => (b.netUsdc > a.netUsdc ? b : a)).name;
  // The backtester prices gas in quote at the pool's ETH price; read that price back from any policy that paid gas.
  const paying = report.policies.find((p) => p.gasUsed > 0 && Number.isFinite(p.gasCost));
  const usdcPerEth = paying ? paying.gasCost / (paying.gasUsed * o.gasPriceGwei * 1e-9) : NaN;
  return {
    method: `counterfactual (b) on the real pool's swaps ${new Date(o.countFrom * 1000).toISOString().slice(11, 16)}-${new Date(o.to * 1000).toISOString().slice(11, 16)} UTC: swaps that were arbitrage against the pool's own price 60 s later are re-sized to each policy's fee, other volume scales by exp(-${elasticity} x fee change in bp); net = LP fees - LVR - fee-update gas`,
    from: new Date(hours[first]! * 1000).toISOString(),
    to: new Date(o.to * 1000).toISOString(),
    elasticity,
    reference: "the pool's own price (no CEX series in data/ covers this day)",
    gasPerUpdate: o.gasPerUpdate,
    gasPriceGwei: o.gasPriceGwei,
    usdcPerEth,
    rows,
    winner,
  };
}

const usd = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

export function lpNetText(c: LpNetComparison): string {
  const lines = [
    `\nWhat the pool's LPs would have netted over the keeper's blocks (${c.from.slice(11, 16)}-${c.to.slice(11, 16)} UTC), in USDC:`,
    `${c.method};`,
    `gas: ${usd(c.gasPerUpdate)} per update (this run's mean) at ${c.gasPriceGwei} gwei${Number.isFinite(c.usdcPerEth) ? `, ETH = ${usd(c.usdcPerEth)} USDC` : ""}; the proven fee's`,
    `updates are those the update rule sends (model/updateRule.ts): a change that pays for its gas, falling back counting as a change to the fallback fee.`,
    `  policy                 fees         LVR       gas          net   updates   mean fee`,
  ];
  for (const r of c.rows) {
    lines.push(`  ${r.name.padEnd(16)} ${usd(r.feesUsdc).padStart(10)} ${usd(r.lvrUsdc).padStart(11)} ${usd(r.gasUsdc).padStart(9)} ${usd(r.netUsdc).padStart(12)} ${String(r.updates).padStart(9)} ${r.meanFeeBps.toFixed(2).padStart(7)} bps${r.name === c.winner ? "   <- most for LPs" : ""}`);
  }
  const dyn = c.rows.find((r) => r.name === "proven dynamic")!;
  const best = c.rows.filter((r) => r.name !== "proven dynamic").reduce((a, b) => (b.netUsdc > a.netUsdc ? b : a));
  lines.push(
    c.winner === "proven dynamic"
      ? `  the proven fee won: ${usd(dyn.netUsdc - best.netUsdc)} USDC more than the best static tier (${best.name}) over these blocks.`
      : `  the proven fee did NOT win: ${c.winner} netted ${usd(best.netUsdc - dyn.netUsdc)} USDC more over these blocks.`,
  );
  return lines.join("\n");
}
