// Applies the hook's period rule (model/) to both input formats, so training sees exactly the
// numbers the hook computes.
import { buildObservations, periodCloses, featuresAsOf, countThrough, type Observations } from "../model/index.ts";
import type { MinuteBars, SwapEvents } from "./data.ts";

export function observationsFromMinuteBars(bars: MinuteBars, period: number): Observations {
  if (period % 60 !== 0) throw new RangeError(`minute bars resolve periods that are whole minutes; got period ${period}`);
  const ts: number[] = [];
  const ticks: number[] = [];
  for (let i = 0; i < bars.timestamps.length; i++) {
    if (bars.traded[i]) {
      ts.push(bars.timestamps[i]!);
      ticks.push(bars.closeTick[i]!);
    }
  }
  return buildObservations(periodCloses(ts, ticks, period));
}

export function observationsFromSwaps(swaps: SwapEvents, period: number): Observations {
  return buildObservations(periodCloses(swaps.timestamps, swaps.tick, period));
}

/** Realized variance (ticks^2) over periods asOfPeriod+1 .. asOfPeriod+horizon: the forecast target. */
export function futureVariance(obs: Observations, asOfPeriod: number, horizon: number): number {
  const k0 = countThrough(obs, asOfPeriod);
  const k1 = countThrough(obs, asOfPeriod + horizon);
  const at = (k: number, arr: Float64Array) => (k > 0 ? arr[k - 1]! : 0);
  return at(k1, obs.cumUp) - at(k0, obs.cumUp) + at(k1, obs.cumDown) - at(k0, obs.cumDown);
}

export { featuresAsOf };
