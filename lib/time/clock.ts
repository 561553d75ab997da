/**
 * A clock and one-shot timers, injected into supervisors, relays, the outbox
 * and the controller's jobs runner so tests drive time by hand
 * (`fake_clock.ts`) instead of sleeping. Production code uses `realClock`;
 * code that takes a `Clock` calls neither `Date.now()` nor `setTimeout`
 * directly.
 */

/** Opaque timer handle; `ReturnType` keeps this valid once @types/node is loaded. */
export type TimerId = ReturnType<typeof setTimeout>;

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The runtime's own clock and timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/**
 * Waits `ms` on `clock`. Resolves early (never rejects) when `signal` aborts,
 * so a loop can check `signal.aborted` after it and end without a try/catch;
 * the timer is cleared either way, leaving nothing pending.
 */
export function sleep(
  clock: Clock,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const id = clock.setTimeout(done, Math.max(0, ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
