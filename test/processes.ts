// What a supervisor checks after stopping a service: which processes a pid left behind, whether a
// pid is still alive, whether a port still accepts connections (Linux /proc).
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

/** Every live process whose parent chain leads to `pid` (not `pid` itself). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  for (const candidate of parentOf.keys()) {
    for (let p = parentOf.get(candidate); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p === pid) {
        out.push(candidate);
        break;
      }
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for every purpose but still answers signal 0.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Resolves with the first match of `re` in what `read()` returns, polling until `timeoutMs`. */
export async function waitFor(what: string, read: () => string, re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = read().match(re);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${read().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
