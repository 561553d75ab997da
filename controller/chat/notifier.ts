/**
 * Wakes the long polls of an agent's process (`turns/next`) when a turn may
 * have become claimable: a message was sent, or a turn of one of its
 * sessions ended. In-process and best effort: a poll that misses a wake
 * (another replica queued the turn) still finds the turn at its next
 * claim, at the latest after wait_s.
 */
import type { Clock } from "../../lib/time/clock.ts";

export interface Armed {
  /** Resolves on a wake of the agent, after `ms`, or when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  cancel(): void;
}

export class TurnNotifier {
  #waiters = new Map<string, Set<() => void>>();
  constructor(readonly clock: Clock) {}

  /** Waiting long polls, for tests and metrics. */
  get waiting(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }

  wake(agentId: string): void {
    const set = this.#waiters.get(agentId);
    if (!set) return;
    for (const fn of [...set]) fn();
  }

  /**
   * Listens for wakes of `agentId` from now on; arm before trying to claim,
   * so a send between the claim and the wait is not missed.
   */
  arm(agentId: string): Armed {
    let woke = false;
    let resolve: (() => void) | null = null;
    const fire = () => {
      woke = true;
      resolve?.();
    };
    let set = this.#waiters.get(agentId);
    if (!set) this.#waiters.set(agentId, set = new Set());
    set.add(fire);
    const cancel = () => {
      const s = this.#waiters.get(agentId);
      s?.delete(fire);
      if (s && !s.size) this.#waiters.delete(agentId);
    };
    return {
      cancel,
      wait: (ms, signal) => {
        if (woke || signal?.aborted || ms <= 0) {
          cancel();
          return Promise.resolve();
        }
        return new Promise<void>((done) => {
          const finish = () => {
            this.clock.clearTimeout(timer);
            signal?.removeEventListener("abort", finish);
            cancel();
            resolve = null;
            done();
          };
          resolve = finish;
          const timer = this.clock.setTimeout(finish, ms);
          signal?.addEventListener("abort", finish, { once: true });
        });
      },
    };
  }
}
