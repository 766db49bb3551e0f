// Entry point of a prover worker thread (keeper/proverPool.ts). Two things a worker thread lacks:
// - the parent's TypeScript loader: tsx is registered from this package;
// - a working `web-worker` (which ffjavascript, under snarkjs, uses for its proving threads): that
//   package decides at load time whether it is the polyfilled worker itself by reading
//   worker_threads.isMainThread, which is false in any worker thread. It is loaded here once as
//   seen from a main thread, into the require cache that ffjavascript's import then finds, so
//   snarkjs spawns its own threads from this one as it does from a main thread.
import { createRequire } from "node:module";
import threads from "node:worker_threads";
import { register } from "tsx/esm/api";

const require = createRequire(import.meta.url);
const snarkjsRequire = createRequire(require.resolve("snarkjs"));
const ffRequire = createRequire(snarkjsRequire.resolve("ffjavascript"));
threads.isMainThread = true;
try {
  ffRequire("web-worker");
} finally {
  threads.isMainThread = false;
}
register();
await import("./proverWorker.ts");
