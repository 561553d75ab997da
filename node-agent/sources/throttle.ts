/**
 * Frame-rate limit by dropping: a source faster than the camera's frame rate
 * (an MJPEG camera that ignores its fps setting) has frames dropped; a source
 * at or below it passes untouched. Frames are never delayed or re-encoded.
 *
 * A token bucket: one token per frame interval, at most 2 kept. The spare
 * token absorbs arrival jitter (a 15 fps source arriving at 60, 73, 60 ms gaps
 * keeps all its frames) and lets a source slightly faster than `fps` keep
 * exactly `fps` (a bucket of 1 would waste tokens and fall below it), while a
 * burst after a pause passes two frames, not a backlog; the long-run rate
 * never exceeds `fps`.
 */
const CAPACITY = 2;
/** Floating-point slack: 1000/15 ms steps must add up to a whole token. */
const EPSILON = 1e-6;

export class FrameThrottle {
  #intervalMs: number;
  #tokens = CAPACITY;
  #lastMs: number | null = null;

  /** `fps` ≤ 0 or not finite means no limit. */
  constructor(fps: number) {
    this.#intervalMs = fps > 0 && Number.isFinite(fps) ? 1000 / fps : 0;
  }

  /** True when the frame arriving at `nowMs` should be published. */
  accept(nowMs: number): boolean {
    if (this.#intervalMs === 0) return true;
    if (this.#lastMs !== null) {
      const gained = Math.max(0, nowMs - this.#lastMs) / this.#intervalMs;
      this.#tokens = Math.min(CAPACITY, this.#tokens + gained);
    }
    this.#lastMs = nowMs;
    if (this.#tokens < 1 - EPSILON) return false;
    this.#tokens -= 1;
    return true;
  }
}
