// What serving one pool costs per day under the update rule, next to what its LPs earn: the shipped
// mainnet day (USDC/WETH 0.05%, 2024-01-05, per swap), the shipped default model's fee policy,
// counterfactual (b) at the estimated elasticity 0.1, at the mainnet and L2 gas presets and at the
// backtester's default 20 gwei, with the update rule on (pays) and off (every fee change).
//
//   npx tsx bench/updateCost.ts
import { CHAIN_PRESETS } from "../model/updateRule.ts";
import { loadModel } from "../model/modelFile.ts";
import { defaultOptions, loadHistory, runBacktest, type BacktestOptions } from "../backtest/run.ts";

const DATA = "data/swaps-usdc-weth/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz";
const MODEL = "model/default-model.json";
const model = await loadModel(MODEL);
const base: BacktestOptions = { ...defaultOptions(), source: "swaps", input: DATA, counterfactual: "resize", models: [MODEL], ewma: false, foresight: false };
const history = loadHistory(base);
const gasPrices: { label: string; gwei: number; chain?: "mainnet" | "l2" }[] = [
  { label: `mainnet preset (${CHAIN_PRESETS.mainnet.gasPriceGwei} gwei)`, gwei: CHAIN_PRESETS.mainnet.gasPriceGwei, chain: "mainnet" },
  { label: `L2 preset (${CHAIN_PRESETS.l2.gasPriceGwei} gwei)`, gwei: CHAIN_PRESETS.l2.gasPriceGwei, chain: "l2" },
  { label: "default (20 gwei, the data's era)", gwei: 20 },
];
const usd = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x !== 0 && Math.abs(x) < 10 ? 2 : 0 });

console.log(`${DATA}: the whole day (24 h), the default model's fee policy (horizon ${model.file.horizon} periods), counterfactual (b), elasticity ${base.elasticity}, ${base.gasPerUpdate.toLocaleString("en-US")} gas per update, ETH priced at the pool's own price of each update's moment; USDC`);
console.log("");
const head = ["gas price", "rule", "updates/day", "gas/day", "LP fees", "LVR", "net after gas", "best static (net)", "dynamic - best static"];
const rows: string[][] = [];
for (const g of gasPrices) {
  for (const rule of ["pays", "off"] as const) {
    const out = await runBacktest({ ...base, gasPriceGwei: g.gwei, chain: g.chain, updateRule: rule }, undefined, new Map([[MODEL, model]]), history);
    const days = (Date.parse(out.report.to) - Date.parse(out.report.from)) / 86_400_000;
    const dyn = out.report.policies.find((p) => p.name === "model")!;
    const statics = out.report.policies.filter((p) => p.name.startsWith("static-"));
    const best = statics.reduce((a, b) => (b.netPnlAfterGas > a.netPnlAfterGas ? b : a));
    rows.push([
      g.label, rule, usd(dyn.feeUpdates / days), usd(dyn.gasCost / days), usd(dyn.feeRevenue), usd(dyn.lvr), usd(dyn.netPnlAfterGas),
      `${best.name} (${usd(best.netPnlAfterGas)})`, usd(dyn.netPnlAfterGas - best.netPnlAfterGas),
    ]);
  }
}
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
console.log(line(head));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
console.log("");
console.log("gas/day: the gas of the updates the rule sends over the day (keep-alives included); not included: proving (a keeper's CPU), the L2's L1 data fee.");
