// The volume elasticity of counterfactual (b), estimated from data: how the same pair's volume splits
// between two fee tiers on the same day.
//
//   npx tsx backtest/elasticity.ts [--low FILE] [--high FILE] [--json]
//
// Counterfactual (b) keeps a share exp(-e x (fee - historical fee) in bp) of the non-arbitrage volume.
// Two pools of one pair at fees f_low < f_high trading side by side give one reading of e: if volume
// were that function of the fee alone, V_high / V_low = exp(-e (f_high - f_low)). Default: the mainnet
// USDC/WETH 0.05% and 0.3% pools on 2024-01-05 (data/swaps-usdc-weth). Uncertainty: a bootstrap over
// hours (the hourly volumes of both pools resampled together, 10,000 draws).
//
// What it is and is not: routers split orders between the two pools by price impact, so this is the
// elasticity of where flow goes given a cheaper venue next door, for one pair on one day; arbitrage is
// included in both volumes (the single-day data cannot separate it without a reference price for both
// pools). It is the data's best answer to "how much volume does 25 bp more fee cost", not a structural
// demand curve.
import { EV_SWAP, loadPoolEvents } from "../history/index.ts";
import { Rng } from "./rng.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** Volume in token0 units (USDC for the shipped pools) per hour of the day, and the pool's fee in bp. */
function hourlyVolume(file: string): { hours: number[]; feeBps: number; total: number; swaps: number } {
  const ev = loadPoolEvents(file);
  const fee = /-(\d{3})-\d{4}-\d\d-\d\d/.exec(file)?.[1];
  if (!fee) throw new Error(`${file}: the file name does not carry the fee tier (e.g. -005- for 0.05%)`);
  const day = ev.time[0]! - (ev.time[0]! % 86400);
  const hours = new Array<number>(24).fill(0);
  let total = 0;
  let swaps = 0;
  for (let i = 0; i < ev.n; i++) {
    if (ev.kind[i] !== EV_SWAP) continue;
    const v = Math.abs(Number(ev.amount0[i]!)) / 1e6;
    const h = Math.floor((ev.time[i]! - day) / 3600);
    if (h < 0 || h > 23) continue;
    hours[h]! += v;
    total += v;
    swaps++;
  }
  // "005" = 0.05% = 5 bp, "030" = 0.30% = 30 bp
  return { hours, feeBps: Number(fee), total, swaps };
}

export function estimateElasticity(low: ReturnType<typeof hourlyVolume>, high: ReturnType<typeof hourlyVolume>, draws = 10_000) {
  const gap = high.feeBps - low.feeBps;
  const e = (vl: number, vh: number) => -Math.log(vh / vl) / gap;
  const point = e(low.total, high.total);
  const rng = new Rng("elasticity");
  const sample: number[] = [];
  for (let d = 0; d < draws; d++) {
    let vl = 0;
    let vh = 0;
    for (let k = 0; k < 24; k++) {
      const h = rng.int(0, 23);
      vl += low.hours[h]!;
      vh += high.hours[h]!;
    }
    if (vl > 0 && vh > 0) sample.push(e(vl, vh));
  }
  sample.sort((a, b) => a - b);
  const q = (p: number) => sample[Math.min(sample.length - 1, Math.floor(p * sample.length))]!;
  return { elasticityPerBp: point, ci95: [q(0.025), q(0.975)] as [number, number], feeGapBps: gap, volumeRatio: high.total / low.total };
}

const lowFile = arg("low", "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz");
const highFile = arg("high", "data/swaps-usdc-weth/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz");
const low = hourlyVolume(lowFile);
const high = hourlyVolume(highFile);
const r = estimateElasticity(low, high);
if (process.argv.includes("--json")) console.log(JSON.stringify({ low: { file: lowFile, feeBps: low.feeBps, volume: low.total, swaps: low.swaps }, high: { file: highFile, feeBps: high.feeBps, volume: high.total, swaps: high.swaps }, ...r }));
else {
  console.log(`${lowFile}: ${low.feeBps} bp, ${low.swaps} swaps, ${(low.total / 1e6).toFixed(1)}M USDC`);
  console.log(`${highFile}: ${high.feeBps} bp, ${high.swaps} swaps, ${(high.total / 1e6).toFixed(1)}M USDC`);
  console.log(`volume ratio ${r.volumeRatio.toFixed(4)} over a ${r.feeGapBps} bp gap: elasticity ${r.elasticityPerBp.toFixed(4)} per bp, 95% interval [${r.ci95[0].toFixed(4)}, ${r.ci95[1].toFixed(4)}] (hourly bootstrap)`);
}
