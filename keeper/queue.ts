// Queue mode (`provenfee keeper --queue redis://HOST:PORT`): proving jobs go through a BullMQ queue
// on Redis, so that keeper processes on several machines share the pools.
//
// - The scheduler (one per cluster: whoever holds the scheduler lease in Redis) runs the keeper's
//   per-block loop exactly as in single-process mode (block-pinned reads, reorgs, inference, the
//   update rule), enqueues one job per (pool batch, period), waits for its proof, then simulates,
//   claims and submits it with its own key and nonces (txmanager.ts). It alone signs.
// - Provers (any number, any machine, no key, no RPC) take jobs, prove them on their worker threads
//   and return the proofs as the jobs' results.
// - A job's id is its period, its pools and a hash of its inputs: the same (batch, period, inputs)
//   is enqueued once whoever enqueues it, and a reorg that changes the inputs makes a new job.
// - A prover that dies holding a job stops renewing the job's lock; after --job-lock-ms BullMQ's
//   stalled-job check puts the job back and another prover takes it.
// - Before sending, the scheduler claims (pool, period) in Redis (SET NX): a second scheduler that
//   believes it holds the lease (a lease lost to a pause, a Redis restart) sends nothing the first
//   claimed. The chain's PeriodNotNewer stays the last line.
//
// Single-process mode never loads this file (nor bullmq, nor ioredis).
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Job, Queue, QueueEvents, Worker, type ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Hex } from "viem";
import {
  batchProofFromWire, batchProofToWire, provingMsOf, ModelCache, requestFromWire, requestToWire,
  type BatchProof, type BatchProver, type PoolProofRequest, type WireBatchProof, type WireRequest,
} from "./batch.ts";
import type { ClaimResult, SubmitCoordinator } from "./keeper.ts";
import type { Logger } from "./log.ts";

/** How long the scheduler lease lasts without renewal (renewed every third of it). */
export const LEASE_MS = 10_000;
/** How long a (pool, period) claim is kept: far beyond any period the hook still accepts. */
export const CLAIM_TTL_MS = 3_600_000;
/** Completed and failed jobs stay this long (a re-enqueue of the same job finds its result). */
const KEEP_JOBS_S = 3600;
/** The scheduler re-checks every job it waits for this often (jobs lost with a Redis restart are enqueued again). */
const RECHECK_MS = 2000;

export interface QueueSettings {
  /** redis://[user:password@]HOST:PORT[/DB] or rediss:// */
  url: string;
  /** BullMQ queue name; every key of the cluster is under it. */
  name: string;
  /** A prover's job lock: a job whose prover stopped renewing it for this long is retried elsewhere. */
  jobLockMs: number;
}

/** ioredis options for a redis:// URL (throws a one-line error naming the URL's problem). */
export function redisOptionsOf(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`expected redis://HOST:PORT, got ${url}`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`expected redis://HOST:PORT (or rediss://), got ${url}`);
  if (!u.hostname) throw new Error(`no host in ${url}`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== "/" ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw new Error(`database '${u.pathname.slice(1)}' in ${url} is not a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""), port, db,
    username: u.username ? decodeURIComponent(u.username) : undefined, password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === "rediss:" ? {} : undefined,
    // BullMQ's workers need commands to wait through an outage rather than fail after N retries.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  };
}

/** The same, as BullMQ takes them (it hands them to ioredis). */
const bullConnection = (url: string) => redisOptionsOf(url) as unknown as ConnectionOptions;

/** The URL without its password, for logs. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

/** Connects once and PINGs, failing fast (start-up: a wrong URL is refused in one line, like a wrong --rpc). */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...redisOptionsOf(url), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(`${redactUrl(url)}: Redis unreachable (${String((e as Error).message ?? e).split("\n")[0]})`);
  } finally {
    client.disconnect();
  }
}

/** Logs an outage of Redis once, and its end, from one client's events. */
export function watchRedis(client: Redis, log: Logger, what: string, closing: () => boolean = () => false): { up(): boolean } {
  let downSince: number | undefined;
  let ever = false;
  client.on("ready", () => {
    if (downSince !== undefined) log.info("queue reachable again", { redis: what, downForMs: Date.now() - downSince });
    downSince = undefined;
    ever = true;
  });
  client.on("error", (e: Error) => {
    if (downSince !== undefined || closing()) return;
    downSince = Date.now();
    log.warn("queue unreachable; retrying", { redis: what, error: e.message.split("\n")[0] });
  });
  client.on("close", () => {
    if (downSince === undefined && ever && !closing()) {
      downSince = Date.now();
      log.warn("queue unreachable; retrying", { redis: what, error: "connection closed" });
    }
  });
  return { up: () => downSince === undefined && client.status === "ready" };
}

/** What a job carries: its pools' requests, with everything a prover needs (the model travels as its file). */
export interface JobData {
  requests: WireRequest[];
}

/** A job's result: the batch's proof(s) as JSON (per-pool proofs, or one batched proof). */
export type JobResult = WireBatchProof;

/** `p<period>.<pools>.<inputs>`: one id per (pool batch, period, inputs, retry after a refused proof). */
export function jobIdOf(requests: WireRequest[]): string {
  const pools = requests.length === 1 ? requests[0]!.poolId : createHash("sha256").update(requests.map((r) => r.poolId).join(",")).digest("hex").slice(0, 16);
  const inputs = createHash("sha256").update(JSON.stringify(requests.map((r) => [r.poolId, r.model.commitment, r.features, r.terms, r.context, r.batchContext ?? null, r.attempt]))).digest("hex").slice(0, 16);
  return `p${requests[0]!.asOfPeriod}.${pools}.${inputs}`;
}

interface Waiter {
  jobId: string;
  data: JobData;
  resolve(p: BatchProof): void;
  reject(e: Error): void;
  deadline: number;
}

/** The scheduler's side: each batch becomes a job; its result comes back as the batch's proof. */
export class QueueBatchProver implements BatchProver {
  private waiters = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout;

  /** Pools per job: the scheduler's --batch-size (a batch of 2, 4 or 8 becomes one batched proof). */
  private constructor(private queue: Queue, private events: QueueEvents, private log: Logger, private waitMs: number, readonly batchSize: number) {
    events.on("completed", ({ jobId, returnvalue }) => {
      const value = (typeof returnvalue === "string" ? JSON.parse(returnvalue) : returnvalue) as JobResult;
      this.settle(jobId, (w) => w.resolve(resultOf(value)));
    });
    events.on("failed", ({ jobId, failedReason }) => this.settle(jobId, (w) => w.reject(new Error(`proof job ${jobId} failed: ${failedReason}`))));
    events.on("error", (e) => log.debug("queue events error", { error: String((e as Error).message ?? e).split("\n")[0] }));
    queue.on("error", (e) => log.debug("queue error", { error: String((e as Error).message ?? e).split("\n")[0] }));
    this.timer = setInterval(() => void this.recheck(), RECHECK_MS);
    this.timer.unref();
  }

  static async open(settings: QueueSettings, log: Logger, options: { waitMs?: number; batchSize?: number } = {}): Promise<QueueBatchProver> {
    const connection = bullConnection(settings.url);
    const queue = new Queue<JobData, JobResult>(settings.name, { connection });
    const events = new QueueEvents(settings.name, { connection });
    return new QueueBatchProver(queue as Queue, events, log, options.waitMs ?? 120_000, options.batchSize ?? 1);
  }

  get waiting(): number {
    return [...this.waiters.values()].reduce((n, ws) => n + ws.length, 0);
  }

  private settle(jobId: string, fn: (w: Waiter) => void): void {
    const ws = this.waiters.get(jobId);
    if (!ws) return;
    this.waiters.delete(jobId);
    for (const w of ws) fn(w);
  }

  private async enqueue(jobId: string, data: JobData): Promise<void> {
    await this.queue.add("prove", data, {
      jobId, attempts: 3, backoff: { type: "fixed", delay: 500 },
      // A failed job is removed, so that the next block's decision enqueues it afresh.
      removeOnComplete: { age: KEEP_JOBS_S }, removeOnFail: true,
    });
  }

  /** Looks at one job: settles its waiters if it is finished, enqueues it again if it vanished. */
  private async check(jobId: string): Promise<void> {
    const ws = this.waiters.get(jobId);
    if (!ws?.length) return;
    if (Date.now() > Math.min(...ws.map((w) => w.deadline))) {
      this.settle(jobId, (w) => w.reject(new Error(`proof job ${jobId}: no proof within ${Math.round(this.waitMs / 1000)} s`)));
      return;
    }
    const job = await Job.fromId<JobData, JobResult>(this.queue, jobId);
    if (!job) {
      this.log.warn("proof job vanished from the queue (Redis restarted?); enqueued again", { job: jobId });
      await this.enqueue(jobId, ws[0]!.data);
      return;
    }
    if (job.finishedOn && job.returnvalue) this.settle(jobId, (w) => w.resolve(resultOf(job.returnvalue)));
    else if (job.finishedOn && job.failedReason && (await job.getState()) === "failed") this.settle(jobId, (w) => w.reject(new Error(`proof job ${jobId} failed: ${job.failedReason}`)));
  }

  private recheck(): Promise<void> {
    return Promise.all([...this.waiters.keys()].map((id) => this.check(id).catch(() => undefined))).then(() => undefined);
  }

  prove(batch: PoolProofRequest[]): Promise<BatchProof> {
    const requests = batch.map(requestToWire);
    const jobId = jobIdOf(requests);
    const data: JobData = { requests };
    return new Promise<BatchProof>((resolve, reject) => {
      const w: Waiter = { jobId, data, resolve, reject, deadline: Date.now() + this.waitMs };
      this.waiters.set(jobId, [...(this.waiters.get(jobId) ?? []), w]);
      this.log.debug("proof job enqueued", { job: jobId, pools: batch.map((r) => r.pool).join(","), asOfPeriod: batch[0]!.asOfPeriod });
      // Enqueued once whoever enqueues it: an existing job of this id (proven, or being proven) is kept.
      this.enqueue(jobId, data).then(() => this.check(jobId), () => undefined);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const id of [...this.waiters.keys()]) this.settle(id, (w) => w.reject(new Error("keeper stopping")));
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}

const resultOf = (r: JobResult): BatchProof => batchProofFromWire(r);

/** A prover process's side: takes jobs and proves them with `prover` (worker threads), `concurrency` at a time. */
export async function startQueueProver(settings: QueueSettings, prover: BatchProver, concurrency: number, log: Logger): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const models = new ModelCache();
  const worker = new Worker<JobData, JobResult>(settings.name, async (job) => {
    const { requests } = job.data;
    const pools = requests.map((r) => r.pool).join(",");
    log.info("proving job", { job: job.id, pools, asOfPeriod: requests[0]!.asOfPeriod, attempt: job.attemptsStarted });
    const proof = await prover.prove(await Promise.all(requests.map((r) => requestFromWire(r, models))));
    log.info("job proven", { job: job.id, pools, asOfPeriod: requests[0]!.asOfPeriod, proofMs: Math.round(provingMsOf(proof)) });
    return batchProofToWire(proof);
  }, {
    connection: bullConnection(settings.url), concurrency,
    lockDuration: settings.jobLockMs, stalledInterval: settings.jobLockMs, maxStalledCount: 5,
  });
  worker.on("error", (e) => log.debug("queue worker error", { error: String(e?.message ?? e).split("\n")[0] }));
  worker.on("failed", (job, e) => log.warn("proof job failed", { job: job?.id, error: e.message.split("\n")[0], attempt: job?.attemptsStarted }));
  worker.on("stalled", (jobId) => log.warn("proof job stalled (its prover stopped); it goes to another", { job: jobId }));
  await worker.waitUntilReady().catch(() => undefined);
  return {
    worker,
    // Stops taking jobs; a job being proven is finished and its result stored.
    stop: () => worker.close(),
  };
}

/** The scheduler lease and (pool, period) claims, on a client of its own. */
export class RedisCoordinator implements SubmitCoordinator {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private leaseUntil = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  readonly watch: { up(): boolean };

  constructor(private client: Redis, private prefix: string, private log: Logger, private leaseMs = LEASE_MS) {
    this.watch = watchRedis(client, log, "coordinator", () => this.stopped);
  }

  static open(settings: QueueSettings, log: Logger, leaseMs = LEASE_MS): RedisCoordinator {
    const client = new Redis({ ...redisOptionsOf(settings.url), lazyConnect: false });
    return new RedisCoordinator(client, `provenfee:${settings.name}`, log, leaseMs);
  }

  /** Renews (or takes) the lease now, then every third of its length. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), Math.max(200, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const asked = Date.now();
    try {
      const got = (await this.client.eval(
        `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
         if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
         return 0`, 1, `${this.prefix}:scheduler`, this.id, String(this.leaseMs))) as number;
      // Counted from when we asked, less a margin: we stop scheduling before anyone else could start.
      this.leaseUntil = got === 1 ? asked + this.leaseMs - Math.floor(this.leaseMs / 5) : 0;
    } catch {
      // Unreachable: the lease runs out on its own.
    }
  }

  isScheduler(): boolean {
    return !this.stopped && Date.now() < this.leaseUntil;
  }

  async holder(): Promise<string | null> {
    return this.client.get(`${this.prefix}:scheduler`);
  }

  async claim(poolId: Hex, asOfPeriod: number): Promise<ClaimResult> {
    if (!this.isScheduler()) return "unavailable";
    try {
      const got = (await this.client.eval(
        `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
         if redis.call('get', KEYS[1]) == ARGV[1] then return 1 end
         return 0`, 1, `${this.prefix}:submitted:${poolId}:${asOfPeriod}`, this.id, String(CLAIM_TTL_MS))) as number;
      return got === 1 ? "ours" : "taken";
    } catch (e) {
      this.log.warn("cannot claim the submission (Redis unreachable); not submitting", { poolId, asOfPeriod, error: String((e as Error).message).split("\n")[0] });
      return "unavailable";
    }
  }


  /** Gives the lease up (if ours) so that a standby scheduler takes over at once; closes the client. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.client
      .eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`, 1, `${this.prefix}:scheduler`, this.id)
      .catch(() => undefined);
    this.client.disconnect();
  }
}
