// One prover worker thread: holds a warm Prover (witness calculator and proving key in memory) and
// proves the requests its pool sends, one at a time. See proverPool.ts.
import { parentPort } from "node:worker_threads";
import { Prover } from "../prover/prover.ts";
import { ModelCache, requestFromWire, toWire, type WireRequest } from "./batch.ts";
import { feeProverOf } from "./keeper.ts";

const port = parentPort!;
const models = new ModelCache();
const prover = feeProverOf(await Prover.load());

port.on("message", async (m: { id: number; request: WireRequest } | { shutdown: true }) => {
  if ("shutdown" in m) {
    await Prover.shutdown();
    port.close();
    return;
  }
  try {
    const r = await requestFromWire(m.request, models);
    const proof = await prover.prove(r.model, r.features, r.terms, r.context);
    port.postMessage({ id: m.id, ok: true, proof: toWire(proof) });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, error: String((e as Error)?.message ?? e).split("\n")[0] });
  }
});
port.postMessage({ ready: true });
