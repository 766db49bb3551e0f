// A --sweep worker's body: runs the sweep points it is sent and posts their JSON summaries back.
// (Loaded by sweep-worker.mjs, which registers tsx inside the worker thread first.)
import { parentPort, workerData } from "node:worker_threads";
import { runPoint } from "./sweep.ts";

const { base, name, models } = workerData as { base: Parameters<typeof runPoint>[0]; name: string; models: Parameters<typeof runPoint>[3] };
parentPort!.on("message", async (m: { i: number; value: string }) => {
  try {
    parentPort!.postMessage({ i: m.i, point: await runPoint(base, name, m.value, models) });
  } catch (e) {
    parentPort!.postMessage({ i: m.i, error: (e as Error).message.split("\n")[0] });
  }
});
