#!/usr/bin/env bash
# `provenfee evaluate --json` of a model file on the 35-day series' test part and on every other
# shipped data set (per-swap days, isolated Polygon minute days), one JSON object per line:
#   bash training/evaluate-all.sh [MODEL] > training/results/default-model.evaluate.jsonl
set -euo pipefail
MODEL=${1:-model/default-model.json}
S=data/swaps-usdc-weth
M=data/polygon-usdc-weth-005-minute
run() { # name, evaluate args...
  local name=$1; shift
  npx tsx training/main.ts evaluate --model "$MODEL" --json "$@" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(JSON.stringify({name:process.argv[1],args:process.argv.slice(2),test:r.test,zeroShare:r.zeroShare,baselinesFittedOn:r.baselinesFittedOn,verdict:r.verdict,results:r.results.map(x=>({name:x.name,qlike:x.qlike,mse:x.mse,dmVsModel:x.dmVsModel,dmPValue:x.dmPValue}))}))})' "$name" "$@"
}
run "polygon 35-day series, test part" 
run "polygon 0x45dd 2021-12-22 (pre-test; selection robustness day)" --data $S/polygon-0x45dd-usdc-weth-005-2021-12-22.tick.csv.gz
run "polygon 0x45dd 2022-01-05 (pre-test; selection robustness day)" --data $S/polygon-0x45dd-usdc-weth-005-2022-01-05.tick.csv.gz
run "polygon 0x45dd 2023-11-25 (evaluation only)" --data $S/polygon-0x45dd-usdc-weth-005-2023-11-25.tick.csv.gz
run "mainnet 0x88e6 0.05% 2023-11-10 (evaluation only)" --data $S/ethereum-0x88e6-usdc-weth-005-2023-11-10.tick.csv.gz
run "mainnet 0x88e6 0.05% 2024-01-05 (evaluation only)" --data $S/ethereum-0x88e6-usdc-weth-005-2024-01-05.tick.csv.gz
run "mainnet 0x8ad5 0.3% 2024-01-05 (evaluation only)" --data $S/ethereum-0x8ad5-usdc-weth-030-2024-01-05.pool.tick.csv.gz
run "polygon minute 2023-08-13..17 (evaluation only)" --data $M --from 2023-08-13 --to 2023-08-17
run "polygon minute 2024-02-15..16 (evaluation only)" --data $M --from 2024-02-15 --to 2024-02-16
run "polygon minute 2025-07-01..02 (evaluation only)" --data $M --from 2025-07-01 --to 2025-07-02
