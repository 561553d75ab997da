/**
 * Web renditions: an H.264/AAC MP4 made from a list of segments, for browsers
 * that cannot play HEVC (docs/design/recording.md § Web renditions).
 *
 * - Made on request, in the background: `request()` answers at once with the
 *   job's state (`working` with progress, `ready`, or `failed` with a
 *   redacted error) and never waits for ffmpeg.
 * - One ffmpeg at a time per node agent, under `nice`, with a bounded queue
 *   (a full queue refuses with 429). `libx264 -preset veryfast -crf 23`,
 *   8-bit 4:2:0 (what browsers decode), AAC audio, `+faststart`.
 * - Kept in the cache folder as `{id}.web.mp4`, `id` being the SHA-256 of the
 *   path list (the key joins use too); disposable: retention clears it under
 *   disk pressure and old files are pruned by age.
 * - A job that fails is remembered for `failedTtlMs` (asking again answers the
 *   same failure instead of starting another doomed transcode); after that a
 *   request tries again.
 */
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";

const log = logger("rendition");

export type RenditionState = "ready" | "working" | "failed";

/** What `POST /v1/renditions` answers. */
export interface RenditionStatus {
  /** SHA-256 of the path list, hex. */
  id: string;
  state: RenditionState;
  /** 0–1 while working, when the duration is known. */
  progress?: number;
  /** Jobs ahead of this one (0 while it runs); only while working. */
  queue_position?: number;
  /** Redacted reason, when failed. */
  error?: string;
  /** Size of the file, when ready. */
  size_bytes?: number;
  /** Where to fetch it on this node agent, when ready. */
  url?: string;
}

/** How a job's process is started: argv for the transcoder. */
export interface TranscodeJob {
  /** concat-demuxer list of the input files. */
  listFile: string;
  /** Where to write (renamed into place on success). */
  output: string;
}

/**
 * The cache's rules as renditions need them (node-agent/files/cache.ts's
 * FileCache fits): hold what is being written, reserve room before a job.
 */
export interface RenditionCache {
  hold(file: string): () => void;
  isHeld(name: string): boolean;
  reserve(bytes: number, path: string, floorBytes: number): Promise<() => void>;
}

export interface RenditionOptions {
  /**
   * Shared cache rules: room is reserved (free-space floor, size bound)
   * before a transcode starts, and files being written are never swept.
   */
  cache?: RenditionCache;
  /** Free bytes the disk must keep, for `cache.reserve`. @default 0 */
  floorBytes?: () => number;
  /** Cache folder (shared with joined downloads). */
  cacheDir: string;
  ffmpegPath: string;
  /** Jobs that may wait besides the running one. @default 4 */
  maxQueue?: number;
  /** `nice` increment for the transcoder; null runs it at normal priority. @default 10 */
  niceness?: number | null;
  /** A job whose progress stalls this long is killed. @default 120000 */
  stallMs?: number;
  /** Hard limit per job. @default 4 h */
  timeoutMs?: number;
  /** How long a failure is answered before a new request retries. @default 600000 */
  failedTtlMs?: number;
  /** Renditions unused for longer are deleted when a job starts. @default 6 h */
  cacheMaxAgeMs?: number;
  /** Absolute folders to hide from error messages (recordings root, cache). */
  redactPaths?: string[];
  /** Builds the transcoder's command; tests substitute a fake one. */
  command?: (job: TranscodeJob) => { cmd: string; args: string[] };
}

/** ffmpeg argv (without the binary) of a web rendition. */
export function renditionArgs(listFile: string, output: string): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-nostats",
    "-progress",
    "pipe:1",
    "-y",
    "-protocol_whitelist",
    "file",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    listFile,
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    output,
  ];
}

/**
 * Room a rendition may take: H.264 at CRF 23 of HEVC footage is usually
 * 1–2× its size; the reservation assumes the upper end.
 */
export function renditionEstimate(inputBytes: number): number {
  return Math.ceil(inputBytes * 2) + 1024 * 1024;
}

/** True for the names ffprobe and the recorder give HEVC. */
export function isHevc(codec: string | null | undefined): boolean {
  return !!codec && /^(hevc|h\.?265)$/i.test(codec.trim());
}

interface Job {
  id: string;
  files: string[];
  durationMs: number | null;
  state: "queued" | "running" | "failed";
  progress: number;
  error?: string;
  failedAt?: number;
  child?: Deno.ChildProcess;
  /** Set when the job was cancelled by close(). */
  cancelled?: boolean;
}

export class RenditionManager {
  #opts:
    & Required<Omit<RenditionOptions, "command" | "cache" | "floorBytes">>
    & Pick<RenditionOptions, "command" | "cache" | "floorBytes">;
  #jobs = new Map<string, Job>();
  #queue: Job[] = [];
  #running: Job | null = null;
  #pump: Promise<void> | null = null;
  #closed = false;
  #swept = false;
  #niceMissing = false;
  #onUnload = () => this.#killRunning();

  constructor(opts: RenditionOptions) {
    this.#opts = {
      maxQueue: 4,
      niceness: 10,
      stallMs: 120_000,
      timeoutMs: 4 * 3_600_000,
      failedTtlMs: 600_000,
      cacheMaxAgeMs: 6 * 3_600_000,
      redactPaths: [],
      ...opts,
    };
    // Best effort: a normal exit of the agent does not leave a transcoder behind.
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /** Path of a finished rendition (it may not exist). */
  fileOf(id: string): string {
    checkId(id);
    return `${this.#opts.cacheDir}/${id}.web.mp4`;
  }

  /**
   * The rendition of `files` (absolute paths, in order) under `id`: ready,
   * being made (queued or running), or failed. Starts a job when there is
   * none; never waits for it. 429 when the queue is full.
   */
  async request(
    id: string,
    files: string[],
    durationMs?: number | null,
  ): Promise<RenditionStatus> {
    checkId(id);
    if (this.#closed) {
      throw new AppError("unavailable", "The node agent is shutting down");
    }
    const job = this.#jobs.get(id);
    if (job?.state === "failed") {
      if (Date.now() - (job.failedAt ?? 0) < this.#opts.failedTtlMs) {
        return this.#statusOf(job);
      }
      this.#jobs.delete(id);
    } else if (job) {
      return this.#statusOf(job);
    }
    const ready = await this.#ready(id, true);
    if (ready) return ready;
    if (this.#queue.length >= this.#opts.maxQueue) {
      throw new AppError(
        "rate_limited",
        `The node is busy converting other footage (${this.#queue.length} waiting); try again later`,
        { retryAfterS: 30 },
      );
    }
    const fresh: Job = {
      id,
      files: [...files],
      durationMs: durationMs && durationMs > 0 ? durationMs : null,
      state: "queued",
      progress: 0,
    };
    this.#jobs.set(id, fresh);
    this.#queue.push(fresh);
    log.info("web rendition queued", {
      id,
      segments: files.length,
      waiting: this.#queue.length,
    });
    this.#pump ??= this.#work().finally(() => this.#pump = null);
    return this.#statusOf(fresh);
  }

  /** The state of `id` without starting anything; null when unknown. */
  async status(id: string): Promise<RenditionStatus | null> {
    checkId(id);
    const job = this.#jobs.get(id);
    if (job) return this.#statusOf(job);
    return await this.#ready(id, false);
  }

  /** Stops the running job and drops the queue; resolves once the transcoder exited. */
  async close(): Promise<void> {
    this.#closed = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    for (const j of this.#queue) this.#jobs.delete(j.id);
    this.#queue = [];
    this.#killRunning();
    await this.#pump;
  }

  #killRunning() {
    const r = this.#running;
    if (!r?.child) return;
    r.cancelled = true;
    try {
      r.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  #statusOf(job: Job): RenditionStatus {
    if (job.state === "failed") {
      return { id: job.id, state: "failed", error: job.error };
    }
    const position = job.state === "running" ? 0 : this.#queue.indexOf(job) + 1;
    return {
      id: job.id,
      state: "working",
      ...(job.durationMs !== null
        ? { progress: Math.round(job.progress * 1000) / 1000 }
        : {}),
      queue_position: position,
    };
  }

  async #ready(id: string, touch: boolean): Promise<RenditionStatus | null> {
    const path = this.fileOf(id);
    const st = await Deno.stat(path).catch(() => null);
    if (!st?.isFile) return null;
    if (touch) {
      const now = new Date();
      await Deno.utime(path, now, now).catch(() => {}); // recently used: pruned last
    }
    return {
      id,
      state: "ready",
      size_bytes: st.size,
      url: `/v1/renditions/${id}`,
    };
  }

  async #work(): Promise<void> {
    for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
      if (this.#closed) break;
      this.#running = job;
      job.state = "running";
      try {
        await this.#run(job);
        this.#jobs.delete(job.id);
      } catch (e) {
        if (job.cancelled) {
          this.#jobs.delete(job.id);
        } else {
          job.state = "failed";
          job.failedAt = Date.now();
          job.error = this.#redact(
            e instanceof AppError ? e.message : errorMessage(e),
          );
          log.warn("web rendition failed", { id: job.id, error: job.error });
        }
      } finally {
        this.#running = null;
      }
    }
  }

  async #run(job: Job): Promise<void> {
    const dir = this.#opts.cacheDir;
    await Deno.mkdir(dir, { recursive: true });
    await this.#sweep();
    const list = `${dir}/${job.id}.web.txt`;
    const part = `${dir}/${job.id}.web.part.mp4`;
    const out = this.fileOf(job.id);
    await Deno.writeTextFile(
      list,
      job.files.map((f) => `file '${f.replaceAll("'", "'\\''")}'\n`).join(""),
    );
    const started = Date.now();
    const cache = this.#opts.cache;
    const held = cache ? [list, part, out].map((f) => cache.hold(f)) : [];
    let releaseRoom = () => {};
    try {
      if (cache) {
        let inputBytes = 0;
        for (const f of job.files) {
          inputBytes += await Deno.stat(f).then((s) => s.size, () => 0);
        }
        releaseRoom = await cache.reserve(
          renditionEstimate(inputBytes),
          part,
          this.#opts.floorBytes?.() ?? 0,
        );
      }
      const { cmd, args } =
        this.#opts.command?.({ listFile: list, output: part }) ??
          { cmd: this.#opts.ffmpegPath, args: renditionArgs(list, part) };
      const r = await this.#spawn(job, cmd, args);
      if (job.cancelled) throw new Error("cancelled");
      if (!r.ok) throw new Error(r.error);
      const st = await Deno.stat(part).catch(() => null);
      if (!st?.isFile || st.size === 0) {
        throw new Error("the transcoder wrote no output");
      }
      await Deno.rename(part, out);
    } finally {
      await Deno.remove(list).catch(() => {});
      await Deno.remove(part).catch(() => {});
      for (const release of held) release();
      releaseRoom();
    }
    log.info("web rendition ready", {
      id: job.id,
      segments: job.files.length,
      ms: Date.now() - started,
    });
  }

  /** Runs the transcoder (under nice), following `-progress` on stdout. */
  async #spawn(
    job: Job,
    cmd: string,
    args: string[],
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    const niced = this.#opts.niceness !== null && !this.#niceMissing;
    let child: Deno.ChildProcess;
    try {
      child = spawn(
        niced ? "nice" : cmd,
        niced ? ["-n", String(this.#opts.niceness), cmd, ...args] : args,
      );
    } catch (e) {
      if (niced && e instanceof Deno.errors.NotFound) {
        this.#niceMissing = true;
        log.warn("nice not found; transcoding at normal priority");
        return await this.#spawn(job, cmd, args);
      }
      return {
        ok: false,
        error: `${cmd} could not be started: ${errorMessage(e)}`,
      };
    }
    job.child = child;
    if (job.cancelled) child.kill("SIGKILL");
    let lastProgress = Date.now();
    let why = "";
    const kill = (reason: string) => {
      why ||= reason;
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > this.#opts.stallMs) {
        kill(`no progress for ${seconds(this.#opts.stallMs)} s`);
      }
    }, Math.min(1000, this.#opts.stallMs));
    const deadline = setTimeout(
      () =>
        kill(`timed out after ${Math.round(this.#opts.timeoutMs / 1000)} s`),
      this.#opts.timeoutMs,
    );
    const readStdout = (async () => {
      let buf = "";
      for await (
        const chunk of child.stdout.pipeThrough(new TextDecoderStream())
      ) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          const m = /^out_time_(?:us|ms)=(\d+)$/.exec(line);
          if (m) {
            lastProgress = Date.now();
            if (job.durationMs) {
              job.progress = Math.min(
                0.99,
                Math.max(job.progress, Number(m[1]) / 1000 / job.durationMs),
              );
            }
          } else if (line.startsWith("progress=")) lastProgress = Date.now();
        }
      }
    })().catch(() => {});
    const readStderr = (async () => {
      let tail = "";
      for await (
        const chunk of child.stderr.pipeThrough(new TextDecoderStream())
      ) {
        tail = (tail + chunk).slice(-4000);
      }
      return tail;
    })().catch(() => "");
    try {
      const [status, , stderr] = await Promise.all([
        child.status,
        readStdout,
        readStderr,
      ]);
      if (status.success) return { ok: true };
      const lines = stderr.trim().split("\n").filter(Boolean).slice(-3).join(
        "; ",
      );
      return {
        ok: false,
        error: why
          ? `transcoding stopped: ${why}`
          : `transcoding failed (exit ${status.code}${
            status.signal ? `, ${status.signal}` : ""
          })${lines ? `: ${lines}` : ""}`,
      };
    } finally {
      clearInterval(watchdog);
      clearTimeout(deadline);
      job.child = undefined;
    }
  }

  /** Removes leftovers of a crashed agent (once) and renditions unused for long. */
  async #sweep(): Promise<void> {
    const dir = this.#opts.cacheDir;
    const cutoff = Date.now() - this.#opts.cacheMaxAgeMs;
    const first = !this.#swept;
    this.#swept = true;
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isFile) continue;
        const p = `${dir}/${e.name}`;
        // Never what is being written or served now.
        if (this.#opts.cache?.isHeld(e.name)) continue;
        if (first && /\.web\.(part\.mp4|txt)$/.test(e.name)) {
          await Deno.remove(p).catch(() => {});
          continue;
        }
        if (!/^[0-9a-f]{64}\.web\.mp4$/.test(e.name)) continue;
        const st = await Deno.stat(p).catch(() => null);
        if (st && (st.mtime?.getTime() ?? 0) < cutoff) {
          await Deno.remove(p).catch(() => {});
        }
      }
    } catch {
      // nothing to sweep
    }
  }

  #redact(text: string): string {
    let out = text;
    const paths = [...this.#opts.redactPaths, this.#opts.cacheDir]
      .sort((a, b) => b.length - a.length); // the longest first
    for (const p of paths) {
      if (p) out = out.split(p).join("…");
    }
    // Any other absolute path of this machine says nothing useful to a user.
    out = out.replace(/(^|[\s'"(=])\/(?:[^\s'"/:]+\/)+/g, "$1…/");
    return redactText(out).slice(0, 500);
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
}

function spawn(cmd: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function checkId(id: string): void {
  if (!/^[0-9a-f]{64}$/.test(id)) {
    throw new AppError("invalid_input", "Invalid rendition id", {
      field: "id",
    });
  }
}
