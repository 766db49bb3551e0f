// From ledgers to the numbers a quant reads: per-policy totals, markouts by flow class, fee
// statistics, gas of fee updates, daily Sharpe and drawdown, per-volatility-regime results, and
// block-bootstrap confidence intervals of each policy's edge over the best static tier.
import { CLASS_NAMES, MARKOUT_MINUTES, type Clock, type Ledger } from "./ledger.ts";
import { Rng } from "./rng.ts";

/** The fewest daily returns a daily Sharpe is reported from (a week). */
const MIN_SHARPE_DAYS = 7;

export interface RunPolicy {
  name: string;
  ledger: Ledger;
  lvrTheory: number;
  volumeRetained: number;
  foresight: boolean;
  swaps: number;
}

/** What metrics need from a simulation or a replay. */
export interface RunView {
  mode: string;
  clock: Clock;
  priceAt: (t: number) => number;
  periodSeconds: number;
  policies: RunPolicy[];
  /** Swaps in the input (history) or executed by the simulated market. */
  swaps: number;
  from: number;
  to: number;
  assumptions: string[];
  stats: Record<string, unknown>;
}

export interface CostOptions {
  gasPerUpdate: number;
  /**
   * Whether the updates' gas is priced in the quote token (each update at the gas token's price of
   * its moment: the ledgers' `gasCost`); if not, gas is reported in units only.
   */
  gasPriced: boolean;
}

export interface PolicyMetrics {
  name: string;
  foresight: boolean;
  feeRevenue: number;
  lvr: number;
  lvrTheory: number;
  netPnl: number;
  recapture: number;
  /** net LP PnL minus the gas of fee updates (if priced). */
  netPnlAfterGas: number;
  pnlVsHold: number;
  volume: number;
  volumeRetained: number;
  meanFeePips: number;
  p50FeePips: number;
  p95FeePips: number;
  feeUpdates: number;
  feeUpdatesPerDay: number;
  gasUsed: number;
  gasCost: number;
  trades: { arbitrage: number; uninformed: number };
  fees: { arbitrage: number; uninformed: number };
  lvrByClass: { arbitrage: number; uninformed: number };
  markouts: Record<(typeof CLASS_NAMES)[number], Record<string, number>>;
  dailySharpe: number;
  maxDrawdown: number;
  days: number;
  swaps: number;
}

export interface RegimeRow {
  regime: string;
  hours: number;
  /** Annualized realized volatility of the reference in this regime. */
  sigma: number;
  policies: { name: string; feeRevenue: number; lvr: number; netPnl: number }[];
}

export interface EdgeCI {
  name: string;
  versus: string;
  edge: number;
  lo: number;
  hi: number;
  /** Share of bootstrap samples in which the edge is positive. */
  pPositive: number;
}

export interface Report {
  mode: string;
  swaps: number;
  from: string;
  to: string;
  assumptions: string[];
  stats: Record<string, unknown>;
  policies: PolicyMetrics[];
  regimes: RegimeRow[];
  edges: EdgeCI[];
  bestStatic: string | undefined;
  /** Time series for the plots (hour starts, unix seconds), per policy. */
  series: {
    hours: number[];
    cumulativeNet: Record<string, number[]>;
    /** LP fees and LVR of each hour (quote), per policy: what a sub-range's accounting sums. */
    hourlyFees: Record<string, number[]>;
    hourlyLvr: Record<string, number[]>;
    feeTimes: Record<string, number[]>;
    feeValues: Record<string, number[]>;
    /** Start of the period of each fee update sent, and its gas cost (quote; NaN where not priced). */
    updateTimes: Record<string, number[]>;
    updateGasCosts: Record<string, number[]>;
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)));
  return sorted[i]!;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

function sd(xs: number[]): number {
  const m = mean(xs);
  return xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : NaN;
}

/** Hourly net PnL (fees - LVR) of a ledger over the clock's hours. */
export function hourlyNet(ledger: Ledger, hours: number): number[] {
  const out = new Array<number>(hours).fill(0);
  for (let h = 0; h < Math.min(hours, ledger.hourFees.length); h++) out[h] = ledger.hourFees[h]! - (ledger.hourLvr[h] ?? 0);
  return out;
}

function dailySeries(net: number[], hourStarts: number[]): number[] {
  const byDay = new Map<number, number>();
  net.forEach((v, h) => {
    const d = Math.floor(hourStarts[h]! / 86400);
    byDay.set(d, (byDay.get(d) ?? 0) + v);
  });
  return [...byDay.keys()].sort((a, b) => a - b).map((d) => byDay.get(d)!);
}

function maxDrawdown(daily: number[]): number {
  let peak = 0;
  let cum = 0;
  let dd = 0;
  for (const v of daily) {
    cum += v;
    peak = Math.max(peak, cum);
    dd = Math.max(dd, peak - cum);
  }
  return dd;
}

/** Moving-block bootstrap of sum(diff): 95% interval and P(sum > 0). Deterministic. */
export function bootstrapSum(diff: number[], samples = 2000, seed = "bootstrap"): { lo: number; hi: number; pPositive: number } {
  const n = diff.length;
  if (n === 0) return { lo: NaN, hi: NaN, pPositive: NaN };
  const block = Math.max(1, Math.round(Math.cbrt(n)));
  const rng = new Rng(seed);
  const sums: number[] = [];
  for (let s = 0; s < samples; s++) {
    let total = 0;
    let taken = 0;
    while (taken < n) {
      const start = rng.int(0, n - 1);
      for (let k = 0; k < block && taken < n; k++, taken++) total += diff[(start + k) % n]!;
    }
    sums.push(total);
  }
  sums.sort((a, b) => a - b);
  return { lo: quantile(sums, 0.025), hi: quantile(sums, 0.975), pPositive: sums.filter((v) => v > 0).length / samples };
}

/** Realized variance of the reference log price within each clock hour (minute resolution). */
function hourVariances(view: RunView): number[] {
  return view.clock.hourStarts.map((h0) => {
    let v = 0;
    let prev = Math.log(view.priceAt(h0 - 1e-6));
    for (let m = 1; m <= 60; m++) {
      const x = Math.log(view.priceAt(h0 + m * 60 - 1e-6));
      v += (x - prev) ** 2;
      prev = x;
    }
    return v;
  });
}

export function computeReport(view: RunView, costs: CostOptions): Report {
  const hours = view.clock.hourStarts.length;
  const hourStarts = view.clock.hourStarts;
  const lastPrice = view.priceAt(view.to);
  const spanDays = Math.max(1 / 24, (view.to - view.from) / 86400);
  const policies: PolicyMetrics[] = view.policies.map((p) => {
    const L = p.ledger;
    const feeRevenue = L.feeRevenue;
    const lvr = L.lvrTotal;
    const fees = [...L.feeValues].sort((a, b) => a - b);
    const mk = L.markouts(view.priceAt, MARKOUT_MINUTES);
    const markouts = Object.fromEntries(
      CLASS_NAMES.map((c, i) => [c, Object.fromEntries(MARKOUT_MINUTES.map((h, j) => [h === 0 ? "0s" : `${h}m`, mk[i]![j]!]))]),
    ) as PolicyMetrics["markouts"];
    const net = hourlyNet(L, hours);
    const daily = dailySeries(net, hourStarts);
    const gasUsed = L.feeUpdates * costs.gasPerUpdate;
    const gasCost = costs.gasPriced ? L.gasCost : NaN;
    const dsd = sd(daily);
    return {
      name: p.name,
      foresight: p.foresight,
      feeRevenue,
      lvr,
      lvrTheory: p.lvrTheory,
      netPnl: feeRevenue - lvr,
      recapture: lvr !== 0 ? feeRevenue / lvr : NaN,
      netPnlAfterGas: Number.isFinite(gasCost) ? feeRevenue - lvr - gasCost : feeRevenue - lvr,
      pnlVsHold: L.value(L.sumDx, L.sumDy, lastPrice) + feeRevenue,
      volume: L.volume[0]! + L.volume[1]!,
      volumeRetained: p.volumeRetained,
      meanFeePips: mean(L.feeValues),
      p50FeePips: quantile(fees, 0.5),
      p95FeePips: quantile(fees, 0.95),
      feeUpdates: L.feeUpdates,
      feeUpdatesPerDay: L.feeUpdates / spanDays,
      gasUsed,
      gasCost,
      trades: { arbitrage: L.trades[0]!, uninformed: L.trades[1]! },
      fees: { arbitrage: L.fees[0]!, uninformed: L.fees[1]! },
      lvrByClass: { arbitrage: L.lvr[0]!, uninformed: L.lvr[1]! },
      markouts,
      // An annualized Sharpe from two or three daily returns is noise with a big number on it.
      dailySharpe: daily.length >= MIN_SHARPE_DAYS && dsd > 0 ? (mean(daily) / dsd) * Math.sqrt(365) : NaN,
      maxDrawdown: maxDrawdown(daily),
      days: daily.length,
      swaps: p.swaps,
    };
  });

  // Best static tier by net LP PnL, and every other policy's edge over it.
  const statics = policies.filter((p) => p.name.startsWith("static-"));
  const best = statics.length ? statics.reduce((a, b) => (b.netPnl > a.netPnl ? b : a)) : undefined;
  const nets = new Map(view.policies.map((p) => [p.name, hourlyNet(p.ledger, hours)]));
  const edges: EdgeCI[] = [];
  if (best) {
    const b = nets.get(best.name)!;
    for (const p of policies) {
      if (p.name === best.name) continue;
      const d = nets.get(p.name)!.map((v, h) => v - b[h]!);
      const ci = bootstrapSum(d, 2000, `edge/${p.name}`);
      edges.push({ name: p.name, versus: best.name, edge: p.netPnl - best.netPnl, ...ci });
    }
  }

  // Volatility regimes: terciles of hourly realized variance of the reference.
  const hv = hourVariances(view);
  const order = [...hv.keys()].sort((a, b) => hv[a]! - hv[b]!);
  const label = new Array<number>(hours).fill(0);
  order.forEach((h, rank) => (label[h] = Math.min(2, Math.floor((3 * rank) / Math.max(1, hours)))));
  const regimes: RegimeRow[] = ["low", "mid", "high"].map((name, r) => {
    const hs = [...Array(hours).keys()].filter((h) => label[h] === r);
    const varSum = hs.reduce((a, h) => a + hv[h]!, 0);
    return {
      regime: `${name} volatility`,
      hours: hs.length,
      sigma: hs.length ? Math.sqrt((varSum / hs.length) * 24 * 365) : NaN,
      policies: view.policies.map((p) => {
        let f = 0;
        let l = 0;
        for (const h of hs) {
          f += p.ledger.hourFees[h] ?? 0;
          l += p.ledger.hourLvr[h] ?? 0;
        }
        return { name: p.name, feeRevenue: f, lvr: l, netPnl: f - l };
      }),
    };
  });

  const cumulativeNet: Record<string, number[]> = {};
  for (const [name, n] of nets) {
    let c = 0;
    cumulativeNet[name] = n.map((v) => (c += v));
  }
  const feeTimes: Record<string, number[]> = {};
  const feeValues: Record<string, number[]> = {};
  const updateTimes: Record<string, number[]> = {};
  const updateGasCosts: Record<string, number[]> = {};
  for (const p of view.policies) {
    feeTimes[p.name] = p.ledger.feePeriods.map((q) => q * view.periodSeconds);
    feeValues[p.name] = p.ledger.feeValues;
    updateTimes[p.name] = p.ledger.updatePeriods.map((q) => q * view.periodSeconds);
    updateGasCosts[p.name] = costs.gasPriced ? p.ledger.updateGasCosts : p.ledger.updateGasCosts.map(() => NaN);
  }
  return {
    mode: view.mode,
    swaps: view.swaps,
    from: new Date(view.from * 1000).toISOString(),
    to: new Date(view.to * 1000).toISOString(),
    assumptions: view.assumptions,
    stats: view.stats,
    policies,
    regimes,
    edges,
    bestStatic: best?.name,
    series: {
      hours: hourStarts,
      cumulativeNet,
      hourlyFees: Object.fromEntries(view.policies.map((p) => [p.name, hourStarts.map((_, h) => p.ledger.hourFees[h] ?? 0)])),
      hourlyLvr: Object.fromEntries(view.policies.map((p) => [p.name, hourStarts.map((_, h) => p.ledger.hourLvr[h] ?? 0)])),
      feeTimes,
      feeValues,
      updateTimes,
      updateGasCosts,
    },
  };
}

/** The `--json` object: the fields the issue fixes first, then everything else. */
export function jsonSummary(report: Report): Record<string, unknown> {
  return {
    swaps: report.swaps,
    from: report.from,
    to: report.to,
    policies: report.policies.map((p) => ({
      name: p.name,
      feeRevenue: p.feeRevenue,
      lvr: p.lvr,
      netPnl: p.netPnl,
      recapture: p.recapture,
      volumeRetained: p.volumeRetained,
      meanFeePips: p.meanFeePips,
      foresight: p.foresight,
      lvrTheory: p.lvrTheory,
      netPnlAfterGas: p.netPnlAfterGas,
      pnlVsHold: p.pnlVsHold,
      volume: p.volume,
      p50FeePips: p.p50FeePips,
      p95FeePips: p.p95FeePips,
      feeUpdates: p.feeUpdates,
      gasUsed: p.gasUsed,
      gasCost: p.gasCost,
      markouts: p.markouts,
      dailySharpe: p.dailySharpe,
      maxDrawdown: p.maxDrawdown,
      trades: p.trades,
    })),
    mode: report.mode,
    bestStatic: report.bestStatic,
    edges: report.edges,
    regimes: report.regimes,
    assumptions: report.assumptions,
    stats: report.stats,
  };
}
