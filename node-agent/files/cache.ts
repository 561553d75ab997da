/**
 * The cache folder of joined downloads and web renditions: disposable files
 * that can be rebuilt from the segments at any time (docs/design/recording.md
 * § Joins and the cache). Footage always wins over the cache:
 *
 * - bounded: at most `maxBytes` (default 10 % of the disk); idle files go
 *   oldest first to make room, and a file larger than the bound is refused;
 * - a new file reserves its estimated size first, and is refused when the
 *   disk would fall below the free-space floor — so a join can never be what
 *   makes retention delete footage;
 * - files being written or served are held: no sweep deletes them (unlinking
 *   a file a process holds open frees nothing, and breaks the reader).
 */
import { AppError } from "../../lib/errors.ts";
import type { DiskSpace } from "../storage/retention.ts";

const GIB = 1024 ** 3;

export interface FileCacheOptions {
  /** The folder (created on first use). */
  dir: string;
  /** statfs of the folder's filesystem. */
  statfs: () => DiskSpace;
  /** Upper bound of the folder's size. @default 10 % of the disk, at most 50 GiB */
  maxBytes?: number;
}

interface Reservation {
  bytes: number;
  /** The file being written: what it already holds is counted once. */
  path: string;
}

interface CachedFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export class FileCache {
  readonly dir: string;
  #opts: FileCacheOptions;
  /** Held file names (being written or served) → holders. */
  #held = new Map<string, number>();
  #reservations = new Set<Reservation>();
  /** reserve() runs one at a time: check-then-reserve must not interleave. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: FileCacheOptions) {
    this.#opts = opts;
    this.dir = opts.dir;
  }

  /** The size bound in force. */
  maxBytes(): number {
    return this.#opts.maxBytes ??
      Math.min(0.1 * this.#opts.statfs().totalBytes, 50 * GIB);
  }

  /** Marks a file of the folder (a name or a path in it) as in use until the returned release runs. */
  hold(file: string): () => void {
    const name = file.slice(file.lastIndexOf("/") + 1);
    this.#held.set(name, (this.#held.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#held.get(name) ?? 1) - 1;
      if (n > 0) this.#held.set(name, n);
      else this.#held.delete(name);
    };
  }

  /** True while someone writes or serves the file. */
  isHeld(name: string): boolean {
    return this.#held.has(name);
  }

  /**
   * Reserves room for a new file of about `bytes` written to `path`: evicts
   * idle files (oldest first) to stay within the bound, then checks that the
   * disk keeps `floorBytes` free after it and after every other reservation.
   * Throws payload_too_large (larger than the bound), rate_limited (the
   * bound is taken by files in use) or unavailable (the free-space floor).
   */
  reserve(
    bytes: number,
    path: string,
    floorBytes: number,
  ): Promise<() => void> {
    const run = this.#chain.then(() => this.#reserve(bytes, path, floorBytes));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #reserve(
    bytes: number,
    path: string,
    floorBytes: number,
  ): Promise<() => void> {
    const max = this.maxBytes();
    if (bytes > max) {
      throw new AppError(
        "payload_too_large",
        `This footage needs about ${
          mib(bytes)
        } to join, more than this node's cache may hold (${
          mib(max)
        }); ask for a shorter range`,
      );
    }
    await Deno.mkdir(this.dir, { recursive: true });
    const files = (await this.#list()).sort((a, b) => a.mtimeMs - b.mtimeMs);
    let used = files.reduce((n, f) => n + f.size, 0) + this.#pending(files);
    for (const f of files) {
      if (used + bytes <= max) break;
      if (this.isHeld(f.name)) continue;
      if (await remove(f.path)) used -= f.size;
    }
    if (used + bytes > max) {
      throw new AppError(
        "rate_limited",
        `This node's cache (${
          mib(max)
        }) is taken by footage being joined or downloaded now; try again later`,
        { retryAfterS: 30 },
      );
    }
    const disk = this.#opts.statfs();
    const after = disk.freeBytes - this.#pending(await this.#list()) - bytes;
    if (after < floorBytes) {
      throw new AppError(
        "unavailable",
        `Not enough free disk on this node to join this footage: it needs about ${
          mib(bytes)
        } and would leave ${
          mib(Math.max(0, after))
        } free, below the free-space floor of ${
          mib(floorBytes)
        } that protects recordings; ask for a shorter range or free space`,
        { retryAfterS: 60 },
      );
    }
    const r: Reservation = { bytes, path };
    this.#reservations.add(r);
    return () => void this.#reservations.delete(r);
  }

  /**
   * Deletes idle files, oldest first, until `enough()`; files in use are
   * skipped. Returns how many went. Used by retention before any footage.
   */
  async evict(enough: () => boolean): Promise<number> {
    const files = (await this.#list()).sort((a, b) => a.mtimeMs - b.mtimeMs);
    let n = 0;
    for (const f of files) {
      if (enough()) break;
      if (this.isHeld(f.name)) continue;
      if (await remove(f.path)) n++;
    }
    return n;
  }

  /** Deletes idle files that `match` and were not used for `maxAgeMs`. */
  async prune(maxAgeMs: number, match: (name: string) => boolean = () => true) {
    const cutoff = Date.now() - maxAgeMs;
    for (const f of await this.#list()) {
      if (!match(f.name) || this.isHeld(f.name)) continue;
      if (f.mtimeMs < cutoff) await remove(f.path);
    }
  }

  /** Bytes reserved but not yet written. */
  #pending(files: CachedFile[]): number {
    const sizes = new Map(files.map((f) => [f.path, f.size]));
    let n = 0;
    for (const r of this.#reservations) {
      n += Math.max(0, r.bytes - (sizes.get(r.path) ?? 0));
    }
    return n;
  }

  async #list(): Promise<CachedFile[]> {
    const out: CachedFile[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (!e.isFile) continue;
        const path = `${this.dir}/${e.name}`;
        const st = await Deno.stat(path).catch(() => null);
        if (st) {
          out.push({
            name: e.name,
            path,
            size: st.size,
            mtimeMs: st.mtime?.getTime() ?? 0,
          });
        }
      }
    } catch {
      // no folder yet
    }
    return out;
  }
}

async function remove(path: string): Promise<boolean> {
  return await Deno.remove(path).then(() => true, () => false);
}

function mib(bytes: number): string {
  return bytes >= GIB
    ? `${(bytes / GIB).toFixed(1)} GiB`
    : `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}
