/**
 * A small map whose entries expire after `ttlMs` on the injected clock. The
 * agents' hot path (every model and tool call of an agent process) reads its
 * credential, row, usage and provider from here instead of the database; the
 * owner deletes an entry on every change it makes, so this controller sees
 * its own changes at once, and another replica sees them within `ttlMs`.
 */
import type { Clock } from "../../lib/time/clock.ts";

export class TtlCache<K, V> {
  #entries = new Map<K, { value: V; at: number }>();

  constructor(
    private clock: Clock,
    private ttlMs: number,
    private maxEntries = 1000,
  ) {}

  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.clock.now() - e.at >= this.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.maxEntries) {
      // Oldest first (insertion order): a bound, not an LRU.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.clock.now() });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Deletes every entry whose value matches. */
  deleteWhere(match: (value: V, key: K) => boolean): void {
    for (const [k, e] of this.#entries) {
      if (match(e.value, k)) this.#entries.delete(k);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The cached value, or `load()`'s, cached. */
  async through(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    this.set(key, value);
    return value;
  }
}
