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

export function renderDemoReport(r: { summary: Record<string, unknown>; updates: LandedUpdate[]; hook: string; manager: string; verifier: string; commitment: string; data: string }): string {
  const rows = r.updates
    .map((u) => `<tr><td>${u.block}</td><td>${esc(u.time)}</td><td>${u.asOfPeriod}</td><td>${u.realizedVolBps.toFixed(1)}</td><td>${u.forecastVolBps.toFixed(1)}</td><td>${(u.previousFee / 100).toFixed(2)}</td><td>${(u.fee / 100).toFixed(2)}</td><td>${u.proofMs.toFixed(0)}</td><td>${u.gasUsed}</td></tr>`)
    .join("\n");
  const summary = Object.entries(r.summary).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v))}</td></tr>`).join("\n");
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
<h2>Fee and volatility</h2>${chart(r.updates)}
<h2>Every fee update</h2>
<table><tr><th>block</th><th>UTC</th><th>as-of period</th><th>RV30 (bps)</th><th>forecast (bps)</th><th>old fee (bps)</th><th>proven fee (bps)</th><th>proof (ms)</th><th>gas</th></tr>
${rows}</table>
</body></html>
`;
}
