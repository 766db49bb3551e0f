// A reference price series (a CEX series, or any timestamped price): one price per row, the price
// of the non-quote token in quote tokens, in whole tokens (e.g. ETH in USDC). Converted to raw
// token1 per raw token0, the unit of the pool's own price, and checked against the pool's price over
// their overlap before anything uses it (`checkReference`).
import { DataError, RowReader, column, readTable } from "./table.ts";

export interface ReferenceSeries {
  time: Float64Array;
  /** Raw token1 per raw token0, like the pool's own price. */
  price: Float64Array;
  file: string;
  /**
   * Samples of a market that trades between them (a CEX's minute closes): the price between two
   * samples is interpolated (log-linear). Without it the series is a step function, right for the
   * pool's own price, which only moves at its trades.
   */
  sampled?: boolean;
}

/** Binance's kline columns, in order (data.binance.vision's CSVs have no header; some tools write this one). */
const KLINE_COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"];

/** The kline header for a headerless Binance kline file: its first line is a data row (12 cells, a time in ms or µs). */
const klineHeader = (first: string[]) => (first.length === KLINE_COLUMNS.length && /^\d{13,16}$/.test(first[0]!) ? KLINE_COLUMNS : undefined);

/**
 * The first column (or `timestamp`/`block_timestamp`/`time`/`date`) is the time, and `column`
 * (default `price`) the price of the non-quote token in quote tokens, in whole tokens. Binance
 * klines (`open_time,...,close,...,close_time,...`, with or without the header; milliseconds or,
 * since 2025, microseconds) are read as they come: the time is the minute's end (close_time + 1
 * unit) and the price its `close`, as in the shipped reference files.
 */
export function loadReference(file: string, options: { column?: string; quote: 0 | 1; decimals0: number; decimals1: number }): ReferenceSeries {
  const t = readTable(file, klineHeader);
  const r = new RowReader(t);
  const klines = column(t, ["close_time"], false) >= 0 && column(t, ["close"], false) >= 0 && column(t, ["price"], false) < 0;
  let cTime = klines ? column(t, ["close_time"]) : column(t, ["timestamp", "block_timestamp", "time", "date"], false);
  if (cTime < 0) cTime = 0;
  const name = options.column ?? (klines ? "close" : "price");
  const cPrice = column(t, [name]);
  const time: number[] = [];
  const price: number[] = [];
  const rawPerHuman = 10 ** (options.decimals1 - options.decimals0);
  for (let i = 0; i < t.lines.length; i++) {
    r.load(i);
    const ts = klines ? klineEnd(r, cTime) : r.time(cTime);
    if (time.length > 0 && ts <= time[time.length - 1]!) r.fail(cTime, ts === time[time.length - 1] ? "duplicates the row before it" : "is earlier than the row before it");
    const p = r.number(cPrice);
    if (!(p > 0) || p > 1e15) r.fail(cPrice, `absurd price ${p}`);
    time.push(ts);
    // quote 0: p = token1 in token0 units -> token1 per token0 = 1 / p; quote 1: p = token0 in token1 units.
    price.push((options.quote === 0 ? 1 / p : p) * rawPerHuman);
  }
  if (time.length === 0) throw new DataError(`${file}: no data rows`);
  return { time: Float64Array.from(time), price: Float64Array.from(price), file, sampled: true };
}

/** A kline's close_time (the last millisecond or microsecond of its minute) as the minute's end, unix seconds. */
function klineEnd(r: RowReader, c: number): number {
  const s = r.text(c);
  if (!/^\d{13,16}$/.test(s)) r.fail(c, `cannot parse ${JSON.stringify(s)} as a kline close time (milliseconds or microseconds)`);
  const unit = s.length >= 16 ? 1e6 : 1e3;
  return Math.round((Number(s) + 1) / unit);
}

/**
 * Price at time t. A step series (the pool's own price): the last observation at or before t (the
 * first one before the series starts). A sampled series (a CEX's closes): log-linear between the
 * samples either side of t, its end values outside. The last close at or before t would be up to a
 * sample interval stale: a minute bar's close matched with the CEX close a minute earlier makes the
 * pool look as if it led the market, and LVR (an accounting of what was lost at the moment of each
 * trade, after the fact) comes out with the wrong sign. `causal`: the last observation at or before t
 * for any series, for what a decision at t may know (a keeper pricing its gas). `knownBy`: interpolate
 * only towards a sample at or before that time, else the last one (a price that a later decision
 * will see, through the pool, must not carry a sample from after that decision).
 */
export function priceAt(ref: ReferenceSeries, t: number, options: { causal?: boolean; knownBy?: number } = {}): number {
  const ts = ref.time;
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  // ts[lo - 1] <= t < ts[lo]
  const step = !ref.sampled || options.causal || (options.knownBy !== undefined && ts[lo]! > options.knownBy);
  if (step || lo === 0 || lo === ts.length || ts[lo - 1] === t) return ref.price[Math.max(0, lo - 1)]!;
  const a = ref.price[lo - 1]!;
  const b = ref.price[lo]!;
  const w = (t - ts[lo - 1]!) / (ts[lo]! - ts[lo - 1]!);
  return a * Math.pow(b / a, w);
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmt = (x: number) => (x >= 1e6 ? x.toExponential(3) : x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 0.01 ? String(+x.toPrecision(4)) : x.toExponential(3));
const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 16);

/** How far outside its span a reference may be used (its end price), at least: 10 minutes. */
export const REFERENCE_SLACK_SECONDS = 600;

/** The median time between a series' samples (on up to 1,000 evenly spread gaps). */
function medianSpacing(ts: Float64Array): number {
  if (ts.length < 2) return 0;
  const step = Math.max(1, Math.floor((ts.length - 1) / 1000));
  const gaps: number[] = [];
  for (let i = step; i < ts.length; i += step) gaps.push(ts[i]! - ts[i - 1]!);
  return median(gaps);
}

export interface ReferenceCheck {
  /** Median of reference / pool price over the overlap (1 = the same price). */
  ratio: number;
  /** Share of the pool's events inside the reference's time span. */
  coverage: number;
  samples: number;
}

/**
 * The reference against the pool's own price, in the raw units the replay uses: refuses a reference
 * that does not cover the history (to within 10 minutes or two of its samples), and one whose median ratio to the pool's price over the
 * overlap is off by more than a factor 2, with a one-line error naming the file and saying what it
 * looks like (the inverse price: wrong --quote; off by a power of ten: wrong --decimals; else
 * another asset or market).
 */
export function checkReference(
  ref: ReferenceSeries,
  pool: { time: ArrayLike<number>; rawPrice: (i: number) => number; n: number },
  pair: { symbols: [string, string]; decimals: [number, number]; quote: 0 | 1 },
): ReferenceCheck {
  const r0 = ref.time[0]!;
  const r1 = ref.time[ref.time.length - 1]!;
  const p0 = pool.time[0]!;
  const p1 = pool.time[pool.n - 1]!;
  const inside: number[] = [];
  for (let i = 0; i < pool.n; i++) if (pool.time[i]! >= r0 && pool.time[i]! <= r1) inside.push(i);
  if (inside.length === 0) {
    throw new DataError(`${ref.file}: the reference covers ${iso(r0)} .. ${iso(r1)} UTC, the history ${iso(p0)} .. ${iso(p1)} UTC: they do not overlap; give a reference for the history's dates`);
  }
  // Outside its span a reference can only repeat its end price: a few minutes of that is harmless,
  // hours of it measure LVR against a constant. So a reference must cover the whole replayed history.
  // A few of its samples' spacing, at least 10 minutes (an hourly series may end an hour short).
  const slack = Math.max(REFERENCE_SLACK_SECONDS, 2 * medianSpacing(ref.time));
  if (p0 < r0 - slack || p1 > r1 + slack) {
    throw new DataError(`${ref.file}: the reference covers ${iso(r0)} .. ${iso(r1)} UTC, only ${(100 * inside.length / pool.n).toFixed(1)}% of the history's events (${iso(p0)} .. ${iso(p1)} UTC); give a reference covering the history, or --from/--to inside the reference's dates`);
  }
  const step = Math.max(1, Math.floor(inside.length / 5000));
  const ratios: number[] = [];
  const poolHuman: number[] = [];
  const refHuman: number[] = [];
  // Whole tokens of token1 per token0 from raw, and the price of the non-quote token in the quote token.
  const human = (raw: number) => raw * 10 ** (pair.decimals[0] - pair.decimals[1]);
  const nonQuoteInQuote = (raw: number) => (pair.quote === 1 ? human(raw) : 1 / human(raw));
  for (let k = 0; k < inside.length; k += step) {
    const i = inside[k]!;
    const poolRaw = pool.rawPrice(i);
    const refRaw = priceAt(ref, pool.time[i]!);
    ratios.push(refRaw / poolRaw);
    poolHuman.push(nonQuoteInQuote(poolRaw));
    refHuman.push(nonQuoteInQuote(refRaw));
  }
  // The reference's raw price is token1/token0, so the ratio of the non-quote prices is ratio (quote 1) or 1/ratio (quote 0).
  const ratio = median(ratios);
  const check = { ratio, coverage: inside.length / pool.n, samples: ratios.length };
  if (ratio >= 0.5 && ratio <= 2) return check;
  const quoteSym = pair.symbols[pair.quote];
  const baseSym = pair.symbols[1 - pair.quote];
  const refMedian = median(refHuman);
  const poolMedian = median(poolHuman);
  const what = `its median ${fmt(refMedian)} (read as ${baseSym} in ${quoteSym}) over the ${ratios.length === inside.length ? inside.length : `${ratios.length} sampled`} pool events it overlaps is ${fmt(refMedian / poolMedian)} times the pool's own price of ${baseSym} in ${quoteSym}, ${fmt(poolMedian)}`;
  // Read with the other quote token, the column would be the price of `quoteSym` in `baseSym`.
  const inverse = refMedian * poolMedian;
  // Wrong decimals scale the ratio by an exact power of ten (the basis between venues is small).
  const k = Math.round(Math.log10(refMedian / poolMedian));
  const powerOfTen = Math.abs(k) >= 2 && Math.abs(Math.log10(refMedian / poolMedian) - k) < Math.log10(1.25);
  let hint: string;
  if (inverse >= 0.5 && inverse <= 2) hint = `it is the inverse, the price of ${quoteSym} in ${baseSym}: pass --quote ${1 - pair.quote} (or a reference of ${baseSym} in ${quoteSym})`;
  else if (powerOfTen) hint = `off by 10^${k}: wrong decimals (now ${pair.decimals.join(",")})? pass --decimals D0,D1`;
  else hint = "not this pair's price: another asset or market?";
  throw new DataError(`${ref.file}: reference does not match the pool: ${what}; ${hint}`);
}
