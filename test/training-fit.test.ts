// Fitting in TensorFlow.js (wasm backend) on real shipped data, small and seeded, and the two CLI
// jobs end to end: reproducible, committed model files that model/ loads, honest exit codes.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadModel, createModel, saveModel, HALF_LIVES, N_FEATURES, forecastFloat } from "../model/index.ts";
import { buildDataset, concatDatasets, loadSeries, refitSplit, trainValidationRows, walkForwardSplit, type Dataset } from "../training/dataset.ts";
import { fitLevels, fitCorrection, levelNetwork, levelSums, qlikeOf, selectBackend, forecastRows, DEFAULT_CORRECTION } from "../training/fit.ts";
import { projectedBaselines } from "../training/pipeline.ts";
import { trainCommand, evaluateCommand } from "../training/cli.ts";
import { fitBaselines, floatForecasts, quantizedForecasts, inputsRow, varianceFromForecast } from "../training/forecasts.ts";
import { garchHorizonForecast } from "../training/baselines.ts";

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

describe("the level forecast: the classic forecasts are special cases, and the fit starts from the best", () => {
  beforeAll(loadDay);

  /** The float EWMA of per-period squared moves from zero at the first close, bias-corrected: the oracle's. */
  function ewmaFromZero(data: Dataset, row: number, lambda: number): { value: number; n: number } {
    const seg = data.series.segments[data.segment[row]!]!;
    const firstClose = seg.obs.periods[0]!;
    const end = data.gridIndex[row]!;
    let e = 0;
    let n = 0;
    for (let t = firstClose - seg.firstPeriod + 1; t <= end; t++, n++) e = lambda * e + (1 - lambda) * seg.r2[t]!;
    return { value: e / (1 - lambda ** n), n };
  }

  it("with w_k = horizon and nothing else, the model IS the EWMA forecast with the oracle's decay k", async () => {
    for (let k = 0; k < N_FEATURES; k++) {
      const w = new Array<number>(N_FEATURES).fill(0);
      w[k] = ds.horizon;
      const q = await createModel({ float: levelNetwork([0, ...w]), policy: { base: 0, slope: 0, modelFeeMin: 0, modelFeeMax: 0 } });
      const rows = Int32Array.from({ length: 40 }, (_, r) => Math.floor((r * (ds.n - 1)) / 39));
      const model = quantizedForecasts(q, ds, rows);
      rows.forEach((row, r) => {
        const ewma = ds.horizon * ewmaFromZero(ds, row, 2 ** (-1 / HALF_LIVES[k]!)).value;
        if (ewma > 2) expect(Math.abs(model[r]! / ewma - 1)).toBeLessThan(5e-3); // fixed-point floors only
      });
    }
  });

  it("with c0 and w on one decay, the model IS GARCH(1,1) with beta = that decay (once the start is forgotten)", async () => {
    const k = 1; // beta = 2^(-1/16)
    const beta = 2 ** (-1 / HALF_LIVES[k]!);
    const g = { omega: 0.8, alpha: 0.03, beta }; // persistence 0.988 < 1
    const phi = g.alpha + g.beta;
    const H = ds.horizon;
    const m = (1 - phi ** H) / (1 - phi);
    const bar = g.omega / (1 - phi);
    // s2_{t+1} = omega/(1-beta) + alpha/(1-beta) EWMA_beta; the H-step forecast is affine in it
    const c0 = H * bar - bar * m + (g.omega / (1 - beta)) * m;
    const wk = (g.alpha / (1 - beta)) * m;
    const w = new Array<number>(N_FEATURES).fill(0);
    w[k] = wk;
    const net = levelNetwork([c0, ...w]);
    let checked = 0;
    for (let row = 0; row < ds.n; row += 11) {
      const { value, n } = ewmaFromZero(ds, row, beta);
      if (n < 64 * HALF_LIVES[k]!) continue; // the oracle's bias correction is exactly 1 from here on
      const s2 = g.omega / (1 - beta) + (g.alpha / (1 - beta)) * value;
      const garch = garchHorizonForecast(g, s2, H);
      const model = varianceFromForecast(forecastFloat(net, inputsRow(ds, row)));
      expect(Math.abs(model / garch - 1)).toBeLessThan(2e-3);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("fitLevels recovers known level weights from their own forecasts, keeps them non-negative and never ends worse than its start", () => {
    const truth = [3, 0, 12, 0, 7, 0];
    const target = levelSums(truth, ds, split.train);
    const start = [1, 6, 6, 6, 6, 6];
    const fit = fitLevels(ds, split.train, start, target, 200);
    expect(fit.levels.every((x) => x >= 0)).toBe(true);
    const f = levelSums(fit.levels, ds, split.train);
    let worst = 0;
    for (let r = 0; r < f.length; r++) worst = Math.max(worst, Math.abs(f[r]! / Math.max(target[r]!, 1) - 1));
    expect(worst).toBeLessThan(1e-3);
    const real = fitLevels(ds, split.train, start);
    expect(real.loss).toBeLessThanOrEqual(qlikeOf(levelNetwork(start), ds, split.train) + 1e-12);
  });

  it("every judged baseline projects into the level space; the start is the one best on validation", () => {
    const fits = fitBaselines(ds, split);
    const starts = projectedBaselines(ds, fits, split.train, split.validation);
    expect(starts.map((s) => s.name).sort()).toEqual(["ewma-tuned", "garch", "har"]);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!.qlike).toBeGreaterThanOrEqual(starts[i - 1]!.qlike);
    for (const s of starts) expect(s.levels.every((x) => x >= 0)).toBe(true);
  });
});

describe("the learned correction", () => {
  beforeAll(loadDay);

  it("reads ratios only, is seeded, and without a step is no correction at all", async () => {
    const base = levelNetwork(fitLevels(ds, split.train, [1, 6, 6, 6, 6, 6]).levels);
    const opts = { ...DEFAULT_CORRECTION, maxEpochs: 25, patience: 25, keepLast: true };
    const a = await fitCorrection(ds, split.train, split.validation, base, { ...opts, seed: 5 });
    const b = await fitCorrection(ds, split.train, split.validation, base, { ...opts, seed: 5 });
    const c = await fitCorrection(ds, split.train, split.validation, base, { ...opts, seed: 6 });
    expect(b.net).toEqual(a.net);
    expect(c.net).not.toEqual(a.net);
    for (const row of a.net.W) expect(Math.abs(row.reduce((x, y) => x + y, 0))).toBeLessThan(1e-5 * (1 + Math.max(...row.map(Math.abs))));
    expect(a.net.w).toEqual(base.w);
    // scale-free: multiplying every feature by 2^k shifts every log input by k, which a zero-sum unit ignores
    const i = split.validation[3]!;
    const x = inputsRow(ds, i);
    const shifted = { levels: x.levels.map((v) => v * 16), logs: x.logs.map((v) => v + 4) };
    const y0 = forecastFloat(a.net, x) - forecastFloat(base, x);
    const y1 = forecastFloat(a.net, shifted) - forecastFloat(base, shifted);
    expect(y1).toBeCloseTo(y0, 5);
    const none = await fitCorrection(ds, split.train, split.validation, base, { ...opts, seed: 5, learningRate: 0, maxEpochs: 1 });
    expect(forecastRows(none.net, ds, split.validation)).toEqual(forecastRows(base, ds, split.validation));
    // the typed-array forecast is model/'s forecastFloat
    expect(forecastRows(a.net, ds, Int32Array.of(i))[0]).toBeCloseTo(forecastFloat(a.net, x), 9);
    // it commits, and the quantized forecast stays within 2% of the float one
    const model = await createModel({ float: a.net, policy: { base: 0, slope: 2200, modelFeeMin: 100, modelFeeMax: 10_000 } });
    const file = path.join(tmp, "m.json");
    saveModel(model, file);
    const loaded = await loadModel(file);
    const f = floatForecasts(a.net, ds, split.validation);
    const q = quantizedForecasts(loaded, ds, split.validation);
    let maxRel = 0;
    for (let k = 0; k < f.length; k++) maxRel = Math.max(maxRel, Math.abs(q[k]! / f[k]! - 1));
    expect(maxRel).toBeLessThan(0.02);
    expect(varianceFromForecast(-3)).toBe(1); // the published forecast's clamp: at least 1 tick^2
  });
});

describe("the walk-forward refit", () => {
  beforeAll(loadDay);

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
    expect(Array.from(joined.ds.inputs.subarray(ds.n * N_FEATURES, (ds.n + 1) * N_FEATURES))).toEqual(Array.from(ds.inputs.subarray(0, N_FEATURES)));
    expect(joined.ds.segment[ds.n]).toBe(ds.series.segments.length + ds.segment[0]!);
  });
});

describe("provenfee train / evaluate (CLI jobs)", () => {
  const out = path.join(tmp, "cli-model.json");

  it("train writes a loadable model file, a report and a PNG", async () => {
    const io = capture();
    const code = await trainCommand(["--data", DAY, "--epochs", "30", "--seed", "3", "--out", out, "--quiet"]);
    expect(io.err.join("\n")).toBe("");
    expect(code).toBe(0);
    const model = await loadModel(out);
    expect(model.file.period).toBe(60);
    expect(model.file.horizon).toBe(30);
    const report = JSON.parse(readFileSync(path.join(tmp, "cli-model.report.json"), "utf8"));
    expect(report.model.commitment).toBe(model.file.commitment);
    expect(report.test.results.map((r: { name: string }) => r.name)).toEqual(["ewma", "ewma-tuned", "garch", "har", "har-log", "model", "model-quantized"]);
    expect(report.data.split.test.n).toBeGreaterThan(100);
    // Started from the best projected baseline, refitted on train + validation; protocol written down.
    expect(["ewma-tuned", "garch", "har"]).toContain(report.fit.levels.start);
    expect(report.fit.starts[0].baseline).toBe(report.fit.levels.start);
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
    expect(await trainCommand(["--data", DAY, "--epochs", "30", "--seed", "3", "--out", again, "--quiet", "--no-plot"])).toBe(0);
    const a = JSON.parse(readFileSync(out, "utf8"));
    const b = JSON.parse(readFileSync(again, "utf8"));
    expect(b.float).toEqual(a.float);
    expect(b.commitment).toBe(a.commitment);
    expect(existsSync(path.join(tmp, "cli-model-2.png"))).toBe(false);
  });

  it("--no-correction and --no-policy-fit, as the help offers them, skip those steps", async () => {
    capture();
    // --out in folders that do not exist yet: made before the fit
    const levelsOnly = path.join(tmp, "new", "folder", "cli-levels-only.json");
    expect(await trainCommand(["--data", DAY, "--no-correction", "--no-policy-fit", "--out", levelsOnly, "--quiet", "--no-plot"])).toBe(0);
    const report = JSON.parse(readFileSync(path.join(tmp, "new", "folder", "cli-levels-only.report.json"), "utf8"));
    expect(report.fit.correction).toBeNull();
    expect(report.policyFit).toBeNull();
    // the fee policy is the one of --policy-from (the shipped default), not a fitted one, with its fallback fee
    const shippedDefault = (await loadModel("model/default-model.json")).file;
    expect((await loadModel(levelsOnly)).file.policy).toEqual(shippedDefault.policy);
    expect((await loadModel(levelsOnly)).file.meta.fallbackFee).toBe(shippedDefault.meta.fallbackFee);
  });

  it("--prior: the prior's levels are a candidate start beside the projected baselines, the lowest validation QLIKE wins; a prior fitted on this history is left out", async () => {
    capture();
    const run = async (flags: string[], name: string) => {
      expect(await trainCommand(["--data", DAY, "--no-correction", "--no-policy-fit", "--out", path.join(tmp, `${name}.json`), "--quiet", "--no-plot", ...flags])).toBe(0);
      return JSON.parse(readFileSync(path.join(tmp, `${name}.report.json`), "utf8")).fit;
    };
    const none = await run(["--no-prior"], "no-prior");
    expect(none.starts.map((c: { baseline: string }) => c.baseline).sort()).toEqual(["ewma-tuned", "garch", "har"]);
    expect(none.prior).toBeNull();
    // A prior that forecasts the history well (this day's own fitted levels) and one that cannot (every
    // weight 0: a 1 tick^2 forecast).
    const policy = { base: 0, slope: 0, modelFeeMin: 0, modelFeeMax: 0 };
    const good = path.join(tmp, "prior-good.json");
    await saveModel(await createModel({ float: levelNetwork(none.levels.fitted), policy }), good);
    const bad = path.join(tmp, "prior-bad.json");
    await saveModel(await createModel({ float: levelNetwork([0, 0, 0, 0, 0, 0]), policy }), bad);
    for (const [file, name] of [[good, "with-good-prior"], [bad, "with-bad-prior"]] as const) {
      const fit = await run(["--prior", file], name);
      const candidates = fit.starts as { baseline: string; validationQlike: number }[];
      expect(candidates.map((c) => c.baseline)).toContain("prior " + path.basename(file));
      expect(fit.levels.start).toBe(candidates.reduce((a, b) => (b.validationQlike < a.validationQlike ? b : a)).baseline);
      expect(fit.prior.chosen).toBe(fit.levels.start === "prior " + path.basename(file));
    }
    // On this day the QLIKE fit beat its start on validation, so the prior made of it is the best candidate;
    // the all-zero one never is.
    expect(none.levels.kept).toBe("fit");
    expect((await run(["--prior", good], "with-good-prior-2")).prior.chosen).toBe(true);
    expect((await run(["--prior", bad], "with-bad-prior-2")).prior.chosen).toBe(false);
    // The shipped default was fitted on this day (training/pools.ts): not a candidate here.
    const shipped = await run([], "default-prior");
    expect(shipped.prior).toMatchObject({ name: "default", candidate: false, fittedOnThisHistory: path.basename(DAY).replace(/\.gz$/, ""), chosen: false });
    expect(shipped.starts.map((c: { baseline: string }) => c.baseline)).not.toContain("default");
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
    expect(await trainCommand(["--lr", "0"])).toBe(2);
    // a DM lag as long as the test part
    expect(await evaluateCommand(["--model", out, "--data", OTHER_DAY, "--dm-lag", "100000"])).toBe(1);
    expect(io.err[io.err.length - 1]).toMatch(/^provenfee evaluate: --dm-lag 100000: must be below the \d+ test rows$/);
    expect(await evaluateCommand(["--help"])).toBe(0);
    expect(io.out.join("\n")).toMatch(/usage: provenfee evaluate/);
  });
});
