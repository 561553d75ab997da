/**
 * Playback of recorded footage in the page: what a Play covers (at most an
 * hour), the `GET /api/cameras/{id}/playback` URL (`format=web`: HEVC is
 * converted on its node first, with progress), and the `src` of a `<video>`
 * that starts at the chosen moment. Used by the recordings page and the
 * camera page's timeline; tested in `islands/recording_helpers_test.ts`.
 */
import type { RecordingView } from "../../controller/web/types.ts";

/** Most footage one Play joins on the node: an hour (a day of 1-min segments is ~GBs). */
export const PLAY_WINDOW_MS = 3600_000;

/**
 * `/api/cameras/{id}/playback?start&end` (ISO times, UTC); `web` adds
 * `format=web`: H.264 footage as it is, HEVC converted on its node for browsers.
 */
export function playbackUrl(
  cameraId: string,
  start: Date | string,
  end: Date | string,
  web = false,
): string {
  const iso = (t: Date | string) => new Date(t).toISOString();
  const q = new URLSearchParams({ start: iso(start), end: iso(end) });
  if (web) q.set("format", "web");
  return `/api/cameras/${encodeURIComponent(cameraId)}/playback?${q}`;
}

/**
 * What Play of a session plays: from its start, at most `PLAY_WINDOW_MS`;
 * null when the camera was deleted (playback goes by camera; Download still works).
 */
export function sessionPlayRange(
  r: RecordingView,
  now = Date.now(),
): { start: string; end: string; clipped: boolean } | null {
  if (!r.camera_id || r.camera_deleted) return null;
  const start = Date.parse(r.started_at);
  const until = r.ended_at ? Date.parse(r.ended_at) : now;
  if (!Number.isFinite(start) || !Number.isFinite(until)) return null;
  const end = Math.max(start + 1000, Math.min(until, start + PLAY_WINDOW_MS));
  return {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    clipped: until > start + PLAY_WINDOW_MS,
  };
}

export type PlaybackResult =
  | { ok: true; src: string; first: string | null; offsetS: number }
  | { ok: false; message: string };

export interface PlaybackOptions {
  /** Stops waiting (the player was closed or another Play began). */
  signal?: AbortSignal;
  /** Called while HEVC footage is being converted: what to show meanwhile. */
  progress?(text: string): void;
}

/** The line shown while a node converts HEVC footage (`202` from `format=web`). */
export function conversionText(body: unknown): string {
  const b = body as { progress?: unknown; queue_position?: unknown } | null;
  const p = typeof b?.progress === "number" && Number.isFinite(b.progress)
    ? ` ${Math.round(Math.min(1, Math.max(0, b.progress)) * 100)} %`
    : "";
  const q = typeof b?.queue_position === "number" && b.queue_position > 0
    ? ` (${b.queue_position} ahead in the queue)`
    : "";
  return `Converting HEVC footage for the browser…${p}${q}`;
}

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * Prepares playback of a camera's footage from `start`: asks for the first
 * byte (the node joins the segments once and caches them, so the `<video>`'s
 * own request reuses that), reads `X-Recording-Start` (whole segments are
 * joined, so the video may begin up to a segment earlier) and returns a
 * `src` with a media fragment (`#t=`) that seeks to `start`. It asks for
 * `format=web`: HEVC footage is converted on its node first (`202` with
 * progress, asked again as told). An error answer (no footage, node offline)
 * comes back as the API's message.
 */
export async function preparePlayback(
  cameraId: string,
  start: Date | string,
  end: Date | string,
  opts: PlaybackOptions = {},
): Promise<PlaybackResult> {
  const url = playbackUrl(cameraId, start, end, true);
  let res: Response;
  for (;;) {
    if (opts.signal?.aborted) return { ok: false, message: "Cancelled." };
    try {
      res = await fetch(url, {
        credentials: "same-origin",
        headers: { range: "bytes=0-0" },
        signal: opts.signal,
      });
    } catch {
      return {
        ok: false,
        message: opts.signal?.aborted
          ? "Cancelled."
          : "Cannot reach the controller; check the connection and try again.",
      };
    }
    if (res.status !== 202) break;
    const body = await res.json().catch(() => null);
    opts.progress?.(conversionText(body));
    const after = Number(body?.retry_after_ms);
    await wait(
      Number.isFinite(after) ? Math.min(10_000, Math.max(500, after)) : 2000,
      opts.signal,
    );
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    const msg = body?.error?.message;
    return {
      ok: false,
      message: typeof msg === "string"
        ? msg
        : `The controller answered ${res.status}`,
    };
  }
  await res.body?.cancel().catch(() => {});
  const first = res.headers.get("x-recording-start");
  const offsetS = first
    ? Math.max(0, (new Date(start).getTime() - Date.parse(first)) / 1000)
    : 0;
  const t = Number.isFinite(offsetS) ? offsetS : 0;
  return {
    ok: true,
    src: t >= 0.5 ? `${url}#t=${t.toFixed(1)}` : url,
    first,
    offsetS: t,
  };
}

/**
 * One Play at a time: cancels the Play held in `slot` (a ref), prepares
 * `range` of the camera's footage, and resolves null when a later Play or
 * the page cancelled this one meanwhile (its progress stops with it).
 */
export async function startPlay(
  slot: { current: AbortController | null },
  cameraId: string,
  range: { start: string; end: string },
  progress: (text: string) => void,
): Promise<PlaybackResult | null> {
  slot.current?.abort();
  const ac = new AbortController();
  slot.current = ac;
  const out = await preparePlayback(cameraId, range.start, range.end, {
    signal: ac.signal,
    progress: (text) => !ac.signal.aborted && progress(text),
  });
  if (ac.signal.aborted) return null;
  slot.current = null;
  return out;
}
