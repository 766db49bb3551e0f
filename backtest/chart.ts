// Line charts over time as SVG, shared by the backtest and demo reports: one x scale (time, UTC)
// and one y scale per chart, both axes drawn and labelled with their units, a legend naming every
// line. The same SVG is inlined in the HTML reports and rendered to PNG by resvg.

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

export interface Series {
  label: string;
  /** Unix seconds. */
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** Hold each value until the next point (a fee in force until it changes). */
  step?: boolean;
  dashed?: boolean;
  color?: string;
}

export interface Chart {
  /** Also the SVG's id, for links and tests. */
  id: string;
  title: string;
  /** What the y values are, with their unit: "fee (bps)". */
  yLabel: string;
  /** Default "time (UTC)". */
  xLabel?: string;
  series: Series[];
  width?: number;
  height?: number;
}

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A tick value as a person reads it: thousands separators, no float noise, exponent only past a trillion. */
export function tickText(v: number): string {
  if (Math.abs(v) >= 1e12) return v.toExponential(2);
  return (+v.toPrecision(6)).toLocaleString("en-US", { maximumFractionDigits: 4 });
}

/** Time ticks at round UTC steps (minutes, hours or days) across [t0, t1]. */
function timeTicks(t0: number, t1: number): { at: number[]; label: (t: number) => string } {
  const span = Math.max(1, t1 - t0);
  const steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400];
  const step = steps.find((s) => span / s <= 8) ?? steps[steps.length - 1]!;
  const at: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) at.push(t);
  const iso = (t: number) => new Date(t * 1000).toISOString();
  const sameDay = iso(t0).slice(0, 10) === iso(t1).slice(0, 10);
  const label = step >= 86400 ? (t: number) => iso(t).slice(0, 10) : sameDay ? (t: number) => iso(t).slice(11, 16) : (t: number) => iso(t).slice(5, 16).replace("T", " ");
  return { at, label };
}

/** A time chart: long series are thinned to ~3000 points each. */
export function lineChartSvg(chart: Chart): string {
  const W = chart.width ?? 1200;
  const H = chart.height ?? 520;
  const legendWidth = Math.min(360, 60 + 7 * Math.max(10, ...chart.series.map((s) => s.label.length)));
  const M = { left: 96, right: legendWidth + 20, top: 56, bottom: 72 };
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of chart.series) {
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i]!;
      if (!Number.isFinite(y)) continue;
      x0 = Math.min(x0, s.xs[i]!);
      x1 = Math.max(x1, s.xs[i]!);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) x1 = x0 + 60;
  // Values of one sign start the axis at zero when that costs little room, so heights compare.
  if (y0 > 0 && y0 < (y1 - y0) * 0.5) y0 = 0;
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  if (y0 !== 0) y0 -= pad;
  y1 += pad;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const p: string[] = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" id="${esc(chart.id)}" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" role="img" aria-label="${esc(chart.title)}">`);
  p.push(`<title>${esc(chart.title)}</title>`);
  p.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  p.push(`<text class="chart-title" x="${M.left}" y="30" font-size="19" font-weight="bold">${esc(chart.title)}</text>`);
  for (const v of niceTicks(y0, y1)) {
    const yy = Y(v).toFixed(1);
    p.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${yy}" y2="${yy}" stroke="#e8e8e8"/>`);
    p.push(`<line x1="${M.left - 5}" x2="${M.left}" y1="${yy}" y2="${yy}" stroke="#444"/>`);
    p.push(`<text class="tick-label y" x="${M.left - 8}" y="${yy}" font-size="12" text-anchor="end" dominant-baseline="middle">${esc(tickText(v))}</text>`);
  }
  const time = timeTicks(x0, x1);
  for (const t of time.at) {
    const xx = X(t).toFixed(1);
    p.push(`<line x1="${xx}" x2="${xx}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#444"/>`);
    p.push(`<text class="tick-label x" x="${xx}" y="${M.top + ph + 20}" font-size="12" text-anchor="middle">${esc(time.label(t))}</text>`);
  }
  p.push(`<line class="axis x" x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#444"/>`);
  p.push(`<line class="axis y" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#444"/>`);
  p.push(`<text class="axis-label x" x="${M.left + pw / 2}" y="${H - 18}" font-size="14" text-anchor="middle">${esc(chart.xLabel ?? "time (UTC)")}</text>`);
  p.push(`<text class="axis-label y" x="22" y="${M.top + ph / 2}" font-size="14" text-anchor="middle" transform="rotate(-90 22 ${M.top + ph / 2})">${esc(chart.yLabel)}</text>`);
  const legend: string[] = [];
  chart.series.forEach((s, k) => {
    const color = s.color ?? COLORS[k % COLORS.length]!;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
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
    if (pts.length) p.push(`<polyline class="series" data-label="${esc(s.label)}" fill="none" stroke="${color}" stroke-width="1.8"${dash} points="${pts.join(" ")}"/>`);
    const ly = M.top + 12 + k * 22;
    const lx = W - M.right + 20;
    legend.push(`<g class="legend-item"><line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"${dash}/><text x="${lx + 36}" y="${ly + 4}" font-size="12">${esc(s.label)}</text></g>`);
  });
  p.push(`<g class="legend">${legend.join("")}</g>`);
  p.push("</svg>");
  return p.join("\n");
}

/** "fooBarBaz" -> "foo bar baz": a fallback label for keys no table names explicitly. */
export function humanize(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
}
