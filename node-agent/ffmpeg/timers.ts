/**
 * A clock and one-shot timers, injected into the supervisor and the relay so
 * tests can drive time by hand instead of sleeping. Production code uses
 * `realTimers`; nothing else in this folder calls `Date.now()` or
 * `setTimeout` directly.
 */

/** Opaque timer handle; `ReturnType` keeps this valid once @types/node is loaded. */
export type TimerId = ReturnType<typeof setTimeout>;

export interface Timers {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The runtime's own clock and timers. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
