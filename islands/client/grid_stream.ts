/**
 * Browser: the live frames of many cameras over ONE connection
 * (`GET /api/streams/live?cameras=…`), instead of one MJPEG `<img>` per tile,
 * which would use up the browser's ~6 HTTP/1.1 connections per host.
 */
import { MuxParser } from "./multipart.ts";

/** Most ids per stream (the server's limit); more cameras open more streams. */
export const MAX_PER_STREAM = 64;

export interface GridStreamHandlers {
  /** A frame for camera `id`; `jpeg` is valid only during the call. */
  frame(id: string, jpeg: Uint8Array): void;
  /** `failures` consecutive failed attempts (0: a frame arrived). */
  state(failures: number): void;
  /** Wait before retry number `failures` (1, 2, …). */
  delayMs(failures: number): number;
}

export interface GridStream {
  /** Reconnects now if waiting out a backoff. */
  retryNow(): void;
  close(): void;
}

/** A stream that ended cleanly after this long is reopened without backoff. */
export const CLEAN_END_MIN_MS = 1000;

/** Streams `ids` until closed, reconnecting with backoff after errors. */
export function openGridStream(
  ids: string[],
  h: GridStreamHandlers,
): GridStream {
  const streams: GridStream[] = [];
  for (let i = 0; i < ids.length; i += MAX_PER_STREAM) {
    streams.push(openOne(ids.slice(i, i + MAX_PER_STREAM), h));
  }
  return {
    retryNow: () => streams.forEach((s) => s.retryNow()),
    close: () => streams.forEach((s) => s.close()),
  };
}

function openOne(ids: string[], h: GridStreamHandlers): GridStream {
  const ac = new AbortController();
  const url = `/api/streams/live?cameras=${ids.map(encodeURIComponent)}`;
  let failures = 0;
  let wake = () => {};

  /**
   * True when frames came for at least `CLEAN_END_MIN_MS` and the server then
   * ended the stream cleanly (a shorter life is treated as a failure, so a
   * server that keeps hanging up cannot make this loop spin).
   */
  const once = async (): Promise<boolean> => {
    markOnce(STREAM_OPEN_MARK);
    const started = Date.now();
    const res = await fetch(url, {
      signal: ac.signal,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      return false;
    }
    const parser = new MuxParser();
    const reader = res.body.getReader();
    let frames = false;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return frames && Date.now() - started >= CLEAN_END_MIN_MS;
        for (const f of parser.push(value)) {
          frames = true;
          markOnce(STREAM_FIRST_PART_MARK);
          if (failures > 0) h.state(failures = 0);
          h.frame(f.id, f.jpeg);
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  };

  (async () => {
    while (!ac.signal.aborted) {
      try {
        // The server ends every stream after its maximum life (and when
        // access changes); after a clean end with frames, reconnect at once,
        // without a "Reconnecting…" state: the access check runs again.
        if (await once()) continue;
      } catch { /* network error or bad data: retry below */ }
      if (ac.signal.aborted) return;
      h.state(++failures);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, h.delayMs(failures));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = () => {};
    }
  })();

  return {
    retryNow: () => wake(),
    close: () => {
      ac.abort();
      wake();
    },
  };
}

/**
 * Paints JPEG frames into a canvas sized to the frame. Decodes off the main
 * thread (`createImageBitmap`) one frame at a time; frames arriving meanwhile
 * replace each other, so a slow tile skips frames instead of queueing them.
 * `onPainted` runs after each frame is drawn.
 */
export function canvasPainter(
  canvas: HTMLCanvasElement,
  onPainted?: () => void,
): (jpeg: Uint8Array) => void {
  let busy = false;
  let pending: Blob | null = null;
  const paint = async (blob: Blob) => {
    busy = true;
    try {
      const bmp = await createImageBitmap(blob);
      if (canvas.width !== bmp.width) canvas.width = bmp.width;
      if (canvas.height !== bmp.height) canvas.height = bmp.height;
      canvas.getContext("2d")?.drawImage(bmp, 0, 0);
      bmp.close();
      onPainted?.();
    } catch { /* an undecodable frame: skip it */ }
    busy = false;
    const b = pending;
    pending = null;
    if (b) void paint(b);
  };
  return (jpeg) => {
    const blob = new Blob([jpeg as Uint8Array<ArrayBuffer>], {
      type: "image/jpeg",
    });
    if (busy) pending = blob;
    else void paint(blob);
  };
}

/** `performance.mark` set when the page first requests a live stream. */
export const STREAM_OPEN_MARK = "falcon:stream-open";
/** `performance.mark` set when the page's first live frame arrives (before decoding). */
export const STREAM_FIRST_PART_MARK = "falcon:stream-first-part";

const marked = new Set<string>();
function markOnce(name: string): void {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}

/** `performance.mark` set when the first tile of the page has drawn a frame. */
export const FIRST_FRAME_MARK = "falcon:first-frame";
/** `performance.mark` set when every tile shown has drawn a frame. */
export const ALL_FRAMES_MARK = "falcon:all-frames";

/**
 * Marks the page's first drawn frame and the moment every tile had one
 * (`performance.mark`, read by bench/dashboard.ts and visible in the
 * browser's performance panel). Each mark is set once per page load.
 */
export function frameMarks(): (id: string, tiles: number) => void {
  const painted = new Set<string>();
  let all = false;
  return (id, tiles) => {
    if (all || painted.has(id)) return;
    painted.add(id);
    if (painted.size === 1) performance.mark(FIRST_FRAME_MARK);
    if (painted.size >= tiles) {
      all = true;
      performance.mark(ALL_FRAMES_MARK);
    }
  };
}
