/**
 * An MJPEG HTTP response fed from a FrameHub. Pull-based: the next frame is
 * taken only when the client has drained the previous one, so a slow client
 * skips frames instead of queueing them. Each frame's multipart part is built
 * once and shared by every viewer.
 */
import type { Frame, FrameHub } from "./frame_hub.ts";
import { MJPEG_CONTENT_TYPE, mjpegPart } from "./mjpeg.ts";

const parts = new WeakMap<Frame, Uint8Array>();

function partOf(frame: Frame): Uint8Array {
  let p = parts.get(frame);
  if (!p) {
    p = mjpegPart(frame.data);
    parts.set(frame, p);
  }
  return p;
}

export function mjpegResponse(
  hub: FrameHub,
  leave: () => void,
  signal?: AbortSignal,
): Response {
  const ac = new AbortController();
  signal?.addEventListener("abort", () => ac.abort(), { once: true });
  let seq = 0;
  let left = false;
  const finish = () => {
    if (left) return;
    left = true;
    ac.abort();
    leave();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const frame = await hub.next(seq, ac.signal);
      if (!frame) {
        finish();
        try {
          ctrl.close();
        } catch { /* already closed */ }
        return;
      }
      seq = frame.seq;
      ctrl.enqueue(partOf(frame));
    },
    cancel: finish,
  }, { highWaterMark: 1 });
  return new Response(body, {
    headers: {
      "content-type": MJPEG_CONTENT_TYPE,
      "cache-control": "no-store, no-cache, must-revalidate",
      "pragma": "no-cache",
      "x-content-type-options": "nosniff",
    },
  });
}
