// Forecast versus realized volatility as an SVG we write ourselves, rendered to PNG by resvg.
import { writeFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";

export interface Line {
  label: string;
  color: string;
  values: ArrayLike<number>;
  width?: number;
}

export interface PlotSpec {
  title: string;
  subtitle?: string;
  /** Unix seconds of each point. */
  times: ArrayLike<number>;
  lines: Line[];
  yLabel: string;
}

const W = 1400;
const H = 560;
const M = { left: 80, right: 30, top: 70, bottom: 60 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A log-scale time chart; points with non-positive values are drawn at the axis floor. */
export function renderSvg(spec: PlotSpec): string {
  const n = spec.times.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of spec.lines) {
    for (let i = 0; i < n; i++) {
      const v = l.values[i]!;
      if (v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 1;
    hi = 10;
  }
  const yMin = Math.floor(Math.log10(lo));
  const yMax = Math.max(yMin + 1, Math.ceil(Math.log10(hi)));
  const t0 = spec.times[0] ?? 0;
  const t1 = spec.times[n - 1] ?? 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + ((t - t0) / Math.max(1, t1 - t0)) * pw;
  const y = (v: number) => M.top + ph - ((Math.log10(Math.max(v, 10 ** yMin)) - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${M.left}" y="28" font-size="20" font-weight="bold">${esc(spec.title)}</text>`);
  if (spec.subtitle) parts.push(`<text x="${M.left}" y="52" font-size="14" fill="#444">${esc(spec.subtitle)}</text>`);
  for (let e = yMin; e <= yMax; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v < 10 ** yMin || v > 10 ** yMax) continue;
      const yy = y(v).toFixed(1);
      parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? "#bbb" : "#e6e6e6"}" stroke-width="1"/>`);
      parts.push(`<text x="${M.left - 8}" y="${yy}" font-size="12" text-anchor="end" dominant-baseline="middle">${v >= 1 ? v.toString() : v.toPrecision(1)}</text>`);
    }
  }
  const day = 86400;
  for (let t = Math.ceil(t0 / day) * day; t <= t1; t += day) {
    const xx = x(t).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${xx}" y="${M.top + ph + 18}" font-size="12" text-anchor="middle">${new Date(t * 1000).toISOString().slice(5, 10)}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 12}" font-size="13" text-anchor="middle">time (UTC, as-of minute)</text>`);
  parts.push(`<text x="18" y="${M.top + ph / 2}" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${M.top + ph / 2})">${esc(spec.yLabel)}</text>`);
  for (const l of spec.lines) {
    const pts: string[] = [];
    for (let i = 0; i < n; i++) pts.push(`${x(spec.times[i]!).toFixed(1)},${y(l.values[i]!).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${l.color}" stroke-width="${l.width ?? 1.2}" stroke-linejoin="round" points="${pts.join(" ")}"/>`);
  }
  spec.lines.forEach((l, k) => {
    const lx = W - M.right - 330;
    const ly = M.top + 16 + k * 20;
    parts.push(`<rect x="${lx - 8}" y="${ly - 12}" width="330" height="20" fill="white" fill-opacity="0.8"/>`);
    parts.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 36}" y="${ly + 4}" font-size="13">${esc(l.label)}</text>`);
  });
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push("</svg>");
  return parts.join("\n");
}

/** Renders the SVG to a PNG file (written through a temporary file). */
export function writePng(svg: string, path: string): void {
  const { Resvg } = createRequire(import.meta.url)("@resvg/resvg-js") as { Resvg: new (svg: string, opts: object) => { render(): { asPng(): Buffer } } };
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }, background: "white" }).render().asPng();
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, png);
  renameSync(tmp, path);
}

/** Mean of consecutive blocks of `k` points (keeps a week of minutes legible). */
export function blockMean(values: ArrayLike<number>, k: number): Float64Array {
  const m = Math.ceil(values.length / k);
  const out = new Float64Array(m);
  for (let b = 0; b < m; b++) {
    let s = 0;
    let c = 0;
    for (let i = b * k; i < Math.min(values.length, (b + 1) * k); i++) {
      s += values[i]!;
      c++;
    }
    out[b] = s / c;
  }
  return out;
}
