// What moving the proven fee costs an attacker, on real pool data (issue: "features no one can move for
// free"). The oracle only records close-to-close tick moves, so the only lever is the price itself at
// a period close: swap the price away by d ticks just before a period closes, let the close be
// recorded, swap it back. This script finds, at a real pool state, the smallest d that raises the
// default model's fee by 10% (and by 1 pip), and prices the round trip at the pool's real active
// liquidity and fee.
//
//   npx tsx bench/manipulation.ts [--data FILE] [--at HH:MM] [--model FILE] [--json]
//
// Assumptions, stated in the output: active liquidity constant over the move (no initialized tick
// crossed; the mainnet 0.05% pool's liquidity is dense around the price), the attacker pays the pool's
// fee on both legs, and either reverts the move himself (cost: the two fees) or an arbitrageur reverts
// it first (cost: the price impact the arbitrageur captures instead of the second fee).
import { copyOracleState, emptyOracleState, evaluateFixed, featuresAsOf, loadModel, periodCloses, recordClose } from "../model/index.ts";
import { EV_SWAP, loadPoolEvents } from "../history/index.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const data = arg("data", "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz");
const at = arg("at", "12:00");
const model = await loadModel(arg("model", "model/default-model.json"));
const ev = loadPoolEvents(data);
const swaps: number[] = [];
for (let i = 0; i < ev.n; i++) if (ev.kind[i] === EV_SWAP) swaps.push(i);
const day = ev.time[0]! - (ev.time[0]! % 86400);
const [hh, mm] = at.split(":").map(Number) as [number, number];
const t = day + hh * 3600 + mm * 60;
const period = model.file.period;
const asOf = Math.floor(t / period) - 1;
const before = swaps.filter((i) => ev.time[i]! < t);
if (before.length < 10) throw new Error(`${data}: fewer than 10 swaps before ${at}`);
const closes = periodCloses(before.map((i) => ev.time[i]!), before.map((i) => ev.tick[i]!), period);
const state = emptyOracleState();
for (const c of closes) recordClose(state, c.period, c.tick);
const last = before[before.length - 1]!;
const tick = ev.tick[last]!;
const liquidity = Number(ev.liquidity[last]!);
const terms = { poolFeeMin: 0, poolFeeMax: 1_000_000, period };
const base = evaluateFixed(model.network, model.file.policy, featuresAsOf(state, asOf), terms);
/** The fee as of `asOf` if the close of `asOf` had been moved by d ticks. */
const feeWithMove = (d: number) => {
  const s = copyOracleState(state);
  recordClose(s, asOf, tick + d);
  return evaluateFixed(model.network, model.file.policy, featuresAsOf(s, asOf), terms).fee;
};
const smallestMove = (target: number) => {
  let lo = 0;
  let hi = 1;
  while (feeWithMove(hi) < target) {
    hi *= 2;
    if (hi > 200_000) return Infinity;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (feeWithMove(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
};

// Prices: token0 = USDC (6 decimals), token1 = WETH (18); raw price token1/token0 = 1.0001^tick.
const usdcPerEth = 1e12 / 1.0001 ** tick;
const poolFeePips = Number(/-(\d{3})-\d{4}/.exec(data)?.[1] ?? "5") * 100;
/** USDC value of the input of a swap moving the price by d ticks (up: token1 in), constant liquidity. */
function roundTrip(d: number) {
  const s0 = Math.sqrt(1.0001 ** tick);
  const s1 = Math.sqrt(1.0001 ** (tick + d));
  const amount1Raw = liquidity * (s1 - s0); // token1 (WETH raw) paid in to move the price up by d
  const inUsdc = (amount1Raw / 1e18) * usdcPerEth;
  const fees = 2 * inUsdc * (poolFeePips / 1e6);
  // Reverted by an arbitrageur instead: the attacker's token0 out is worth less than his input at the
  // restored price; the gap is the arbitrageur's profit, L (s1 - s0)^2 / s1 in token1.
  const impactUsdc = ((liquidity * (s1 - s0) ** 2) / s1 / 1e18) * usdcPerEth;
  return { ticks: d, swapUsdc: inUsdc, feesBothLegsUsdc: fees, ifArbitragedUsdc: inUsdc * (poolFeePips / 1e6) + impactUsdc };
}

const plus10 = smallestMove(Math.ceil(base.fee * 1.1));
const plus1 = smallestMove(base.fee + 1);
const result = {
  data,
  at: new Date(t * 1000).toISOString(),
  model: model.file.commitment,
  pool: { tick, activeLiquidity: liquidity, usdcPerEth, feePips: poolFeePips },
  fee: { pips: base.fee, forecastVariance: 2 ** (Number(base.forecast) / 2 ** 32) },
  raiseBy10pct: Number.isFinite(plus10) ? roundTrip(plus10) : null,
  raiseBy1pip: Number.isFinite(plus1) ? roundTrip(plus1) : null,
  assumptions: [
    "one move of the close of the as-of period, reverted in the next period (the reverting move is itself a recorded move, which raises the next update's fee too)",
    "constant active liquidity over the move (no initialized tick crossed), the pool's real liquidity at that time",
    `the attacker pays the pool's fee (${poolFeePips / 100} bp) on both legs; or an arbitrageur reverts first and keeps the price impact`,
  ],
};
if (process.argv.includes("--json")) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`${data} at ${result.at}: tick ${tick}, active liquidity ${liquidity.toExponential(3)}, ETH = ${usdcPerEth.toFixed(0)} USDC, pool fee ${poolFeePips / 100} bp`);
  console.log(`default model fee as of that period: ${base.fee} pips`);
  for (const [label, r] of [["+10% fee", result.raiseBy10pct], ["+1 pip", result.raiseBy1pip]] as const) {
    if (!r) console.log(`${label}: not reachable with one close move`);
    else console.log(`${label}: move the close by ${r.ticks} ticks with a ${r.swapUsdc.toFixed(0)} USDC swap; round trip costs ${r.feesBothLegsUsdc.toFixed(0)} USDC in fees (reverted by the attacker) or ${r.ifArbitragedUsdc.toFixed(0)} USDC (reverted by an arbitrageur)`);
  }
}
