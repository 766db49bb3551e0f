// Every real pool history in data/ (each a pool over a contiguous stretch), and how to load it: the
// pools the default model is fitted on (training/default.ts) and every report is run on
// (training/train-all.ts).
const S = "data/swaps-usdc-weth";
const M = "data/polygon-usdc-weth-005-minute";

/** Every real pool history in data/ (each a pool over a contiguous stretch), and how to load it. */
export const POOLS: { name: string; data: string; from?: string; to?: string }[] = [
  { name: "polygon 0.05% 2022-07-19..08-22 (35 days, minute bars)", data: M, from: "2022-07-19", to: "2022-08-22" },
  { name: "polygon 0.05% 2023-08-13..17 (minute bars)", data: M, from: "2023-08-13", to: "2023-08-17" },
  { name: "polygon 0.05% 2024-02-15..16 (minute bars)", data: M, from: "2024-02-15", to: "2024-02-16" },
  { name: "polygon 0.05% 2025-07-01..02 (minute bars)", data: M, from: "2025-07-01", to: "2025-07-02" },
  { name: "polygon 0.05% 2021-12-22 (per swap)", data: `${S}/polygon-0x45dd-usdc-weth-005-2021-12-22.tick.csv.gz` },
  { name: "polygon 0.05% 2022-01-05 (per swap)", data: `${S}/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz` },
  { name: "polygon 0.05% 2023-11-25 (per swap)", data: `${S}/polygon-0x45dd-usdc-weth-005-2023-11-25.tick.csv.gz` },
  { name: "mainnet 0.05% 2023-11-10 (per swap)", data: `${S}/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz` },
  { name: "mainnet 0.05% 2024-01-05 (per swap)", data: `${S}/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz` },
  { name: "mainnet 0.3% 2024-01-05 (per swap)", data: `${S}/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz` },
];

