/**
 * Frames-in recording: serves a camera relay's JPEG frames to the recorder's
 * ffmpeg over a private unix socket (ffmpeg reads `unix:{path}`).
 *
 * Backpressure without queues: one frame is written at a time; while it is
 * being written the hub keeps only its latest frame, so when ffmpeg is slow
 * the frames published meanwhile are skipped, never queued. The feed holds a
 * hub subscription from `start()` to `close()`, which keeps the relay's ffmpeg
 * running while the camera records, whoever watches.
 *
 * A unix socket rather than ffmpeg's stdin: the Supervisor (shared by every
 * ffmpeg) spawns children with stdin closed, and a socket lets each restarted
 * ffmpeg simply connect again.
 */
import type { FrameHub } from "../../lib/frame_hub.ts";
import { errorMessage, logger } from "../../lib/log.ts";

const log = logger("recorder.feed");

export interface FrameFeedOptions {
  /** Used in logs. */
  name: string;
  /** The camera's current relay hub; looked up again when it closes. */
  hub: () => FrameHub | null;
}

export class FrameFeed {
  #opts: FrameFeedOptions;
  #dir: string | null = null;
  #listener: Deno.Listener | null = null;
  #conn: Deno.Conn | null = null;
  #connAbort: AbortController | null = null;
  #hub: FrameHub | null = null;
  #leave: (() => void) | null = null;
  #closed = false;
  #accepting: Promise<void> | null = null;
  #pumps = new Set<Promise<void>>();
  /** Frames written to ffmpeg. */
  written = 0;
  /** Frames skipped because ffmpeg (or the socket) was slower than the camera. */
  skipped = 0;

  constructor(options: FrameFeedOptions) {
    this.#opts = options;
  }

  /** The socket's path; valid after `start()`. */
  get socketPath(): string {
    if (!this.#dir) throw new Error("FrameFeed not started");
    return `${this.#dir}/feed.sock`;
  }

  /**
   * Listens on a socket in a fresh private temp folder (short path: a unix
   * socket path is limited to 108 bytes) and subscribes to the hub.
   */
  async start(): Promise<void> {
    this.#dir = await Deno.makeTempDir({ prefix: "falcon-rec-" });
    await Deno.chmod(this.#dir, 0o700);
    this.#listener = Deno.listen({ transport: "unix", path: this.socketPath });
    this.#currentHub();
    this.#accepting = this.#accept(this.#listener);
  }

  /** Stops serving, leaves the hub, removes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    this.#dropConn();
    this.#leave?.();
    this.#leave = null;
    this.#hub = null;
    await this.#accepting;
    await Promise.all([...this.#pumps]);
    if (this.#dir) {
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    }
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      // A new ffmpeg run replaces the previous connection.
      this.#dropConn();
      this.#conn = conn;
      this.#connAbort = new AbortController();
      const pump = this.#pump(conn, this.#connAbort.signal).finally(() =>
        this.#pumps.delete(pump)
      );
      this.#pumps.add(pump);
    }
  }

  async #pump(conn: Deno.Conn, signal: AbortSignal): Promise<void> {
    let seq = 0;
    let hub: FrameHub | null = null;
    const stillOurs = () => !this.#closed && this.#conn === conn;
    try {
      while (stillOurs()) {
        const current = this.#currentHub();
        if (current !== hub) {
          hub = current;
          seq = 0;
        }
        if (!hub) {
          await sleep(250);
          continue;
        }
        const frame = await hub.next(seq, signal);
        if (!stillOurs()) break;
        if (!frame) {
          await sleep(250); // hub closed (relay replaced or gone): look again
          continue;
        }
        if (seq > 0 && frame.seq > seq + 1) this.skipped += frame.seq - seq - 1;
        seq = frame.seq;
        await writeAll(conn, frame.data);
        this.written++;
      }
    } catch (e) {
      if (stillOurs()) {
        log.debug("ffmpeg left the frame feed", {
          camera: this.#opts.name,
          error: errorMessage(e),
        });
      }
    } finally {
      if (this.#conn === conn) this.#dropConn();
    }
  }

  /** The hub to read; re-subscribes when the camera's relay was replaced. */
  #currentHub(): FrameHub | null {
    if (this.#closed) return null;
    const hub = this.#opts.hub();
    if (hub !== this.#hub) {
      this.#leave?.();
      this.#leave = hub ? hub.subscribe() : null;
      this.#hub = hub;
    }
    return hub;
  }

  #dropConn(): void {
    const conn = this.#conn;
    this.#conn = null;
    this.#connAbort?.abort();
    this.#connAbort = null;
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
