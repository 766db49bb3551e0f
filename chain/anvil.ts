// An anvil process owned by this program: started on a free port, stopped on exit (Ctrl-C too).
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The native anvil binary from the npm package, so signals reach anvil itself, not a wrapper. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  try {
    const bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
    if (existsSync(bin)) return bin;
  } catch {
    // reported below
  }
  throw new Error(`anvil: ${pkg} is not installed (npm installs it with @foundry-rs/anvil on this platform)`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface AnvilOptions {
  port?: number;
  /** Seconds per block; omitted means a block per transaction. */
  blockTime?: number;
  /** Unix time of the first block. */
  timestamp?: number;
  chainId?: number;
  extraArgs?: string[];
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  installExitHook();
  const port = options.port ?? (await freePort());
  const args = ["--port", String(port), "--host", "127.0.0.1", "--silent", "--hardfork", "cancun", "--code-size-limit", "100000"];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.timestamp !== undefined) args.push("--timestamp", String(options.timestamp));
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  args.push(...(options.extraArgs ?? []));
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  child.on("exit", () => running.delete(child));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${stderr.trim()}`);
    try {
      const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`anvil did not answer on ${rpcUrl} within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    rpcUrl,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
