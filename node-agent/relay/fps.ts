/**
 * Frame rate over a sliding window, for the camera's runtime report. A window
 * (not a lifetime average) so a camera that slows down or stops shows it
 * within seconds. Time is passed in, so tests need no clock.
 */

export class FpsMeter {
  #windowMs: number;
  #times: number[] = [];
  #since: number | null = null;

  /** @param windowMs how far back frames count. @default 5000 */
  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** Forgets all frames; measuring restarts at `atMs` (e.g. a new ffmpeg run). */
  reset(atMs: number): void {
    this.#times = [];
    this.#since = atMs;
  }

  record(atMs: number): void {
    this.#since ??= atMs;
    this.#times.push(atMs);
    this.#prune(atMs);
  }

  /**
   * Frames per second at `atMs`, one decimal. Right after a reset the divisor
   * is the time measured so far (at least 1 s, so two quick frames do not read
   * as 1000 fps), later the whole window.
   */
  fps(atMs: number): number {
    this.#prune(atMs);
    if (this.#since === null || this.#times.length === 0) return 0;
    const spanMs = Math.max(1000, Math.min(this.#windowMs, atMs - this.#since));
    return Math.round((this.#times.length * 1000 / spanMs) * 10) / 10;
  }

  #prune(atMs: number): void {
    const cutoff = atMs - this.#windowMs;
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop] <= cutoff) drop++;
    if (drop) this.#times.splice(0, drop);
  }
}
