// Fits the fixed network of SPEC §4 in TensorFlow.js on QLIKE through the fee path's own exp2:
//
//   y = b + sum_i a_i x_i + sum_j v_j relu(c_j + sum_i W_ji x_i)      (forecast log2 variance)
//   V = fastExp2(y/2)^2   with fastExp2(s) = 2^floor(s) (1 + s - floor(s))  (the circuit's sigma, squared)
//   loss = mean(RV/V + ln V)  (= QLIKE up to terms in RV alone), RV floored at 1 tick^2
//
// `floor` has a zero gradient in TF, so the gradient flows through the linear piece: the
// piecewise-linear exp2 is differentiated exactly where it is differentiable. The clamp of log2
// sigma to [0, 24) is left out of the training graph (it would zero the gradient of a forecast
// below 1 tick^2, which the floored RV always pushes back up); every reported loss applies it.
//
// The linear path starts at the least-squares (log-HAR) solution on the same inputs, shifted to
// the QLIKE-optimal level, and v starts at 0: the initial model IS log-HAR, and the hidden units
// only stay if they lower the loss. Hidden units read standardized inputs while training; the
// standardization is folded into W and c at the end (exact), so the file holds raw-input weights.
import * as tf from "@tensorflow/tfjs";
import { HIDDEN, N_INPUTS, type FloatNetwork } from "../model/index.ts";
import { floorVariance, mean, ols, qlike } from "./baselines.ts";
import type { Dataset, Split } from "./dataset.ts";
import { varianceFromForecast } from "./forecasts.ts";

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

/** Which of the 12 inputs (SPEC §3 order) a variant may use, and whether it has hidden units. */
export interface Variant {
  name: string;
  inputs: boolean[];
  hidden: boolean;
}

const on = (idx: number[]) => Array.from({ length: N_INPUTS }, (_, i) => idx.includes(i));
export const VARIANTS: Record<string, Variant> = {
  har: { name: "RV only (log-HAR, QLIKE)", inputs: on([0, 1, 2, 3]), hidden: false },
  semi: { name: "+ downside semivariances", inputs: on([0, 1, 2, 3, 4, 5, 6, 7]), hidden: false },
  counts: { name: "+ activity counts", inputs: on([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), hidden: false },
  full: { name: "+ 4 hidden ReLU units (full)", inputs: on([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), hidden: true },
};

export interface FitOptions {
  seed: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  learningRate: number;
  /** L2 penalty on hidden weights W and output weights v. */
  l2: number;
  /**
   * L2 penalty on the activity path (inputs 8..11, L(n_h)), on raw-input scale: the linear weights
   * a[8..11] and the hidden weights W[j][8..11] (as they act on the raw input, i.e. the
   * standardized weight divided by the input's training spread). With a positive value the
   * activity weights also start at 0 (the start is log-HAR on the other inputs), so the activity
   * path only grows as far as the penalized QLIKE asks for. 0 (default): no such penalty, and the
   * start is least squares on every input of the variant.
   */
  l2Activity?: number;
  /**
   * Forecast floor: when set (a quantile in (0, 1)), hidden unit 3 is reserved (the correction
   * trains 3 units) and set after every epoch to the hinge relu((f - b) - a.x) with output weight 1,
   * so the network computes max(b + a.x, f) + (the 3 trained units): the linear (HAR) path never
   * forecasts a log2 variance below f, the given quantile of log2 RV on the training rows. The
   * circuit's ReLU expresses this exactly (no new operation). It guards against extrapolating the
   * log-linear path far below anything the training pool realized (e.g. a pool whose last 4 hours
   * did not trade: every L(RV) input is 0).
   */
  floorQuantile?: number;
  /**
   * Polyak averaging: the evaluated and kept network is an exponential moving average of the
   * weights after each epoch with this decay (0 = the raw weights). Smooths the epoch-to-epoch
   * wander of Adam, which on this data moves validation QLIKE by about 0.01 from one epoch to the next.
   */
  average?: number;
  /**
   * How the output bias b is set after each epoch: "log-mean" re-centres it so the mean log2
   * residual on the training rows is 0 (the least-squares intercept given the fitted slopes);
   * "qlike" keeps the QLIKE-trained bias. QLIKE shapes the slopes and the hidden units either way.
   * Chosen by rolling-origin cross-validation inside the training + validation parts (see the
   * training README): the QLIKE-optimal level of a past stretch is pulled up by that stretch's own
   * volatility spikes and forecasts the next stretch too high.
   */
  level?: "log-mean" | "qlike";
  variant: Variant;
  /** Train exactly maxEpochs and keep the last weights (a refit with an epoch count chosen before). */
  keepLast?: boolean;
  onEpoch?: (e: EpochLog) => void;
}

/**
 * Defaults of `provenfee train`. l2Activity and floorQuantile were chosen by the pre-registered
 * selection of training/select.ts (training/results/selection.json): the floor hinge at the 1%
 * quantile, no activity penalty (lowest rolling-origin CV QLIKE among the candidates that pass the
 * sparse-day robustness gate).
 */
export const DEFAULT_FIT: Omit<FitOptions, "variant"> = { seed: 1, maxEpochs: 150, patience: 30, batchSize: 512, learningRate: 0.003, l2: 1e-3, l2Activity: 0, floorQuantile: 0.01, average: 0.8, level: "log-mean" };

export interface EpochLog {
  epoch: number;
  maxEpochs: number;
  loss: number;
  valLoss: number;
  bestEpoch: number;
  bestValLoss: number;
}

export interface FitResult {
  net: FloatNetwork;
  /** The log-HAR starting point (least squares on the variant's inputs, QLIKE-levelled). */
  init: FloatNetwork;
  initValLoss: number;
  history: EpochLog[];
  bestEpoch: number;
  valLoss: number;
  trainLoss: number;
  seconds: number;
  backend: string;
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

export function zeroNetwork(): FloatNetwork {
  return {
    W: Array.from({ length: HIDDEN }, () => new Array<number>(N_INPUTS).fill(0)),
    c: new Array<number>(HIDDEN).fill(0),
    a: new Array<number>(N_INPUTS).fill(0),
    v: new Array<number>(HIDDEN).fill(0),
    b: 0,
  };
}

/** The same network with b moved so the mean log2 residual on `rows` is 0. */
export function logMeanLevel(net: FloatNetwork, ds: Dataset, rows: Int32Array): FloatNetwork {
  const y = forecastRows(net, ds, rows);
  let m = 0;
  for (let r = 0; r < rows.length; r++) m += Math.log2(floorVariance(ds.target[rows[r]!]!)) - y[r]!;
  return { ...net, b: net.b + m / rows.length };
}

/** The q-quantile of log2 of the (floored) target on `rows`. */
export function log2Quantile(ds: Dataset, rows: Int32Array, q: number): number {
  const v = Float64Array.from(rows, (i) => Math.log2(floorVariance(ds.target[i]!))).sort();
  return v[Math.min(v.length - 1, Math.max(0, Math.floor(q * (v.length - 1))))]!;
}

/**
 * Hidden unit `unit` replaced by the hinge relu((f - b) - a.x) with output weight 1: the network
 * then computes max(b + a.x, f) plus its other units (see FitOptions.floorQuantile).
 */
export function withFloor(net: FloatNetwork, f: number, unit: number): FloatNetwork {
  return {
    ...net,
    W: net.W.map((row, j) => (j === unit ? net.a.map((x) => (x === 0 ? 0 : -x)) : row.slice())),
    c: net.c.map((c, j) => (j === unit ? f - net.b : c)),
    v: net.v.map((v, j) => (j === unit ? 1 : v)),
  };
}

/** decay * a + (1 - decay) * b, parameter by parameter. */
export function blend(a: FloatNetwork, b: FloatNetwork, decay: number): FloatNetwork {
  const mix = (x: number, y: number) => decay * x + (1 - decay) * y;
  return {
    W: a.W.map((row, j) => row.map((w, i) => mix(w, b.W[j]![i]!))),
    c: a.c.map((c, j) => mix(c, b.c[j]!)),
    a: a.a.map((x, i) => mix(x, b.a[i]!)),
    v: a.v.map((v, j) => mix(v, b.v[j]!)),
    b: mix(a.b, b.b),
  };
}

/** Forecast y for every row of `rows` with a float network (same formula as model/'s forecastFloat). */
export function forecastRows(net: FloatNetwork, ds: Dataset, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r]! * 12;
    let y = net.b;
    for (let i = 0; i < N_INPUTS; i++) y += net.a[i]! * ds.inputs[o + i]!;
    for (let j = 0; j < HIDDEN; j++) {
      const Wj = net.W[j]!;
      let z = net.c[j]!;
      for (let i = 0; i < N_INPUTS; i++) z += Wj[i]! * ds.inputs[o + i]!;
      if (z > 0) y += net.v[j]! * z;
    }
    out[r] = y;
  }
  return out;
}

/** Mean QLIKE of a float network on `rows`, through the fee path's clamp and exp2. */
export function qlikeOf(net: FloatNetwork, ds: Dataset, rows: Int32Array): number {
  const y = forecastRows(net, ds, rows);
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += qlike(ds.target[rows[r]!]!, varianceFromForecast(y[r]!));
  return s / rows.length;
}

/** Log-HAR start: least squares of log2 RV on the variant's inputs, then the QLIKE-optimal level. */
export function leastSquaresStart(ds: Dataset, rows: Int32Array, variant: Variant, level: "log-mean" | "qlike" = "qlike", withActivity = true): FloatNetwork {
  const cols = variant.inputs.flatMap((use, i) => (use && (withActivity || !ACTIVITY_INPUTS.includes(i)) ? [i] : []));
  const y = Float64Array.from(ds.target, (v) => Math.log2(floorVariance(v)));
  const coef = ols(ds.inputs, 12, cols, y, rows, 1e-6);
  const net = zeroNetwork();
  net.b = coef[0]!;
  cols.forEach((c, j) => (net.a[c] = coef[j + 1]!));
  if (level === "log-mean") return net;
  // Least squares on logs forecasts a geometric mean; QLIKE wants the mean: shift the level.
  let lo = -4;
  let hi = 6;
  for (let it = 0; it < 60; it++) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    const f = (d: number) => qlikeOf({ ...net, b: net.b + d }, ds, rows);
    if (f(m1) < f(m2)) hi = m2;
    else lo = m1;
  }
  net.b += (lo + hi) / 2;
  return net;
}

/** The activity-count inputs L(n_h) of SPEC §3 (x[8..11]); x[8] = L(n_1) is always 0 (n_1 <= 1). */
export const ACTIVITY_INPUTS: readonly number[] = [8, 9, 10, 11];

// Quantization bounds of SPEC §4 (signed 16-bit): |W|, |a|, |v| < 8 at 2^12; |c|, |b| < 128 at 2^8.
const WEIGHT_LIMIT = 7.9;
const BIAS_LIMIT = 120;

export async function fitNetwork(ds: Dataset, split: Split, options: FitOptions): Promise<FitResult> {
  const started = performance.now();
  const backend = backendInUse ?? (await selectBackend("auto"));
  const { variant } = options;
  const train = split.train;
  const val = split.validation.length > 0 ? split.validation : split.train;
  const level = options.level ?? "log-mean";
  const l2Activity = options.l2Activity ?? 0;
  const start = leastSquaresStart(ds, train, variant, level, !(l2Activity > 0));

  // Standardization of the hidden units' inputs (train rows only), folded back at the end.
  const mu = new Float64Array(N_INPUTS);
  const sd = new Float64Array(N_INPUTS);
  for (const i of train) for (let k = 0; k < N_INPUTS; k++) mu[k]! += ds.inputs[i * 12 + k]! / train.length;
  for (const i of train) for (let k = 0; k < N_INPUTS; k++) sd[k]! += (ds.inputs[i * 12 + k]! - mu[k]!) ** 2 / train.length;
  for (let k = 0; k < N_INPUTS; k++) sd[k] = Math.sqrt(sd[k]!) || 1;

  const n = train.length;
  const X = new Float32Array(n * N_INPUTS);
  const RV = new Float32Array(n);
  train.forEach((i, r) => {
    X.set(ds.inputs.subarray(i * 12, i * 12 + 12), r * N_INPUTS);
    RV[r] = floorVariance(ds.target[i]!);
  });

  const rand = mulberry32(options.seed);
  const inMask = Float32Array.from(variant.inputs, (u) => (u ? 1 : 0));
  const hiddenOn = variant.hidden ? 1 : 0;
  const W0 = new Float32Array(N_INPUTS * HIDDEN);
  for (let k = 0; k < N_INPUTS; k++) for (let j = 0; j < HIDDEN; j++) W0[k * HIDDEN + j] = hiddenOn * inMask[k]! * gaussian(rand) * 0.3;
  const c0 = new Float32Array(HIDDEN);
  for (let j = 0; j < HIDDEN; j++) c0[j] = hiddenOn * gaussian(rand) * 0.3;

  const muT = tf.tensor2d(Float32Array.from(mu), [1, N_INPUTS]);
  const sdT = tf.tensor2d(Float32Array.from(sd), [1, N_INPUTS]);
  const aMask = tf.tensor2d(inMask, [N_INPUTS, 1]);
  const wMask = tf.tensor2d(Float32Array.from({ length: N_INPUTS * HIDDEN }, (_, q) => hiddenOn * inMask[Math.floor(q / HIDDEN)]!), [N_INPUTS, HIDDEN]);
  const hMask = tf.scalar(hiddenOn);
  const floorQ = variant.hidden && options.floorQuantile !== undefined && options.floorQuantile > 0 ? options.floorQuantile : undefined;
  const floorLevel = floorQ === undefined ? undefined : log2Quantile(ds, train, floorQ);
  const FLOOR_UNIT_ = HIDDEN - 1;
  // The start is the log-HAR start, with the floor hinge when there is one (epoch 0 of the curves).
  const init = floorLevel === undefined ? start : withFloor(start, floorLevel, FLOOR_UNIT_);
  const initValLoss = qlikeOf(init, ds, val);
  const FLOOR_UNIT = HIDDEN - 1;
  const uMask = tf.tensor2d(Float32Array.from({ length: HIDDEN }, (_, j) => (floorQ !== undefined && j === FLOOR_UNIT ? 0 : 1)), [HIDDEN, 1]);
  // Activity-path penalty masks: 1 on a[8..11]; 1/sd on W[8..11][.] (raw-scale hidden weights).
  const actMaskA = tf.tensor2d(Float32Array.from({ length: N_INPUTS }, (_, k) => (inMask[k] && ACTIVITY_INPUTS.includes(k) ? 1 : 0)), [N_INPUTS, 1]);
  const actMaskW = tf.tensor2d(Float32Array.from({ length: N_INPUTS * HIDDEN }, (_, q) => { const k = Math.floor(q / HIDDEN); return inMask[k] && ACTIVITY_INPUTS.includes(k) ? 1 / sd[k]! : 0; }), [N_INPUTS, HIDDEN]);
  const a = tf.variable(tf.tensor2d(Float32Array.from(start.a), [N_INPUTS, 1]), true, "a");
  const b = tf.variable(tf.scalar(start.b), true, "b");
  const W = tf.variable(tf.tensor2d(W0, [N_INPUTS, HIDDEN]), true, "W");
  const c = tf.variable(tf.tensor1d(c0), true, "c");
  const v = tf.variable(tf.zeros([HIDDEN, 1]), true, "v");
  // Raw weight W/sd must stay under the 16-bit limit: bound the standardized weight by limit * sd.
  const wBound = tf.tensor2d(Float32Array.from({ length: N_INPUTS * HIDDEN }, (_, q) => WEIGHT_LIMIT * sd[Math.floor(q / HIDDEN)]!), [N_INPUTS, HIDDEN]);
  const ln2 = Math.LN2;

  const lossOf = (xb: tf.Tensor2D, rvb: tf.Tensor1D): tf.Scalar =>
    tf.tidy(() => {
      const lin = tf.add(tf.matMul(xb, tf.mul(a, aMask)), b);
      const z = tf.add(tf.matMul(tf.div(tf.sub(xb, muT), sdT), tf.mul(W, wMask)), c);
      const y = tf.add(lin, tf.mul(tf.matMul(tf.relu(z), tf.mul(v, uMask)), hMask)).reshape([-1]);
      const s = tf.mul(y, 0.5);
      const fl = tf.floor(s); // zero gradient: the stop-gradient floor of the piecewise-linear exp2
      const lnSigma = tf.add(tf.mul(fl, ln2), tf.log1p(tf.sub(s, fl)));
      const lnV = tf.mul(lnSigma, 2);
      const data = tf.mean(tf.add(tf.mul(rvb, tf.exp(tf.neg(lnV))), lnV));
      let penalty = tf.mul(options.l2, tf.add(tf.sum(tf.square(tf.mul(W, wMask))), tf.sum(tf.square(v))));
      if (l2Activity > 0) {
        const act = tf.add(tf.sum(tf.square(tf.mul(a, actMaskA))), tf.mul(tf.sum(tf.square(tf.mul(W, actMaskW))), hMask));
        penalty = tf.add(penalty, tf.mul(l2Activity, act));
      }
      return tf.add(data, penalty) as tf.Scalar;
    });

  const optimizer = tf.train.adam(options.learningRate);
  const vars = variant.hidden ? [a, b, W, c, v] : [a, b];

  const current = (): FloatNetwork => {
    const av = a.dataSync();
    const Wv = W.dataSync();
    const cv = c.dataSync();
    const vv = v.dataSync();
    const net = zeroNetwork();
    net.b = b.dataSync()[0]!;
    for (let k = 0; k < N_INPUTS; k++) net.a[k] = inMask[k] ? av[k]! : 0;
    if (variant.hidden) {
      for (let j = 0; j < HIDDEN; j++) {
        let cj = cv[j]!;
        for (let k = 0; k < N_INPUTS; k++) {
          const w = inMask[k] ? Wv[k * HIDDEN + j]! : 0;
          net.W[j]![k] = w / sd[k]!;
          cj -= (w * mu[k]!) / sd[k]!;
        }
        net.c[j] = cj;
        net.v[j] = vv[j]!;
        if (floorQ !== undefined && j === FLOOR_UNIT) {
          net.W[j]!.fill(0);
          net.c[j] = 0;
          net.v[j] = 0;
        }
      }
    }
    return net;
  };

  const history: EpochLog[] = [];
  let averaged: FloatNetwork | undefined;
  let best = { epoch: 0, valLoss: initValLoss, net: init };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const xb = new Float32Array(options.batchSize * N_INPUTS);
  const rb = new Float32Array(options.batchSize);
  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    // Shuffle rows inside the training part only (the split itself is by time).
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < n; start += options.batchSize) {
      const m = Math.min(options.batchSize, n - start);
      for (let r = 0; r < m; r++) {
        const src = order[start + r]!;
        xb.set(X.subarray(src * N_INPUTS, src * N_INPUTS + N_INPUTS), r * N_INPUTS);
        rb[r] = RV[src]!;
      }
      const xt = tf.tensor2d(xb.subarray(0, m * N_INPUTS), [m, N_INPUTS]);
      const rt = tf.tensor1d(rb.subarray(0, m));
      const cost = optimizer.minimize(() => lossOf(xt, rt), true, vars);
      lossSum += cost!.dataSync()[0]!;
      batches++;
      cost!.dispose();
      xt.dispose();
      rt.dispose();
      // Projection onto the quantizable box.
      tf.tidy(() => {
        a.assign(tf.clipByValue(a, -WEIGHT_LIMIT, WEIGHT_LIMIT));
        b.assign(tf.clipByValue(b, -BIAS_LIMIT, BIAS_LIMIT));
        if (variant.hidden) {
          v.assign(tf.clipByValue(v, -WEIGHT_LIMIT, WEIGHT_LIMIT));
          W.assign(tf.minimum(tf.maximum(W, tf.neg(wBound)), wBound));
          c.assign(tf.clipByValue(c, -BIAS_LIMIT, BIAS_LIMIT));
        }
      });
    }
    const raw = current();
    const decay = options.average ?? 0;
    averaged = averaged && decay > 0 ? blend(averaged, raw, decay) : raw;
    const levelled = level === "log-mean" ? logMeanLevel(averaged, ds, train) : averaged;
    const net = floorLevel === undefined ? levelled : withFloor(levelled, floorLevel, FLOOR_UNIT);
    const valLoss = qlikeOf(net, ds, val);
    if (options.keepLast ? epoch === options.maxEpochs : valLoss < best.valLoss) best = { epoch, valLoss, net };
    // Training loss reported as QLIKE too (the constant -ln RV - 1 added back), for comparability.
    const log: EpochLog = { epoch, maxEpochs: options.maxEpochs, loss: lossSum / batches, valLoss, bestEpoch: best.epoch, bestValLoss: best.valLoss };
    history.push(log);
    options.onEpoch?.(log);
    if (!options.keepLast && epoch - best.epoch >= options.patience) break;
  }
  const constant = mean(Float64Array.from(RV, (r) => -Math.log(r) - 1));
  for (const h of history) h.loss += constant;
  tf.dispose([muT, sdT, aMask, wMask, hMask, uMask, actMaskA, actMaskW, a, b, W, c, v, wBound]);
  optimizer.dispose();
  return {
    net: best.net,
    init,
    initValLoss,
    history,
    bestEpoch: best.epoch,
    valLoss: best.valLoss,
    trainLoss: qlikeOf(best.net, ds, train),
    seconds: (performance.now() - started) / 1000,
    backend,
  };
}
