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
}

/**
 * Delay before the restart that follows the `failures`-th consecutive failure
 * (1-based): `initialMs * factor^(failures-1)`, capped at `maxMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(backoffDelayMs(3), 2000);
 * assert.equal(backoffDelayMs(10), 10000);
 * ```
 */
export function backoffDelayMs(
  failures: number,
  options: BackoffOptions = {},
): number {
  const { initialMs = 500, factor = 2, maxMs = 10_000 } = options;
  if (failures < 1) return 0;
  const delay = initialMs * Math.pow(factor, failures - 1);
  return Math.min(maxMs, Math.max(0, delay));
}
