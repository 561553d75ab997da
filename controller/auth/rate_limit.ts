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

  /**
   * Counts a failure now; the returned function takes it back (an attempt
   * reserved before verifying that then succeeded).
   */
  fail(key: string): () => void {
    const hits = this.#fresh(key);
    const at = this.#o.now();
    hits.push(at);
    if (hits.length > this.#o.max) hits.splice(0, hits.length - this.#o.max);
    this.#hits.delete(key);
    this.#hits.set(key, hits);
    if (this.#hits.size > this.#o.maxKeys) {
      this.#hits.delete(this.#hits.keys().next().value!);
    }
    return () => {
      const list = this.#hits.get(key);
      const i = list?.lastIndexOf(at) ?? -1;
      if (i >= 0) list!.splice(i, 1);
    };
  }

  /** Failures of `key` within the window, and when the latest was. */
  recent(key: string): { count: number; lastMs: number | null } {
    const hits = this.#fresh(key);
    return { count: hits.length, lastMs: hits.at(-1) ?? null };
  }

  reset(key: string): void {
    this.#hits.delete(key);
  }

  #fresh(key: string): number[] {
    const cutoff = this.#o.now() - this.#o.windowMs;
    return (this.#hits.get(key) ?? []).filter((t) => t > cutoff);
  }
}

export interface LoginLimitOptions {
  /** Failures of one account from one address before that pair is locked. @default 5 */
  pairMax?: number;
  /** Failures from one address, any account, before the address is locked. @default 20 */
  addressMax?: number;
  /** Failures of one account, from anywhere, before each try waits. @default 5 */
  accountFree?: number;
  /** First wait once `accountFree` is used up; doubles with each failure. @default 1000 */
  accountDelayMs?: number;
  /** Longest wait between tries of one account. @default 30000 */
  accountMaxDelayMs?: number;
  /** @default 15 min */
  windowMs?: number;
  now?: () => number;
}

/** A reserved attempt: report how it went exactly once. */
export interface Attempt {
  /** The password was right: the reservation is taken back, the pair forgiven. */
  succeeded(): void;
  /** The password was wrong: the reservation stays as the failure. */
  failed(): void;
  /** No password was checked (the server was busy): the reservation is taken back. */
  cancelled(): void;
}

export type AttemptResult =
  | { ok: true; attempt: Attempt }
  | { ok: false; retryAfterMs: number };

/**
 * Limits password checks (docs/design/security.md § credential stuffing):
 *
 * - one account from one address: `pairMax` failures, then locked for the window;
 * - one address, any account: `addressMax` failures, then locked;
 * - one account from anywhere: after `accountFree` failures each further try
 *   waits `accountDelayMs`, doubling per failure up to `accountMaxDelayMs` —
 *   a slowdown, not a lockout, so an attacker elsewhere cannot lock the real
 *   user out of their own address.
 *
 * `begin()` is synchronous and counts the attempt as a failure at once, before
 * any password is verified, so parallel requests cannot all slip through
 * while the first is still hashing.
 */
export class LoginLimiter {
  #pair: FailureLimiter;
  #address: FailureLimiter;
  #account: FailureLimiter;
  #o: Required<Omit<LoginLimitOptions, "now">> & { now: () => number };

  constructor(o: LoginLimitOptions = {}) {
    this.#o = {
      pairMax: 5,
      addressMax: 20,
      accountFree: 5,
      accountDelayMs: 1000,
      accountMaxDelayMs: 30000,
      windowMs: 15 * 60_000,
      now: Date.now,
      ...o,
    };
    const { windowMs, now } = this.#o;
    this.#pair = new FailureLimiter({ max: this.#o.pairMax, windowMs, now });
    this.#address = new FailureLimiter({
      max: this.#o.addressMax,
      windowMs,
      now,
    });
    // Enough history to grow the delay to its cap.
    this.#account = new FailureLimiter({ max: 64, windowMs, now });
  }

  begin(account: string, address: string): AttemptResult {
    const pairKey = `${account}\u0000${address}`;
    const wait = Math.max(
      this.#pair.retryAfterMs(pairKey),
      this.#address.retryAfterMs(address),
      this.#accountWaitMs(account),
    );
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    const undo = [
      this.#pair.fail(pairKey),
      this.#address.fail(address),
      this.#account.fail(account),
    ];
    let settled = false;
    return {
      ok: true,
      attempt: {
        succeeded: () => {
          if (settled) return;
          settled = true;
          for (const u of undo) u();
          this.#pair.reset(pairKey);
        },
        failed: () => {
          settled = true;
        },
        cancelled: () => {
          if (settled) return;
          settled = true;
          for (const u of undo) u();
        },
      },
    };
  }

  #accountWaitMs(account: string): number {
    const { count, lastMs } = this.#account.recent(account);
    if (count < this.#o.accountFree || lastMs === null) return 0;
    const delay = Math.min(
      this.#o.accountDelayMs * 2 ** (count - this.#o.accountFree),
      this.#o.accountMaxDelayMs,
    );
    return Math.max(0, lastMs + delay - this.#o.now());
  }
}
