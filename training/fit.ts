// Fits the network of SPEC §4 in two stages, both on QLIKE:
//
//   1. levels      S = c0 + sum_k w_k F_k  (c0, w >= 0): the forecast's mean. Started from the best
//                  classic forecast projected into this space (EWMA and GARCH(1,1) with a decay of
//                  the oracle's are exactly in it; HAR-RV approximately), then fitted by projected
//                  Fisher scoring. The fit replaces the start only if it is better on validation.
//   2. correction  y = fastLog2(S) + b + sum_j v_j relu(c_j + W_j . x): a learned multiplicative
//                  correction on the log inputs, trained in TensorFlow.js with S fixed, from v = 0 (no
//                  correction), kept only if it lowers validation QLIKE; the epoch count is chosen by
//                  early stopping on validation. Each hidden unit's input weights sum to zero, so the
//                  correction reads only the shape of the five variances (their ratios), not the
//                  pool's volatility level: it transfers between pools of different scale.
//
// QLIKE is scored on the variance the model publishes, V = fastExp2(clamp(y, 0, 48)) (SPEC §5),
// realized and forecast variance both floored at 1 tick^2 (training/baselines.ts).
import * as tf from "@tensorflow/tfjs";
import { fastLog2, HIDDEN, N_FEATURES, varianceFromForecast, type FloatNetwork } from "../model/index.ts";
import { floorVariance, qlike } from "./baselines.ts";
import type { Dataset } from "./dataset.ts";

export type BackendChoice = "auto" | "tensorflow" | "wasm" | "cpu";

let backendInUse: string | undefined;

/** tfjs-node-gpu (optional dependency) when installed, else the wasm backend, else plain JS. */
export async function selectBackend(choice: BackendChoice = "auto"): Promise<string> {
  const order: BackendChoice[] = choice === "auto" ? ["tensorflow", "wasm", "cpu"] : [choice];
  for (const name of order) {
    try {
      if (name === "tensorflow") {
        await import("@tensorflow/tfjs-node-gpu" as string);
        if (!tf.findBackendFactory("tensorflow") || !(await tf.setBackend("tensorflow"))) continue;
      } else if (name === "wasm") {
        await import("@tensorflow/tfjs-backend-wasm");
        if (!(await tf.setBackend("wasm"))) continue;
      } else if (!(await tf.setBackend("cpu"))) continue;
      await tf.ready();
      backendInUse = tf.getBackend();
      return backendInUse;
    } catch {
      // not installed or not loadable here: try the next one
    }
  }
  throw new Error(`TensorFlow.js backend '${choice}' is not available here`);
}

/** Deterministic uniform generator (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Level parameters: [c0, w_0, ..., w_4]. */
export type Levels = number[];

/** The network whose forecast variance is exactly the level sum (no correction). */
export function levelNetwork(levels: Levels): FloatNetwork {
  return {
    c0: levels[0]!,
    w: levels.slice(1),
    W: Array.from({ length: HIDDEN }, () => new Array<number>(N_FEATURES).fill(0)),
    c: new Array<number>(HIDDEN).fill(0),
    v: new Array<number>(HIDDEN).fill(0),
    b: 0,
  };
}

/** The level sum S of every row of `rows`, ticks^2 over the horizon. */
export function levelSums(levels: Levels, ds: Dataset, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r]! * N_FEATURES;
    let s = levels[0]!;
    for (let k = 0; k < N_FEATURES; k++) s += levels[k + 1]! * ds.levels[o + k]!;
    out[r] = s;
  }
  return out;
}

/** The forecast log2 variance y of every row of `rows` (model/'s forecastFloat on the dataset's inputs). */
export function forecastRows(net: FloatNetwork, ds: Dataset, rows: ArrayLike<number>): Float64Array {
  const sums = levelSums([net.c0, ...net.w], ds, rows);
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r]! * N_FEATURES;
    let y = fastLog2(sums[r]!) + net.b;
    for (let j = 0; j < HIDDEN; j++) {
      const Wj = net.W[j]!;
      let z = net.c[j]!;
      for (let k = 0; k < N_FEATURES; k++) z += Wj[k]! * ds.inputs[o + k]!;
      if (z > 0) y += net.v[j]! * z;
    }
    out[r] = y;
  }
  return out;
}

/** Mean QLIKE of a float network on `rows`, through the published forecast's clamp and exp2. */
export function qlikeOf(net: FloatNetwork, ds: Dataset, rows: ArrayLike<number>): number {
  const y = forecastRows(net, ds, rows);
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += qlike(ds.target[rows[r]!]!, varianceFromForecast(y[r]!));
  return s / rows.length;
}

/** Mean QLIKE of arbitrary variance forecasts `f` (aligned with `rows`) against the targets. */
export function qlikeOfForecasts(f: ArrayLike<number>, ds: Dataset, rows: ArrayLike<number>): number {
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += qlike(ds.target[rows[r]!]!, f[r]!);
  return s / rows.length;
}

/** Solves A x = b for a small dense symmetric positive definite A (Cholesky); null if not positive definite. */
function solveSpd(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i]![i] = Math.sqrt(s);
      } else L[i]![j] = s / L[j]![j]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!;
    y[i] = s / L[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k]![i]! * x[k]!;
    x[i] = s / L[i]![i]!;
  }
  return x;
}

export interface LevelFit {
  levels: Levels;
  loss: number;
  iterations: number;
}

/** Rows of one dataset in a level fit, with a weight per row and optionally another forecast as target. */
export interface LevelPart {
  ds: Dataset;
  rows: ArrayLike<number>;
  /** Target per row (aligned with rows); default: the realized variance. */
  target?: ArrayLike<number>;
  /** Weight of every row of this part (default 1 / rows: each part's mean counts once). */
  weight?: number;
}

/**
 * Minimizes the weighted QLIKE(target, max(S, 1)) over c0, w >= 0 on the parts' rows, from `start`,
 * by projected Fisher scoring: the step solves (sum weight z z^T / S^2) d = -gradient on the
 * parameters that are positive or want to grow, with a backtracking line search on the projected
 * point. With `fixedC0` the constant is held at that value (a default model for pools of any scale
 * keeps it at 0: a constant in ticks^2 would be one pool's level).
 */
export function fitLevelParts(parts: LevelPart[], start: Levels, options: { fixedC0?: number; maxIterations?: number } = {}): LevelFit {
  const P = N_FEATURES + 1;
  const maxIterations = options.maxIterations ?? 100;
  // Flatten: level features, target and weight per row.
  const total = parts.reduce((n, part) => n + part.rows.length, 0);
  const Z = new Float64Array(total * N_FEATURES);
  const y = new Float64Array(total);
  const wt = new Float64Array(total);
  let o = 0;
  for (const part of parts) {
    const n = part.rows.length;
    const weight = part.weight ?? 1 / Math.max(1, n);
    for (let r = 0; r < n; r++, o++) {
      const i = part.rows[r]!;
      Z.set(part.ds.levels.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), o * N_FEATURES);
      y[o] = floorVariance(part.target ? part.target[r]! : part.ds.target[i]!);
      wt[o] = weight;
    }
  }
  const sums = (levels: Levels) => {
    const s = new Float64Array(total);
    for (let r = 0; r < total; r++) {
      let v = levels[0]!;
      for (let k = 0; k < N_FEATURES; k++) v += levels[k + 1]! * Z[r * N_FEATURES + k]!;
      s[r] = v;
    }
    return s;
  };
  const lossAt = (levels: Levels) => {
    const s = sums(levels);
    let l = 0;
    for (let r = 0; r < total; r++) {
      const ratio = y[r]! / floorVariance(s[r]!);
      l += wt[r]! * (ratio - Math.log(ratio) - 1);
    }
    return l;
  };
  const z = (r: number, p: number) => (p === 0 ? 1 : Z[r * N_FEATURES + p - 1]!);
  let x: number[] = start.map((v) => Math.max(0, v));
  if (options.fixedC0 !== undefined) x[0] = options.fixedC0;
  // A start at zero everywhere has no gradient through the floor: begin from a small level instead.
  if (!x.some((v) => v > 0)) {
    if (options.fixedC0 === undefined) x[0] = 1;
    else x = x.map((v, p) => (p === 0 ? v : 1));
  }
  let loss = lossAt(x);
  let it = 0;
  for (; it < maxIterations; it++) {
    const s = sums(x);
    const g = new Array<number>(P).fill(0);
    const H = Array.from({ length: P }, () => new Array<number>(P).fill(0));
    for (let r = 0; r < total; r++) {
      const S = s[r]!;
      if (S <= 1) continue; // floored: the loss is flat in the parameters here
      const gs = wt[r]! * (1 / S - y[r]! / (S * S));
      const hs = wt[r]! / (S * S);
      for (let p = 0; p < P; p++) {
        const zp = z(r, p);
        if (zp === 0) continue;
        g[p]! += gs * zp;
        for (let q = 0; q <= p; q++) H[p]![q]! += hs * zp * z(r, q);
      }
    }
    for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) H[p]![q] = H[q]![p]!;
    const free = [...Array(P).keys()].filter((p) => (p > 0 || options.fixedC0 === undefined) && (x[p]! > 0 || g[p]! < 0));
    if (free.length === 0) break;
    const Hf = free.map((p) => free.map((q) => H[p]![q]! + (p === q ? 1e-12 * (1 + H[p]![p]!) : 0)));
    const d = solveSpd(Hf, free.map((p) => -g[p]!));
    if (!d) break;
    let step = 1;
    let improved = false;
    for (let ls = 0; ls < 30; ls++) {
      const cand = x.slice();
      free.forEach((p, i) => (cand[p] = Math.max(0, x[p]! + step * d[i]!)));
      const l = lossAt(cand);
      if (l < loss - 1e-13) {
        x = cand;
        improved = loss - l > 1e-10 * Math.abs(loss);
        loss = l;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { levels: x, loss, iterations: it };
}

/**
 * Minimizes mean QLIKE(target, max(S, 1)) over c0, w >= 0 on `rows` of one dataset (fitLevelParts).
 * `target` defaults to the realized variance; another forecast as target projects that forecast
 * into the level space (how a baseline becomes a starting point).
 */
export function fitLevels(ds: Dataset, rows: ArrayLike<number>, start: Levels, target?: ArrayLike<number>, maxIterations = 100): LevelFit {
  return fitLevelParts([{ ds, rows, target }], start, { maxIterations });
}

export interface CorrectionOptions {
  seed: number;
  maxEpochs: number;
  patience: number;
  learningRate: number;
  /** L2 penalty on W and v. */
  l2: number;
  /** Train exactly maxEpochs and keep the last weights (a refit with an epoch count chosen before). */
  keepLast?: boolean;
  onEpoch?: (e: EpochLog) => void;
}

export const DEFAULT_CORRECTION: Omit<CorrectionOptions, "seed"> = { maxEpochs: 400, patience: 60, learningRate: 0.01, l2: 1e-3 };

export interface EpochLog {
  epoch: number;
  maxEpochs: number;
  loss: number;
  valLoss: number;
  bestEpoch: number;
  bestValLoss: number;
}

export interface CorrectionFit {
  net: FloatNetwork;
  /** Validation QLIKE with no correction (the level fit alone) and with the kept one. */
  startValLoss: number;
  valLoss: number;
  bestEpoch: number;
  history: EpochLog[];
  seconds: number;
  backend: string;
}

// Quantization bounds of SPEC §4 (signed 16-bit): |W|, |v| < 8 at 2^12; |c|, |b| < 128 at 2^8.
const WEIGHT_LIMIT = 7.9;
const BIAS_LIMIT = 120;

/**
 * Trains the correction on `train` with the levels of `base` fixed, full batch (the inputs are a few
 * numbers per row), early-stopping on `validation` QLIKE of the exact published forecast. The
 * smooth surrogate V = S 2^(b + correction) carries the gradient; every reported loss is exact.
 */
export async function fitCorrection(ds: Dataset, train: Int32Array, validation: Int32Array, base: FloatNetwork, options: CorrectionOptions): Promise<CorrectionFit> {
  const started = performance.now();
  const backend = backendInUse ?? (await selectBackend("auto"));
  const n = train.length;
  const sums = levelSums([base.c0, ...base.w], ds, train);
  const X = new Float32Array(n * N_FEATURES);
  const lnS = new Float32Array(n);
  const RV = new Float32Array(n);
  train.forEach((i, r) => {
    X.set(ds.inputs.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), r * N_FEATURES);
    lnS[r] = Math.log(floorVariance(sums[r]!));
    RV[r] = floorVariance(ds.target[i]!);
  });
  // Standardize the inputs for training; the scale folds back into W exactly (the centring is
  // absorbed by the zero-sum constraint and c).
  let spread = 0;
  for (let q = 0; q < X.length; q++) spread += X[q]! * X[q]!;
  const sd = Math.sqrt(spread / X.length) || 1;
  const rand = mulberry32(options.seed);
  const W0 = new Float32Array(N_FEATURES * HIDDEN);
  for (let q = 0; q < W0.length; q++) W0[q] = gaussian(rand) * 0.5;
  const c0 = Float32Array.from({ length: HIDDEN }, () => gaussian(rand) * 0.1);
  const xt = tf.tensor2d(X, [n, N_FEATURES]);
  const lnSt = tf.tensor1d(lnS);
  const rvt = tf.tensor1d(RV);
  // Projects every hidden unit's input weights onto sum zero: the correction reads ratios only.
  const centre = tf.sub(tf.eye(N_FEATURES), tf.fill([N_FEATURES, N_FEATURES], 1 / N_FEATURES));
  const W = tf.variable(tf.matMul(centre, tf.tensor2d(W0, [N_FEATURES, HIDDEN])), true, "W");
  const c = tf.variable(tf.tensor1d(c0), true, "c");
  const v = tf.variable(tf.zeros([HIDDEN, 1]), true, "v");
  const b = tf.variable(tf.scalar(base.b), true, "b");
  const ln2 = Math.LN2;
  const lossFn = () =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(tf.div(xt, sd), W), c));
      const corr = tf.add(tf.matMul(h, v).reshape([-1]), b);
      const lnV = tf.add(lnSt, tf.mul(corr, ln2));
      const data = tf.mean(tf.add(tf.mul(rvt, tf.exp(tf.neg(lnV))), lnV));
      return tf.add(data, tf.mul(options.l2, tf.add(tf.sum(tf.square(W)), tf.sum(tf.square(v))))) as tf.Scalar;
    });
  const current = (): FloatNetwork => {
    const Wv = W.dataSync();
    const cv = c.dataSync();
    const vv = v.dataSync();
    return {
      ...base,
      W: Array.from({ length: HIDDEN }, (_, j) => Array.from({ length: N_FEATURES }, (_, k) => Wv[k * HIDDEN + j]! / sd)),
      c: Array.from(cv),
      v: Array.from(vv),
      b: b.dataSync()[0]!,
    };
  };
  const optimizer = tf.train.adam(options.learningRate);
  const startValLoss = qlikeOf(base, ds, validation);
  let best = { epoch: 0, valLoss: startValLoss, net: base };
  const history: EpochLog[] = [];
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    const cost = optimizer.minimize(lossFn, true, [W, c, v, b]);
    const loss = cost!.dataSync()[0]!;
    cost!.dispose();
    tf.tidy(() => {
      W.assign(tf.clipByValue(tf.matMul(centre, W), -WEIGHT_LIMIT * sd, WEIGHT_LIMIT * sd));
      v.assign(tf.clipByValue(v, -WEIGHT_LIMIT, WEIGHT_LIMIT));
      c.assign(tf.clipByValue(c, -BIAS_LIMIT, BIAS_LIMIT));
      b.assign(tf.clipByValue(b, -BIAS_LIMIT, BIAS_LIMIT));
    });
    const net = current();
    const valLoss = qlikeOf(net, ds, validation);
    if (options.keepLast ? epoch === options.maxEpochs : valLoss < best.valLoss) best = { epoch, valLoss, net };
    const log: EpochLog = { epoch, maxEpochs: options.maxEpochs, loss, valLoss, bestEpoch: best.epoch, bestValLoss: best.valLoss };
    history.push(log);
    options.onEpoch?.(log);
    if (!options.keepLast && epoch - best.epoch >= options.patience) break;
  }
  tf.dispose([xt, lnSt, rvt, centre, W, c, v, b]);
  optimizer.dispose();
  return { net: best.net, startValLoss, valLoss: best.valLoss, bestEpoch: best.epoch, history, seconds: (performance.now() - started) / 1000, backend };
}
