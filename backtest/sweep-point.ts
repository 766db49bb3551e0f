// A worker thread's body (--sweep points, --tune-policy candidate batches): runs the tasks it is
// sent and posts their results back. (Loaded by sweep-worker.mjs, which registers tsx inside the
// worker thread first.)
import { parentPort, workerData } from "node:worker_threads";
import { runPoint, type WorkerJob } from "./sweep.ts";
import { evaluateCandidates, type PolicyParams } from "./tune.ts";

const job = workerData as WorkerJob;
parentPort!.on("message", async (m: { i: number; task: unknown }) => {
  try {
    const result = job.kind === "tune" ? await evaluateCandidates(job.base, job.model, m.task as PolicyParams[]) : await runPoint(job.base, job.name, m.task as string, job.models);
    parentPort!.postMessage({ i: m.i, result });
  } catch (e) {
    parentPort!.postMessage({ i: m.i, error: (e as Error).message.split("\n")[0] });
  }
});
