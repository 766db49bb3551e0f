// The idle-time level term, training side only (the hook does not compute it): F_1024 x min(idle, cap) / H, in place
// of the 256-period EWMA, where idle is the number of periods since the close tick last moved (or, by mode, since a
// material move; or the unrealized variance). Measured by training/default-idle.ts and training/default-ceiling.ts.
import type { Dataset } from "./dataset.ts";
import { N_FEATURES } from "../model/index.ts";
const H = 30;
const CAP = Number(process.env.CAP ?? 240);
// MODE=idle (default): idle counts from the last close that moved the tick at all. MODE=material: only from a
// close whose squared move is at least MAT (1) times the long-run per-period variance times the periods since the
// move before it (a 1-tick wiggle does not reset it). MODE=unrealized: the term is U, the variance the long-run rate
// says should have been realized and was not: U += v per period, U -= r^2 at each move, U >= 0 (no idle count).
const MODE = process.env.MODE ?? "idle";
const MAT = Number(process.env.MAT ?? 1);
const LONG = 1 - 2 ** (-1 / 1024);
/** Per segment: for each close, whether it resets idle, and U just after it; the long-run variance just after it. */
function marks(obs: Dataset["series"]["segments"][number]["obs"]) {
  const n = obs.periods.length;
  const reset = new Uint8Array(n); const u = new Float64Array(n); const v = new Float64Array(n);
  let ew = 0, w = 0, U = 0, lastReset = obs.periods[0] ?? 0;
  for (let j = 0; j < n; j++) {
    const d = j > 0 ? obs.ticks[j]! - obs.ticks[j - 1]! : 0;
    const g = j > 0 ? obs.periods[j]! - obs.periods[j - 1]! : 1;
    const rate = w > 0 ? ew / w : 0;
    U = Math.max(0, U + rate * g - d * d);
    const since = obs.periods[j]! - lastReset;
    reset[j] = j === 0 || (MODE === "material" ? d !== 0 && d * d >= MAT * rate * since : d !== 0) ? 1 : 0;
    if (reset[j]) lastReset = obs.periods[j]!;
    // the EWMA of squared per-period moves at half-life 1024, bias-corrected by w
    const decay = (1 - LONG) ** g;
    ew = ew * decay + LONG * d * d; w = w * decay + LONG * g;
    u[j] = U; v[j] = w > 0 ? ew / w : 0;
  }
  return { reset, u, v };
}
export function withIdle(ds: Dataset): Dataset {
  const levels = Float64Array.from(ds.levels);
  const cache = new Map<number, ReturnType<typeof marks>>();
  for (let r = 0; r < ds.n; r++) {
    const seg = ds.segment[r]!;
    const obs = ds.series.segments[seg]!.obs; const A = ds.asOf[r]!;
    if (!cache.has(seg)) cache.set(seg, marks(obs));
    const m = cache.get(seg)!;
    let lo = 0, hi = obs.periods.length - 1, j = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (obs.periods[mid]! <= A) { j = mid; lo = mid + 1; } else hi = mid - 1; }
    if (MODE === "unrealized") {
      levels[r * N_FEATURES + 3] = j >= 0 ? (m.u[j]! + m.v[j]! * (A - obs.periods[j]!)) / H : 0;
      continue;
    }
    while (j > 0 && !m.reset[j]) j--;
    const idle = j >= 0 ? A - obs.periods[j]! : CAP;
    levels[r * N_FEATURES + 3] = levels[r * N_FEATURES + 4]! * Math.min(idle, CAP) / H;
  }
  return { ...ds, levels };
}
