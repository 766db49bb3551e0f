// The baselines and statistics against known values: EWMA by hand, GARCH(1,1) and HAR-RV recover
// the parameters of series simulated from them (simulated data, said so: no history here), the
// Diebold-Mariano statistic against an independent computation, QLIKE's zero convention.
import { describe, expect, it } from "vitest";
import {
  dieboldMariano, ewmaVariance, fitGarch, fitHar, garchFilter, garchHorizonForecast, harRegressors, harTargets,
  nelderMead, normalCdf, ols, qlike, squaredError, VARIANCE_FLOOR,
} from "../training/baselines.ts";
import { mulberry32 } from "../training/fit.ts";

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-300))) * Math.cos(2 * Math.PI * rand());
}

describe("EWMA", () => {
  it("matches a hand computation", () => {
    const r2 = [4, 0, 9, 1];
    // start = mean of the first 2 squared returns = 2; lambda = 0.9
    const s1 = 0.9 * 2 + 0.1 * 4; // 2.2
    const s2 = 0.9 * s1 + 0.1 * 0; // 1.98
    const s3 = 0.9 * s2 + 0.1 * 9; // 2.682
    const s4 = 0.9 * s3 + 0.1 * 1; // 2.5138
    const got = ewmaVariance(r2, 0.9, 2);
    expect([...got].map((v) => Number(v.toFixed(10)))).toEqual([s1, s2, s3, s4].map((v) => Number(v.toFixed(10))));
    expect(() => ewmaVariance(r2, 1)).toThrow(/lambda/);
  });
});

describe("GARCH(1,1)", () => {
  it("recovers the parameters of a series simulated from known ones", () => {
    const truth = { omega: 0.5, alpha: 0.08, beta: 0.9 };
    const rand = mulberry32(42);
    const n = 30_000;
    const r2 = new Float64Array(n);
    let s = truth.omega / (1 - truth.alpha - truth.beta);
    for (let t = 0; t < n; t++) {
      const r = Math.sqrt(s) * normal(rand);
      r2[t] = r * r;
      s = truth.omega + truth.alpha * r2[t]! + truth.beta * s;
    }
    const g = fitGarch(r2);
    expect(g.alpha).toBeGreaterThan(truth.alpha - 0.02);
    expect(g.alpha).toBeLessThan(truth.alpha + 0.02);
    expect(g.beta).toBeGreaterThan(truth.beta - 0.03);
    expect(g.beta).toBeLessThan(truth.beta + 0.03);
    expect(g.omega / (1 - g.alpha - g.beta)).toBeGreaterThan(0.8 * 25);
    expect(g.omega / (1 - g.alpha - g.beta)).toBeLessThan(1.2 * 25);
    // Split into two segments: the filter restarts, the estimate stays close.
    const g2 = fitGarch([r2.subarray(0, 15_000), r2.subarray(15_000)]);
    expect(Math.abs(g2.alpha - g.alpha)).toBeLessThan(0.01);
  });

  it("the H-step forecast equals iterating the variance recursion", () => {
    const g = { omega: 0.3, alpha: 0.1, beta: 0.85 };
    let next = 12;
    let sum = 0;
    for (let k = 0; k < 30; k++) {
      sum += next;
      next = g.omega + (g.alpha + g.beta) * next; // E[r^2] = s^2
    }
    expect(garchHorizonForecast(g, 12, 30)).toBeCloseTo(sum, 9);
    const f = garchFilter([4, 1], g, 2);
    expect([...f]).toEqual([2, 0.3 + 0.4 + 1.7, 0.3 + 0.1 + 0.85 * (0.3 + 0.4 + 1.7)]);
  });

  it("Nelder-Mead finds the minimum of the Rosenbrock function", () => {
    const r = nelderMead((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1], { maxIter: 5000, tol: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
});

describe("HAR-RV", () => {
  it("recovers the coefficients of a series generated from a known HAR model", () => {
    // rv_t = 0.4 + 0.35 rv_{t-1} + 0.3 mean(rv_{t-5..t-1}) + 0.2 mean(rv_{t-22..t-1}), times mean-one noise.
    const rand = mulberry32(7);
    const n = 40_000;
    const rv = new Float64Array(n).fill(2);
    for (let t = 22; t < n; t++) {
      let w = 0;
      let m = 0;
      for (let k = 1; k <= 5; k++) w += rv[t - k]! / 5;
      for (let k = 1; k <= 22; k++) m += rv[t - k]! / 22;
      const mean = 0.4 + 0.35 * rv[t - 1]! + 0.3 * w + 0.2 * m;
      rv[t] = mean * (0.5 + rand()); // uniform noise with mean 1
    }
    const asOf = Int32Array.from({ length: n - 23 }, (_, i) => i + 22);
    const windows = [1, 5, 22];
    const X = harRegressors(rv, windows, asOf);
    const y = harTargets(rv, 1, asOf);
    const h = fitHar(X, windows, y, Int32Array.from(asOf.keys()), 1);
    // Regressors are window sums, so the coefficient of the 5-window is 0.3 / 5, of the 22-window 0.2 / 22.
    expect(h.coef[0]).toBeCloseTo(0.4, 1);
    expect(h.coef[1]).toBeCloseTo(0.35, 1);
    expect(h.coef[2]! * 5).toBeCloseTo(0.3, 1);
    expect(h.coef[3]! * 22).toBeCloseTo(0.2, 1);
  });

  it("least squares is exact on a noiseless linear relation", () => {
    const X = Float64Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? i / 2 : ((i * 37) % 11) - 3));
    const rows = Int32Array.from({ length: 100 }, (_, i) => i);
    const y = Float64Array.from(rows, (i) => 2 - 0.5 * X[i * 2]! + 3 * X[i * 2 + 1]!);
    const b = ols(X, 2, [0, 1], y, rows);
    expect(b[0]).toBeCloseTo(2, 9);
    expect(b[1]).toBeCloseTo(-0.5, 9);
    expect(b[2]).toBeCloseTo(3, 9);
  });
});

describe("losses and the Diebold-Mariano test", () => {
  it("QLIKE is 0 for a perfect forecast, positive otherwise, and floors both variances at 1 tick^2", () => {
    expect(qlike(50, 50)).toBe(0);
    expect(qlike(50, 25)).toBeCloseTo(2 - Math.log(2) - 1, 12);
    expect(VARIANCE_FLOOR).toBe(1);
    expect(qlike(0, 1)).toBe(0); // a quiet window forecast at the floor
    expect(qlike(0, 0.01)).toBe(0); // forecasts below the floor count as the floor (the circuit's clamp)
    expect(qlike(0, 4)).toBeCloseTo(0.25 + Math.log(4) - 1, 12);
    expect(squaredError(0, 3)).toBe(4);
  });

  it("matches an independent computation (Newey-West, Bartlett kernel)", () => {
    // d = baseline - model = [1, -0.5, 2, 0, 1.5, -1, 0.5, 1]; reference values from a separate
    // implementation: lag 0 -> 1.6748715787172475, lag 1 -> 2.8482759796652477, lag 2 -> 2.7239396704487193.
    const model = [0, 0, 0, 0, 0, 0, 0, 0];
    const base = [1, -0.5, 2, 0, 1.5, -1, 0.5, 1];
    expect(dieboldMariano(base, model, 0).stat).toBeCloseTo(1.6748715787172475, 12);
    expect(dieboldMariano(base, model, 1).stat).toBeCloseTo(2.8482759796652477, 12);
    const dm2 = dieboldMariano(base.map((b) => b + 3), model.map((m) => m + 3), 2);
    expect(dm2.stat).toBeCloseTo(2.7239396704487193, 12);
    expect(dm2.meanDiff).toBeCloseTo(0.5625, 12);
    expect(dm2.pOneSided).toBeCloseTo(0.0032254144463847896, 6);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
  });
});
