/**
 * The retention sweep (docs/design/recording.md § Deleting):
 *
 * 1. age: per camera with `retention_days`, segments that ended before
 *    `now − retention_days` go (`reason: "retention"`);
 * 2. free space: while the recordings filesystem has less free than
 *    `max(min_free_ratio × total, min_free_bytes)`, idle cached joins and
 *    renditions go first (never one being written or served), then the
 *    oldest segments across all cameras (`reason: "free_space"`).
 *
 * Segments of keep sessions are never deleted; `.incoming/` (the segment
 * being written) is never looked at. `statfs` and the clock are injected so
 * tests run the policy on a fake disk.
 */
import { statfsSync } from "node:fs";
import { errorMessage, logger } from "../../lib/log.ts";
import type { CameraSpec, StoragePolicy } from "../../lib/protocol/mod.ts";
import { type Clock, realClock, type TimerId } from "../../lib/time/clock.ts";
import { sessionTag } from "./layout.ts";
import {
  deleteSegment,
  type EventQueue,
  listCameras,
  listDates,
  listSegments,
  type SegmentFile,
} from "./segments.ts";

const log = logger("retention");

const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;

/** The node's storage rules when the controller sends none. */
export const DEFAULT_STORAGE_POLICY: StoragePolicy = {
  min_free_ratio: 0.05,
  min_free_bytes: 5 * GIB,
  keep_sessions: [],
};

export interface DiskSpace {
  totalBytes: number;
  /** Bytes available to this (unprivileged) process. */
  freeBytes: number;
}

/** statfs of the filesystem holding `path`. */
export type StatFs = (path: string) => DiskSpace;

/** The real statfs (available blocks, as an unprivileged writer sees them). */
export const realStatFs: StatFs = (path) => {
  const s = statfsSync(path);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
};

/** Free bytes the floor asks for on a disk of `totalBytes`. */
export function requiredFreeBytes(
  policy: StoragePolicy,
  totalBytes: number,
): number {
  return Math.max(policy.min_free_ratio * totalBytes, policy.min_free_bytes);
}

/** Deletes idle cache files, oldest first, until `enough()`; returns how many went. */
export interface CacheEvictor {
  evict(enough: () => boolean): Promise<number>;
}

export interface RetentionOptions {
  /** Recordings root. */
  root: string;
  outbox: EventQueue;
  /**
   * Disposable files deleted first when space runs short (joined downloads,
   * renditions): node-agent/files/cache.ts's FileCache, which skips files in use.
   */
  cache?: CacheEvictor;
  statfs?: StatFs;
  timers?: Clock;
  /** Pause between sweeps of `start()`. @default 30000 */
  intervalMs?: number;
}

export interface SweepReport {
  deletedForAge: number;
  deletedForSpace: number;
  cacheFilesDeleted: number;
  freedBytes: number;
  requiredFreeBytes: number;
  freeBytes: number;
  totalBytes: number;
  /** False when only keep-session footage was left and the floor is still not met. */
  floorMet: boolean;
}

export class RetentionSweeper {
  #opts: RetentionOptions;
  #statfs: StatFs;
  #timers: Clock;
  #cameras: Pick<CameraSpec, "id" | "retention_days">[] = [];
  #policy: StoragePolicy = DEFAULT_STORAGE_POLICY;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: TimerId | null = null;
  #running = false;
  #warnedFloor = false;

  constructor(options: RetentionOptions) {
    this.#opts = options;
    this.#statfs = options.statfs ?? realStatFs;
    this.#timers = options.timers ?? realClock;
  }

  /** The desired state's cameras (retention_days) and storage policy. */
  configure(
    cameras: Pick<CameraSpec, "id" | "retention_days">[],
    policy: StoragePolicy | undefined,
  ): void {
    this.#cameras = cameras.map((c) => ({
      id: c.id,
      retention_days: c.retention_days ?? null,
    }));
    this.#policy = { ...DEFAULT_STORAGE_POLICY, ...policy };
  }

  /** Sweeps now (after any sweep in progress). */
  sweep(): Promise<SweepReport> {
    const run = this.#chain.then(() => this.#sweep());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Sweeps at once and then every `intervalMs`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = () => {
      this.#timer = null;
      this.sweep().catch((e) =>
        log.error("retention sweep failed", { error: errorMessage(e) })
      ).finally(() => {
        if (this.#running) {
          this.#timer = this.#timers.setTimeout(
            tick,
            this.#opts.intervalMs ?? 30_000,
          );
        }
      });
    };
    tick();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#chain;
  }

  async #sweep(): Promise<SweepReport> {
    const { root, outbox } = this.#opts;
    const policy = this.#policy;
    const keep = new Set(policy.keep_sessions.map(sessionTag));
    const now = this.#timers.now();
    const report: SweepReport = {
      deletedForAge: 0,
      deletedForSpace: 0,
      cacheFilesDeleted: 0,
      freedBytes: 0,
      requiredFreeBytes: 0,
      freeBytes: 0,
      totalBytes: 0,
      floorMet: true,
    };

    // 1. Age, per camera that has a limit.
    for (const cam of this.#cameras) {
      const days = cam.retention_days;
      if (days === null || days === undefined || !(days > 0)) continue;
      const cutoff = now - days * DAY_MS;
      for (const date of await listDates(root, cam.id)) {
        // Folders are oldest first; one whose day starts after the cutoff
        // (and every later one) holds only younger segments.
        if (Date.parse(`${date}T00:00:00Z`) > cutoff) break;
        for (const seg of await listSegments(root, cam.id, date)) {
          if (endOf(seg) >= cutoff || keep.has(seg.sessionTag)) continue;
          await deleteSegment(root, seg, "retention", outbox);
          report.deletedForAge++;
          report.freedBytes += seg.sizeBytes;
        }
      }
    }

    // 2. Free-space floor.
    let disk = this.#statfs(root);
    const required = requiredFreeBytes(policy, disk.totalBytes);
    report.requiredFreeBytes = required;
    if (disk.freeBytes < required && this.#opts.cache) {
      report.cacheFilesDeleted = await this.#opts.cache.evict(() => {
        disk = this.#statfs(root);
        return disk.freeBytes >= required;
      });
      disk = this.#statfs(root);
    }
    if (disk.freeBytes < required) {
      const freed = await this.#freeOldest(keep, required, (n, bytes) => {
        report.deletedForSpace += n;
        report.freedBytes += bytes;
      });
      disk = this.#statfs(root);
      report.floorMet = freed;
    }
    report.freeBytes = disk.freeBytes;
    report.totalBytes = disk.totalBytes;
    if (!report.floorMet) {
      if (!this.#warnedFloor) {
        log.error("free space below the floor and only kept footage is left", {
          free_bytes: disk.freeBytes,
          required_free_bytes: Math.round(required),
        });
      }
      this.#warnedFloor = true;
    } else this.#warnedFloor = false;
    if (report.deletedForAge + report.deletedForSpace > 0) {
      log.info("retention deleted segments", {
        for_age: report.deletedForAge,
        for_space: report.deletedForSpace,
        freed_bytes: report.freedBytes,
      });
    }
    return report;
  }

  /**
   * Deletes the oldest segments across all cameras, a date at a time, until
   * the floor is met. Returns whether it was met.
   */
  async #freeOldest(
    keep: Set<string>,
    required: number,
    count: (n: number, bytes: number) => void,
  ): Promise<boolean> {
    const { root, outbox } = this.#opts;
    const queues = new Map<string, string[]>();
    for (const cam of await listCameras(root)) {
      const dates = await listDates(root, cam);
      if (dates.length) queues.set(cam, dates);
    }
    while (queues.size > 0) {
      const date = [...queues.values()].map((d) => d[0]).sort()[0];
      const batch: SegmentFile[] = [];
      for (const [cam, dates] of queues) {
        if (dates[0] !== date) continue;
        batch.push(...await listSegments(root, cam, date));
        dates.shift();
        if (dates.length === 0) queues.delete(cam);
      }
      batch.sort((a, b) => a.startMs - b.startMs || (a.path < b.path ? -1 : 1));
      for (const seg of batch) {
        if (keep.has(seg.sessionTag)) continue;
        await deleteSegment(root, seg, "free_space", outbox);
        count(1, seg.sizeBytes);
        if (this.#statfs(root).freeBytes >= required) return true;
      }
    }
    return this.#statfs(root).freeBytes >= required;
  }
}

/** A segment's end: its mtime (closed then), at least its start. */
function endOf(seg: SegmentFile): number {
  return Math.max(seg.startMs, seg.mtimeMs);
}
