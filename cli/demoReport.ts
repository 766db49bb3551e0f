// The demo's self-contained HTML report: every fee change with its features' volatility, the
// forecast, the proof time and the gas, and an inline SVG chart (opens offline).
export interface LandedUpdate {
  block: number;
  asOfPeriod: number;
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

function chart(updates: LandedUpdate[]): string {
  if (updates.length < 2) return "<p>Too few updates to chart.</p>";
  const w = 900, h = 260, pad = 40;
  const x = (i: number) => pad + (i / (updates.length - 1)) * (w - 2 * pad);
  const maxVol = Math.max(...updates.flatMap((u) => [u.realizedVolBps, u.forecastVolBps]), 1);
  const maxFee = Math.max(...updates.map((u) => u.fee / 100), 1);
  const line = (vals: number[], max: number, color: string, label: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${vals.map((v, i) => `${x(i).toFixed(1)},${(h - pad - (v / max) * (h - 2 * pad)).toFixed(1)}`).join(" ")}"><title>${label}</title></polyline>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="fee and volatility over time">
<rect width="${w}" height="${h}" fill="#fff"/>
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#999"/>
${line(updates.map((u) => u.realizedVolBps), maxVol, "#888", "realized volatility, last 30 periods (bps)")}
${line(updates.map((u) => u.forecastVolBps), maxVol, "#1f77b4", "forecast volatility, next 30 periods (bps)")}
${line(updates.map((u) => u.fee / 100), maxFee, "#d62728", "proven fee (bps)")}
<text x="${pad}" y="16" font-size="12" fill="#d62728">proven fee (bps, max ${maxFee.toFixed(2)})</text>
<text x="${pad + 260}" y="16" font-size="12" fill="#1f77b4">forecast vol (bps)</text>
<text x="${pad + 420}" y="16" font-size="12" fill="#888">realized vol (bps, max ${maxVol.toFixed(1)})</text>
<text x="${pad}" y="${h - 10}" font-size="11">${esc(updates[0]!.time)} UTC</text>
<text x="${w - pad - 60}" y="${h - 10}" font-size="11">${esc(updates[updates.length - 1]!.time)} UTC</text>
</svg>`;
}

const money = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 2 });

function lpFeesSection(c: LpFeeComparison): string {
  const row = (r: LpFeeRow) =>
    `<tr><th>${esc(r.name)}${r === c.bestStatic || r.name === c.bestStatic.name ? " (best static tier)" : ""}</th><td>${money(r.feesUsdc)}</td><td>${r.feesPerMillionUsdc.toFixed(2)}</td><td>${r.effectiveFeeBps.toFixed(2)}</td></tr>`;
  return `<h2>LP fees: proven dynamic fee vs static tiers, same swaps</h2>
<p>The ${c.swapsUnderProvenFee} swaps of blocks ${c.fromBlock}-${c.toBlock} that ran under a proven fee (${money(c.volumeUsdc)} USDC of net
input volume). <b>Dynamic</b>: what the pool charged on-chain, swap by swap (the fee in the PoolManager's <code>Swap</code> event),
as the LP position's fee growth. <b>Static tiers</b>: the same swaps re-run tick-exactly with <code>backtest/pool.ts</code> (v4's swap
math) from the same pool state, each to the same price, so the net amounts are the same and only the fee differs (the backtester's
counterfactual (a), "same swaps"). ${c.exactReplay ? "The replay with the on-chain fees reproduces every swap's amounts and the pool's fee growth to the wei." : "<b>WARNING: the replay with the on-chain fees does not reproduce the chain; these figures are not reliable.</b>"}
Values in USDC at the pool's price after each swap. The LP is one full-range position (liquidity ${esc(c.positionLiquidity)}) worth
${money(c.positionUsdc)} USDC at the start, far deeper than the mainnet pool, so the per-$1M column is the one to read.</p>
<table><tr><th>policy</th><th>LP fees (USDC)</th><th>per $1M of liquidity (USDC)</th><th>effective fee (bps)</th></tr>
${[c.dynamic, ...c.static].map(row).join("\n")}
</table>
<p>Dynamic / best static tier (${c.bestStatic.feeBps} bps): <b>${c.dynamicOverBestStatic.toFixed(3)}</b>. With the swaps held fixed, fees are
proportional to the fee, so the highest tier always earns the most; this comparison ignores the volume a higher fee loses and
the LPs' loss to arbitrage (LVR): <code>provenfee backtest --counterfactual resize</code> models both.
${c.beforeFirstUpdate.swaps > 0 ? `Not counted above: ${c.beforeFirstUpdate.swaps} swaps before the first proven update landed, at the pool's initial fee (${c.beforeFirstUpdate.feeBps.map((f) => f.toFixed(2)).join(", ")} bps), ${money(c.beforeFirstUpdate.feesUsdc)} USDC.` : ""}</p>`;
}

export function renderDemoReport(r: { summary: Record<string, unknown>; updates: LandedUpdate[]; hook: string; manager: string; verifier: string; commitment: string; data: string; lpFees?: LpFeeComparison }): string {
  const rows = r.updates
    .map((u) => `<tr><td>${u.block}</td><td>${esc(u.time)}</td><td>${u.asOfPeriod}</td><td>${u.realizedVolBps.toFixed(1)}</td><td>${u.forecastVolBps.toFixed(1)}</td><td>${(u.previousFee / 100).toFixed(2)}</td><td>${(u.fee / 100).toFixed(2)}</td><td>${u.proofMs.toFixed(0)}</td><td>${u.gasUsed}</td></tr>`)
    .join("\n");
  const summary = Object.entries(r.summary).filter(([, v]) => v === null || typeof v !== "object").map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v))}</td></tr>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>provenfee demo report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{text-align:left;background:#f6f6f6}code{font-size:12px}</style>
</head><body>
<h1>provenfee demo</h1>
<p>Real swaps from <code>${esc(r.data)}</code> replayed block for block on the real Uniswap v4 PoolManager.
Every fee below was proven with Groth16 against the model commitment <code>${esc(r.commitment)}</code> and
verified on-chain by the hook <code>${esc(r.hook)}</code> (verifier <code>${esc(r.verifier)}</code>,
PoolManager <code>${esc(r.manager)}</code>) before it took effect.</p>
<h2>Summary</h2><table>${summary}</table>
${r.lpFees ? lpFeesSection(r.lpFees) : ""}
<h2>Fee and volatility</h2>${chart(r.updates)}
<h2>Every fee update</h2>
<table><tr><th>block</th><th>UTC</th><th>as-of period</th><th>RV30 (bps)</th><th>forecast (bps)</th><th>old fee (bps)</th><th>proven fee (bps)</th><th>proof (ms)</th><th>gas</th></tr>
${rows}</table>
</body></html>
`;
}
