/**
 * In-process event bus for live updates (SSE to the dashboard, later agents).
 * PGlite cannot carry LISTEN/NOTIFY across connections and one controller
 * replica runs, so events stay in memory. Every subscriber has a bounded
 * queue: a subscriber that falls behind by more than `maxQueue` events is cut
 * off (its SSE client reconnects and reloads state) instead of growing memory.
 */
import type {
  AgentEvent,
  CameraEvent,
  NodeEvent,
  RecordingEvent,
  SettingsEvent,
} from "../../lib/api/events.ts";

// The data of each event kind is the API's (lib/api/events.ts): SSE sends it as is.
export type {
  AgentEvent,
  CameraEvent,
  NodeEvent,
  RecordingEvent,
  SettingsEvent,
} from "../../lib/api/events.ts";

export type FalconEvent =
  | { kind: "camera"; data: CameraEvent }
  | { kind: "node"; data: NodeEvent }
  | { kind: "recording"; data: RecordingEvent }
  | { kind: "settings"; data: SettingsEvent }
  | { kind: "agent"; data: AgentEvent };

/**
 * Someone's access shrank (a grant or role removed, the user deleted or their
 * password reset or changed, a session signed out, a token revoked). Never
 * sent to clients: open streams of `userId` listen for it and check their
 * caller again (controller/http/middleware/stream_guard.ts).
 */
export interface AccessChange {
  userId: string;
  reason: "grants" | "deleted" | "password" | "logout" | "token";
}

export interface Subscription<T = FalconEvent> {
  /** Next event; null when closed or cut off for falling behind. */
  next(signal?: AbortSignal): Promise<T | null>;
  close(): void;
}

/**
 * One topic with bounded subscribers: what the bus is made of, and what
 * other live streams (a chat session's events) reuse.
 */
export class Fanout<T> {
  #subs = new Set<Sub<T>>();
  constructor(readonly onEmpty?: () => void) {}

  get subscribers(): number {
    return this.#subs.size;
  }

  publish(event: T): void {
    for (const s of this.#subs) s.push(event);
  }

  subscribe(maxQueue = 512): Subscription<T> {
    const sub = new Sub<T>(maxQueue, () => {
      this.#subs.delete(sub);
      if (!this.#subs.size) this.onEmpty?.();
    });
    this.#subs.add(sub);
    return sub;
  }
}

export class EventBus {
  #events = new Fanout<FalconEvent>();
  #access = new Set<(c: AccessChange) => void>();

  get subscribers(): number {
    return this.#events.subscribers;
  }

  publish(event: FalconEvent): void {
    this.#events.publish(event);
  }

  /** Tells open streams that `change.userId`'s access shrank. */
  accessChanged(change: AccessChange): void {
    for (const l of [...this.#access]) l(change);
  }

  /** Calls `listener` on every access change until the returned function is called. */
  onAccessChange(listener: (c: AccessChange) => void): () => void {
    this.#access.add(listener);
    return () => this.#access.delete(listener);
  }

  /** Open access listeners (one per open stream), for tests. */
  get accessListeners(): number {
    return this.#access.size;
  }

  subscribe(maxQueue = 512): Subscription {
    return this.#events.subscribe(maxQueue);
  }
}

class Sub<T> implements Subscription<T> {
  #queue: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  constructor(readonly maxQueue: number, readonly onClose: () => void) {}

  push(e: T) {
    if (this.#closed) return;
    if (this.#queue.length >= this.maxQueue) {
      this.close();
      return;
    }
    this.#queue.push(e);
    this.#wake?.();
  }

  async next(signal?: AbortSignal): Promise<T | null> {
    while (true) {
      if (this.#queue.length) return this.#queue.shift()!;
      if (this.#closed || signal?.aborted) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = null;
          signal?.removeEventListener("abort", done);
          resolve();
        };
        this.#wake = done;
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.onClose();
    this.#wake?.();
  }
}
