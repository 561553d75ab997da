/**
 * Per-camera fan-out towards browsers. The first viewer of a camera opens ONE
 * upstream MJPEG connection to the node agent that runs it; every further
 * viewer shares its frames through a FrameHub (latest frame, by reference; slow
 * viewers skip frames). The upstream closes `idleGraceMs` after the last viewer
 * leaves, so a page reload does not tear it down.
 */
import { type Frame, FrameHub } from "../../lib/frame_hub.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { readMjpeg } from "../../lib/mjpeg.ts";

const log = logger("streams");

/** Where a camera's frames come from: the node agent URL and its token. */
export interface UpstreamTarget {
  url: string;
  token: string;
  /** Verifies the node agent's https certificate (NodeTarget.client). */
  client?: Deno.HttpClient;
}

export interface StreamHubOptions {
  /** Resolves a camera id to its node agent stream URL; throws AppError when it cannot run. */
  resolve: (
    cameraId: string,
    kind: "stream" | "snapshot",
  ) => Promise<UpstreamTarget>;
  /** @default 5000 */
  idleGraceMs?: number;
  fetch?: typeof fetch;
}

interface Upstream {
  hub: FrameHub;
  abort: AbortController | null;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  lastError: string | null;
  /** `warm()`'s hold on the hub, released by `warmTimer`. */
  warmLeave: (() => void) | undefined;
  warmTimer: ReturnType<typeof setTimeout> | undefined;
}

export class StreamHub {
  #upstreams = new Map<string, Upstream>();
  #opts: StreamHubOptions;
  #fetch: typeof fetch;

  constructor(opts: StreamHubOptions) {
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Number of open upstream connections (one per watched camera). */
  get upstreamCount(): number {
    let n = 0;
    for (const u of this.#upstreams.values()) if (u.abort) n++;
    return n;
  }

  /**
   * Throws the AppError explaining why a camera cannot stream now (no node,
   * node offline), so a viewer gets a clear 503 instead of a silent stream.
   */
  async check(cameraId: string): Promise<void> {
    await this.#opts.resolve(cameraId, "stream");
  }

  /** Joins a camera's stream; call `leave` exactly once when the viewer goes. */
  join(cameraId: string): { hub: FrameHub; leave: () => void } {
    const up = this.#upstream(cameraId);
    return { hub: up.hub, leave: up.hub.subscribe() };
  }

  /**
   * Opens the upstreams of `cameraIds` now and holds them for `holdMs`, as a
   * viewer would: a page that is about to watch them (the grid just
   * rendered) finds the node's relays already starting or running, instead
   * of starting them only once its scripts ran. A repeated call extends the
   * hold; after it the usual idle grace applies.
   */
  warm(cameraIds: string[], holdMs = 5000): void {
    for (const id of cameraIds) {
      const up = this.#upstream(id);
      clearTimeout(up.warmTimer);
      up.warmLeave ??= up.hub.subscribe();
      up.warmTimer = setTimeout(() => {
        up.warmLeave?.();
        up.warmLeave = undefined;
      }, holdMs);
    }
  }

  /** The latest frame if it is fresher than `maxAgeMs`. */
  fresh(cameraId: string, maxAgeMs = 2000): Frame | null {
    const f = this.#upstreams.get(cameraId)?.hub.latest();
    return f && Date.now() - f.atMs <= maxAgeMs ? f : null;
  }

  /** Drops a camera's upstream at once (camera deleted or moved). */
  forget(cameraId: string): void {
    const up = this.#upstreams.get(cameraId);
    if (!up) return;
    this.#upstreams.delete(cameraId);
    clearTimeout(up.idleTimer);
    clearTimeout(up.warmTimer);
    up.abort?.abort();
    up.hub.close();
  }

  closeAll(): void {
    for (const id of [...this.#upstreams.keys()]) this.forget(id);
  }

  #upstream(cameraId: string): Upstream {
    let up = this.#upstreams.get(cameraId);
    if (up) return up;
    const created: Upstream = {
      hub: new FrameHub({
        onActive: () => {
          clearTimeout(created.idleTimer);
          if (!created.abort) this.#pump(cameraId, created);
        },
        onIdle: () => {
          created.idleTimer = setTimeout(() => {
            if (created.hub.subscribers === 0) {
              created.abort?.abort();
              created.abort = null;
              created.hub.clear();
            }
          }, this.#opts.idleGraceMs ?? 5000);
        },
      }),
      abort: null,
      idleTimer: undefined,
      lastError: null,
      warmLeave: undefined,
      warmTimer: undefined,
    };
    up = created;
    this.#upstreams.set(cameraId, up);
    return up;
  }

  /** Keeps one upstream connection open while anyone watches, reconnecting with backoff. */
  async #pump(cameraId: string, up: Upstream) {
    const ac = new AbortController();
    up.abort = ac;
    let backoff = 250;
    while (!ac.signal.aborted) {
      try {
        const target = await this.#opts.resolve(cameraId, "stream");
        const res = await this.#fetch(target.url, {
          headers: { authorization: `Bearer ${target.token}` },
          signal: ac.signal,
          ...(target.client ? { client: target.client } : {}),
        });
        if (!res.ok || !res.body) {
          await res.body?.cancel();
          throw new Error(`node agent answered ${res.status}`);
        }
        for await (const jpeg of readMjpeg(res.body, { signal: ac.signal })) {
          up.hub.publish(jpeg);
          up.lastError = null;
          backoff = 250;
        }
        throw new Error("node agent closed the stream");
      } catch (e) {
        if (ac.signal.aborted) break;
        const msg = errorMessage(e);
        if (msg !== up.lastError) {
          log.warn("upstream stream failed", { camera: cameraId, error: msg });
        }
        up.lastError = msg;
        await sleep(backoff, ac.signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
