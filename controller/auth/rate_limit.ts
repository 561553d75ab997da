/**
 * Failure counting for login: a key (account or address) that failed `max`
 * times within `windowMs` is blocked until the oldest failure ages out. Memory
 * is bounded: at most `maxKeys` keys, the least recently touched evicted first.
 */

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  /** @default 10000 */
  maxKeys?: number;
  now?: () => number;
}

export class FailureLimiter {
  #hits = new Map<string, number[]>();
  #o: Required<RateLimitOptions>;

  constructor(o: RateLimitOptions) {
    this.#o = { maxKeys: 10000, now: Date.now, ...o };
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const hits = this.#fresh(key);
    if (hits.length < this.#o.max) return 0;
    return hits[hits.length - this.#o.max] + this.#o.windowMs - this.#o.now();
  }

  fail(key: string): void {
    const hits = this.#fresh(key);
    hits.push(this.#o.now());
    if (hits.length > this.#o.max) hits.splice(0, hits.length - this.#o.max);
    this.#hits.delete(key);
    this.#hits.set(key, hits);
    if (this.#hits.size > this.#o.maxKeys) {
      this.#hits.delete(this.#hits.keys().next().value!);
    }
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #fresh(key: string): number[] {
    const cutoff = this.#o.now() - this.#o.windowMs;
    return (this.#hits.get(key) ?? []).filter((t) => t > cutoff);
  }
}
