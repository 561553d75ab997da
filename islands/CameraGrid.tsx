/**
 * Live camera tiles. All tiles share ONE multiplexed stream
 * (`/api/streams/live?cameras=…`, reopened when the set of cameras changes
 * and with backoff after errors); each frame is painted into its tile's
 * canvas. Each tile shows the camera's details and status and deletes the
 * camera after an inline confirmation. Tiles are added, updated and removed
 * from `/api/events`. Without JavaScript, a `<noscript>` MJPEG `<img>` per tile
 * shows the live view (inert once scripts run, so no per-tile connection).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { apiRequest } from "../controller/web/client/api.ts";
import {
  canvasPainter,
  openGridStream,
} from "../controller/web/client/grid_stream.ts";
import { subscribeLive } from "../controller/web/client/live.ts";
import type { CameraEvent, CameraView } from "../controller/web/types.ts";

export interface CameraGridProps {
  cameras: CameraView[];
}

export default function CameraGrid(props: CameraGridProps) {
  const [cameras, setCameras] = useState(props.cameras);
  const [failures, setFailures] = useState(0);
  const painters = useRef(new Map<string, (jpeg: Uint8Array) => void>());
  const stream = useRef<{ retryNow(): void } | null>(null);

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "camera") {
        setCameras((prev) => applyCameraEvent(prev, e.data));
      } else if (e.kind === "snapshot") setCameras(e.cameras);
    }), []);

  // One stream for every shown camera; a new one when the set changes.
  const ids = streamIds(cameras);
  useEffect(() => {
    if (!ids) return;
    setFailures(0);
    const s = openGridStream(ids.split(","), {
      frame: (id, jpeg) => painters.current.get(id)?.(jpeg),
      state: setFailures,
      delayMs: retryDelayMs,
    });
    stream.current = s;
    return () => {
      stream.current = null;
      s.close();
    };
  }, [ids]);

  // A camera came back: reconnect at once instead of waiting out the backoff.
  const online = cameras.filter((c) => c.status === "online").length;
  useEffect(() => {
    if (failures > 0) stream.current?.retryNow();
  }, [online]);

  const removed = (id: string) =>
    setCameras((prev) => prev.filter((c) => c.id !== id));

  if (cameras.length === 0) {
    return (
      <p class="empty">
        No cameras yet. Add one with the form below; the <code>demo</code>{" "}
        protocol shows a test pattern.
      </p>
    );
  }
  return (
    <ul class="grid">
      {cameras.map((c) => (
        <Tile
          key={c.id}
          camera={c}
          failures={failures}
          painters={painters.current}
          onRemoved={removed}
        />
      ))}
    </ul>
  );
}

/** The stream's `cameras` list: ids sorted, so a reorder opens no new stream. */
export function streamIds(cameras: CameraView[]): string {
  return cameras.map((c) => c.id).sort().join(",");
}

/** The camera list after one `camera` event; new cameras go first, as the API lists newest first. */
export function applyCameraEvent(
  list: CameraView[],
  ev: CameraEvent,
): CameraView[] {
  if (ev.type === "deleted") return list.filter((c) => c.id !== ev.id);
  const i = list.findIndex((c) => c.id === ev.camera.id);
  if (i === -1) return [ev.camera, ...list];
  const next = list.slice();
  next[i] = ev.camera;
  return next;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const CANVAS_STYLE =
  "position:absolute;inset:0;width:100%;height:100%;object-fit:contain";
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/** Wait before stream retry number `failures` (1, 2, …): 2 s doubling to 60 s, ±25 % jitter. */
export function retryDelayMs(
  failures: number,
  random: number = Math.random(),
): number {
  const base = Math.min(
    RETRY_MAX_MS,
    RETRY_BASE_MS * 2 ** Math.max(0, failures - 1),
  );
  return Math.round(base * (0.75 + random / 2));
}

function Tile(
  { camera, failures, painters, onRemoved }: {
    camera: CameraView;
    failures: number;
    painters: Map<string, (jpeg: Uint8Array) => void>;
    onRemoved: (id: string) => void;
  },
) {
  const path = `/api/cameras/${encodeURIComponent(camera.id)}`;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const noButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const el = canvas.current!;
    // Set through CSSOM: the CSP refuses inline style attributes.
    el.style.cssText = CANVAS_STYLE;
    painters.set(camera.id, canvasPainter(el));
    return () => painters.delete(camera.id);
  }, []);

  useEffect(() => {
    if (confirming) noButton.current?.focus();
  }, [confirming]);

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    const res = await apiRequest<unknown>("DELETE", path);
    if (res.ok || res.status === 404) return onRemoved(camera.id);
    setDeleting(false);
    setConfirming(false);
    setDeleteError(res.error.message);
  };

  const down = camera.status === "error" || camera.status === "offline";
  const node = camera.assigned_node ?? camera.node_name;
  return (
    <li class="tile">
      <div class="view">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Live view of ${camera.name}`}
          width={Number(camera.resolution.split("x")[0]) || 640}
          height={Number(camera.resolution.split("x")[1]) || 480}
        />
        <noscript
          dangerouslySetInnerHTML={{
            __html: `<img src="${path}/stream" alt="Live view of ${
              escapeHtml(camera.name)
            }">`,
          }}
        />
        {(down || failures > 0) && (
          <div class="over" role="status">
            <span>{camera.error_message ?? "offline"}</span>
            {failures > 0 && <small>Reconnecting…</small>}
          </div>
        )}
      </div>
      <div class="meta">
        <h3>
          <span>{camera.name}</span>
          <StatusBadge status={camera.status} />
        </h3>
        <p>{camera.location ?? "No location"}</p>
        <p>
          {camera.protocol.toUpperCase()} ·{" "}
          {node ? `node ${node}` : "no node yet"} · {camera.resolution}
        </p>
      </div>
      <div class="acts">
        {confirming
          ? (
            <>
              <span>Delete?</span>
              <button
                type="button"
                class="danger"
                disabled={deleting}
                onClick={remove}
              >
                {deleting ? "Deleting…" : "Yes"}
              </button>
              <button
                type="button"
                ref={noButton}
                disabled={deleting}
                onClick={() => setConfirming(false)}
              >
                No
              </button>
            </>
          )
          : (
            <button
              type="button"
              class="danger"
              aria-label={`Delete ${camera.name}`}
              onClick={() => {
                setDeleteError(null);
                setConfirming(true);
              }}
            >
              Delete
            </button>
          )}
        {deleteError && (
          <p class="err" role="alert">Cannot delete: {deleteError}</p>
        )}
      </div>
    </li>
  );
}
