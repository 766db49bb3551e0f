// Renders a report in headless Chromium (Debian's `chromium`) over the DevTools protocol on a pipe
// (--remote-debugging-pipe: no port, no WebSocket library), collects every console error, uncaught
// exception and failed load, and measures what the page drew.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM = process.env.CHROMIUM ?? "chromium";
export const hasChromium = (() => {
  try {
    return spawnSync(CHROMIUM, ["--version"], { timeout: 30_000 }).status === 0;
  } catch {
    return false;
  }
})();

export interface Rendered<T> {
  /** What `expression` returned in the page. */
  result: T;
  /** Console errors, uncaught exceptions and error log entries (failed loads), one line each. */
  errors: string[];
}

/** Opens `file` and evaluates `expression` (returning JSON-able data) once the page has loaded. */
export async function renderInChromium<T>(file: string, expression: string, timeoutMs = 60_000, windowSize?: [number, number]): Promise<Rendered<T>> {
  const profile = mkdtempSync(path.join(tmpdir(), "provenfee-chromium-"));
  // Without the background-networking flags, headless Chromium waits on refused connections.
  const args = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", `--user-data-dir=${profile}`, ...(windowSize ? [`--window-size=${windowSize[0]},${windowSize[1]}`] : []), "--remote-debugging-pipe", "about:blank",
  ];
  const browser = spawn(CHROMIUM, args, { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
  const toBrowser = browser.stdio[3] as Writable;
  const fromBrowser = browser.stdio[4] as Readable;
  let stderr = "";
  browser.stderr!.on("data", (d) => (stderr += d));
  const errors: string[] = [];
  const waiting = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners: ((m: { method: string; params: Record<string, unknown>; sessionId?: string }) => void)[] = [];
  let buffer = "";
  fromBrowser.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let end;
    while ((end = buffer.indexOf("\0")) >= 0) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id !== undefined) {
        const w = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error) w?.reject(new Error(`${message.error.message} (${JSON.stringify(message.error.data ?? "")})`));
        else w?.resolve(message.result);
      } else for (const l of listeners) l(message);
    }
  });
  let nextId = 1;
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const exited = new Promise<void>((resolve) => browser.on("exit", () => resolve()));
  const timer = setTimeout(() => browser.kill("SIGKILL"), timeoutMs);
  try {
    const { targetId } = await send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    listeners.push(({ method, params, sessionId: from }) => {
      if (from !== sessionId) return;
      if (method === "Runtime.consoleAPICalled" && (params.type === "error" || params.type === "assert")) {
        errors.push(`console.${params.type}: ${(params.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description).join(" ")}`);
      }
      if (method === "Runtime.exceptionThrown") {
        const d = params.exceptionDetails as { text: string; exception?: { description?: string } };
        errors.push(`exception: ${d.exception?.description ?? d.text}`);
      }
      if (method === "Log.entryAdded") {
        const e = params.entry as { level: string; text: string; url?: string };
        if (e.level === "error") errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ""}`);
      }
    });
    await Promise.all([send("Runtime.enable", {}, sessionId), send("Log.enable", {}, sessionId), send("Page.enable", {}, sessionId)]);
    const loaded = new Promise<void>((resolve) => listeners.push(({ method, sessionId: from }) => method === "Page.loadEventFired" && from === sessionId && resolve()));
    const nav = (await send("Page.navigate", { url: `file://${path.resolve(file)}` }, sessionId)) as { errorText?: string };
    if (nav.errorText) throw new Error(`${file}: ${nav.errorText}`);
    await loaded;
    const evaluated = (await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true }, sessionId)) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (evaluated.exceptionDetails) throw new Error(`evaluating in ${file}: ${evaluated.exceptionDetails.text}`);
    await send("Browser.close").catch(() => undefined);
    return { result: evaluated.result.value, errors };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nchromium stderr:\n${stderr.slice(-2000)}`);
  } finally {
    clearTimeout(timer);
    if (browser.exitCode === null) browser.kill("SIGKILL");
    await exited;
    // Chromium's helper processes may still be writing the profile for a moment after the browser exits.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // a temporary folder; the OS cleans it up
    }
  }
}

export interface DrawnChart {
  id: string;
  /** The axis labels' text and their drawn size in pixels (0 when not drawn). */
  xLabel: { text: string; width: number; height: number };
  yLabel: { text: string; width: number; height: number };
  /** Legend entries as drawn (text, and whether its swatch and text have a size). */
  legend: { text: string; drawn: boolean }[];
  /** Data lines drawn (polylines with points). */
  lines: number;
  xTicks: number;
  yTicks: number;
}

/** Evaluated in the page: every chart's axis labels, legend and lines as drawn, and any table heading that is a raw camelCase key. */
export const MEASURE_CHARTS = `(() => {
  const size = (el) => { if (!el) return { text: "", width: 0, height: 0 }; const b = el.getBBox(); return { text: el.textContent.trim(), width: b.width, height: b.height }; };
  const charts = [...document.querySelectorAll("svg.chart")].map((svg) => ({
    id: svg.id,
    xLabel: size(svg.querySelector(".axis-label.x")),
    yLabel: size(svg.querySelector(".axis-label.y")),
    legend: [...svg.querySelectorAll(".legend .legend-item")].map((g) => { const b = g.getBBox(); return { text: g.textContent.trim(), drawn: b.width > 20 && b.height > 5 }; }),
    lines: [...svg.querySelectorAll("polyline.series")].filter((p) => p.points.length > 0).length,
    xTicks: svg.querySelectorAll(".tick-label.x").length,
    yTicks: svg.querySelectorAll(".tick-label.y").length,
  }));
  const rawKeys = [...document.querySelectorAll("th")].map((th) => th.textContent.trim()).filter((t) => /^[a-z]+[A-Z][A-Za-z]*$/.test(t));
  return { charts, rawKeys };
})()`;
