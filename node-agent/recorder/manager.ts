/**
 * All recorders of this node, kept in step with the desired state:
 * `reconcile(cameras)` starts a recorder for every camera whose `record` is
 * set, stops the ones whose `record` went away, and replaces a recorder when
 * its session, segment length or source changed (the old one finalises and
 * reports its last segment before the new one starts). Idempotent, and
 * serialised: overlapping calls apply one after the other.
 */
import { errorMessage, logger } from "../../lib/log.ts";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { isSafeId } from "../storage/layout.ts";
import { clampSegmentSeconds } from "./args.ts";
import {
  Recorder,
  type RecorderDeps,
  type RecorderRuntime,
} from "./recorder.ts";

const log = logger("recorders");

export class RecorderManager {
  #deps: RecorderDeps;
  #recorders = new Map<string, Recorder>();
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
  }

  /**
   * Starts, replaces and stops recorders to match `cameras`. Resolves once
   * removed recorders have reported their last segment and new ones started.
   */
  reconcile(cameras: CameraSpec[]): Promise<void> {
    const run = this.#chain.then(() => this.#reconcile(cameras));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #reconcile(cameras: CameraSpec[]): Promise<void> {
    if (this.#closed) return;
    const wanted = new Map<string, CameraSpec>();
    for (const c of cameras) {
      if (!c.record) continue;
      if (!isSafeId(c.id) || !isSafeId(c.record.session_id)) {
        log.error(
          "cannot record: camera or session id is not usable as a path",
          {
            camera: c.name,
          },
        );
        continue;
      }
      wanted.set(c.id, c);
    }
    const stops: Promise<void>[] = [];
    const starts: CameraSpec[] = [];
    for (const [id, rec] of this.#recorders) {
      const spec = wanted.get(id);
      if (spec && recordKey(spec) === recordKey(rec.spec)) {
        rec.update(spec);
        continue;
      }
      this.#recorders.delete(id);
      stops.push(rec.stop());
      if (spec) starts.push(spec);
    }
    for (const [id, spec] of wanted) {
      if (!this.#recorders.has(id) && !starts.includes(spec)) starts.push(spec);
    }
    await Promise.all(stops);
    await Promise.all(starts.map((spec) => this.#start(spec)));
  }

  async #start(spec: CameraSpec): Promise<void> {
    let rec: Recorder | null = null;
    try {
      rec = new Recorder(spec, spec.record!, this.#deps);
      this.#recorders.set(spec.id, rec);
      await rec.start();
    } catch (e) {
      // Forget it, so the next reconcile tries again.
      if (rec && this.#recorders.get(spec.id) === rec) {
        this.#recorders.delete(spec.id);
      }
      await rec?.stop().catch(() => {});
      log.error("cannot start recording", {
        camera: spec.name,
        error: errorMessage(e),
      });
    }
  }

  get(cameraId: string): Recorder | undefined {
    return this.#recorders.get(cameraId);
  }

  /** Camera ids that record now. */
  ids(): string[] {
    return [...this.#recorders.keys()];
  }

  runtimes(): RecorderRuntime[] {
    return [...this.#recorders.values()].map((r) => r.runtime());
  }

  /** Stops every recorder; resolves once each reported its last segment. */
  closeAll(): Promise<void> {
    this.#closed = true;
    const run = this.#chain.then(async () => {
      const all = [...this.#recorders.values()];
      this.#recorders.clear();
      await Promise.all(all.map((r) => r.stop()));
    });
    this.#chain = run.catch(() => {});
    return run;
  }
}

/** Fields whose change needs a new recorder (new session or new ffmpeg). */
function recordKey(c: CameraSpec): string {
  return JSON.stringify([
    c.record?.session_id,
    clampSegmentSeconds(c.record?.segment_seconds),
    c.protocol,
    c.source_url,
    c.record_source_url ?? null,
    c.rtsp_transport ?? "tcp",
    c.device_path,
    c.width,
    c.height,
    c.framerate,
  ]);
}
