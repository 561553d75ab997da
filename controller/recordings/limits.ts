/**
 * Per-user limit of footage joins (security finding #2): each distinct range
 * a user asks for makes its node run an ffmpeg join, so one user may have at
 * most `perUser` playback/download requests being prepared at once. A slot
 * is held until the node's answer starts streaming (the join is done), not
 * while the browser reads the file.
 */
import { AppError } from "../../lib/errors.ts";

/** Default of FALCON_FOOTAGE_JOBS_PER_USER. */
export const DEFAULT_FOOTAGE_JOBS_PER_USER = 2;

export class FootageLimiter {
  readonly perUser: number;
  #active = new Map<string, number>();

  constructor(perUser = DEFAULT_FOOTAGE_JOBS_PER_USER) {
    this.perUser = perUser;
  }

  /** Takes one of `user`'s slots; the returned release gives it back (once). */
  acquire(user: string): () => void {
    const n = this.#active.get(user) ?? 0;
    if (n >= this.perUser) {
      throw new AppError(
        "rate_limited",
        `You already have ${n} recordings being prepared (at most ${this.perUser} at once per user); wait for one to start playing, or cancel it`,
        { retryAfterS: 5 },
      );
    }
    this.#active.set(user, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#active.get(user) ?? 1) - 1;
      if (left > 0) this.#active.set(user, left);
      else this.#active.delete(user);
    };
  }

  /** Slots `user` holds now. */
  active(user: string): number {
    return this.#active.get(user) ?? 0;
  }
}
