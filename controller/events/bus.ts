/**
 * In-process event bus for live updates (SSE to the dashboard, later agents).
 * PGlite cannot carry LISTEN/NOTIFY across connections and one controller
 * replica runs, so events stay in memory. Every subscriber has a bounded
 * queue: a subscriber that falls behind by more than `maxQueue` events is cut
 * off (its SSE client reconnects and reloads state) instead of growing memory.
 */
import type {
  CameraEvent,
  NodeEvent,
  RecordingEvent,
  SettingsEvent,
} from "../../lib/api/events.ts";

// The data of each event kind is the API's (lib/api/events.ts): SSE sends it as is.
export type {
  CameraEvent,
  NodeEvent,
  RecordingEvent,
  SettingsEvent,
} from "../../lib/api/events.ts";

export type FalconEvent =
  | { kind: "camera"; data: CameraEvent }
  | { kind: "node"; data: NodeEvent }
  | { kind: "recording"; data: RecordingEvent }
  | { kind: "settings"; data: SettingsEvent };

export interface Subscription {
  /** Next event; null when closed or cut off for falling behind. */
  next(signal?: AbortSignal): Promise<FalconEvent | null>;
  close(): void;
}

export class EventBus {
  #subs = new Set<Sub>();

  get subscribers(): number {
    return this.#subs.size;
  }

  publish(event: FalconEvent): void {
    for (const s of this.#subs) s.push(event);
  }

  subscribe(maxQueue = 512): Subscription {
    const sub = new Sub(maxQueue, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }
}

class Sub implements Subscription {
  #queue: FalconEvent[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  constructor(readonly maxQueue: number, readonly onClose: () => void) {}

  push(e: FalconEvent) {
    if (this.#closed) return;
    if (this.#queue.length >= this.maxQueue) {
      this.close();
      return;
    }
    this.#queue.push(e);
    this.#wake?.();
  }

  async next(signal?: AbortSignal): Promise<FalconEvent | null> {
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
