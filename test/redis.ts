// A real redis-server for the queue tests: Debian's package (.ci/run installs it where missing),
// started on a free port with nothing persisted, stopped (and restartable on the same port) by the test.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "../chain/anvil.ts";

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGKILLs the server (its data is lost: nothing is persisted) and, after `downMs`, starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function redisServerBinary(): string {
  const r = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const bin = r.stdout.trim();
  if (!bin) throw new Error("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)");
  return bin;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      answer += d;
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer.startsWith("+PONG"));
      }
    });
    socket.once("error", () => resolve(false));
  });
}

export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const bin = redisServerBinary();
  const port = options.port ?? (await freePort());
  const spawnOne = async (): Promise<ChildProcess> => {
    const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return child;
  };
  const stopOne = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: await spawnOne(),
    async restart(downMs = 0) {
      await stopOne(server.process, "SIGKILL");
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      server.process = await spawnOne();
    },
    stop: () => stopOne(server.process, "SIGTERM"),
  };
  return server;
}
