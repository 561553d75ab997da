/**
 * One camera's recorder for one session (docs/design/recording.md): an ffmpeg
 * under a Supervisor writes fMP4 segments into `{camera}/.incoming/`; the
 * recorder notices each closed segment in the run's CSV segment list and
 * closes it (probe, fsync, rename, durable `segment.closed` event).
 *
 * - A failed run (camera gone, stream ended, crash, stall) is restarted by the
 *   Supervisor with backoff; the missing time is the gap. Each failure emits a
 *   redacted `recording.failed`, at most one per camera per minute.
 * - When a run ends, all its files are closed: listed ones normally, the
 *   unlisted one (the run died mid-segment) is repaired and reported with
 *   `recovered: true`.
 * - `stop()` sends SIGTERM (SIGKILL after the grace), so ffmpeg finalises the
 *   open segment, which is then closed and reported like any other.
 *
 * All file work runs in one queue per recorder, in order.
 */
import type { FrameHub } from "../../lib/frame_hub.ts";
import { errorMessage, logger, registerSecret } from "../../lib/log.ts";
import type {
  CameraSpec,
  RecordingFailedEvent,
  RecordSpec,
  SegmentClosedEvent,
} from "../../lib/protocol/mod.ts";
import { redactText } from "../../lib/redact.ts";
import { AppError } from "../../lib/errors.ts";
import {
  Supervisor,
  type SupervisorOptions,
  type SupervisorState,
} from "../ffmpeg/supervisor.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { newEventId } from "../outbox/outbox.ts";
import {
  fsyncDir,
  fsyncFile,
  removeIfExists,
  writeFileAtomic,
} from "../storage/durable.ts";
import { incomingDir, isSafeId, parseIncomingName } from "../storage/layout.ts";
import {
  anchorPath,
  audioPlan,
  clampSegmentSeconds,
  recordArgs,
  type RecordSource,
  segmentListPath,
  type SegmentOutput,
} from "./args.ts";
import { closeSegment } from "./close.ts";
import { secretsOf } from "../relay/relay.ts";
import { FrameFeed } from "./feed.ts";
import { probeRtspCodecs } from "./media.ts";
import { onvifResolver } from "../onvif/resolve.ts";
import {
  AnchorEstimator,
  parseSegmentList,
  ProgressParser,
  type SegmentListEntry,
} from "./timeline.ts";

/** Supervisor settings a recorder passes through (tests shorten them). */
export type RecorderTuning = Pick<
  SupervisorOptions,
  "backoff" | "healthyAfterMs" | "stallTimeoutMs" | "stopTimeoutMs"
>;

/** What a recorder needs from the node agent. */
export interface RecorderDeps {
  /** Recordings root (`{data dir}/recordings`). */
  root: string;
  outbox: Outbox;
  ffmpegPath: string;
  ffprobePath: string;
  /** The camera's relay hub, for frames-in sources; null when none runs. */
  hubOf: (cameraId: string) => FrameHub | null;
  tuning?: RecorderTuning;
  timers?: Clock;
  /** Least time between two `recording.failed` events of one camera. @default 60000 */
  failureEventIntervalMs?: number;
  /**
   * How often the segment being written is fsynced, so a power cut loses at
   * most this plus one fragment. @default 1000
   */
  openFsyncMs?: number;
  /** A segment was closed and its event produced. */
  onSegment?: (event: SegmentClosedEvent) => void;
  /** The recorder's runtime state changed. */
  onChange?: () => void;
}

/** What the node agent reports about a recording camera. */
export interface RecorderRuntime {
  camera_id: string;
  session_id: string;
  state: SupervisorState;
  error: string | null;
  restarts: number;
  segments: number;
  last_segment_at: string | null;
}

/** CSV checks while ffmpeg runs: at most this often. */
const SCAN_EVERY_MS = 500;

interface Run {
  out: SegmentOutput;
  anchor: AnchorEstimator;
  /** Files already closed (or given up on). */
  done: Set<string>;
  ended: boolean;
  listSize: number;
  entries: SegmentListEntry[];
  anchorWritten: number | null;
  lastOutUs: number;
  /** The open file last fsynced (its folder is fsynced once per new file). */
  syncedFile: string | null;
}

export class Recorder {
  readonly cameraId: string;
  readonly sessionId: string;
  #spec: CameraSpec;
  #record: RecordSpec;
  #deps: RecorderDeps;
  #timers: Clock;
  #log;
  #sup: Supervisor;
  #feed: FrameFeed | null = null;
  #incoming: string;
  #runs: Run[] = [];
  #current: Run | null = null;
  #parser = new ProgressParser();
  #queue: Promise<void> = Promise.resolve();
  #lastScanAt = 0;
  #lastFsyncAt = 0;
  #source: RecordSource | null = null;
  #started: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #lastFailureEventAt = -Infinity;
  #segments = 0;
  #lastSegmentAt: string | null = null;
  #runSeq = 0;
  /** An onvif camera's RTSP URI must be asked for again before the next run. */
  #onvifStale = false;

  constructor(spec: CameraSpec, record: RecordSpec, deps: RecorderDeps) {
    if (!isSafeId(spec.id)) {
      throw new AppError(
        "invalid_input",
        `Cannot record camera "${spec.name}": its id is not usable as a folder name`,
      );
    }
    if (!isSafeId(record.session_id)) {
      throw new AppError(
        "invalid_input",
        `Cannot record camera "${spec.name}": invalid session id`,
      );
    }
    this.cameraId = spec.id;
    this.sessionId = record.session_id;
    this.#spec = spec;
    this.#record = record;
    this.#deps = deps;
    this.#timers = deps.timers ?? realClock;
    this.#log = logger(`recorder.${spec.id}`);
    this.#incoming = incomingDir(deps.root, spec.id);
    const secrets = secretsOf(spec);
    for (const s of secrets) registerSecret(s);
    this.#sup = new Supervisor({
      stallTimeoutMs: 10_000,
      // Retry a lost source within ~2 s of its return: every second of backoff is footage lost.
      backoff: { initialMs: 500, factor: 2, maxMs: 2000 },
      ...deps.tuning,
      name: `rec.${spec.id}`,
      command: deps.ffmpegPath,
      // An onvif camera asks for its RTSP URI again before a run after a failure.
      args: () =>
        this.#spec.protocol === "onvif" ? this.#onvifArgs() : this.#args(),
      onStdout: (chunk) => this.#onStdout(chunk),
      onState: (state) => this.#onState(state),
      secrets,
      timers: this.#timers,
    });
  }

  get spec(): CameraSpec {
    return this.#spec;
  }

  get record(): RecordSpec {
    return this.#record;
  }

  /** pid of the recording ffmpeg, null between runs. */
  get pid(): number | null {
    return this.#sup.pid;
  }

  get state(): SupervisorState {
    return this.#sup.state;
  }

  /** Segments closed by this recorder. */
  get segments(): number {
    return this.#segments;
  }

  runtime(): RecorderRuntime {
    return {
      camera_id: this.cameraId,
      session_id: this.sessionId,
      state: this.#sup.state,
      error: this.#sup.lastError,
      restarts: this.#sup.restarts,
      segments: this.#segments,
      last_segment_at: this.#lastSegmentAt,
    };
  }

  /** Applies a changed name or password; source changes need a new recorder. */
  update(spec: CameraSpec): void {
    this.#spec = spec;
    const secrets = secretsOf(spec);
    for (const s of secrets) registerSecret(s);
    this.#sup.setSecrets(secrets);
  }

  /**
   * Starts recording: creates the incoming folder, learns the source's codecs
   * (RTSP) or opens the frame feed (frames-in), then starts ffmpeg.
   */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    await Deno.mkdir(this.#incoming, { recursive: true });
    // An onvif camera records like the rtsp camera it resolves to; a camera
    // that does not answer now is resolved again by the run (#onvifArgs).
    const spec = this.#spec.protocol === "onvif"
      ? await recordingSpec(this.#spec).catch((e) => {
        this.#log.warn("ONVIF camera not resolved yet", {
          error: errorMessage(e),
        });
        return {
          ...this.#spec,
          protocol: "rtsp" as const,
          source_url: null,
          record_source_url: null,
        };
      })
      : this.#spec;
    if (
      spec.protocol === "rtsp" && !spec.record_source_url && !spec.source_url
    ) {
      this.#source = {
        kind: "rtsp",
        url: "",
        transport: spec.rtsp_transport ?? "tcp",
        videoCodec: null,
        audio: audioPlan(undefined),
        fps: spec.framerate,
      };
    } else if (spec.protocol === "rtsp") {
      // The main stream when the camera has one; the live URL otherwise.
      const url = spec.record_source_url || spec.source_url || "";
      const transport = spec.rtsp_transport ?? "tcp";
      // ffmpeg also opens file: and friends: only an RTSP URL may reach -i.
      if (!/^rtsps?:\/\//i.test(url)) {
        throw new AppError(
          "invalid_input",
          `Cannot record camera "${spec.name}": its recording URL must be an rtsp:// or rtsps:// URL`,
        );
      }
      const codecs = await probeRtspCodecs(
        this.#deps.ffprobePath,
        url,
        undefined,
        transport,
      );
      if (!codecs) {
        this.#log.warn(
          "could not probe the source; recording with audio transcoding",
        );
      }
      this.#source = {
        kind: "rtsp",
        url,
        transport,
        videoCodec: codecs?.video ?? null,
        audio: audioPlan(codecs ? codecs.audio : undefined),
        fps: spec.framerate,
      };
    } else {
      const feed = new FrameFeed({
        name: spec.id,
        hub: () => this.#deps.hubOf(this.cameraId),
      });
      await feed.start();
      this.#feed = feed;
      this.#source = {
        kind: "frames",
        socketPath: feed.socketPath,
        fps: spec.framerate,
      };
    }
    if (this.#stopping) return;
    this.#log.info("recording", {
      session: this.sessionId,
      segment_seconds: clampSegmentSeconds(this.#record.segment_seconds),
      mode: this.#source.kind === "rtsp"
        ? `rtsp copy, audio ${this.#source.audio}`
        : "frames-in h264",
    });
    this.#sup.start();
  }

  /**
   * Stops ffmpeg (SIGTERM, SIGKILL after the grace) and resolves once every
   * segment it wrote is closed and reported. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#started?.catch(() => {});
      await this.#sup.stop();
      await this.#feed?.close();
      // #onState("idle") queued the end of the last run; wait for it.
      await this.#drain();
    })();
    return this.#stopping;
  }

  /** Waits until the file queue is empty. */
  async #drain(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.#queue;
      await last;
    } while (last !== this.#queue);
  }

  /** #args() for an onvif camera, with its RTSP URI resolved (again after a failure). */
  async #onvifArgs(): Promise<string[]> {
    const source = this.#source;
    if (source?.kind === "rtsp" && (this.#onvifStale || !source.url)) {
      if (this.#onvifStale) {
        // Only the URL it records from: the live one is the relay's business.
        const rec = this.#spec.record_source_url;
        const recorded = rec?.startsWith("onvif:")
          ? rec
          : this.#spec.source_url;
        if (recorded) onvifResolver.invalidate(recorded);
      }
      const spec = await recordingSpec(this.#spec);
      source.url = spec.record_source_url || spec.source_url || "";
      this.#onvifStale = false;
    }
    return this.#args();
  }

  #args(): string[] {
    const source = this.#source;
    if (!source) throw new Error("recorder not started");
    const run: Run = {
      out: {
        incomingDir: this.#incoming,
        sessionId: this.sessionId,
        run: runId(this.#timers.now(), ++this.#runSeq),
        segmentSeconds: clampSegmentSeconds(this.#record.segment_seconds),
      },
      anchor: new AnchorEstimator(),
      done: new Set(),
      ended: false,
      listSize: -1,
      entries: [],
      anchorWritten: null,
      lastOutUs: -1,
      syncedFile: null,
    };
    this.#runs.push(run);
    this.#current = run;
    this.#parser = new ProgressParser();
    return recordArgs(source, run.out);
  }

  #onStdout(chunk: Uint8Array): void {
    const run = this.#current;
    if (!run) return;
    const now = this.#timers.now();
    for (const outUs of this.#parser.push(new TextDecoder().decode(chunk))) {
      if (outUs > run.lastOutUs) {
        run.lastOutUs = outUs;
        this.#sup.progress();
      }
      run.anchor.sample(now, outUs);
    }
    const anchor = run.anchor.anchorMs;
    if (
      anchor !== null &&
      (run.anchorWritten === null || Math.abs(anchor - run.anchorWritten) > 20)
    ) {
      run.anchorWritten = anchor;
      this.#enqueue(() =>
        writeFileAtomic(anchorPath(run.out), String(Math.round(anchor)))
      );
    }
    if (now - this.#lastScanAt >= SCAN_EVERY_MS) {
      this.#lastScanAt = now;
      this.#enqueue(() => this.#scan(run));
    }
    if (now - this.#lastFsyncAt >= (this.#deps.openFsyncMs ?? 1000)) {
      this.#lastFsyncAt = now;
      this.#enqueue(() => this.#syncOpen(run));
    }
  }

  /** fsyncs the file ffmpeg is writing (and, once per file, its folder). */
  async #syncOpen(run: Run): Promise<void> {
    if (run.ended) return;
    const newest = await this.#newestFileOf(run);
    if (!newest) return;
    try {
      await fsyncFile(`${this.#incoming}/${newest}`);
      if (run.syncedFile !== newest) await fsyncDir(this.#incoming);
      run.syncedFile = newest;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // closed and moved meanwhile
    }
  }

  #onState(state: SupervisorState): void {
    if (state === "starting" || state === "backoff" || state === "idle") {
      // The previous child (if any) has exited: all its files are closed.
      for (const run of this.#runs) {
        if (run.ended) continue;
        run.ended = true;
        this.#enqueue(() => this.#finishRun(run));
      }
      if (this.#current?.ended) this.#current = null;
    }
    if (state === "backoff") {
      this.#onvifStale = true;
      this.#reportFailure();
    }
    try {
      this.#deps.onChange?.();
    } catch {
      // a listener's bug must not break recording
    }
  }

  #reportFailure(): void {
    const error = this.#sup.lastError;
    if (!error) return;
    const now = this.#timers.now();
    const every = this.#deps.failureEventIntervalMs ?? 60_000;
    if (now - this.#lastFailureEventAt < every) return;
    this.#lastFailureEventAt = now;
    const event: RecordingFailedEvent = {
      id: newEventId(),
      type: "recording.failed",
      camera_id: this.cameraId,
      session_id: this.sessionId,
      at: new Date(now).toISOString(),
      error: redactText(error).slice(0, 2000),
    };
    this.#enqueue(() => this.#deps.outbox.put(event));
  }

  #enqueue(task: () => Promise<unknown>): void {
    this.#queue = this.#queue.then(task).then(
      () => {},
      (e) => {
        this.#log.error("recording file work failed", {
          error: errorMessage(e),
        });
      },
    );
  }

  /** Reads the run's CSV and closes every listed file that is certainly closed. */
  async #scan(run: Run): Promise<void> {
    const csv = segmentListPath(run.out);
    let size: number;
    try {
      size = (await Deno.stat(csv)).size;
    } catch {
      return; // no segment closed yet
    }
    if (size !== run.listSize) {
      run.listSize = size;
      run.entries = parseSegmentList(await Deno.readTextFile(csv));
    }
    const pending = run.entries.filter((e) => !run.done.has(e.file));
    if (pending.length === 0) return;
    // ffmpeg prints a line just before it closes the file; the file is
    // certainly closed once the run ended or a later file of the run exists.
    let newest: string | null = null;
    if (!run.ended) newest = await this.#newestFileOf(run);
    for (const entry of pending) {
      if (!run.ended && (newest === null || newest === entry.file)) break;
      await this.#close(run, entry.file, entry);
      if (run.anchor.segmentClosed()) {
        this.#log.info("camera clock drifts; time anchor stepped", {
          anchor: new Date(run.anchor.anchorMs!).toISOString(),
        });
      }
    }
  }

  /** All files of an ended run: listed ones closed, the unlisted one repaired. */
  async #finishRun(run: Run): Promise<void> {
    await this.#scan(run);
    const prefix = `${run.out.sessionId}.${run.out.run}.`;
    const left: string[] = [];
    for await (const e of Deno.readDir(this.#incoming)) {
      if (
        e.isFile && e.name.startsWith(prefix) && parseIncomingName(e.name) &&
        !run.done.has(e.name)
      ) {
        left.push(e.name);
      }
    }
    left.sort();
    for (const name of left) await this.#close(run, name, null);
    await removeIfExists(segmentListPath(run.out));
    await removeIfExists(anchorPath(run.out));
    this.#runs = this.#runs.filter((r) => r !== run);
  }

  async #close(
    run: Run,
    file: string,
    entry: SegmentListEntry | null,
  ): Promise<void> {
    run.done.add(file);
    const name = parseIncomingName(file);
    if (!name) return;
    const lastEnd = run.entries.reduce((m, e) => Math.max(m, e.endS), 0);
    const event = await closeSegment({
      root: this.#deps.root,
      cameraId: this.cameraId,
      sessionId: this.sessionId,
      incomingPath: `${this.#incoming}/${file}`,
      listed: entry ? { startS: entry.startS, endS: entry.endS } : null,
      unlistedStartS: lastEnd,
      anchorMs: run.anchor.anchorMs,
      openedS: name.openedS,
    }, {
      ffmpeg: this.#deps.ffmpegPath,
      ffprobe: this.#deps.ffprobePath,
      outbox: this.#deps.outbox,
    });
    if (!event) return;
    this.#segments++;
    this.#lastSegmentAt = event.end_at;
    this.#log.debug("segment closed", {
      path: event.path,
      duration_ms: event.duration_ms,
      recovered: event.recovered,
    });
    try {
      this.#deps.onSegment?.(event);
    } catch {
      // a listener's bug must not break recording
    }
  }

  /** The newest segment file of a live run (by the epoch in its name). */
  async #newestFileOf(run: Run): Promise<string | null> {
    const prefix = `${run.out.sessionId}.${run.out.run}.`;
    let best: { name: string; s: number } | null = null;
    for await (const e of Deno.readDir(this.#incoming)) {
      if (!e.isFile || !e.name.startsWith(prefix)) continue;
      const n = parseIncomingName(e.name);
      if (n && (!best || n.openedS > best.s)) {
        best = { name: e.name, s: n.openedS };
      }
    }
    return best?.name ?? null;
  }
}

/** A run id: time and sequence in base 36, unique per node. */
function runId(nowMs: number, seq: number): string {
  const rand = crypto.getRandomValues(new Uint8Array(2));
  return `${nowMs.toString(36)}${seq.toString(36)}${rand[0].toString(36)}${
    rand[1].toString(36)
  }`.slice(0, 24);
}

/**
 * An onvif camera as the rtsp camera the recorder runs: with a recording
 * profile, only that one is resolved — a broken live profile (the relay's
 * concern) must not stop recording; without one, the live profile.
 */
export async function recordingSpec(spec: CameraSpec): Promise<CameraSpec> {
  const rec = spec.record_source_url;
  if (spec.protocol !== "onvif" || !rec) {
    return await onvifResolver.resolveSpec(spec);
  }
  return {
    ...spec,
    protocol: "rtsp",
    source_url: null,
    record_source_url: rec.startsWith("onvif:")
      ? await onvifResolver.rtspUrl(rec)
      : rec,
  };
}
