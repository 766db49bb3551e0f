// JSON-RPC over one WebSocket that a daemon can leave running for weeks: it reconnects forever
// (capped backoff) when the endpoint goes away, fails in-flight requests at once instead of letting
// them hang, and re-establishes `eth_subscribe` subscriptions on every reconnect. viem's own
// webSocket transport gives up after a fixed number of attempts and then keeps a dead socket in
// its cache, which is fine for a dapp and wrong for a keeper; this plugs into viem as a `custom`
// transport, so every viem call still goes through viem.
import { EventEmitter } from "node:events";
import { WebSocket as IsoWebSocket } from "isows";
import { RpcRequestError, SocketClosedError, TimeoutError, custom, type Transport } from "viem";

/** The part of the WebSocket API used here (isows gives `ws` in Node, the native one elsewhere). */
interface Socket {
  readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: "open" | "close" | "error" | "message", listener: (event: { data?: unknown }) => void): void;
}
const OPEN = 1;

interface JsonRpcResponse {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: { subscription: string; result: unknown };
}

interface Waiter {
  body: { method: string; params: unknown[] };
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface Subscription {
  /** Parameters of eth_subscribe, e.g. ["newHeads"]. */
  params: unknown[];
  onData(data: unknown): void;
  /** The server-side id while subscribed; undefined while disconnected. */
  id?: string;
}

export interface WsRpcOptions {
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Longest wait between reconnection attempts (ms). */
  maxBackoffMs?: number;
  /** Told about connection state changes; the keeper logs them. */
  onStatus?(status: "open" | "closed", detail?: string): void;
}

/** Emits "open" and "close" as the connection comes and goes. */
export class WsRpcClient extends EventEmitter {
  private socket?: Socket;
  private connecting?: Promise<void>;
  private nextId = 1;
  private waiters = new Map<number, Waiter>();
  private outbox: { jsonrpc: "2.0"; id: number; method: string; params: unknown[] }[] = [];
  private subscriptions = new Set<Subscription>();
  private closed = false;
  private backoffMs = 100;
  private reconnectTimer?: NodeJS.Timeout;
  private everOpened = false;

  constructor(readonly url: string, private options: WsRpcOptions = {}) {
    super();
  }

  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Opens the socket if it is not open; rejects when the endpoint refuses. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new SocketClosedError({ url: this.url }));
    if (this.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<void>((resolve, reject) => {
      let socket: Socket;
      try {
        socket = new IsoWebSocket(this.url) as unknown as Socket;
      } catch (e) {
        this.connecting = undefined;
        reject(e as Error);
        return;
      }
      let opened = false;
      socket.addEventListener("open", () => {
        opened = true;
        this.socket = socket;
        this.connecting = undefined;
        this.backoffMs = 100;
        this.everOpened = true;
        this.options.onStatus?.("open");
        this.emit("open");
        for (const sub of this.subscriptions) void this.establish(sub);
        resolve();
      });
      socket.addEventListener("message", (event) => this.onMessage(String(event.data)));
      socket.addEventListener("error", () => {
        // "close" follows and does the work.
      });
      socket.addEventListener("close", () => {
        if (!opened) {
          this.connecting = undefined;
          reject(new SocketClosedError({ url: this.url }));
          this.scheduleReconnect();
          return;
        }
        if (this.socket === socket) this.socket = undefined;
        for (const sub of this.subscriptions) sub.id = undefined;
        for (const [id, w] of this.waiters) {
          clearTimeout(w.timer);
          this.waiters.delete(id);
          w.reject(new SocketClosedError({ url: this.url }));
        }
        if (!this.closed) {
          this.options.onStatus?.("closed");
          this.emit("close");
          this.scheduleReconnect();
        }
      });
    });
    return this.connecting;
  }

  /** Reconnects in the background while anyone is subscribed; plain requests connect on demand. */
  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.subscriptions.size === 0 || !this.everOpened) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => {
        // scheduleReconnect ran again from the close handler
      });
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private onMessage(text: string): void {
    if (!text.trim()) return;
    let parsed: JsonRpcResponse | JsonRpcResponse[];
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.onResponse(message);
  }

  private onResponse(message: JsonRpcResponse): void {
    if (message.method === "eth_subscription" && message.params) {
      for (const sub of this.subscriptions) if (sub.id === message.params.subscription) sub.onData(message.params.result);
      return;
    }
    if (typeof message.id !== "number") return;
    const waiter = this.waiters.get(message.id);
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.waiters.delete(message.id);
    if (message.error) waiter.reject(new RpcRequestError({ body: waiter.body, error: message.error, url: this.url }));
    else waiter.resolve(message.result);
  }

  async request(method: string, params: unknown[] = []): Promise<unknown> {
    await this.connect();
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) throw new SocketClosedError({ url: this.url });
    const id = this.nextId++;
    const body = { method, params };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new TimeoutError({ body, url: this.url }));
      }, this.options.timeoutMs ?? 10_000);
      this.waiters.set(id, { body, resolve, reject, timer });
      this.outbox.push({ jsonrpc: "2.0", id, method, params });
      if (this.outbox.length === 1) queueMicrotask(() => this.flush(socket));
    });
  }

  /**
   * Requests made in the same tick go out as one JSON-RPC batch: one frame each way. Separate
   * frames for concurrent calls meet Nagle's algorithm and delayed ACKs on the node's side, which
   * cost 40 ms per burst of parallel reads.
   */
  private flush(socket: Socket): void {
    const batch = this.outbox.splice(0);
    if (batch.length === 0) return;
    try {
      socket.send(JSON.stringify(batch.length === 1 ? batch[0] : batch));
    } catch (e) {
      for (const { id } of batch) {
        const w = this.waiters.get(id);
        if (!w) continue;
        clearTimeout(w.timer);
        this.waiters.delete(id);
        w.reject(e as Error);
      }
    }
  }

  private async establish(sub: Subscription): Promise<void> {
    try {
      sub.id = (await this.request("eth_subscribe", sub.params)) as string;
    } catch {
      // the socket closed again; the next "open" retries
    }
  }

  /** Subscribes now and after every reconnect; returns the unsubscribe function. */
  async subscribe(params: unknown[], onData: (data: unknown) => void): Promise<() => Promise<void>> {
    const sub: Subscription = { params, onData };
    this.subscriptions.add(sub);
    try {
      await this.connect();
      if (!sub.id) sub.id = (await this.request("eth_subscribe", params)) as string;
    } catch (e) {
      this.subscriptions.delete(sub);
      throw e;
    }
    return async () => {
      this.subscriptions.delete(sub);
      if (sub.id && this.connected) await this.request("eth_unsubscribe", [sub.id]).catch(() => undefined);
    };
  }

  /** A viem transport over this client. */
  transport(): Transport {
    return custom({ request: ({ method, params }) => this.request(method, (params as unknown[] | undefined) ?? []) }, { retryCount: 0, key: "ws", name: "WebSocket JSON-RPC (reconnecting)" });
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.subscriptions.clear();
    this.socket?.close();
    this.socket = undefined;
  }
}
