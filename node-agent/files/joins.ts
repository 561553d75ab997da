/**
 * Joins: one MP4 made from a list of segments by stream copy (ffmpeg concat
 * demuxer), kept in the cache folder under the SHA-256 of the path list
 * (docs/design/recording.md § Joins and the cache).
 *
 * Bounded, because every distinct range a viewer asks for is a new ffmpeg:
 * at most `maxJoins` run at once, at most `maxQueue` wait (more → 429 with
 * Retry-After). Viewers of the same list share one job; when every one of
 * them has hung up, a waiting job leaves the queue and a running one's ffmpeg
 * is killed and its partial output deleted. Room in the cache and on the
 * disk is reserved before ffmpeg starts (FileCache.reserve).
 */
import PQueue from "p-queue";
import { AppError } from "../../lib/errors.ts";
import { logger } from "../../lib/log.ts";
import { concatArgs } from "../recorder/args.ts";
import { runTool } from "../recorder/media.ts";
import type { FileCache } from "./cache.ts";

const log = logger("node-files");

/** What `POST /v1/recordings/join` answers. */
export interface JoinResult {
  /** SHA-256 of the path list, hex: the cache key. */
  id: string;
  /** Where to fetch it on this node agent. */
  url: string;
  /** Path of the file relative to the data dir's cache. */
  cache_path: string;
  size_bytes: number;
  segments: number;
  /** True when an earlier join of the same list was reused. */
  cached: boolean;
}

export interface JoinerOptions {
  cache: FileCache;
  ffmpegPath: string;
  /** Free bytes the disk must keep (the storage policy's floor), asked per join. */
  floorBytes: () => number;
  /** ffmpeg joins running at once. @default 2 */
  maxJoins?: number;
  /** Joins that may wait besides the running ones. @default 8 */
  maxQueue?: number;
  /** Time limit of one join (the controller waits 300 s). @default 280000 */
  timeoutMs?: number;
  /** Joined files unused for longer are removed when another join runs. @default 6 h */
  cacheMaxAgeMs?: number;
}

interface Job {
  promise: Promise<JoinResult>;
  waiters: number;
  ac: AbortController;
}

/** Stream copy: the output is about the inputs' size, plus headers. */
export function joinEstimate(inputBytes: number): number {
  return Math.ceil(inputBytes * 1.01) + 64 * 1024;
}

export class Joiner {
  #opts: JoinerOptions;
  #queue: PQueue;
  #jobs = new Map<string, Job>();

  constructor(opts: JoinerOptions) {
    this.#opts = opts;
    this.#queue = new PQueue({ concurrency: opts.maxJoins ?? 2 });
  }

  /** ffmpeg joins running now. */
  get running(): number {
    return this.#queue.pending;
  }

  /**
   * The joined file of `files` (absolute paths, in order) under `id`: from
   * the cache, by joining the job already making it, or a new job. `signal`
   * is the asker's request: when it aborts, this asker stops waiting.
   */
  async join(
    id: string,
    files: string[],
    signal?: AbortSignal,
  ): Promise<JoinResult> {
    const cached = await this.#cached(id, files.length);
    if (cached) return cached;
    let job = this.#jobs.get(id);
    // A job every asker left is being torn down: start afresh.
    if (job?.ac.signal.aborted) job = undefined;
    if (!job) {
      const max = (this.#opts.maxJoins ?? 2) + (this.#opts.maxQueue ?? 8);
      if (this.#queue.size + this.#queue.pending >= max) {
        throw new AppError(
          "rate_limited",
          `The node is busy joining other footage (${this.#queue.pending} running, ${this.#queue.size} waiting); try again later`,
          { retryAfterS: 10 },
        );
      }
      const ac = new AbortController();
      const fresh: Job = { promise: Promise.resolve(null!), waiters: 0, ac };
      fresh.promise = this.#queue.add(
        ({ signal }) => this.#run(id, files, signal!),
        { signal: ac.signal },
      ).finally(() => {
        if (this.#jobs.get(id) === fresh) this.#jobs.delete(id);
      });
      fresh.promise.catch(() => {}); // every asker sees it; none may leave it unhandled
      job = fresh;
      this.#jobs.set(id, job);
    }
    return await this.#wait(job, signal);
  }

  /** Waits for `job` until it ends or `signal` aborts; the last asker to leave cancels it. */
  #wait(job: Job, signal?: AbortSignal): Promise<JoinResult> {
    job.waiters++;
    return new Promise<JoinResult>((resolve, reject) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        signal?.removeEventListener("abort", onAbort);
        job.waiters--;
      };
      const onAbort = () => {
        leave();
        if (job.waiters === 0) {
          job.ac.abort(new AppError("unavailable", "The join was cancelled"));
        }
        reject(new AppError("unavailable", "The request was cancelled"));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      job.promise.then((r) => {
        leave();
        resolve(r);
      }, (e) => {
        leave();
        reject(e);
      });
    });
  }

  async #cached(id: string, segments: number): Promise<JoinResult | null> {
    const out = `${this.#opts.cache.dir}/${id}.mp4`;
    const st = await Deno.stat(out).catch(() => null);
    if (!st?.isFile) return null;
    const now = new Date();
    await Deno.utime(out, now, now).catch(() => {}); // recently used: evicted last
    return answer(id, segments, st.size, true);
  }

  async #run(
    id: string,
    files: string[],
    signal: AbortSignal,
  ): Promise<JoinResult> {
    const cached = await this.#cached(id, files.length); // made while queued?
    if (cached) return cached;
    const { cache } = this.#opts;
    const dir = cache.dir;
    const out = `${dir}/${id}.mp4`;
    // Own names per job: a cancelled job of the same id may still be cleaning up.
    const run = crypto.randomUUID().slice(0, 8);
    const list = `${dir}/${id}.${run}.txt`;
    const tmp = `${dir}/${id}.${run}.part.mp4`;
    let inputBytes = 0;
    for (const f of files) {
      inputBytes += await Deno.stat(f).then((s) => s.size, () => 0);
    }
    await cache.prune(this.#opts.cacheMaxAgeMs ?? 6 * 3_600_000);
    const releaseRoom = await cache.reserve(
      joinEstimate(inputBytes),
      tmp,
      this.#opts.floorBytes(),
    );
    const held = [cache.hold(list), cache.hold(tmp), cache.hold(out)];
    try {
      signal.throwIfAborted();
      await Deno.writeTextFile(
        list,
        files.map((f) => `file '${f.replaceAll("'", "'\\''")}'\n`).join(""),
      );
      const r = await runTool(
        this.#opts.ffmpegPath,
        concatArgs(list, tmp),
        this.#opts.timeoutMs ?? 280_000,
        signal,
      );
      signal.throwIfAborted();
      if (!r.ok) {
        throw new AppError(
          "internal",
          `Cannot join ${files.length} segments: ${
            r.stderr || `ffmpeg exit ${r.code}`
          }`,
        );
      }
      await Deno.rename(tmp, out);
      log.info("joined segments", { id, segments: files.length });
      return answer(id, files.length, (await Deno.stat(out)).size, false);
    } catch (e) {
      if (signal.aborted) {
        log.info("join cancelled: every asker hung up", { id });
      }
      throw e;
    } finally {
      await Deno.remove(list).catch(() => {});
      await Deno.remove(tmp).catch(() => {});
      for (const release of held) release();
      releaseRoom();
    }
  }
}

function answer(
  id: string,
  segments: number,
  size: number,
  cached: boolean,
): JoinResult {
  return {
    id,
    url: `/v1/joined/${id}`,
    cache_path: `cache/joined/${id}.mp4`,
    size_bytes: size,
    segments,
    cached,
  };
}

/** SHA-256 of a path list, hex: the id of its join and its rendition. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
