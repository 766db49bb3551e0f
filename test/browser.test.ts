import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hasChromium, renderInChromium, MEASURE_CHARTS, type DrawnChart } from "./browser.ts";
import { lineChartSvg } from "../backtest/chart.ts";

// The render checks of the reports are only as good as this harness: it must see console errors,
// exceptions and failed loads, and tell a drawn axis label or legend from a missing one.
describe.skipIf(!hasChromium)("headless Chromium harness", () => {
  it("reports console errors, uncaught exceptions and failed loads; measures charts and raw camelCase headings", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "provenfee-browser-"));
    const chart = lineChartSvg({ id: "good", title: "t", yLabel: "fee (bps)", series: [{ label: "a line", xs: [0, 60, 120], ys: [1, 2, 3] }] });
    const unlabelled = `<svg class="chart" id="bare" width="100" height="100"><polyline class="series" points="0,0 10,10"/></svg>`;
    const file = path.join(dir, "page.html");
    writeFileSync(file, `<!doctype html><html><body>${chart}${unlabelled}<table><tr><th>feeRevenue</th><th>LP fees</th></tr></table>
<img src="missing.png"><script>console.error("boom"); setTimeout(() => { throw new Error("uncaught"); });</script></body></html>`);
    const { result, errors } = await renderInChromium<{ charts: DrawnChart[]; rawKeys: string[] }>(file, `new Promise((r) => setTimeout(() => r(${MEASURE_CHARTS}), 200))`);
    expect(errors.some((e) => e.includes("boom"))).toBe(true);
    expect(errors.some((e) => e.includes("uncaught"))).toBe(true);
    expect(errors.some((e) => e.includes("missing.png"))).toBe(true);
    const [good, bare] = result.charts;
    expect(good).toMatchObject({ id: "good", xLabel: { text: "time (UTC)" }, yLabel: { text: "fee (bps)" }, lines: 1, legend: [{ text: "a line", drawn: true }] });
    expect(good!.xLabel.width).toBeGreaterThan(0);
    expect(bare).toMatchObject({ id: "bare", xLabel: { text: "", width: 0 }, yLabel: { text: "", width: 0 }, legend: [], lines: 1 });
    expect(result.rawKeys).toEqual(["feeRevenue"]);
  }, 60_000);
});
