// history/: the first stage of the data's journey. Loads pool history (per-swap rows, minute bars)
// and reference price series, strictly, for both training/ and backtest/, and tells what pair a
// history is (history/README.md).
export { DataError, column, expandInputs, readTable, type Table } from "./table.ts";
export { detectFormat, type DataFormat } from "./format.ts";
export { EV_BURN, EV_MINT, EV_SWAP, SWAP_FILE, loadPoolEvents, loadSwaps, type PoolEvents, type SwapEvents } from "./swaps.ts";
export { MINUTE_FILE, loadMinuteBars, loadMinuteBarsFull, type MinuteBars, type MinuteBarsFull } from "./bars.ts";
export { forwardFillMinutes, minuteSegments, swapSegments, type GapReport, type Segment } from "./gaps.ts";
export { checkReference, loadReference, priceAt, type ReferenceCheck, type ReferenceSeries } from "./reference.ts";
export {
  FEE_TIERS, describeFile, describePair, historicalFeeOf, inferFeeTier, pairSummary, quoteOf, resolvePair, samePool, tickSpacingForFee, wethSideOf,
  type FileName, type Pair, type PairFlags,
} from "./pair.ts";
export { KNOWN_POOLS, TOKENS, knownPool, type KnownPool } from "./pools.ts";
