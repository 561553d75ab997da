/**
 * Several cameras over ONE HTTP response, for the dashboard grid (a browser
 * allows only ~6 HTTP/1.1 connections per host, so one MJPEG connection per
 * tile does not scale past a handful of tiles).
 *
 * Wire format: `multipart/x-mixed-replace; boundary=falconframe`, one part per
 * frame, each part
 *
 *   --falconframe\r\n
 *   Content-Type: image/jpeg\r\n
 *   Content-Length: N\r\n
 *   X-Camera-Id: <id>\r\n
 *   \r\n
 *   <N bytes of JPEG>\r\n
 *
 * Pull-based and fair: each pull sends the newest unsent frame of the next
 * camera, in round-robin order, that has one. When none has, it waits for the
 * next frame of ANY camera (one AbortController per wait; the losing waits are
 * aborted, so no waiters pile up in the hubs). Nothing is queued: a slow client
 * skips frames, per camera. A part is built once per (camera, frame) and shared
 * by every client.
 */
import type { Frame, FrameHub } from "../../lib/frame_hub.ts";
import { BOUNDARY, MJPEG_CONTENT_TYPE } from "../../lib/mjpeg.ts";

export const MUX_BOUNDARY = BOUNDARY;
export const MUX_CONTENT_TYPE = MJPEG_CONTENT_TYPE;
/** Most cameras one mux stream carries. */
export const MUX_MAX_CAMERAS = 64;

/** One camera of a mux stream: its hub and how to leave it (from `StreamHub.join`). */
export interface MuxSource {
  id: string;
  hub: FrameHub;
  leave: () => void;
}

const encoder = new TextEncoder();
const parts = new WeakMap<Frame, { id: string; part: Uint8Array }>();

/** Builds one mux part (boundary line, headers with the camera id, JPEG, CRLF). */
export function muxPart(id: string, jpeg: Uint8Array): Uint8Array {
  if (/[\r\n]/.test(id)) throw new Error("a camera id cannot hold CR or LF");
  const head = encoder.encode(
    `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\nX-Camera-Id: ${id}\r\n\r\n`,
  );
  const out = new Uint8Array(head.byteLength + jpeg.byteLength + 2);
  out.set(head, 0);
  out.set(jpeg, head.byteLength);
  out[out.byteLength - 2] = 13;
  out[out.byteLength - 1] = 10;
  return out;
}

/** The part of a camera's frame, built once and shared by every mux client. */
export function muxPartOf(id: string, frame: Frame): Uint8Array {
  const cached = parts.get(frame);
  if (cached && cached.id === id) return cached.part;
  const part = muxPart(id, frame.data);
  parts.set(frame, { id, part });
  return part;
}

interface Slot extends MuxSource {
  /** Seq of the last frame sent. */
  seq: number;
  /** The hub closed (camera deleted): out of the rotation, already left. */
  gone: boolean;
}

/**
 * The multipart body. Leaves every source exactly once: when the client
 * cancels, when `signal` aborts, or when every hub has closed.
 */
export function muxStream(
  sources: MuxSource[],
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const slots: Slot[] = sources.map((s) => ({ ...s, seq: 0, gone: false }));
  let next = 0; // round-robin position
  let done = false;
  let wait: AbortController | null = null;
  const finish = () => {
    if (done) return;
    done = true;
    wait?.abort();
    signal?.removeEventListener("abort", finish);
    for (const s of slots) {
      if (!s.gone) s.leave();
    }
  };
  signal?.addEventListener("abort", finish, { once: true });
  if (signal?.aborted) finish();

  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      while (!done) {
        const n = slots.length;
        let live = 0;
        for (let k = 0; k < n; k++) {
          const i = (next + k) % n;
          const s = slots[i];
          if (s.gone) continue;
          live++;
          const f = s.hub.latest();
          if (f && f.seq > s.seq) {
            s.seq = f.seq;
            next = (i + 1) % n;
            ctrl.enqueue(muxPartOf(s.id, f));
            return;
          }
        }
        if (live === 0) break;
        // Nothing new anywhere: wait for the first frame of any camera.
        const ac = new AbortController();
        wait = ac;
        const [slot, frame] = await Promise.race(
          slots.filter((s) => !s.gone).map((s) =>
            s.hub.next(s.seq, ac.signal).then((f) => [s, f] as const)
          ),
        );
        ac.abort(); // the losers leave their hubs' waiter sets
        wait = null;
        if (!frame && !done) {
          // A hub answered null without our abort: it closed.
          slot.gone = true;
          slot.leave();
        }
      }
      finish();
      try {
        ctrl.close();
      } catch { /* cancelled meanwhile */ }
    },
    cancel: finish,
  }, { highWaterMark: 1 });
}

/** The mux HTTP response over `sources`; see the module doc for the format. */
export function muxResponse(
  sources: MuxSource[],
  signal?: AbortSignal,
): Response {
  return new Response(muxStream(sources, signal), {
    headers: {
      "content-type": MUX_CONTENT_TYPE,
      "cache-control": "no-store, no-cache, must-revalidate",
      "pragma": "no-cache",
      "x-content-type-options": "nosniff",
    },
  });
}
