/**
 * Limits how many camera relays start at the same time.
 *
 * Starting is a relay's expensive moment: ffmpeg loads, opens the camera and
 * decodes up to the first frame. Sixteen starts at once on two cores all
 * finish late (a grid's first tile appeared after ~1 s, measured), and a node
 * restarting with forty cameras would hit its CPU and its cameras at once.
 * Through the gate the first cameras get their frames in a few hundred ms and
 * the others follow in the order they asked.
 *
 * A slot is held until the relay's first frame, its failure, or `maxHoldMs`:
 * most of a start's CPU is spent in its first few hundred ms (loading ffmpeg,
 * opening codecs), and a slow camera must not hold the others back. Measured
 * with 16 cameras on 2 cores: first tile 0.85–1.19 s without the gate,
 * 0.61–0.88 s with it; all 16 tiles about the same (1.4–1.8 s).
 */
import { type Clock, realClock } from "../../lib/time/clock.ts";

/** Frees a slot; calling it again does nothing. */
export type GateRelease = () => void;

export interface StartGateOptions {
  /** Relays starting at once. @default 2 × CPU cores, at least 2 */
  limit?: number;
  /** Longest a start may hold its slot. @default 300 */
  maxHoldMs?: number;
  timers?: Clock;
}

export class StartGate {
  readonly limit: number;
  readonly maxHoldMs: number;
  #timers: Clock;
  #active = 0;
  #waiting: ((release: GateRelease) => void)[] = [];

  constructor(options: StartGateOptions = {}) {
    this.limit = Math.max(
      1,
      Math.floor(
        options.limit ?? Math.max(2, 2 * (navigator.hardwareConcurrency || 1)),
      ),
    );
    this.maxHoldMs = options.maxHoldMs ?? 300;
    this.#timers = options.timers ?? realClock;
  }

  /** Starts holding a slot now. */
  get active(): number {
    return this.#active;
  }

  /** Waiting for a slot. At most one entry per relay, so bounded by cameras. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release once a slot is free (first come, first served). */
  acquire(): Promise<GateRelease> {
    return new Promise((resolve) => {
      if (this.#active < this.limit) resolve(this.#grant());
      else this.#waiting.push((release) => resolve(release));
    });
  }

  #grant(): GateRelease {
    this.#active++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.#timers.clearTimeout(timer);
      this.#active--;
      const next = this.#waiting.shift();
      if (next) next(this.#grant());
    };
    const timer = this.#timers.setTimeout(release, this.maxHoldMs);
    return release;
  }
}
