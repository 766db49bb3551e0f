// The classic volatility forecasts the model is judged against, the losses it is judged by, and
// the Diebold-Mariano test. Plain typed-array code: each is a few lines of a textbook formula.
//
// Units: per-period squared tick changes `r2` on the regular period grid (0 for an untraded
// period), realized variance over the next H periods in ticks^2.
//
// Zero realized variance (a quiet window: no trade, or no tick change) is scored with one
// convention for every forecast: realized and forecast variances are floored at VARIANCE_FLOOR =
// 1 tick^2 before any loss. This is the circuit's own floor (the fee path clamps log2 sigma at 0,
// so the model never forecasts sigma below 1 tick), and 1 tick^2 is the smallest nonzero variance
// a tick-valued price can realize over the window.

export const VARIANCE_FLOOR = 1;

export function floorVariance(v: number): number {
  return v > VARIANCE_FLOOR ? v : VARIANCE_FLOOR;
}

/** QLIKE = RV/V - ln(RV/V) - 1 (>= 0, 0 for a perfect forecast), both floored. */
export function qlike(rv: number, v: number): number {
  const ratio = floorVariance(rv) / floorVariance(v);
  return ratio - Math.log(ratio) - 1;
}

export function squaredError(rv: number, v: number): number {
  const e = floorVariance(rv) - floorVariance(v);
  return e * e;
}

export function lossSeries(rv: ArrayLike<number>, forecast: ArrayLike<number>, loss: (rv: number, v: number) => number): Float64Array {
  const out = new Float64Array(rv.length);
  for (let i = 0; i < rv.length; i++) out[i] = loss(rv[i]!, forecast[i]!);
  return out;
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length > 0 ? s / x.length : NaN;
}

// ---------------------------------------------------------------------------------------------
// EWMA (RiskMetrics): s2_t = lambda s2_{t-1} + (1 - lambda) r2_t; forecast of the next H periods'
// variance = H * s2_t.

/**
 * EWMA per-period variance after each period of `r2` (so value t uses r2[0..t] only). Starts from
 * the mean of the first `warmup` squared returns (data before the first as-of period).
 */
export function ewmaVariance(r2: ArrayLike<number>, lambda: number, warmup = 240): Float64Array {
  if (!(lambda >= 0 && lambda < 1)) throw new RangeError(`EWMA lambda must be in [0, 1), got ${lambda}`);
  const n = r2.length;
  const out = new Float64Array(n);
  const w = Math.min(warmup, n);
  let s = 0;
  for (let i = 0; i < w; i++) s += r2[i]!;
  let v = w > 0 ? s / w : 0;
  for (let t = 0; t < n; t++) {
    v = lambda * v + (1 - lambda) * r2[t]!;
    out[t] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// GARCH(1,1): s2_{t+1} = omega + alpha r2_t + beta s2_t, Gaussian (quasi-)likelihood.

export interface Garch {
  omega: number;
  alpha: number;
  beta: number;
  /** Mean log-likelihood per observation at the optimum (constant terms dropped). */
  logLik: number;
}

/** Conditional variance of period t given periods < t: value t is s2_t (one-step-ahead). */
export function garchFilter(r2: ArrayLike<number>, g: Omit<Garch, "logLik">, s0: number): Float64Array {
  const n = r2.length;
  const out = new Float64Array(n + 1);
  let s = s0;
  for (let t = 0; t < n; t++) {
    out[t] = s;
    s = g.omega + g.alpha * r2[t]! + g.beta * s;
  }
  out[n] = s;
  return out;
}

function garchNegLogLik(r2: ArrayLike<number>, omega: number, alpha: number, beta: number, s0: number): number {
  let s = s0;
  let nll = 0;
  for (let t = 0; t < r2.length; t++) {
    nll += Math.log(s) + r2[t]! / s;
    s = omega + alpha * r2[t]! + beta * s;
  }
  return nll / r2.length;
}

/** Nelder-Mead minimization (standard coefficients), deterministic. */
export function nelderMead(f: (x: number[]) => number, x0: number[], options: { step?: number; maxIter?: number; tol?: number } = {}): { x: number[]; value: number; iterations: number } {
  const n = x0.length;
  const step = options.step ?? 0.5;
  const maxIter = options.maxIter ?? 500 * n;
  const tol = options.tol ?? 1e-10;
  let simplex = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i]! += step;
    simplex.push(x);
  }
  let values = simplex.map(f);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    if (Math.abs(values[n]! - values[0]!) <= tol * (Math.abs(values[0]!) + tol)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let d = 0; d < n; d++) centroid[d]! += simplex[i]![d]! / n;
    const at = (t: number) => centroid.map((c, d) => c + t * (simplex[n]![d]! - c));
    const xr = at(-1);
    const fr = f(xr);
    if (fr < values[0]!) {
      const xe = at(-2);
      const fe = f(xe);
      if (fe < fr) { simplex[n] = xe; values[n] = fe; } else { simplex[n] = xr; values[n] = fr; }
    } else if (fr < values[n - 1]!) {
      simplex[n] = xr;
      values[n] = fr;
    } else {
      const xc = fr < values[n]! ? at(-0.5) : at(0.5);
      const fc = f(xc);
      if (fc < Math.min(fr, values[n]!)) {
        simplex[n] = xc;
        values[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, d) => simplex[0]![d]! + 0.5 * (v - simplex[0]![d]!));
          values[i] = f(simplex[i]!);
        }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return { x: simplex[best]!, value: values[best]!, iterations: iter };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * GARCH(1,1) by maximum (Gaussian quasi-)likelihood on zero-mean returns given as squares (one
 * array, or one per contiguous segment: the filter restarts at each).
 * Parameterized so that omega > 0, alpha, beta >= 0 and alpha + beta < 1 (persistence
 * phi = alpha + beta = sigmoid(t1), alpha = phi * sigmoid(t2), omega = exp(t0)); the filter
 * starts from the sample variance. Several starts; the best optimum wins.
 */
export function fitGarch(r2: ArrayLike<number> | ArrayLike<number>[]): Garch {
  const parts = Array.isArray(r2) ? (r2 as ArrayLike<number>[]) : [r2 as ArrayLike<number>];
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (total < 50) throw new RangeError(`GARCH needs at least 50 returns, got ${total}`);
  const variance = Math.max(parts.reduce((s, p) => s + mean(p) * p.length, 0) / total, 1e-12);
  const unpack = (x: number[]) => {
    const phi = sigmoid(x[1]!);
    const alpha = phi * sigmoid(x[2]!);
    return { omega: Math.exp(x[0]!), alpha, beta: phi - alpha };
  };
  const objective = (x: number[]) => {
    const g = unpack(x);
    let v = 0;
    for (const p of parts) v += garchNegLogLik(p, g.omega, g.alpha, g.beta, variance) * p.length;
    v /= total;
    return Number.isFinite(v) ? v : 1e300;
  };
  let best: { x: number[]; value: number } | undefined;
  for (const [phi, share] of [[0.95, 0.1], [0.8, 0.3], [0.99, 0.05]] as const) {
    const x0 = [Math.log(variance * (1 - phi)), logit(phi), logit(share)];
    let r = nelderMead(objective, x0, { step: 0.5, maxIter: 1500, tol: 1e-12 });
    r = nelderMead(objective, r.x, { step: 0.1, maxIter: 1500, tol: 1e-13 });
    if (!best || r.value < best.value) best = r;
  }
  return { ...unpack(best!.x), logLik: -best!.value };
}

/**
 * Forecast of the variance summed over the next H periods from the one-step variance s2_{t+1}:
 * H s2bar + (s2_{t+1} - s2bar)(1 - phi^H)/(1 - phi), phi = alpha + beta, s2bar = omega/(1 - phi).
 */
export function garchHorizonForecast(g: Omit<Garch, "logLik">, nextVariance: number, H: number): number {
  const phi = g.alpha + g.beta;
  if (phi >= 1) return H * nextVariance;
  const bar = g.omega / (1 - phi);
  return H * bar + ((nextVariance - bar) * (1 - phi ** H)) / (1 - phi);
}

// ---------------------------------------------------------------------------------------------
// Least squares and HAR-RV (Corsi 2009).

/** Solves (X'X + ridge I) beta = X'y from accumulated normal equations (Gaussian elimination, partial pivoting). */
export function solveLinear(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    if (Math.abs(M[c]![c]!) < 1e-300) throw new RangeError("least squares: singular design (a regressor is constant or collinear)");
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}

/**
 * Ordinary least squares with an intercept: y ~ b0 + sum_j beta_j X[:, j], rows `rows` of a
 * row-major matrix with `width` columns (column subset `cols`). Columns are standardized inside
 * for conditioning; the returned coefficients are on the original scale. Returns [b0, ...beta].
 */
export function ols(X: ArrayLike<number>, width: number, cols: readonly number[], y: ArrayLike<number>, rows: ArrayLike<number>, ridge = 0): number[] {
  const p = cols.length;
  const n = rows.length;
  const mu = new Array<number>(p).fill(0);
  const sd = new Array<number>(p).fill(0);
  let ym = 0;
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    for (let j = 0; j < p; j++) mu[j]! += X[i * width + cols[j]!]!;
    ym += y[i]!;
  }
  for (let j = 0; j < p; j++) mu[j]! /= n;
  ym /= n;
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    for (let j = 0; j < p; j++) sd[j]! += (X[i * width + cols[j]!]! - mu[j]!) ** 2;
  }
  for (let j = 0; j < p; j++) sd[j] = Math.sqrt(sd[j]! / n) || 1;
  const XtX = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const Xty = new Array<number>(p).fill(0);
  const z = new Array<number>(p);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    for (let j = 0; j < p; j++) z[j] = (X[i * width + cols[j]!]! - mu[j]!) / sd[j]!;
    const yc = y[i]! - ym;
    for (let j = 0; j < p; j++) {
      Xty[j]! += z[j]! * yc;
      for (let k = j; k < p; k++) XtX[j]![k]! += z[j]! * z[k]!;
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) XtX[j]![k] = XtX[k]![j]!;
    XtX[j]![j]! += ridge * n;
  }
  const beta = p > 0 ? solveLinear(XtX, Xty).map((b, j) => b / sd[j]!) : [];
  const b0 = ym - beta.reduce((s, b, j) => s + b * mu[j]!, 0);
  return [b0, ...beta];
}

export interface Har {
  /** Window lengths (periods) of the regressors: realized variance summed over each window. */
  windows: number[];
  horizon: number;
  /** [intercept, one coefficient per window]. */
  coef: number[];
}

/**
 * HAR regressors from per-period squared returns: for as-of index t (row of `r2`), the realized
 * variance summed over each window ending at t. Row-major `rows x windows.length`.
 */
export function harRegressors(r2: ArrayLike<number>, windows: readonly number[], asOf: ArrayLike<number>): Float64Array {
  const cum = new Float64Array(r2.length + 1);
  for (let t = 0; t < r2.length; t++) cum[t + 1] = cum[t]! + r2[t]!;
  const w = windows.length;
  const out = new Float64Array(asOf.length * w);
  for (let r = 0; r < asOf.length; r++) {
    const t = asOf[r]!;
    for (let j = 0; j < w; j++) out[r * w + j] = cum[t + 1]! - cum[Math.max(0, t + 1 - windows[j]!)]!;
  }
  return out;
}

/** Realized variance summed over the `horizon` periods after each as-of index. */
export function harTargets(r2: ArrayLike<number>, horizon: number, asOf: ArrayLike<number>): Float64Array {
  const cum = new Float64Array(r2.length + 1);
  for (let t = 0; t < r2.length; t++) cum[t + 1] = cum[t]! + r2[t]!;
  const out = new Float64Array(asOf.length);
  for (let r = 0; r < asOf.length; r++) out[r] = cum[Math.min(r2.length, asOf[r]! + 1 + horizon)]! - cum[asOf[r]! + 1]!;
  return out;
}

/** HAR-RV by least squares in levels (Corsi 2009): RV(t+1..t+H) ~ b0 + sum_w b_w RV_w(t). */
export function fitHar(regressors: ArrayLike<number>, windows: readonly number[], target: ArrayLike<number>, rows: ArrayLike<number>, horizon: number): Har {
  const cols = windows.map((_, j) => j);
  return { windows: [...windows], horizon, coef: ols(regressors, windows.length, cols, target, rows) };
}

export function harForecast(h: Har, regressors: ArrayLike<number>, row: number): number {
  let v = h.coef[0]!;
  for (let j = 0; j < h.windows.length; j++) v += h.coef[j + 1]! * regressors[row * h.windows.length + j]!;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Diebold-Mariano test.

export interface DieboldMariano {
  /** Mean loss differential, baseline minus model (> 0: the model is better). */
  meanDiff: number;
  /** DM statistic, asymptotically N(0,1) under equal accuracy. */
  stat: number;
  /** One-sided p-value of "the model is more accurate". */
  pOneSided: number;
  /** Two-sided p-value of "equal accuracy". */
  pTwoSided: number;
  /** Newey-West (Bartlett) lag used for the long-run variance. */
  lag: number;
  n: number;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Bartlett lag for H-step forecasts made every period: overlapping targets are MA(H-1) at least. */
export function defaultDmLag(n: number, horizon: number): number {
  return Math.min(n - 1, Math.max(2 * horizon, Math.ceil(4 * (n / 100) ** (2 / 9))));
}

/**
 * Diebold-Mariano (1995) test on the loss differential d_t = baseline_t - model_t, with a
 * Newey-West (Bartlett kernel) long-run variance at `lag`.
 */
export function dieboldMariano(lossBaseline: ArrayLike<number>, lossModel: ArrayLike<number>, lag: number): DieboldMariano {
  const n = lossModel.length;
  if (lossBaseline.length !== n) throw new RangeError("loss series differ in length");
  if (n < 2) throw new RangeError("Diebold-Mariano needs at least 2 losses");
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = lossBaseline[i]! - lossModel[i]!;
  const m = mean(d);
  let lrv = 0;
  for (let i = 0; i < n; i++) lrv += (d[i]! - m) ** 2;
  for (let k = 1; k <= lag; k++) {
    let g = 0;
    for (let i = k; i < n; i++) g += (d[i]! - m) * (d[i - k]! - m);
    lrv += 2 * (1 - k / (lag + 1)) * g;
  }
  lrv /= n;
  const stat = lrv > 0 ? m / Math.sqrt(lrv / n) : m === 0 ? 0 : Math.sign(m) * Infinity;
  return { meanDiff: m, stat, pOneSided: 1 - normalCdf(stat), pTwoSided: 2 * (1 - normalCdf(Math.abs(stat))), lag, n };
}
