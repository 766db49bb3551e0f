// Writing a backtest down: the terminal table, JSON, CSV, PNG plots (SVG we draw, rendered by
// resvg) and a self-contained HTML report (plots embedded as data: URIs, no scripts, no network).
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { jsonSummary, type Report } from "./metrics.ts";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function fmt(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return "-";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ---------------------------------------------------------------- terminal

export function formatTable(report: Report, quote: string): string {
  const head = ["policy", `fees (${quote})`, "LVR", "net LP PnL", "recapture", "vs hold", "vol kept", "mean fee bp", "p95 bp", "updates", "Sharpe", "max DD"];
  const rows = report.policies.map((p) => [
    p.name + (p.foresight ? " *" : ""),
    fmt(p.feeRevenue),
    fmt(p.lvr),
    fmt(p.netPnl),
    fmt(p.recapture, 2),
    fmt(p.pnlVsHold),
    fmt(p.volumeRetained, 3),
    fmt(p.meanFeePips / 100, 2),
    fmt(p.p95FeePips / 100, 2),
    fmt(p.feeUpdates),
    fmt(p.dailySharpe, 2),
    fmt(p.maxDrawdown),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  if (report.policies.some((p) => p.foresight)) out.push("* perfect foresight: reads the realized future; an upper bound, not a strategy");
  if (report.edges.length) {
    out.push("", `edge over the best static tier (${report.bestStatic}), 95% block-bootstrap interval:`);
    for (const e of report.edges) out.push(`  ${e.name.padEnd(widths[0]!)}  ${fmt(e.edge).padStart(12)}  [${fmt(e.lo)}, ${fmt(e.hi)}]  P(edge>0) = ${fmt(e.pPositive, 2)}`);
  }
  out.push("", "net LP PnL by volatility regime (terciles of hourly realized volatility of the reference):");
  for (const r of report.regimes) {
    const best = r.policies.reduce((a, b) => (b.netPnl > a.netPnl ? b : a), r.policies[0]!);
    out.push(`  ${r.regime.padEnd(16)} ${String(r.hours).padStart(5)} h  sigma ${fmt(r.sigma * 100, 0)}%/yr  best: ${best?.name ?? "-"}  ` + r.policies.map((p) => `${p.name} ${fmt(p.netPnl)}`).join(", "));
  }
  out.push("", "assumptions:", ...report.assumptions.map((a) => `  - ${a}`));
  return out.join("\n");
}

// ---------------------------------------------------------------- CSV

function csvCell(v: unknown): string {
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v ?? "");
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function policiesCsv(report: Report): string {
  const cols = [
    "name", "foresight", "feeRevenue", "lvr", "lvrTheory", "netPnl", "recapture", "netPnlAfterGas", "pnlVsHold", "volume", "volumeRetained",
    "meanFeePips", "p50FeePips", "p95FeePips", "feeUpdates", "feeUpdatesPerDay", "gasUsed", "gasCost", "dailySharpe", "maxDrawdown", "swaps",
  ] as const;
  const extra = ["arbitrageTrades", "uninformedTrades", "arbitrageFees", "uninformedFees", "arbitrageLvr", "uninformedLvr"];
  const mk = Object.keys(report.policies[0]?.markouts.arbitrage ?? {});
  const head = [...cols, ...extra, ...mk.map((h) => `markoutArbitrage_${h}`), ...mk.map((h) => `markoutUninformed_${h}`)];
  const lines = [head.join(",")];
  for (const p of report.policies) {
    lines.push(
      [
        ...cols.map((c) => p[c]),
        p.trades.arbitrage, p.trades.uninformed, p.fees.arbitrage, p.fees.uninformed, p.lvrByClass.arbitrage, p.lvrByClass.uninformed,
        ...mk.map((h) => p.markouts.arbitrage[h]), ...mk.map((h) => p.markouts.uninformed[h]),
      ].map(csvCell).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

export function hourlyCsv(report: Report): string {
  const names = Object.keys(report.series.cumulativeNet);
  const lines = [["hour", ...names.map((n) => `cumulativeNet_${n}`)].join(",")];
  report.series.hours.forEach((h, i) => lines.push([new Date(h * 1000).toISOString(), ...names.map((n) => report.series.cumulativeNet[n]![i])].map(csvCell).join(",")));
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------- plots

export interface Series {
  label: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  step?: boolean;
  dashed?: boolean;
}

const W = 1200;
const H = 520;
const M = { left: 90, right: 230, top: 60, bottom: 56 };

function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
  return out;
}

/** A time chart (x in unix seconds) with a legend; long series are thinned to ~3000 points. */
export function lineChartSvg(title: string, yLabel: string, series: Series[]): string {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i]!;
      if (!Number.isFinite(y)) continue;
      x0 = Math.min(x0, s.xs[i]!);
      x1 = Math.max(x1, s.xs[i]!);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (!Number.isFinite(x0)) {
    x0 = 0;
    x1 = 1;
    y0 = 0;
    y1 = 1;
  }
  if (y1 === y0) {
    y0 -= 1;
    y1 += 1;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (x: number) => M.left + ((x - x0) / Math.max(1e-9, x1 - x0)) * pw;
  const Y = (y: number) => M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  p.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  p.push(`<text x="${M.left}" y="32" font-size="20" font-weight="bold">${esc(title)}</text>`);
  for (const v of niceTicks(y0, y1)) {
    const yy = Y(v).toFixed(1);
    p.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    p.push(`<text x="${M.left - 8}" y="${yy}" font-size="12" text-anchor="end" dominant-baseline="middle">${esc(Math.abs(v) >= 1e4 ? v.toExponential(1) : String(+v.toPrecision(4)))}</text>`);
  }
  const span = x1 - x0;
  const nx = 6;
  for (let k = 0; k <= nx; k++) {
    const t = x0 + (span * k) / nx;
    const label = span > 3 * 86400 ? new Date(t * 1000).toISOString().slice(0, 10) : new Date(t * 1000).toISOString().slice(5, 16).replace("T", " ");
    p.push(`<text x="${X(t).toFixed(1)}" y="${M.top + ph + 20}" font-size="12" text-anchor="middle">${label}</text>`);
  }
  p.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  p.push(`<text x="20" y="${M.top + ph / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 20 ${M.top + ph / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const n = s.xs.length;
    const every = Math.max(1, Math.ceil(n / 3000));
    const pts: string[] = [];
    let prevY: number | undefined;
    for (let i = 0; i < n; i += every) {
      const y = s.ys[i]!;
      if (!Number.isFinite(y)) continue;
      const xx = X(s.xs[i]!).toFixed(1);
      if (s.step && prevY !== undefined) pts.push(`${xx},${Y(prevY).toFixed(1)}`);
      pts.push(`${xx},${Y(y).toFixed(1)}`);
      prevY = y;
    }
    if (pts.length) p.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ""} points="${pts.join(" ")}"/>`);
    const ly = M.top + 14 + k * 20;
    p.push(`<line x1="${W - M.right + 14}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    p.push(`<text x="${W - M.right + 46}" y="${ly + 4}" font-size="12">${esc(s.label)}</text>`);
  });
  p.push("</svg>");
  return p.join("\n");
}

export function svgToPng(svg: string): Buffer {
  const { Resvg } = createRequire(import.meta.url)("@resvg/resvg-js") as { Resvg: new (svg: string, opts: object) => { render(): { asPng(): Buffer } } };
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, background: "white" }).render().asPng();
}

export interface ForecastSeries {
  name: string;
  times: number[];
  forecast: number[];
  realized: number[];
}

export function plotsFor(report: Report, quote: string, forecasts: ForecastSeries[]): { name: string; title: string; svg: string }[] {
  const plots: { name: string; title: string; svg: string }[] = [];
  plots.push({
    name: "fee",
    title: "Fee over time per policy",
    svg: lineChartSvg(
      "Fee over time per policy",
      "fee (bp)",
      Object.keys(report.series.feeTimes).map((n) => ({ label: n, xs: report.series.feeTimes[n]!, ys: report.series.feeValues[n]!.map((v) => v / 100), step: true })),
    ),
  });
  plots.push({
    name: "cumulative-net-pnl",
    title: "Cumulative net LP PnL per policy",
    svg: lineChartSvg(
      "Cumulative net LP PnL (fees - LVR) per policy",
      `net LP PnL (${quote})`,
      Object.keys(report.series.cumulativeNet).map((n) => ({ label: n, xs: report.series.hours.map((h) => h + 3600), ys: report.series.cumulativeNet[n]! })),
    ),
  });
  const fs: Series[] = [];
  const realizedShown = new Set<string>();
  for (const f of forecasts) {
    fs.push({ label: `${f.name} forecast`, xs: f.times, ys: f.forecast });
    // Forecasts over the same horizon share one realized line.
    const key = `${f.times[0]}|${f.times.length}|${f.realized[0]}`;
    if (!realizedShown.has(key)) {
      realizedShown.add(key);
      fs.push({ label: `realized (${f.name} horizon)`, xs: f.times, ys: f.realized, dashed: true });
    }
  }
  plots.push({ name: "forecast-vs-realized", title: "Forecast versus realized volatility", svg: lineChartSvg("Forecast vs realized volatility over the model horizon", "sigma (ticks over the horizon)", fs) });
  return plots;
}

// ---------------------------------------------------------------- HTML

export function htmlReport(report: Report, quote: string, plots: { name: string; title: string; png: Buffer }[], command: string): string {
  const rows = report.policies
    .map(
      (p) => `<tr><td>${esc(p.name)}${p.foresight ? " *" : ""}</td><td>${fmt(p.feeRevenue)}</td><td>${fmt(p.lvr)}</td><td>${fmt(p.lvrTheory)}</td><td>${fmt(p.netPnl)}</td><td>${fmt(p.recapture, 2)}</td><td>${fmt(p.pnlVsHold)}</td><td>${fmt(p.volumeRetained, 3)}</td><td>${fmt(p.meanFeePips / 100, 2)}</td><td>${fmt(p.p50FeePips / 100, 2)}</td><td>${fmt(p.p95FeePips / 100, 2)}</td><td>${fmt(p.feeUpdates)}</td><td>${fmt(p.gasUsed)}</td><td>${fmt(p.dailySharpe, 2)}</td><td>${fmt(p.maxDrawdown)}</td></tr>`,
    )
    .join("\n");
  const markoutRows = report.policies
    .map((p) => {
      const cells = (["arbitrage", "uninformed"] as const).map((c) => Object.values(p.markouts[c]).map((v) => `<td>${fmt(v)}</td>`).join("")).join("");
      return `<tr><td>${esc(p.name)}</td>${cells}</tr>`;
    })
    .join("\n");
  const hs = Object.keys(report.policies[0]?.markouts.arbitrage ?? {});
  const edgeRows = report.edges.map((e) => `<tr><td>${esc(e.name)}</td><td>${fmt(e.edge)}</td><td>${fmt(e.lo)}</td><td>${fmt(e.hi)}</td><td>${fmt(e.pPositive, 2)}</td></tr>`).join("\n");
  const regimeRows = report.regimes
    .map((r) => `<tr><td>${esc(r.regime)}</td><td>${r.hours}</td><td>${fmt(r.sigma * 100, 0)}%</td>${r.policies.map((p) => `<td>${fmt(p.netPnl)}</td>`).join("")}</tr>`)
    .join("\n");
  const imgs = plots.map((p) => `<figure><img id="plot-${esc(p.name)}" alt="${esc(p.title)}" src="data:image/png;base64,${p.png.toString("base64")}"><figcaption>${esc(p.title)}</figcaption></figure>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>provenfee backtest</title>
<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:24px;color:#222}.wide{overflow-x:auto;max-width:100%;margin:8px 0 20px}pre{overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}img{max-width:100%;border:1px solid #ddd}code{background:#f5f5f5;padding:1px 4px;overflow-wrap:anywhere}</style>
</head><body>
<h1>Fee policy backtest</h1>
<p>${esc(report.mode)}; ${report.swaps.toLocaleString("en-US")} swaps from ${esc(report.from)} to ${esc(report.to)}. Values in ${esc(quote)}.</p>
<p><code>${esc(command)}</code></p>
<h2>Results per policy</h2>
<div class="wide"><table id="policies"><tr><th>policy</th><th>fees</th><th>LVR (realized)</th><th>LVR (theory)</th><th>net LP PnL</th><th>recapture</th><th>PnL vs hold</th><th>volume kept</th><th>mean fee bp</th><th>p50 bp</th><th>p95 bp</th><th>fee updates</th><th>gas</th><th>daily Sharpe</th><th>max drawdown</th></tr>
${rows}</table></div>
${report.policies.some((p) => p.foresight) ? "<p>* perfect foresight reads the realized future: an upper bound, not a strategy.</p>" : ""}
<h2>Markouts by flow class (LP side, fees excluded)</h2>
<div class="wide"><table id="markouts"><tr><th>policy</th>${hs.map((h) => `<th>arbitrage ${h}</th>`).join("")}${hs.map((h) => `<th>uninformed ${h}</th>`).join("")}</tr>
${markoutRows}</table></div>
<h2>Edge over the best static tier (${esc(report.bestStatic ?? "-")}), 95% block-bootstrap interval</h2>
<div class="wide"><table id="edges"><tr><th>policy</th><th>edge</th><th>2.5%</th><th>97.5%</th><th>P(edge &gt; 0)</th></tr>
${edgeRows}</table></div>
<h2>Net LP PnL by volatility regime</h2>
<div class="wide"><table id="regimes"><tr><th>regime</th><th>hours</th><th>sigma/yr</th>${report.policies.map((p) => `<th>${esc(p.name)}</th>`).join("")}</tr>
${regimeRows}</table></div>
<h2>Plots</h2>
${imgs}
<h2>Assumptions</h2>
<ul>${report.assumptions.map((a) => `<li>${esc(a)}</li>`).join("")}</ul>
<h2>Data</h2>
<pre>${esc(JSON.stringify(report.stats, null, 2))}</pre>
<script>addEventListener("load", () => { document.body.dataset.plotsLoaded = String([...document.images].filter((i) => i.complete && i.naturalWidth > 0).length); });</script>
</body></html>
`;
}

export interface WrittenFiles {
  json: string;
  csv: string;
  hourly: string;
  html?: string;
  pngs: string[];
}

export function writeOutputs(dir: string, report: Report, quote: string, forecasts: ForecastSeries[], command: string, options: { html: boolean; png: boolean }): WrittenFiles {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = { json: path.join(dir, "backtest.json"), csv: path.join(dir, "policies.csv"), hourly: path.join(dir, "hourly.csv"), pngs: [] };
  writeFileSync(files.json, JSON.stringify({ ...jsonSummary(report), series: report.series }, null, 1));
  writeFileSync(files.csv, policiesCsv(report));
  writeFileSync(files.hourly, hourlyCsv(report));
  if (options.png || options.html) {
    const plots = plotsFor(report, quote, forecasts).map((p) => ({ ...p, png: svgToPng(p.svg) }));
    if (options.png) {
      for (const p of plots) {
        const f = path.join(dir, `${p.name}.png`);
        writeFileSync(f, p.png);
        files.pngs.push(f);
      }
    }
    if (options.html) {
      files.html = path.join(dir, "report.html");
      writeFileSync(files.html, htmlReport(report, quote, plots, command));
    }
  }
  return files;
}
