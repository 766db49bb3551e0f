// Prints every new head of a WebSocket endpoint as it arrives: {"number", "timestamp", "at"} per
// line, `at` being Date.now(). Runs as its own process so that the keeper's proving, in the bench's
// process, cannot delay the clock that the bench measures the keeper against.
//   node --import tsx bench/keeper-observer.ts ws://127.0.0.1:8545
import { WsRpcClient } from "../chain/wsRpc.ts";

const url = process.argv[2];
if (!url) {
  console.error("usage: keeper-observer.ts WS_URL");
  process.exit(2);
}
const ws = new WsRpcClient(url);
await ws.subscribe(["newHeads"], (head) => {
  const h = head as { number: string; timestamp: string; hash: string };
  process.stdout.write(`${JSON.stringify({ at: Date.now(), number: Number(h.number), timestamp: Number(h.timestamp), hash: h.hash })}\n`);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on("SIGTERM", () => {
  ws.close();
  process.exit(0);
});
