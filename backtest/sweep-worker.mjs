// Worker-thread entry for --sweep: Node 20 does not apply `--import tsx` to worker threads, so the
// worker registers tsx itself before loading the TypeScript body.
import { register } from "tsx/esm/api";

register();
await import("./sweep-point.ts");
