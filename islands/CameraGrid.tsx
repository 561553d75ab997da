/**
 * Live camera tiles. Each tile shows the camera's MJPEG stream, its details and
 * status, retries a failed stream with backoff, and deletes the camera after an
 * inline confirmation. Tiles are added, updated and removed from `/api/events`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { apiRequest } from "../controller/web/client/api.ts";
import { subscribeLive } from "../controller/web/client/live.ts";
import type { CameraEvent, CameraView } from "../controller/web/types.ts";

export interface CameraGridProps {
  cameras: CameraView[];
}

export default function CameraGrid(props: CameraGridProps) {
  const [cameras, setCameras] = useState(props.cameras);

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "camera") {
        setCameras((prev) => applyCameraEvent(prev, e.data));
      } else if (e.kind === "snapshot") setCameras(e.cameras);
    }), []);

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
      {cameras.map((c) => <Tile key={c.id} camera={c} onRemoved={removed} />)}
    </ul>
  );
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
  { camera, onRemoved }: {
    camera: CameraView;
    onRemoved: (id: string) => void;
  },
) {
  const path = `/api/cameras/${encodeURIComponent(camera.id)}`;
  const img = useRef<HTMLImageElement>(null);
  const [attempt, setAttempt] = useState(0); // cache buster: ?r=N
  const [failures, setFailures] = useState(0);
  const [broken, setBroken] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const noButton = useRef<HTMLButtonElement>(null);

  const failed = () => {
    setBroken(true);
    setFailures((f) => f + 1);
  };

  useEffect(() => {
    const el = img.current;
    // The stream may have failed before hydration attached onError.
    if (el && el.complete && el.naturalWidth === 0) failed();
    // Close the stream's connection when the tile goes away.
    return () => el?.removeAttribute("src");
  }, []);

  useEffect(() => {
    if (failures === 0) return;
    const t = setTimeout(
      () => setAttempt((a) => a + 1),
      retryDelayMs(failures),
    );
    return () => clearTimeout(t);
  }, [failures]);

  useEffect(() => {
    // The camera came back: try at once instead of waiting out the backoff.
    if (camera.status === "online" && broken) {
      setFailures(0);
      setAttempt((a) => a + 1);
    }
  }, [camera.status]);

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
        <img
          ref={img}
          src={`${path}/stream${attempt > 0 ? `?r=${attempt}` : ""}`}
          alt={`Live view of ${camera.name}`}
          class={broken ? "gone" : undefined}
          onError={failed}
          onLoad={() => {
            setBroken(false);
            setFailures(0);
          }}
        />
        {(down || broken) && (
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
