/**
 * A frame hub keeps only the latest frame of one camera and hands it, by
 * reference, to every subscriber. A subscriber asks for "the next frame after
 * the one I have"; if it is slow, frames published meanwhile are simply skipped,
 * so no per-viewer queue can grow. Memory is one frame plus one waiter per
 * subscriber.
 */

export interface Frame {
  /** Monotonic sequence number within this hub. */
  readonly seq: number;
  /** JPEG bytes. Shared by every subscriber: never mutate. */
  readonly data: Uint8Array;
  /** Wall-clock time the frame was published, ms since epoch. */
  readonly atMs: number;
}

export interface FrameHubOptions {
  /** Called when the subscriber count goes from 0 to 1. */
  onActive?: () => void;
  /** Called when the subscriber count goes from 1 to 0. */
  onIdle?: () => void;
}

type Waiter = (frame: Frame | null) => void;

export class FrameHub {
  #latest: Frame | null = null;
  #seq = 0;
  #waiters = new Set<Waiter>();
  #subscribers = 0;
  #closed = false;
  #options: FrameHubOptions;
  /** Frames published since creation. */
  published = 0;

  constructor(options: FrameHubOptions = {}) {
    this.#options = options;
  }

  get subscribers(): number {
    return this.#subscribers;
  }

  latest(): Frame | null {
    return this.#latest;
  }

  publish(data: Uint8Array, atMs = Date.now()): Frame {
    const frame: Frame = { seq: ++this.#seq, data, atMs };
    this.#latest = frame;
    this.published++;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const w of waiters) w(frame);
    return frame;
  }

  /** Forget the latest frame (e.g. after the source stopped) so nobody gets a stale one. */
  clear(): void {
    this.#latest = null;
  }

  /**
   * Resolves with the newest frame whose seq is greater than `afterSeq`, waiting
   * for one if needed. Resolves `null` when the signal aborts or the hub closes.
   */
  next(afterSeq: number, signal?: AbortSignal): Promise<Frame | null> {
    const latest = this.#latest;
    if (latest && latest.seq > afterSeq) return Promise.resolve(latest);
    if (this.#closed || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.#waiters.delete(waiter);
        resolve(null);
      };
      const waiter: Waiter = (frame) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(frame);
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Registers a subscriber; call the returned function exactly once to leave. */
  subscribe(): () => void {
    this.#subscribers++;
    if (this.#subscribers === 1) this.#options.onActive?.();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#subscribers--;
      if (this.#subscribers === 0) this.#options.onIdle?.();
    };
  }

  /** Wakes every waiter with `null`; later `next()` calls resolve `null` at once. */
  close(): void {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const w of waiters) w(null);
  }
}
