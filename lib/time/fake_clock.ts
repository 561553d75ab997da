/**
 * A `Clock` driven by hand, for tests: time stands still until `advance(ms)`
 * (synchronous) or `tick(ms)` (lets promise chains run between timers) moves
 * it, firing what falls due in order. Nothing in production imports this.
 */
import type { Clock, TimerId } from "./clock.ts";

interface Due {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  #due = new Map<number, Due>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#next++;
    this.#due.set(id, { at: this.#now + Math.max(0, ms), seq: id, fn });
    return id as unknown as TimerId;
  }

  clearTimeout(id: TimerId): void {
    this.#due.delete(id as unknown as number);
  }

  /** Timers set and not yet fired or cleared. */
  pending(): number {
    return this.#due.size;
  }

  /** Moves time forward by `ms`, firing due timers synchronously, earliest first. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (
      let id = this.#nextDue(until);
      id !== null;
      id = this.#nextDue(until)
    ) {
      this.#fire(id);
    }
    this.#now = until;
  }

  /**
   * Like `advance`, but lets pending promise callbacks run after each timer
   * (and before returning), so async code woken by one timer can set the next.
   */
  async tick(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    for (
      let id = this.#nextDue(until);
      id !== null;
      id = this.#nextDue(until)
    ) {
      this.#fire(id);
      await settle();
    }
    this.#now = until;
    await settle();
  }

  #nextDue(until: number): number | null {
    let best: [number, Due] | null = null;
    for (const entry of this.#due) {
      const t = entry[1];
      if (t.at > until) continue;
      if (
        !best || t.at < best[1].at ||
        (t.at === best[1].at && t.seq < best[1].seq)
      ) {
        best = entry;
      }
    }
    return best ? best[0] : null;
  }

  #fire(id: number): void {
    const t = this.#due.get(id)!;
    this.#due.delete(id);
    this.#now = t.at;
    t.fn();
  }
}

/** Lets queued promise callbacks run (one macrotask turn, no waiting on time). */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
