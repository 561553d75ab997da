/**
 * One camera, large (`/cameras/{id}`): the live view (the multiplexed stream
 * with this one camera, painted on a canvas, full screen on request), the
 * status and last error live from `/api/events`, "● REC" while it records
 * and for admins Record/Stop (SSE `recording` events; after a reconnect
 * `GET …/recording/status`), a snapshot download, the camera's details, and
 * for admins Delete with an inline confirmation that returns to the grid.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { CameraFacts } from "../components/CameraFacts.tsx";
import { RecBadge, RecordControl } from "../components/RecordControl.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { PtzPad } from "./parts/PtzPad.tsx";
import { apiRequest } from "./client/api.ts";
import { useFullscreen } from "./client/fullscreen.ts";
import { canvasPainter, openGridStream } from "./client/grid_stream.ts";
import {
  CANVAS_STYLE,
  canvasSize,
  escapeHtml,
  retryDelayMs,
} from "./client/live_view.ts";
import { subscribeLive } from "./client/live.ts";
import {
  applyRecordingEvent,
  applySession,
  type RecMap,
  useRecordAction,
} from "./client/recording.ts";
import type {
  CameraView,
  OpenRecording,
  RecordingView,
} from "../controller/web/types.ts";

export interface CameraDetailProps {
  camera: CameraView;
  /** Admins may delete the camera. */
  admin: boolean;
}

export default function CameraDetail(props: CameraDetailProps) {
  const [camera, setCamera] = useState(props.camera);
  const [open, setOpen] = useState<OpenRecording | null>(
    props.camera.recording ?? null,
  );
  const [gone, setGone] = useState(false);
  const [failures, setFailures] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<HTMLDivElement>(null);
  const stream = useRef<{ retryNow(): void } | null>(null);
  const fs = useFullscreen(view);
  const id = camera.id;
  const path = `/api/cameras/${encodeURIComponent(id)}`;
  // The open recording goes through the grid's pure helper, as a map of one.
  const applyRec = (f: (m: RecMap) => RecMap) =>
    setOpen((prev) => f(prev ? { [id]: prev } : {})[id] ?? null);
  const rec = useRecordAction(
    id,
    (s: RecordingView) => applyRec((m) => applySession(m, s)),
  );

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "camera") {
        const ev = e.data;
        if (ev.type === "deleted") {
          if (ev.id === id) setGone(true);
        } else if (ev.camera.id === id) setCamera(ev.camera);
      } else if (e.kind === "recording") {
        applyRec((m) => applyRecordingEvent(m, e.data));
      } else if (e.kind === "snapshot") {
        const c = e.cameras.find((x) => x.id === id);
        if (c) {
          setCamera(c);
          void resyncRecording(path).then((r) => r !== undefined && setOpen(r));
        } else setGone(true);
      }
    }), []);

  useEffect(() => {
    document.title = `${camera.name} · Falcon-Eye`;
  }, [camera.name]);

  useEffect(() => {
    if (gone) return;
    const el = canvas.current!;
    el.style.cssText = CANVAS_STYLE;
    const paint = canvasPainter(el);
    setFailures(0);
    const s = openGridStream([id], {
      frame: (_id, jpeg) => paint(jpeg),
      state: setFailures,
      delayMs: retryDelayMs,
    });
    stream.current = s;
    return () => {
      stream.current = null;
      s.close();
    };
  }, [gone]);

  // The camera came back: reconnect at once instead of waiting out the backoff.
  useEffect(() => {
    if (camera.status === "online" && failures > 0) stream.current?.retryNow();
  }, [camera.status]);

  if (gone) {
    return (
      <div class="stack" role="status">
        <h2>{camera.name}</h2>
        <p>
          This camera was deleted. <a href="/">Back to the cameras</a>
        </p>
      </div>
    );
  }

  const down = camera.status === "error" || camera.status === "offline";
  const size = canvasSize(camera.resolution);
  return (
    <div class="detail">
      <div class="head">
        <h2 id="camera-h">{camera.name}</h2>
        <StatusBadge status={camera.status} />
        <RecBadge open={open} name={camera.name} />
      </div>
      <div ref={view} class={fs.pseudo ? "view big max" : "view big"}>
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Live view of ${camera.name}`}
          width={size.width}
          height={size.height}
        />
        <noscript
          dangerouslySetInnerHTML={{
            __html: `<img src="${path}/stream" alt="Live view of ${
              escapeHtml(camera.name)
            }">`,
          }}
        />
        {(down || failures > 0) && (
          <div class="over">
            <span>{camera.error_message ?? camera.status}</span>
            {failures > 0 && <small>Reconnecting…</small>}
          </div>
        )}
        <button
          type="button"
          class="fs"
          onClick={fs.toggle}
        >
          {fs.active ? "Exit full screen" : "Full screen"}
        </button>
      </div>
      <div class="side stack">
        <p class="mut" aria-live="polite">
          {camera.error_message
            ? (
              <>
                <span class="warn">Last error:</span> {camera.error_message}
              </>
            )
            : `Status: ${camera.status}, no error reported.`}
        </p>
        <RecordControl
          id="camera"
          cameraName={camera.name}
          mode={camera.recording_mode}
          open={open}
          admin={props.admin}
          busy={rec.busy}
          error={rec.error}
          onStart={() => void rec.run("start")}
          onStop={() => void rec.run("stop")}
          detailed
        />
        {props.admin && camera.protocol === "onvif" && (
          <PtzPad cameraId={id} cameraName={camera.name} />
        )}
        <div class="acts-inline">
          <a
            class="button"
            href={`${path}/snapshot`}
            download={`${fileName(camera.name)}.jpg`}
          >
            Snapshot
          </a>
          {props.admin && <DeleteCamera camera={camera} path={path} />}
        </div>
        <CameraFacts camera={camera} />
      </div>
    </div>
  );
}

/** The camera's open recording from `GET …/recording/status`; undefined when it could not be read. */
async function resyncRecording(
  path: string,
): Promise<OpenRecording | null | undefined> {
  const res = await apiRequest<{ recording: boolean; session?: RecordingView }>(
    "GET",
    `${path}/recording/status`,
  );
  if (!res.ok || !res.value) return undefined;
  const s = res.value.session;
  return res.value.recording && s
    ? { id: s.id, started_at: s.started_at, error_message: s.error_message }
    : null;
}

/** A file name for the snapshot download from the camera's name. */
export function fileName(name: string): string {
  return name.trim().replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(
    /^-+|-+$/g,
    "",
  ) || "snapshot";
}

function DeleteCamera(
  { camera, path }: { camera: CameraView; path: string },
) {
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const no = useRef<HTMLButtonElement>(null);
  const open = useRef<HTMLButtonElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    (confirming ? no : open).current?.focus();
  }, [confirming]);

  const remove = async () => {
    setDeleting(true);
    setError(null);
    const res = await apiRequest<unknown>("DELETE", path);
    if (res.ok || res.status === 404) {
      location.assign("/");
      return;
    }
    setDeleting(false);
    setConfirming(false);
    setError(res.error.message);
  };

  return (
    <>
      {confirming
        ? (
          <span class="acts-inline" role="group" aria-label="Confirm delete">
            <span>Delete “{camera.name}”? This cannot be undone.</span>
            <button
              type="button"
              class="danger"
              disabled={deleting}
              onClick={remove}
            >
              {deleting ? "Deleting…" : "Yes, delete"}
            </button>
            <button
              type="button"
              ref={no}
              disabled={deleting}
              onClick={() => setConfirming(false)}
            >
              No
            </button>
          </span>
        )
        : (
          <button
            type="button"
            class="danger"
            ref={open}
            onClick={() => {
              setError(null);
              setConfirming(true);
            }}
          >
            Delete camera
          </button>
        )}
      {error && <p class="err" role="alert">Cannot delete: {error}</p>}
    </>
  );
}
