/**
 * Password hashing off the event loop. argon2id is CPU- and memory-hard by
 * design (~50 ms of one core); run on the controller's single event loop,
 * a burst of sign-ins would freeze the API and every live stream. Jobs go to
 * a small pool of Workers (hash_worker.ts) — a semaphore of `workers` jobs at
 * a time — behind a bounded queue: when `maxQueue` jobs already wait, a new
 * one is refused at once (429) instead of queueing without end.
 * Workers start on first use and stop after `idleMs` without work.
 */
import { AppError } from "../../lib/errors.ts";
import type { HashAnswer, HashJob } from "./hash_worker.ts";

export interface HashPoolOptions {
  /** Jobs hashed at the same time (one Worker each). @default 1 */
  workers?: number;
  /** Jobs that may wait for a Worker; more are refused. @default 64 */
  maxQueue?: number;
  /** A Worker without work this long is stopped. @default 10000 */
  idleMs?: number;
}

type JobBody =
  | { op: "hash"; password: string; salt: Uint8Array }
  | { op: "verify"; password: string; hash: string };

interface Pending {
  body: JobBody;
  resolve: (v: string | boolean) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  idleTimer?: ReturnType<typeof setTimeout>;
}

const WORKER_URL = new URL("./hash_worker.ts", import.meta.url).href;

export class HashPool {
  #o: Required<HashPoolOptions>;
  #slots: Slot[] = [];
  #queue: Pending[] = [];
  #nextId = 1;
  #closed = false;

  constructor(o: HashPoolOptions = {}) {
    this.#o = { workers: 1, maxQueue: 64, idleMs: 10000, ...o };
  }

  /** Jobs running plus waiting (for tests and metrics). */
  get load(): number {
    return this.#queue.length + this.#slots.filter((s) => s.busy).length;
  }

  hash(password: string): Promise<string> {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    return this.#run({ op: "hash", password, salt }) as Promise<string>;
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.#run({ op: "verify", password, hash }) as Promise<boolean>;
  }

  /** Stops every Worker; jobs still waiting are refused. */
  close(): void {
    this.#closed = true;
    for (const p of this.#queue.splice(0)) p.reject(busy("shutting down"));
    for (const s of this.#slots) {
      clearTimeout(s.idleTimer);
      s.worker.terminate();
      s.busy?.reject(busy("shutting down"));
    }
    this.#slots = [];
  }

  #run(body: JobBody): Promise<string | boolean> {
    if (this.#closed) return Promise.reject(busy("shutting down"));
    if (this.#queue.length >= this.#o.maxQueue) {
      return Promise.reject(busy("too many sign-ins at once"));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ body, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let slot = this.#slots.find((s) => !s.busy);
      if (!slot) {
        if (this.#slots.length >= this.#o.workers) return;
        slot = this.#spawn();
      }
      const job = this.#queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.busy = job;
      const msg: HashJob = { id: this.#nextId++, ...job.body };
      slot.worker.postMessage(msg);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, { type: "module" });
    const slot: Slot = { worker, busy: null };
    worker.onmessage = (e: MessageEvent<HashAnswer>) => {
      const job = slot.busy;
      slot.busy = null;
      if (job) {
        if (e.data.ok) job.resolve(e.data.value);
        else job.reject(new Error(`password hashing failed: ${e.data.error}`));
      }
      this.#idle(slot);
      this.#dispatch();
    };
    worker.onerror = (e) => {
      e.preventDefault();
      // A broken Worker is replaced on the next job.
      this.#slots = this.#slots.filter((s) => s !== slot);
      slot.worker.terminate();
      slot.busy?.reject(new Error(`password worker failed: ${e.message}`));
      slot.busy = null;
      this.#dispatch();
    };
    this.#slots.push(slot);
    return slot;
  }

  #idle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.busy) return;
      slot.worker.terminate();
      this.#slots = this.#slots.filter((s) => s !== slot);
    }, this.#o.idleMs);
  }
}

function busy(why: string): AppError {
  return new AppError(
    "rate_limited",
    `The server is busy checking passwords (${why}); try again in a few seconds`,
    { retryAfterS: 2 },
  );
}
