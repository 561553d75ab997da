/**
 * Posts a turn's events to the controller in small batches: tokens every
 * `flushMs` or `maxBatch` events, whichever comes first (the first token and
 * tool events at once), one batch in flight at a time, adjacent token events
 * merged. `seq` starts at 1, so a batch
 * posted again after a network error is stored once. With nothing to say it
 * posts an empty batch every `keepAliveMs` to keep the turn's lease.
 */
import type { TurnEvent } from "../lib/agent_protocol.ts";
import { backoffDelayMs } from "../lib/supervise/backoff.ts";
import { type ControllerClient, CredentialRejected } from "./client.ts";

/** An event before it is numbered. */
export type NewEvent = TurnEvent extends infer E
  ? E extends TurnEvent ? Omit<E, "seq"> : never
  : never;

export interface EventSinkOptions {
  flushMs?: number;
  maxBatch?: number;
  keepAliveMs: number;
  /** The controller took the turn back (ack `cancelled`, or the turn is gone). */
  onCancelled: () => void;
  /** The credential was rejected while posting. */
  onRejected: (err: CredentialRejected) => void;
}

const MAX_TOKEN_EVENT = 4096;

export class EventSink {
  cancelled = false;
  rejected: CredentialRejected | null = null;
  #pending: TurnEvent[] = [];
  #inflight = 0;
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #keepAlive: ReturnType<typeof setInterval>;
  #running: Promise<void> | null = null;
  #wantEmpty = false;
  #lastPost = Date.now();
  #closed = false;
  #sentToken = false;
  #stop = new AbortController();

  constructor(
    private client: ControllerClient,
    private turnId: string,
    private opts: EventSinkOptions,
  ) {
    // Checked five times per period and posted a little early, so no gap
    // between posts exceeds `keepAliveMs`.
    this.#keepAlive = setInterval(() => {
      if (Date.now() - this.#lastPost >= opts.keepAliveMs * 0.75) {
        this.#wantEmpty = true;
        this.#kick();
      }
    }, Math.max(20, Math.floor(opts.keepAliveMs / 5)));
  }

  /** Events numbered so far. */
  get seq(): number {
    return this.#seq;
  }

  push(event: NewEvent): void {
    if (this.cancelled || this.rejected || this.#closed) return;
    // The first token and the tool trace go at once (time to first token,
    // tools shown as they run); the rest of the tokens are batched.
    const urgent = event.type !== "token" || !this.#sentToken;
    if (event.type === "token") this.#sentToken = true;
    const last = this.#pending.at(-1);
    if (
      event.type === "token" && last?.type === "token" &&
      this.#pending.length > this.#inflight &&
      last.text.length + event.text.length <= MAX_TOKEN_EVENT
    ) {
      last.text += event.text;
    } else {
      this.#pending.push({ ...event, seq: ++this.#seq } as TurnEvent);
    }
    if (
      urgent ||
      this.#pending.length - this.#inflight >= (this.opts.maxBatch ?? 20)
    ) {
      this.#kick();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#kick(), this.opts.flushMs ?? 75);
    }
  }

  #kick(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#running) {
      this.#running = this.#drain().finally(() => (this.#running = null));
    }
  }

  async #drain(): Promise<void> {
    let failures = 0;
    while (
      (this.#pending.length || this.#wantEmpty) && !this.cancelled &&
      !this.rejected && !this.#stop.signal.aborted
    ) {
      const batch = this.#pending.slice(0, 500);
      this.#inflight = batch.length;
      this.#wantEmpty = false;
      try {
        const ack = await this.client.postEvents(
          this.turnId,
          batch,
          this.#stop.signal,
        );
        this.#lastPost = Date.now();
        this.#pending.splice(0, batch.length);
        failures = 0;
        if (ack.cancelled) {
          this.cancelled = true;
          this.opts.onCancelled();
        }
      } catch (e) {
        if (e instanceof CredentialRejected) {
          this.rejected = e;
          this.opts.onRejected(e);
          break;
        }
        if (this.#stop.signal.aborted) break;
        // Network trouble: the same seqs again after a pause.
        failures++;
        await sleep(
          backoffDelayMs(failures, { maxMs: 2000 }),
          this.#stop.signal,
        );
        if (!batch.length) this.#wantEmpty = true;
      } finally {
        this.#inflight = 0;
      }
    }
  }

  /**
   * Posts what is left and stops. Gives up after `timeoutMs` (the process
   * is stopping, or the controller is gone: the lease runs out on its own).
   */
  async close(timeoutMs = 10_000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#keepAlive);
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => this.#stop.abort(), timeoutMs);
    try {
      while (
        this.#pending.length && !this.cancelled && !this.rejected &&
        Date.now() < deadline
      ) {
        this.#kick();
        await this.#running;
      }
      await this.#running;
    } finally {
      clearTimeout(timer);
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
