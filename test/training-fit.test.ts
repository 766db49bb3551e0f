// Fitting in TensorFlow.js (wasm backend) on real shipped data, small and seeded, and the two CLI
// jobs end to end: reproducible, committed model files that model/ loads, honest exit codes.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadModel, createModel, saveModel } from "../model/index.ts";
import { buildDataset, concatDatasets, loadSeries, refitSplit, trainValidationRows, walkForwardSplit } from "../training/dataset.ts";
import { fitNetwork, qlikeOf, selectBackend, VARIANTS, DEFAULT_FIT, forecastRows, withFloor, log2Quantile, ACTIVITY_INPUTS } from "../training/fit.ts";
import { trainCommand, evaluateCommand } from "../training/cli.ts";
import { floatForecasts, quantizedForecasts, varianceFromForecast } from "../training/forecasts.ts";
import { forecastFloat } from "../model/index.ts";

const DAY = "data/swaps-usdc-weth/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz";
const OTHER_DAY = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz";
const tmp = mkdtempSync(path.join(tmpdir(), "provenfee-fit-"));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

// One real day, shared by the fitting tests below (the CLI tests load their own files).
let ds: ReturnType<typeof buildDataset>;
let split: ReturnType<typeof walkForwardSplit>;
async function loadDay() {
  await selectBackend("wasm");
  ds ??= buildDataset(loadSeries(DAY), 30);
  split ??= walkForwardSplit(ds);
}

describe("fitting the SPEC §4 network on QLIKE", () => {
  beforeAll(loadDay);

  it("the TF graph's loss is QLIKE through model/'s fastExp2 (no step taken at learning rate 0)", async () => {
    const r = await fitNetwork(ds, split, { ...DEFAULT_FIT, floorQuantile: 0, variant: VARIANTS.full!, learningRate: 0, l2: 0, batchSize: 1_000_000, maxEpochs: 1, patience: 5 });
    const y = forecastRows(r.init, ds, split.train);
    expect(Math.min(...y)).toBeGreaterThan(0); // clamp inactive: the graph and the fee path agree
    expect(r.history[0]!.loss).toBeCloseTo(qlikeOf(r.init, ds, split.train), 4);
    // The typed-array forecast is model/'s forecastFloat.
    const i = split.train[10]!;
    expect(forecastRows(r.init, ds, Int32Array.of(i))[0]).toBeCloseTo(forecastFloat(r.init, Array.from(ds.inputs.subarray(i * 12, i * 12 + 12))), 12);
  });

  it("is deterministic for a seed, differs across seeds, starts at log-HAR and never ends worse on validation", async () => {
    const opts = { ...DEFAULT_FIT, floorQuantile: 0, variant: VARIANTS.full!, maxEpochs: 6, patience: 6, batchSize: 128 };
    const a = await fitNetwork(ds, split, { ...opts, seed: 5 });
    const b = await fitNetwork(ds, split, { ...opts, seed: 5 });
    const c = await fitNetwork(ds, split, { ...opts, seed: 6, keepLast: true });
    expect(b.net).toEqual(a.net);
    expect(b.history).toEqual(a.history);
    expect(c.net).not.toEqual(a.net);
    expect(a.init.W.flat().every((w) => w === 0) && a.init.v.every((v) => v === 0)).toBe(true);
    expect(a.valLoss).toBeLessThanOrEqual(a.initValLoss);
    // The result is a committable model, and the quantized forecast is within 1% QLIKE of the float one.
    const model = await createModel({ float: a.net, policy: { base: 0, slope: 2200, modelFeeMin: 100, modelFeeMax: 10_000 } });
    const file = path.join(tmp, "m.json");
    saveModel(model, file);
    const loaded = await loadModel(file);
    const rows = split.validation;
    const f = floatForecasts(a.net, ds, rows);
    const q = quantizedForecasts(loaded, ds, rows);
    let maxRel = 0;
    for (let k = 0; k < rows.length; k++) maxRel = Math.max(maxRel, Math.abs(q[k]! / f[k]! - 1));
    expect(maxRel).toBeLessThan(0.02);
    expect(varianceFromForecast(-3)).toBe(1); // the fee path's clamp: sigma >= 1 tick
  });
});

describe("sparse-activity guards and the walk-forward refit", () => {
  beforeAll(loadDay);

  it("the floor hinge makes the network max(b + a.x, f) plus its other units, exactly", async () => {
    const r = await fitNetwork(ds, split, { ...DEFAULT_FIT, variant: VARIANTS.full!, maxEpochs: 3, patience: 3, batchSize: 256, floorQuantile: 0.05, keepLast: true });
    const f = log2Quantile(ds, split.train, 0.05);
    // Unit 3 is the hinge on the linear path: W[3] = -a, c[3] = f - b, v[3] = 1.
    expect(r.net.v[3]).toBe(1);
    expect(r.net.c[3]).toBeCloseTo(f - r.net.b, 12);
    r.net.W[3]!.forEach((w, i) => expect(w).toBe(r.net.a[i] === 0 ? 0 : -r.net.a[i]!));
    const rest = { ...r.net, v: r.net.v.map((v, j) => (j === 3 ? 0 : v)) };
    const lin = { ...r.net, v: [0, 0, 0, 0] };
    const all = Int32Array.from({ length: ds.n }, (_, i) => i);
    const y = forecastRows(r.net, ds, all);
    const yl = forecastRows(lin, ds, all);
    const yr = forecastRows(rest, ds, all);
    for (let k = 0; k < ds.n; k += 7) expect(y[k]!).toBeCloseTo(Math.max(yl[k]!, f) + (yr[k]! - yl[k]!), 9);
    // An input with no activity and no variance (a pool that did not trade for 4 hours): floored.
    const zero = { ...ds, inputs: new Float32Array(12), n: 1 };
    expect(forecastRows(withFloor(lin, f, 3), zero, Int32Array.of(0))[0]).toBeCloseTo(Math.max(r.net.b, f), 9);
    // It commits: the hinge weights are inside the 16-bit box.
    await createModel({ float: r.net, policy: { base: 0, slope: 2200, modelFeeMin: 100, modelFeeMax: 10_000 } });
  });

  it("the activity-path L2 starts the activity weights at 0 and keeps them small", async () => {
    const r = await fitNetwork(ds, split, { ...DEFAULT_FIT, variant: VARIANTS.full!, maxEpochs: 3, patience: 3, batchSize: 256, l2Activity: 10, keepLast: true });
    for (const i of ACTIVITY_INPUTS) expect(r.init.a[i]).toBe(0);
    const free = await fitNetwork(ds, split, { ...DEFAULT_FIT, variant: VARIANTS.full!, maxEpochs: 3, patience: 3, batchSize: 256, keepLast: true });
    const size = (n: typeof r.net) => ACTIVITY_INPUTS.reduce((s, i) => s + n.a[i]! ** 2 + n.W.reduce((t, row) => t + row[i]! ** 2, 0), 0);
    expect(size(r.net)).toBeLessThan(size(free.net));
    expect(ACTIVITY_INPUTS.some((i) => free.init.a[i] !== 0)).toBe(true);
  });

  it("the refit block is every row before the test part whose target ends before it", () => {
    const rows = trainValidationRows(split);
    expect(rows[0]).toBe(0);
    expect(rows[rows.length - 1]).toBe(split.validation[split.validation.length - 1]);
    expect(rows.length).toBe(split.validation[split.validation.length - 1]! + 1);
    const lastTargetEnd = ds.asOf[rows[rows.length - 1]!]! + ds.horizon;
    expect(lastTargetEnd).toBeLessThan(ds.asOf[split.test[0]!]! + 1);
    const r = refitSplit(split);
    expect(r.validation.length).toBe(0);
    expect(r.test).toBe(split.test);
    const joined = concatDatasets(ds, ds);
    expect(joined.ds.n).toBe(2 * ds.n);
    expect(joined.offset).toBe(ds.n);
    expect(Array.from(joined.ds.inputs.subarray(ds.n * 12, ds.n * 12 + 12))).toEqual(Array.from(ds.inputs.subarray(0, 12)));
    expect(joined.ds.segment[ds.n]).toBe(ds.series.segments.length + ds.segment[0]!);
  });
});

describe("provenfee train / evaluate (CLI jobs)", () => {
  const out = path.join(tmp, "cli-model.json");

  it("train writes a loadable model file, a report and a PNG", async () => {
    const io = capture();
    const code = await trainCommand(["--data", DAY, "--epochs", "4", "--batch", "256", "--seed", "3", "--out", out, "--quiet"]);
    expect(io.err.join("\n")).toBe("");
    expect(code).toBe(0);
    const model = await loadModel(out);
    expect(model.file.period).toBe(60);
    expect(model.file.horizon).toBe(30);
    const report = JSON.parse(readFileSync(path.join(tmp, "cli-model.report.json"), "utf8"));
    expect(report.model.commitment).toBe(model.file.commitment);
    expect(report.test.results.map((r: { name: string }) => r.name)).toEqual(["ewma", "ewma-tuned", "garch", "har", "har-log", "model", "model-quantized"]);
    expect(report.data.split.test.n).toBeGreaterThan(100);
    // Refitted on train + validation for the epoch count early stopping chose; protocol written down.
    expect(report.fit.refit.epochs).toBe(report.fit.bestEpoch);
    expect(report.fit.refit.rows.from).toBe(report.data.split.train.from);
    expect(report.fit.refit.rows.to).toBe(report.data.split.validation.to);
    expect(report.protocol.test).toMatch(/never used for any choice/);
    expect(report.model.float).toEqual(model.file.float);
    const png = readFileSync(path.join(tmp, "cli-model.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(io.out.join("\n")).toMatch(/verdict: the model/);
  });

  it("the same seed reproduces the same model file weights", async () => {
    capture();
    const again = path.join(tmp, "cli-model-2.json");
    expect(await trainCommand(["--data", DAY, "--epochs", "4", "--batch", "256", "--seed", "3", "--out", again, "--quiet", "--no-plot"])).toBe(0);
    const a = JSON.parse(readFileSync(out, "utf8"));
    const b = JSON.parse(readFileSync(again, "utf8"));
    expect(b.float).toEqual(a.float);
    expect(b.commitment).toBe(a.commitment);
    expect(existsSync(path.join(tmp, "cli-model-2.png"))).toBe(false);
  });

  it("evaluate --json prints one object of the documented shape, on a pool the model never saw", async () => {
    const io = capture();
    const code = await evaluateCommand(["--model", out, "--data", OTHER_DAY, "--json"]);
    expect(code).toBe(0);
    expect(io.out.length).toBe(1);
    const result = JSON.parse(io.out[0]!);
    expect(Object.keys(result.test).sort()).toEqual(["from", "n", "to"]);
    expect(new Date(result.test.from).toISOString()).toBe(result.test.from);
    const names = result.results.map((r: { name: string }) => r.name);
    for (const n of ["ewma", "ewma-tuned", "garch", "har", "model", "model-quantized"]) expect(names).toContain(n);
    for (const r of result.results) {
      expect(typeof r.qlike).toBe("number");
      expect(typeof r.mse).toBe("number");
      expect(r.name === "model" ? r.dmVsModel === null : typeof r.dmVsModel === "number").toBe(true);
    }
  });

  it("bad data: exit 1 and one line naming the file and row; bad usage: exit 2", async () => {
    const io = capture();
    expect(await evaluateCommand(["--model", out, "--data", path.join(tmp, "missing.csv")])).toBe(1);
    expect(io.err).toEqual([`provenfee evaluate: ${path.join(tmp, "missing.csv")}: no such file or folder`]);
    expect(await evaluateCommand(["--model", path.join(tmp, "nope.json")])).toBe(1);
    expect(io.err[1]).toMatch(/nope\.json: cannot read model file/);
    expect(await trainCommand(["--bogus"])).toBe(2);
    expect(io.err[2]).toBe("provenfee train: --bogus: unknown option (see 'provenfee train --help')");
    expect(await trainCommand(["--split", "0.9,0.3"])).toBe(2);
    expect(await evaluateCommand(["--fit-on", "test"])).toBe(2);
    expect(io.err[io.err.length - 1]).toMatch(/--fit-on: must be train or train\+validation/);
    expect(await trainCommand(["--floor-quantile", "1"])).toBe(2);
    expect(await evaluateCommand(["--help"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/usage: provenfee evaluate/);
  });
});
