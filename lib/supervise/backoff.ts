/**
 * Restart delays for the supervisor. Pure, so the schedule is tested without
 * processes or clocks: a camera that keeps failing is retried ever more slowly
 * (never in a tight loop that hammers the camera and the CPU) but never more
 * than `maxMs` apart, so it comes back soon after the camera does.
 */

export interface BackoffOptions {
  /** Delay after the first failure. @default 500 */
  initialMs?: number;
  /** Each further consecutive failure multiplies the delay by this. @default 2 */
  factor?: number;
  /** Upper bound of any delay. @default 10000 */
  maxMs?: number;
  /**
   * The first this many consecutive failures wait at most `quickMaxMs`: a
   * camera that drops for a few seconds (a reboot, a flapping link) is tried
   * every 2 s and back within about that long, while one that stays away
   * slows down to `maxMs` after ~14 s. @default 8
   */
  quickRetries?: number;
  /** Upper bound of the delays of the first `quickRetries` failures. @default 2000 */
  quickMaxMs?: number;
}

/**
 * A run that made progress and lasted this long restarts the backoff from
 * `initialMs`. Long enough that a source which sends one frame and dies keeps
 * backing off (it dies within its first second); short
 * enough that a camera that flaps (5 s down, 5 s up) counts each return as a
 * recovery, so the next drop retries from 0.5 s instead of climbing to the
 * 10 s cap and missing whole up-phases (tests/e2e/source_flapping_test.ts).
 */
export const HEALTHY_AFTER_MS = 1500;

/**
 * Delay before the restart that follows the `failures`-th consecutive failure
 * (1-based): `initialMs * factor^(failures-1)`, at most `quickMaxMs` for the
 * first `quickRetries` failures, then growing again from `quickMaxMs` by
 * `factor` up to `maxMs`. Defaults: 0.5, 1, 2, 2, 2, 2, 2, 2, 4, 8, 10, 10… s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(backoffDelayMs(3), 2000);
 * assert.equal(backoffDelayMs(6), 2000);
 * assert.equal(backoffDelayMs(9), 4000);
 * assert.equal(backoffDelayMs(20), 10000);
 * ```
 */
export function backoffDelayMs(
  failures: number,
  options: BackoffOptions = {},
): number {
  const {
    initialMs = 500,
    factor = 2,
    maxMs = 10_000,
    quickRetries = 8,
    quickMaxMs = 2_000,
  } = options;
  if (failures < 1) return 0;
  const delay = failures <= quickRetries
    ? Math.min(quickMaxMs, initialMs * Math.pow(factor, failures - 1))
    : Math.min(
      initialMs * Math.pow(factor, failures - 1),
      quickMaxMs * Math.pow(factor, failures - quickRetries),
    );
  return Math.min(maxMs, Math.max(0, delay));
}
