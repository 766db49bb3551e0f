// Writes test/fixtures/other-model.json: a second, different model (nonzero hidden units, another
// policy) that tests use to show a proof for one model's commitment is refused for another's.
import { loadModel, createModel, saveModel } from "../model/index.ts";

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const base = await loadModel("model/default-model.json");
const rand = lcg(7);
const other = await createModel({
  float: {
    ...base.file.float,
    W: base.file.float.W.map((row) => row.map(() => 0.05 * rand())),
    c: base.file.float.c.map(() => rand()),
    v: base.file.float.v.map(() => 0.2 * rand()),
  },
  policy: { base: 50, slope: 3000, modelFeeMin: 200, modelFeeMax: 20_000 },
  period: base.file.period,
  horizon: base.file.horizon,
  meta: { kind: "test fixture: the level weights of the default model when this file was generated (not necessarily the current default) with an arbitrary correction and policy; not a forecasting model" },
});
saveModel(other, "test/fixtures/other-model.json");
console.log(`wrote test/fixtures/other-model.json: commitment ${other.file.commitment}`);
