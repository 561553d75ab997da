/**
 * One EventSource per page on `/api/events`, shared by every island that
 * subscribes (a browser allows only a few connections per host over HTTP/1.1,
 * and each MJPEG tile already holds one).
 *
 * EventSource reconnects by itself after a dropped connection; when the
 * browser gives up (an HTTP error answer), this module reopens it with
 * backoff. Events may have been missed while disconnected, so after a
 * reconnect this module reads `GET /api/cameras` once and hands subscribers a
 * `snapshot` of all cameras (no polling: one request per reconnect); islands
 * that show recordings resync those on `snapshot` themselves
 * (`client/recording.ts` `fetchOpenRecordings`).
 */
import type { AgentEvent } from "./agent_form.ts";
import type {
  CameraEvent,
  CameraView,
  NodeEvent,
  RecordingEvent,
} from "../../controller/web/types.ts";
import { apiRequest } from "./api.ts";

export type LiveEvent =
  | { kind: "camera"; data: CameraEvent }
  | { kind: "node"; data: NodeEvent }
  | { kind: "recording"; data: RecordingEvent }
  | { kind: "agent"; data: AgentEvent }
  | { kind: "snapshot"; cameras: CameraView[] };

export type LiveListener = (event: LiveEvent) => void;

const EVENTS_URL = "/api/events";
const MAX_REOPEN_MS = 60_000;

const listeners = new Set<LiveListener>();
let source: EventSource | null = null;
let reopenTimer: ReturnType<typeof setTimeout> | undefined;
let reopenAttempts = 0;
// True at first too: status changes between the server render and the first
// connection would otherwise be lost, so the first connection resyncs once.
let missed = true;

/** Calls `listener` for every live event until the returned function is called. */
export function subscribeLive(listener: LiveListener): () => void {
  listeners.add(listener);
  if (!source && reopenTimer === undefined) open();
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    source?.close();
    source = null;
    clearTimeout(reopenTimer);
    reopenTimer = undefined;
  };
}

function open(): void {
  const es = new EventSource(EVENTS_URL);
  source = es;
  es.addEventListener("camera", (e) => dispatch("camera", e));
  es.addEventListener("node", (e) => dispatch("node", e));
  es.addEventListener("recording", (e) => dispatch("recording", e));
  es.addEventListener("agent", (e) => dispatch("agent", e));
  es.onopen = () => {
    reopenAttempts = 0;
    if (missed) {
      missed = false;
      void resync();
    }
  };
  es.onerror = () => {
    missed = true;
    if (es.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    es.close();
    source = null;
    const delay = Math.min(MAX_REOPEN_MS, 1000 * 2 ** reopenAttempts++) *
      (0.75 + Math.random() / 2);
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined;
      if (listeners.size > 0) open();
    }, delay);
  };
}

async function resync(): Promise<void> {
  const res = await apiRequest<CameraView[] | { cameras?: CameraView[] }>(
    "GET",
    "/api/cameras",
  );
  if (!res.ok) return; // the next event or reconnect brings the page up to date
  const cameras = Array.isArray(res.value) ? res.value : res.value?.cameras;
  if (Array.isArray(cameras)) emit({ kind: "snapshot", cameras });
}

function dispatch(
  kind: "camera" | "node" | "recording" | "agent",
  e: Event,
): void {
  let data: unknown;
  try {
    data = JSON.parse((e as MessageEvent<string>).data);
  } catch {
    console.warn(`Ignoring a "${kind}" event whose data is not JSON`);
    return;
  }
  emit({ kind, data } as LiveEvent);
}

function emit(event: LiveEvent): void {
  for (const l of listeners) {
    try {
      l(event);
    } catch (err) {
      console.error("A live event listener failed:", err);
    }
  }
}
