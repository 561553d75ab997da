/**
 * Recording in the browser: which cameras record now (from the page, then
 * SSE `recording` events, resynced after a reconnect with one
 * `GET /api/recordings?status=recording`), start/stop with progress and the
 * API's own error, and playback of footage through
 * `GET /api/cameras/{id}/playback` (inline MP4 with Range). The pure parts
 * are tested in `islands/dashboard_helpers_test.ts`.
 */
import { useState } from "preact/hooks";
import type {
  CameraView,
  OpenRecording,
  RecordingEvent,
  RecordingView,
} from "../../controller/web/types.ts";
import { apiRequest } from "./api.ts";

/** Open recordings by camera id; a camera that is absent is not recording. */
export type RecMap = Record<string, OpenRecording>;

/** The cameras' open recordings as the page rendered them. */
export function recMapOf(cameras: CameraView[]): RecMap {
  const out: RecMap = {};
  for (const c of cameras) if (c.recording) out[c.id] = c.recording;
  return out;
}

/**
 * The open recordings after one `recording` event. A session that ends only
 * clears its camera when it is the one shown (a continuous recording's
 * midnight rollover ends one session and starts the next, in either order).
 */
export function applyRecordingEvent(map: RecMap, ev: RecordingEvent): RecMap {
  if (ev.type === "deleted") return map;
  if (ev.type === "failed") {
    const cam = ev.camera_id;
    const cur = cam ? map[cam] : undefined;
    if (!cam || !cur || cur.id !== ev.id) return map;
    return { ...map, [cam]: { ...cur, error_message: ev.error } };
  }
  const r = ev.recording;
  const cam = r.camera_id;
  if (!cam) return map;
  const cur = map[cam];
  if (r.status === "recording") {
    if (
      cur && cur.id === r.id && cur.started_at === r.started_at &&
      cur.error_message === r.error_message
    ) return map;
    return {
      ...map,
      [cam]: {
        id: r.id,
        started_at: r.started_at,
        error_message: r.error_message,
      },
    };
  }
  if (!cur || cur.id !== r.id) return map;
  const next = { ...map };
  delete next[cam];
  return next;
}

/** Every open recording the user may see (one request), or null when it failed. */
export async function fetchOpenRecordings(): Promise<RecMap | null> {
  const res = await apiRequest<{ recordings: RecordingView[] }>(
    "GET",
    "/api/recordings?status=recording&limit=500",
  );
  if (!res.ok || !Array.isArray(res.value?.recordings)) return null;
  const out: RecMap = {};
  for (const r of res.value.recordings) {
    if (r.camera_id) {
      out[r.camera_id] = {
        id: r.id,
        started_at: r.started_at,
        error_message: r.error_message,
      };
    }
  }
  return out;
}

export type RecAction = "start" | "stop";

/** State of a Record/Stop button: what is under way, and the last error as the API said it. */
export interface RecActionState {
  busy: RecAction | null;
  error: string | null;
}

/**
 * Start/stop for one camera: `run("start")` posts
 * `/api/cameras/{id}/recording/start` and hands the session to `done`; a
 * failure (409 "already recording", 503 …) is kept as the API worded it.
 */
export function useRecordAction(
  cameraId: string,
  done: (session: RecordingView) => void,
): RecActionState & { run(action: RecAction): Promise<void> } {
  const [state, setState] = useState<RecActionState>({
    busy: null,
    error: null,
  });
  const run = async (action: RecAction) => {
    if (state.busy) return;
    setState({ busy: action, error: null });
    const res = await apiRequest<RecordingView>(
      "POST",
      `/api/cameras/${encodeURIComponent(cameraId)}/recording/${action}`,
    );
    setState({ busy: null, error: res.ok ? null : res.error.message });
    if (res.ok && res.value) done(res.value);
  };
  return { ...state, run };
}

/** The open recordings after a start/stop answer (the SSE event will say the same). */
export function applySession(map: RecMap, s: RecordingView): RecMap {
  return applyRecordingEvent(map, {
    type: s.status === "recording" ? "started" : "ended",
    recording: s,
  });
}
