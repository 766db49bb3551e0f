// How long does a change of the model's fee persist? The update rule (model/updateRule.ts) values a
// fee change over `horizon` periods, by default the model's forecast horizon (30 periods for the
// shipped model: its fee prices the volatility forecast over exactly that many periods). This
// measures, on training ranges only (the first 60% of each history, the walk-forward split's train
// part: no validation or test period is looked at), how much of a change of the default model's fee
// is still there k periods later: the regression slope of f(t+k) - f(t-1) on f(t) - f(t-1) over
// the periods whose fee changed (1 = the change fully persists, 0 = it is gone).
//
//   npx tsx backtest/feePersistence.ts
import { loadModel } from "../model/modelFile.ts";
import { modelPolicy } from "./policy.ts";
import { defaultOptions, loadHistory } from "./run.ts";
import { replay, sliceEvents } from "./replay.ts";

const HISTORIES = [
  { name: "mainnet 0.05% 2024-01-05 (per swap)", source: "swaps" as const, input: "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz" },
  { name: "mainnet 0.05% 2023-11-10 (per swap)", source: "swaps" as const, input: "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz" },
  { name: "polygon 0.05% 2022-07-19..08-22 (minute bars)", source: "bars" as const, input: "data/polygon-usdc-weth-005-minute", to: Date.parse("2022-08-23T00:00:00Z") / 1000 },
];
const LAGS = [1, 5, 10, 30, 60, 120, 240];
const TRAIN_SHARE = 0.6;

const model = await loadModel("model/default-model.json");
console.log(`persistence of the default model's fee changes (horizon ${model.file.horizon} periods), training range = first ${TRAIN_SHARE * 100}% of each history`);
for (const h of HISTORIES) {
  const { events } = loadHistory({ ...defaultOptions(), source: h.source, input: h.input });
  const t0 = events.time[0]!;
  const t1 = Math.min(h.to ?? Infinity, events.time[events.n - 1]!);
  const trainEnd = t0 + TRAIN_SHARE * (t1 - t0);
  const train = sliceEvents(events, t0, trainEnd);
  // (a) same swaps: the fee the model would set each period, as the keeper proves it (no rule: every period's fee).
  const r = replay(train, [modelPolicy(model)], { counterfactual: "same", valuation: { quote: 0, decimals0: 6, decimals1: 18 } });
  const L = r.policies[0]!.ledger;
  // The fee per period, carried through periods without a trade.
  const f: number[] = [];
  for (let j = 0, p = L.feePeriods[0]!; p <= L.feePeriods[L.feePeriods.length - 1]!; p++) {
    while (j + 1 < L.feePeriods.length && L.feePeriods[j + 1]! <= p) j++;
    f.push(L.feeValues[j]!);
  }
  const slopes = LAGS.map((k) => {
    let num = 0;
    let den = 0;
    for (let t = 1; t + k < f.length; t++) {
      const d = f[t]! - f[t - 1]!;
      if (d === 0) continue;
      num += (f[t + k]! - f[t - 1]!) * d;
      den += d * d;
    }
    return num / den;
  });
  const changes = f.filter((x, t) => t > 0 && x !== f[t - 1]).length;
  console.log(`${h.name}: ${new Date(t0 * 1000).toISOString().slice(0, 16)}..${new Date(trainEnd * 1000).toISOString().slice(0, 16)}, ${f.length} periods, ${changes} fee changes`);
  console.log(`  share of a change left after k periods: ${LAGS.map((k, i) => `k=${k}: ${slopes[i]!.toFixed(2)}`).join(", ")}`);
}
