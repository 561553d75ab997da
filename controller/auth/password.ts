/**
 * Password hashing with argon2id (OWASP baseline: 19 MiB, 2 passes, 1 lane)
 * from hash-wasm, a maintained WebAssembly build that runs the same in Deno,
 * browsers and compiled binaries. The work runs in a Worker pool
 * (hash_pool.ts), never on the controller's event loop.
 */
import { HashPool } from "./hash_pool.ts";

/** Hashes and verifies passwords through one pool; `close()` stops its Workers. */
export class Passwords {
  #pool: HashPool;
  #dummy: Promise<string> | null = null;

  constructor(pool: HashPool = new HashPool()) {
    this.#pool = pool;
  }

  hash(password: string): Promise<string> {
    return this.#pool.hash(password);
  }

  async verify(password: string, hash: string): Promise<boolean> {
    return await this.#pool.verify(password, hash);
  }

  /**
   * Spends the same work as a real verification, so "no such user" and
   * "wrong password" take equally long and cannot be told apart by timing.
   */
  async burn(password: string): Promise<false> {
    this.#dummy ??= this.hash("falcon-eye dummy password for timing");
    await this.verify(password, await this.#dummy);
    return false;
  }

  close(): void {
    this.#pool.close();
  }
}
