/**
 * The node agent's durable outbox of events for the controller
 * (`lib/protocol/mod.ts` NodeEvent; docs/design/recording.md § Invariants):
 *
 * - one JSON file per event in `{data dir}/node/{node}/outbox/`, written
 *   atomically (temp file, fsync, rename, fsync of the folder) — an event is
 *   _produced_ once `put()` or `commit()` resolved;
 * - `prepare()`/`commit()` split a segment.closed event around the rename of
 *   its file: a `.pending` entry is durable before the rename and is never
 *   sent; recovery at start finishes or drops it (`recoverPending()`);
 * - a sender posts the oldest ≤ 200 events to
 *   `{controller}/internal/v1/nodes/{node}/events` and deletes a file only
 *   once the controller acknowledged its id; while the controller is away it
 *   retries with backoff, and nothing is lost across restarts;
 * - memory is bounded: the folder is streamed and only the names of one batch
 *   are kept, whatever the backlog.
 *
 * File names sort in production order (`{ms:15}-{seq:6}-{id}`), so events go
 * out oldest first and a segment.deleted never overtakes the segment.closed of
 * the same file.
 */
import { errorMessage, logger } from "../../lib/log.ts";
import type { NodeEvent } from "../../lib/protocol/mod.ts";
import {
  backoffDelayMs,
  type BackoffOptions,
} from "../../lib/supervise/backoff.ts";
import { type Clock, realClock, type TimerId } from "../../lib/time/clock.ts";
import { exists, fsyncDir, writeFileAtomic } from "../storage/durable.ts";

const log = logger("outbox");

/** Largest batch the controller is sent at once (protocol limit). */
export const MAX_BATCH = 200;

export interface OutboxOptions {
  /** Folder of the event files; created by `init()`. */
  dir: string;
  /** Base URL of the controller, e.g. http://127.0.0.1:30900 */
  controllerUrl: string;
  nodeName: string;
  /** The node's secret (link/enrolment.ts); null while not enrolled yet. */
  token: string | (() => string | null);
  /** Events per POST. @default 200 */
  batchSize?: number;
  /** Delays between failed deliveries. @default {initialMs: 1000, maxMs: 30000} */
  backoff?: BackoffOptions;
  /** Re-scan interval while idle (events are also sent at once when put). @default 30000 */
  idleMs?: number;
  /** One POST's time limit. @default 10000 */
  requestTimeoutMs?: number;
  /** HTTP client; tests may inject one. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Clock and timers; tests may inject their own. */
  timers?: Clock;
  /** An event became sendable (put, or a prepared one committed): metrics count it. */
  onQueued?: (event: NodeEvent) => void;
}

/** A file move that must happen before a pending event may be sent. */
export interface PendingMove {
  /** Absolute path the file is moved from (in `.incoming/`). */
  from: string;
  /** Absolute final path. */
  to: string;
}

/** A durable, not yet sendable event (see `prepare()`). */
export interface PendingEvent {
  readonly event: NodeEvent;
  readonly move: PendingMove;
  /** File name in the outbox folder (`….pending`). */
  readonly file: string;
}

interface Envelope {
  v: 1;
  event: NodeEvent;
  move?: PendingMove;
}

/** What `recoverPending()` did. */
export interface PendingRecovery {
  committed: number;
  dropped: number;
}

export class Outbox {
  #opts: OutboxOptions;
  #timers: Clock;
  #lastMs = 0;
  #seq = 0;
  #running: Promise<void> | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #poked = false;
  #lock: Promise<unknown> = Promise.resolve();
  #failures = 0;
  #lastError: string | null = null;
  #delivered = 0;

  constructor(options: OutboxOptions) {
    this.#opts = options;
    this.#timers = options.timers ?? realClock;
  }

  get dir(): string {
    return this.#opts.dir;
  }

  /** Events on disk waiting for the controller's ack (`.json` files), read now. */
  async depth(): Promise<number> {
    let n = 0;
    for await (const e of Deno.readDir(this.#opts.dir)) {
      if (e.isFile && e.name.endsWith(".json")) n++;
    }
    return n;
  }

  /** Events acknowledged by the controller since this outbox was created. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Why the last delivery failed; null after a success. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Creates the folder and deletes temp files a crash left behind. */
  async init(): Promise<void> {
    await Deno.mkdir(this.#opts.dir, { recursive: true });
    for await (const e of Deno.readDir(this.#opts.dir)) {
      if (e.isFile && e.name.endsWith(".tmp")) {
        await Deno.remove(`${this.#opts.dir}/${e.name}`).catch(() => {});
      }
    }
  }

  /** Makes `event` durable and wakes the sender. Resolves once it is on disk. */
  async put(event: NodeEvent): Promise<void> {
    const name = this.#nextName(event.id);
    await writeFileAtomic(
      `${this.#opts.dir}/${name}.json`,
      JSON.stringify({ v: 1, event } satisfies Envelope),
    );
    this.#opts.onQueued?.(event);
    this.poke();
  }

  /**
   * Makes `event` durable as `.pending` — not sent until `commit()`. Written
   * before a segment's rename so that a crash between the rename and the
   * commit cannot lose the event (`recoverPending()` finishes it).
   */
  async prepare(event: NodeEvent, move: PendingMove): Promise<PendingEvent> {
    const file = `${this.#nextName(event.id)}.pending`;
    await writeFileAtomic(
      `${this.#opts.dir}/${file}`,
      JSON.stringify({ v: 1, event, move } satisfies Envelope),
    );
    return { event, move, file };
  }

  /** Turns a pending event into a sendable one (rename + folder fsync). */
  async commit(pending: PendingEvent): Promise<void> {
    const dir = this.#opts.dir;
    await Deno.rename(
      `${dir}/${pending.file}`,
      `${dir}/${pending.file.replace(/\.pending$/, ".json")}`,
    );
    await fsyncDir(dir);
    this.#opts.onQueued?.(pending.event);
    this.poke();
  }

  /** Forgets a pending event whose move did not happen. */
  async discard(pending: PendingEvent): Promise<void> {
    await Deno.remove(`${this.#opts.dir}/${pending.file}`).catch(() => {});
  }

  /**
   * At start, before anything else moves files: finishes every `.pending`
   * event a crash interrupted. Final file there and source gone → commit;
   * source still there → do the rename, then commit; neither → drop.
   */
  async recoverPending(): Promise<PendingRecovery> {
    const result: PendingRecovery = { committed: 0, dropped: 0 };
    const dir = this.#opts.dir;
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".pending")) names.push(e.name);
    }
    names.sort();
    for (const file of names) {
      let env: Envelope;
      try {
        env = JSON.parse(await Deno.readTextFile(`${dir}/${file}`));
      } catch (e) {
        log.error("unreadable pending event; moved aside", {
          file,
          error: errorMessage(e),
        });
        await Deno.rename(`${dir}/${file}`, `${dir}/${file}.bad`);
        result.dropped++;
        continue;
      }
      const move = env.move;
      const pending: PendingEvent = { event: env.event, move: move!, file };
      if (!move) {
        await this.commit(pending);
        result.committed++;
        continue;
      }
      const source = await exists(move.from);
      const target = await exists(move.to);
      if (source && !target) {
        const folder = move.to.slice(0, move.to.lastIndexOf("/"));
        await Deno.mkdir(folder, { recursive: true });
        await Deno.rename(move.from, move.to);
        await fsyncDir(folder);
      }
      if (source !== target) {
        await this.commit(pending);
        result.committed++;
        log.info("finished an interrupted segment close", {
          path: move.to,
          event: env.event.id,
        });
      } else {
        // Neither file: nothing to report. Both: the rename never happened and
        // the name was taken meanwhile; incoming recovery closes the source.
        await this.discard(pending);
        result.dropped++;
        log.warn("dropped a pending segment event", {
          path: move.to,
          source_left: source,
        });
      }
    }
    return result;
  }

  /** Number of sendable events on disk (streams the folder). */
  async count(): Promise<number> {
    let n = 0;
    for await (const e of Deno.readDir(this.#opts.dir)) {
      if (e.isFile && e.name.endsWith(".json")) n++;
    }
    return n;
  }

  /** Starts the sender loop; a no-op when it runs. */
  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  /** Stops the sender; resolves once the in-flight POST (if any) is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = null;
  }

  /** Sends soon: new events were written, or the controller is back. */
  poke(): void {
    this.#poked = true;
    if (this.#failures === 0) this.#wake?.();
  }

  /**
   * Sends everything now, batch after batch, until the folder is empty.
   * Throws when a delivery fails. Returns the number of events acknowledged.
   */
  async flush(): Promise<number> {
    let total = 0;
    while (true) {
      const r = await this.#sendBatchLocked();
      total += r.acked;
      if (r.sent === 0 || !r.full) return total;
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#poked = false;
      let delayMs: number;
      try {
        const r = await this.#sendBatchLocked();
        if (this.#failures > 0) {
          log.info("controller reachable again; events delivered", {
            acked: r.acked,
          });
        }
        this.#failures = 0;
        this.#lastError = null;
        if (r.full) continue;
        delayMs = this.#opts.idleMs ?? 30_000;
      } catch (e) {
        this.#failures++;
        this.#lastError = errorMessage(e);
        delayMs = backoffDelayMs(
          this.#failures,
          this.#opts.backoff ?? { initialMs: 1000, maxMs: 30_000 },
        );
        if (this.#failures === 1) {
          log.warn("cannot deliver events; will retry", {
            error: this.#lastError,
          });
        }
      }
      if (this.#stopped) break;
      if (this.#poked && this.#failures === 0) continue;
      await this.#sleep(delayMs);
    }
  }

  #sendBatchLocked(): Promise<
    { sent: number; acked: number; full: boolean }
  > {
    const run = this.#lock.then(() => this.#sendBatch());
    this.#lock = run.catch(() => {});
    return run;
  }

  async #sendBatch(): Promise<{ sent: number; acked: number; full: boolean }> {
    const dir = this.#opts.dir;
    const limit = Math.min(this.#opts.batchSize ?? MAX_BATCH, MAX_BATCH);
    const names = await oldestJson(dir, limit);
    if (names.length === 0) return { sent: 0, acked: 0, full: false };
    const events: NodeEvent[] = [];
    const fileOf = new Map<string, string>();
    for (const name of names) {
      try {
        const env = JSON.parse(
          await Deno.readTextFile(`${dir}/${name}`),
        ) as Envelope;
        if (!env?.event?.id) throw new Error("no event id");
        events.push(env.event);
        fileOf.set(env.event.id, name);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) continue;
        log.error("unreadable event file; moved aside", {
          file: name,
          error: errorMessage(e),
        });
        await Deno.rename(`${dir}/${name}`, `${dir}/${name}.bad`).catch(
          () => {},
        );
      }
    }
    if (events.length === 0) return { sent: 0, acked: 0, full: true };
    const acked = await this.#post(events);
    let n = 0;
    for (const id of acked) {
      const name = fileOf.get(id);
      if (!name) continue;
      await Deno.remove(`${dir}/${name}`).catch(() => {});
      fileOf.delete(id);
      n++;
    }
    this.#delivered += n;
    if (n === 0) {
      throw new Error(
        `controller acknowledged none of ${events.length} events`,
      );
    }
    return { sent: events.length, acked: n, full: names.length === limit };
  }

  async #post(events: NodeEvent[]): Promise<string[]> {
    const { controllerUrl, nodeName } = this.#opts;
    const token = typeof this.#opts.token === "function"
      ? this.#opts.token()
      : this.#opts.token;
    if (!token) throw new Error("not enrolled with the controller yet");
    const url = `${controllerUrl.replace(/\/+$/, "")}/internal/v1/nodes/${
      encodeURIComponent(nodeName)
    }/events`;
    const doFetch = this.#opts.fetch ?? fetch;
    const res = await doFetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(this.#opts.requestTimeoutMs ?? 10_000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(
        `controller answered ${res.status} to ${events.length} events`,
      );
    }
    const body = await res.json().catch(() => null) as
      | { acked?: unknown }
      | null;
    const acked = body?.acked;
    if (!Array.isArray(acked) || !acked.every((a) => typeof a === "string")) {
      throw new Error("controller answer has no acked: string[]");
    }
    return acked as string[];
  }

  #nextName(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
      throw new Error(`event id "${id}" is not usable in a file name`);
    }
    const now = this.#timers.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq++;
    }
    return `${String(this.#lastMs).padStart(15, "0")}-${
      String(this.#seq).padStart(6, "0")
    }-${id}`;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let id: TimerId | null = null;
      const done = () => {
        if (id !== null) this.#timers.clearTimeout(id);
        this.#wake = null;
        resolve();
      };
      id = this.#timers.setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

/**
 * Names of the `limit` oldest `.json` files, oldest first, reading the folder
 * as a stream and keeping at most `limit` names in memory.
 */
export async function oldestJson(
  dir: string,
  limit: number,
): Promise<string[]> {
  const best: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const name = e.name;
    if (best.length === limit && name >= best[best.length - 1]) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (best[mid] < name) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, name);
    if (best.length > limit) best.pop();
  }
  return best;
}

/** A new event id (random, usable in a file name). */
export function newEventId(): string {
  return crypto.randomUUID();
}
