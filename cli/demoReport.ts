// The demo's self-contained HTML report: every fee change with its features' volatility, the
// forecast, the proof time and the gas, and inline SVG charts (opens offline).
import type { LpNetComparison, PolicyNet } from "./demoEconomics.ts";
import { humanize, lineChartSvg } from "../backtest/chart.ts";

export interface LandedUpdate {
  block: number;
  asOfPeriod: number;
  /** Unix seconds at the end of the as-of period (when the fee's inputs were complete). */
  periodEnd: number;
  time: string;
  realizedVolBps: number;
  forecastVolBps: number;
  fee: number;
  previousFee: number;
  proofMs: number;
  gasUsed: number;
}

/** One fee policy's LP fees over the swaps that ran under a proven fee (see `compareLpFees` in demo.ts). */
export interface LpFeeRow {
  name: string;
  /** The static tier in bps; null for the proven dynamic fee. */
  feeBps: number | null;
  feesUsdc: number;
  feesPerMillionUsdc: number;
  /** Fees over the swaps' net input volume. */
  effectiveFeeBps: number;
}

export interface LpFeeComparison {
  method: string;
  quote: "USDC";
  fromBlock: number;
  toBlock: number;
  swaps: number;
  swapsUnderProvenFee: number;
  volumeUsdc: number;
  positionLiquidity: string;
  /** Where the position's liquidity comes from (the mainnet pool's active liquidity at the keeper's start). */
  positionLiquiditySource: string;
  positionUsdc: number;
  /** The off-chain replay with each swap's on-chain fee reproduced every swap's amounts and the pool's fee growth. */
  exactReplay: boolean;
  /** token0, token1 raw: what the position earned on-chain over the whole window (fee growth x liquidity). */
  onChainFeesRaw: [string, string];
  dynamic: LpFeeRow;
  static: LpFeeRow[];
  bestStatic: LpFeeRow;
  dynamicOverBestStatic: number;
  /** Swaps the replay could not follow (0 whenever exactReplay). */
  unreplayedSwaps: number;
  beforeFirstUpdate: { swaps: number; feesUsdc: number; volumeUsdc: number; feeBps: number[] };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The fee the pool charged, and the volatility behind it, one chart each (their scales differ). */
function charts(updates: LandedUpdate[], historicalFeeBps: number | undefined): string {
  if (updates.length < 2) return "<p>Too few updates to chart.</p>";
  const xs = updates.map((u) => u.periodEnd);
  const fee = lineChartSvg({
    id: "chart-fee",
    title: "Proven LP fee, period by period",
    yLabel: "LP fee (bps)",
    series: [
      { label: "proven dynamic fee", xs, ys: updates.map((u) => u.fee / 100), step: true, color: "#d62728" },
      ...(historicalFeeBps === undefined ? [] : [{ label: `historical pool: static ${historicalFeeBps} bps`, xs: [xs[0]!, xs[xs.length - 1]!], ys: [historicalFeeBps, historicalFeeBps], dashed: true, color: "#7f7f7f" }]),
    ],
    height: 380,
  });
  const vol = lineChartSvg({
    id: "chart-volatility",
    title: "Volatility over 30 periods: realized before each update vs the model's forecast",
    yLabel: "volatility over 30 periods (bps)",
    series: [
      { label: "realized, last 30 periods", xs, ys: updates.map((u) => u.realizedVolBps), color: "#7f7f7f" },
      { label: "forecast, next 30 periods", xs, ys: updates.map((u) => u.forecastVolBps), color: "#1f77b4" },
    ],
    height: 380,
  });
  return `<figure>${fee}</figure>\n<figure>${vol}</figure>`;
}

/** The summary's keys as a reader would name them (the --json summary keeps the keys). */
const SUMMARY_LABELS: Record<string, string> = {
  blocksReplayed: "historical blocks replayed (warm-up and keeper)",
  keeperBlocks: "blocks with the keeper running",
  from: "first keeper block (UTC)",
  to: "last keeper block (UTC)",
  updatesLanded: "fee updates landed on-chain",
  meanProofMs: "mean proof time (ms)",
  meanGasPerUpdate: "mean gas per fee update",
  meanFeePips: "mean proven fee (pips; 100 pips = 1 bp)",
  finalFeePips: "fee at the end (pips)",
  backend: "inference backend",
  seconds: "demo run time (s)",
};

function summaryValue(v: unknown): string {
  if (typeof v !== "number") return String(v);
  return v.toLocaleString("en-US", { maximumFractionDigits: Number.isInteger(v) || Math.abs(v) >= 100 ? 0 : 2 });
}

/** USDC as a person reads it: whole dollars from $1,000 up, cents below. */
const money = (x: number) => x.toLocaleString("en-US", Math.abs(x) >= 1000 ? { maximumFractionDigits: 0 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function lpFeesSection(c: LpFeeComparison): string {
  const row = (r: LpFeeRow) =>
    `<tr><th>${esc(r.name)}${r === c.bestStatic || r.name === c.bestStatic.name ? " (best static tier)" : ""}</th><td>${money(r.feesUsdc)}</td><td>${r.feesPerMillionUsdc.toFixed(2)}</td><td>${r.effectiveFeeBps.toFixed(2)}</td></tr>`;
  return `<h2>LP fees: proven dynamic fee vs static tiers, same swaps</h2>
<p>The ${c.swapsUnderProvenFee} swaps of blocks ${c.fromBlock}-${c.toBlock} that ran under a proven fee (${money(c.volumeUsdc)} USDC of net
input volume). <b>Dynamic</b>: what the pool charged on-chain, swap by swap (the fee in the PoolManager's <code>Swap</code> event),
as the LP position's fee growth. <b>Static tiers</b>: the same swaps re-run tick-exactly with <code>backtest/pool.ts</code> (v4's swap
math) from the same pool state, each to the same price, so the net amounts are the same and only the fee differs (the backtester's
counterfactual (a), "same swaps"). ${c.exactReplay ? "The replay with the on-chain fees reproduces every swap's amounts and the pool's fee growth to the wei." : "<b>WARNING: the replay with the on-chain fees does not reproduce the chain; these figures are not reliable.</b>"}
Values in USDC at the pool's price after each swap. The LP is one full-range position with liquidity L = ${esc(Number(c.positionLiquidity).toExponential(3).replace("e+", "e"))},
${esc(c.positionLiquiditySource || "the pool's active liquidity")}: the replay moves the price along the real tick path, so at the real pool's L the swaps and
the fees are the real pool's size. A full-range position needs ${money(c.positionUsdc)} USDC for that depth (the mainnet pool's concentrated
positions provide it with far less), so compare policies on the per-$1M column.</p>
<table><tr><th>policy</th><th>LP fees (USDC)</th><th>per $1M of liquidity (USDC)</th><th>effective fee (bps)</th></tr>
${[c.dynamic, ...c.static].map(row).join("\n")}
</table>
<p>Dynamic / best static tier (${c.bestStatic.feeBps} bps): <b>${c.dynamicOverBestStatic.toFixed(3)}</b>. With the swaps held fixed, fees are
proportional to the fee, so the highest tier always earns the most; this comparison ignores the volume a higher fee loses and
the LPs' loss to arbitrage (LVR): <code>provenfee backtest --counterfactual resize</code> models both.
${c.beforeFirstUpdate.swaps > 0 ? `Not counted above: ${c.beforeFirstUpdate.swaps} swaps before the first proven update landed, at the pool's initial fee (${c.beforeFirstUpdate.feeBps.map((f) => f.toFixed(2)).join(", ")} bps), ${money(c.beforeFirstUpdate.feesUsdc)} USDC.` : ""}</p>`;
}

function lpNetSection(c: LpNetComparison): string {
  const row = (r: PolicyNet) =>
    `<tr><th>${esc(r.name)}${r.name === c.winner ? " (most for LPs)" : ""}</th><td>${money(r.feesUsdc)}</td><td>${money(r.lvrUsdc)}</td><td>${money(r.gasUsdc)}</td><td><b>${money(r.netUsdc)}</b></td><td>${r.updates}</td><td>${r.meanFeeBps.toFixed(2)}</td></tr>`;
  return `<h2>What the pool's LPs would have netted</h2>
<p>Over the keeper's blocks, ${esc(c.from.slice(11, 16))}-${esc(c.to.slice(11, 16))} UTC: ${esc(c.method)}. LVR is measured against
${esc(c.reference)}; fee-update gas is ${c.gasPerUpdate.toLocaleString("en-US")} gas per update (this run's mean receipt gas) at ${c.gasPriceGwei} gwei${Number.isFinite(c.usdcPerEth) ? ` and ETH = ${money(c.usdcPerEth)} USDC` : ""}.
The proven fee's updates are those the update rule (model/updateRule.ts) would send at this gas price: a change worth more
than its gas, a lapse of liveness counting as a change to the pool's fallback fee; in between the pool charges the last fee sent.
Every policy trades against its own copy of the real pool's liquidity, so these are the real pool's LPs' figures.</p>
<table><tr><th>policy</th><th>LP fees (USDC)</th><th>LVR (USDC)</th><th>update gas (USDC)</th><th>net (USDC)</th><th>fee updates</th><th>mean fee (bps)</th></tr>
${c.rows.map(row).join("\n")}
</table>
<p>${c.winner === "proven dynamic" ? "The proven fee netted the LPs the most." : `The proven fee did <b>not</b> win: ${esc(c.winner)} netted the LPs the most.`}</p>`;
}

export interface VerificationModes {
  zk: { updates: number; meanGasPerUpdate: number; trust: string };
  onchain: { updates: number; meanGasPerUpdate: number; trust: string; lpNet?: PolicyNet };
  /** Periods both pools updated, and in how many of them the onchain fee equalled the proven one. */
  periodsBothUpdated: number;
  sameFee: number;
}

function modesSection(m: VerificationModes): string {
  const row = (name: string, x: VerificationModes["zk"]) => `<tr><th>${name}</th><td>${x.updates}</td><td>${Math.round(x.meanGasPerUpdate).toLocaleString("en-US")}</td><td style="text-align:left">${esc(x.trust)}</td></tr>`;
  return `<h2>The two verification modes side by side</h2>
<p>The same model on a twin pool that got the very same swaps, in the <code>onchain</code> mode: its hook evaluates the
published weights itself (<code>updateFeeOnchain</code>, no proof). Receipt gas of each update transaction.</p>
<table><tr><th>mode</th><th>updates</th><th>gas per update</th><th>trust</th></tr>
${row("zk", m.zk)}
${row("onchain", m.onchain)}
</table>
<p>The onchain pool's fee equalled the proven fee in ${m.sameFee} of the ${m.periodsBothUpdated} periods both pools updated.${
    m.onchain.lpNet ? ` At the onchain mode's gas the same model and update rule net the LPs ${Math.round(m.onchain.lpNet.netUsdc).toLocaleString("en-US")} USDC (${m.onchain.lpNet.updates} updates).` : ""
  }</p>`;
}

export function renderDemoReport(r: { summary: Record<string, unknown>; updates: LandedUpdate[]; hook: string; manager: string; verifier: string; commitment: string; data: string; lpNet?: LpNetComparison; lpFees?: LpFeeComparison; historicalFeeBps?: number; modes?: VerificationModes }): string {
  const rows = r.updates
    .map((u) => `<tr><td>${u.block}</td><td>${esc(u.time)}</td><td>${u.asOfPeriod}</td><td>${u.realizedVolBps.toFixed(1)}</td><td>${u.forecastVolBps.toFixed(1)}</td><td>${(u.previousFee / 100).toFixed(2)}</td><td>${(u.fee / 100).toFixed(2)}</td><td>${u.proofMs.toFixed(0)}</td><td>${u.gasUsed}</td></tr>`)
    .join("\n");
  const summary = Object.entries(r.summary).filter(([, v]) => v === null || typeof v !== "object").map(([k, v]) => `<tr><th>${esc(SUMMARY_LABELS[k] ?? humanize(k))}</th><td>${esc(summaryValue(v))}</td></tr>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>provenfee demo report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{text-align:left;background:#f6f6f6}code{font-size:12px}svg.chart{max-width:100%;height:auto;border:1px solid #ddd}figure{margin:1em 0}</style>
</head><body>
<h1>provenfee demo</h1>
<p>Real swaps from <code>${esc(r.data)}</code> replayed block for block on the real Uniswap v4 PoolManager.
Every fee below was proven with Groth16 against the model commitment <code>${esc(r.commitment)}</code> and
verified on-chain by the hook <code>${esc(r.hook)}</code> (verifier <code>${esc(r.verifier)}</code>,
PoolManager <code>${esc(r.manager)}</code>) before it took effect.</p>
<h2>Summary</h2><table>${summary}</table>
${r.lpNet ? lpNetSection(r.lpNet) : ""}
${r.modes ? modesSection(r.modes) : ""}
${r.lpFees ? lpFeesSection(r.lpFees) : ""}
<h2>Fee and volatility</h2>${charts(r.updates, r.historicalFeeBps)}
<h2>Every fee update</h2>
<table><tr><th>block</th><th>UTC</th><th>as-of period</th><th>RV30 (bps)</th><th>forecast (bps)</th><th>old fee (bps)</th><th>proven fee (bps)</th><th>proof (ms)</th><th>gas</th></tr>
${rows}</table>
</body></html>
`;
}
