// Writing a backtest down: the terminal table, JSON, CSV, PNG plots (SVG we draw, rendered by
// resvg) and a self-contained HTML report (the same SVG charts inline, no scripts, no network).
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { jsonSummary, type Report } from "./metrics.ts";
import { esc, humanize, lineChartSvg, type Series } from "./chart.ts";

export { lineChartSvg, type Series };

function fmt(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return "-";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ---------------------------------------------------------------- terminal

export function formatTable(report: Report, quote: string): string {
  const head = ["policy", `fees (${quote})`, "LVR", "net LP PnL", "recapture", "vs hold", "vol kept", "mean fee bp", "p95 bp", "updates", "gas", "net after gas", "Sharpe", "max DD"];
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
    fmt(p.gasCost),
    fmt(p.netPnlAfterGas),
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
  const chart = (name: string, title: string, yLabel: string, series: Series[]) => plots.push({ name, title, svg: lineChartSvg({ id: `plot-${name}`, title, yLabel, series }) });
  chart(
    "fee",
    "LP fee over time, per policy",
    "LP fee (bps)",
    Object.keys(report.series.feeTimes).map((n) => ({ label: n, xs: report.series.feeTimes[n]!, ys: report.series.feeValues[n]!.map((v) => v / 100), step: true })),
  );
  chart(
    "cumulative-net-pnl",
    "Cumulative net LP PnL (fees - LVR), per policy",
    `cumulative net LP PnL (${quote})`,
    Object.keys(report.series.cumulativeNet).map((n) => ({ label: n, xs: report.series.hours.map((h) => h + 3600), ys: report.series.cumulativeNet[n]! })),
  );
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
  chart("forecast-vs-realized", "Forecast vs realized volatility over the model horizon", "volatility over the horizon (ticks, 1 tick = 1 bp of price)", fs);
  return plots;
}

/** Rows of the replay's bookkeeping, each under a label a reader understands. */
const STAT_LABELS: Record<string, string> = {
  swaps: "swaps replayed",
  events: "pool events read (swaps, mints, burns)",
  segments: "continuous segments (a data gap starts a new one)",
  gaps: "data gaps",
  calibrations: "liquidity calibrations",
  calibrationShare: "share of liquidity from calibration",
  solvedBuckets: "liquidity buckets solved",
  outputExact: "swap outputs reproduced exactly",
  outputChecked: "swap outputs checked",
  outputMedianRelError: "median relative error of swap outputs",
  arbitrageSwaps: "swaps classified as arbitrage",
  skipped: "rows skipped, by reason",
  files: "data files",
  historicalFeePips: "historical fee (pips)",
  blocks: "simulated blocks",
  arbBlocks: "blocks with an arbitrage trade, per policy",
};

function statValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? fmt(v) : String(+v.toPrecision(4));
  if (Array.isArray(v)) return v.map((x) => statValue(x)).join(", ") || "none";
  if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => `${k}: ${statValue(x)}`).join("; ") || "none";
  return String(v ?? "-");
}

/** A markout horizon key ("0s", "5m") as a column heading. */
const horizonLabel = (h: string) => (h === "0s" ? "at the trade" : `after ${h.replace(/m$/, " min")}`);

// ---------------------------------------------------------------- HTML

export function htmlReport(report: Report, quote: string, plots: { name: string; title: string; svg: string }[], command: string): string {
  const rows = report.policies
    .map(
      (p) => `<tr><td>${esc(p.name)}${p.foresight ? " *" : ""}</td><td>${fmt(p.feeRevenue)}</td><td>${fmt(p.lvr)}</td><td>${fmt(p.lvrTheory)}</td><td>${fmt(p.netPnl)}</td><td>${fmt(p.recapture, 2)}</td><td>${fmt(p.pnlVsHold)}</td><td>${fmt(p.volumeRetained, 3)}</td><td>${fmt(p.meanFeePips / 100, 2)}</td><td>${fmt(p.p50FeePips / 100, 2)}</td><td>${fmt(p.p95FeePips / 100, 2)}</td><td>${fmt(p.feeUpdates)}</td><td>${fmt(p.gasUsed)}</td><td>${fmt(p.gasCost)}</td><td>${fmt(p.netPnlAfterGas)}</td><td>${fmt(p.dailySharpe, 2)}</td><td>${fmt(p.maxDrawdown)}</td></tr>`,
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
  const figures = plots.map((p) => `<figure>${p.svg}<figcaption>${esc(p.title)}</figcaption></figure>`).join("\n");
  const statRows = Object.entries(report.stats).map(([k, v]) => `<tr><th>${esc(STAT_LABELS[k] ?? humanize(k))}</th><td>${esc(statValue(v))}</td></tr>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>provenfee backtest</title>
<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:24px;color:#222}.wide{overflow-x:auto;max-width:100%;margin:8px 0 20px}pre{overflow-x:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}svg.chart{max-width:100%;height:auto;border:1px solid #ddd}code{background:#f5f5f5;padding:1px 4px;overflow-wrap:anywhere}#data td{text-align:left}</style>
</head><body>
<h1>Fee policy backtest</h1>
<p>${esc(report.mode)}; ${report.swaps.toLocaleString("en-US")} swaps from ${esc(report.from)} to ${esc(report.to)}. Values in ${esc(quote)}.</p>
<p><code>${esc(command)}</code></p>
<h2>Results per policy</h2>
<div class="wide"><table id="policies"><tr><th>policy</th><th>LP fees (${esc(quote)})</th><th>LVR, realized (${esc(quote)})</th><th>LVR, theory (${esc(quote)})</th><th>net LP PnL (${esc(quote)})</th><th>recapture (fees / LVR)</th><th>PnL vs holding (${esc(quote)})</th><th>share of volume kept</th><th>mean fee (bps)</th><th>median fee (bps)</th><th>95th pct fee (bps)</th><th>fee updates</th><th>gas used</th><th>gas (${esc(quote)})</th><th>net after gas (${esc(quote)})</th><th>daily Sharpe</th><th>max drawdown (${esc(quote)})</th></tr>
${rows}</table></div>
${report.policies.some((p) => p.foresight) ? "<p>* perfect foresight reads the realized future: an upper bound, not a strategy.</p>" : ""}
<h2>Markouts by flow class (LP side, fees excluded, ${esc(quote)})</h2>
<div class="wide"><table id="markouts"><tr><th>policy</th>${hs.map((h) => `<th>arbitrage, ${horizonLabel(h)}</th>`).join("")}${hs.map((h) => `<th>uninformed, ${horizonLabel(h)}</th>`).join("")}</tr>
${markoutRows}</table></div>
<h2>Edge over the best static tier (${esc(report.bestStatic ?? "-")}), 95% block-bootstrap interval</h2>
<div class="wide"><table id="edges"><tr><th>policy</th><th>edge in net LP PnL (${esc(quote)})</th><th>2.5th percentile</th><th>97.5th percentile</th><th>P(edge &gt; 0)</th></tr>
${edgeRows}</table></div>
<h2>Net LP PnL by volatility regime (${esc(quote)})</h2>
<div class="wide"><table id="regimes"><tr><th>regime</th><th>hours</th><th>annualized volatility</th>${report.policies.map((p) => `<th>${esc(p.name)}</th>`).join("")}</tr>
${regimeRows}</table></div>
<h2>Plots</h2>
${figures}
<h2>Assumptions</h2>
<ul>${report.assumptions.map((a) => `<li>${esc(a)}</li>`).join("")}</ul>
<h2>Data</h2>
<table id="data">${statRows}</table>
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
    const plots = plotsFor(report, quote, forecasts);
    if (options.png) {
      for (const p of plots) {
        const f = path.join(dir, `${p.name}.png`);
        writeFileSync(f, svgToPng(p.svg));
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
