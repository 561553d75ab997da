/**
 * Live camera tiles. All tiles share ONE multiplexed stream
 * (`/api/streams/live?cameras=…`, reopened when the set of cameras changes
 * and with backoff after errors); each frame is painted into its tile's
 * canvas. Each tile links to the camera's page, shows its details and status,
 * goes full screen (Fullscreen API on its canvas container; Esc leaves) and
 * deletes the camera after an inline confirmation. The toolbar picks the
 * columns (auto, 1×1 … 4×4) or a compact list (no stream while shown),
 * remembered per user in `localStorage`. Tiles are added, updated and removed
 * from `/api/events`. Each tile shows "● REC" while its camera records (SSE
 * `recording` events; resynced after a reconnect) and, for admins, Record/Stop
 * (or "Continuous"). Without JavaScript, a `<noscript>` MJPEG `<img>` per tile
 * shows the live view (inert once scripts run, so no per-tile connection).
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { RecBadge, RecordControl } from "../components/RecordControl.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { apiRequest } from "./client/api.ts";
import { useFullscreen } from "./client/fullscreen.ts";
import {
  DEFAULT_LAYOUT,
  type GridColumns,
  type GridLayout,
  loadLayout,
  saveLayout,
} from "./client/grid_layout.ts";
import {
  canvasPainter,
  frameMarks,
  openGridStream,
} from "./client/grid_stream.ts";
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
  fetchOpenRecordings,
  type RecMap,
  recMapOf,
  useRecordAction,
} from "./client/recording.ts";
import type {
  CameraEvent,
  CameraView,
  OpenRecording,
} from "../controller/web/types.ts";

export { retryDelayMs };

export interface CameraGridProps {
  cameras: CameraView[];
  /** The signed-in user's id: the layout choice is remembered per user. */
  userId?: string;
  /** Whether tiles offer Delete (admins). @default true */
  admin?: boolean;
}

const COLUMNS: { cols: GridColumns; label: string }[] = [
  { cols: 0, label: "Auto" },
  { cols: 1, label: "1×1" },
  { cols: 2, label: "2×2" },
  { cols: 3, label: "3×3" },
  { cols: 4, label: "4×4" },
];

export default function CameraGrid(props: CameraGridProps) {
  const [cameras, setCameras] = useState(props.cameras);
  const [recs, setRecs] = useState<RecMap>(() => recMapOf(props.cameras));
  const [failures, setFailures] = useState(0);
  // The server renders the default; the stored choice applies once hydrated,
  // and the stream waits for it (a list shows no video).
  const [layout, setLayout] = useState<GridLayout>(DEFAULT_LAYOUT);
  const [ready, setReady] = useState(false);
  const painters = useRef(new Map<string, (jpeg: Uint8Array) => void>());
  const stream = useRef<{ retryNow(): void } | null>(null);
  const userId = props.userId ?? "";
  // When each tile last drew a frame; tiles that stop get a "no picture" note.
  const lastPaint = useRef(new Map<string, number>());
  const [painted, setPainted] = useState<ReadonlySet<string>>(new Set());
  const [stale, setStale] = useState<ReadonlySet<string>>(new Set());
  const marks = useRef(frameMarks());
  const shownCount = useRef(0);
  shownCount.current = cameras.length;

  // Layout effects run before the first paint: the stream below opens one
  // render after hydration instead of two paints later (first frame sooner).
  useLayoutEffect(() => {
    setLayout(loadLayout(userId));
    setReady(true);
  }, []);

  const choose = (next: GridLayout) => {
    setLayout(next);
    saveLayout(userId, next);
  };

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "camera") {
        setCameras((prev) => applyCameraEvent(prev, e.data));
      } else if (e.kind === "recording") {
        setRecs((prev) => applyRecordingEvent(prev, e.data));
      } else if (e.kind === "snapshot") {
        setCameras(e.cameras);
        // Recording events may have been missed too: one request for all.
        void fetchOpenRecordings().then((m) => m && setRecs(m));
      }
    }), []);

  // One stream for every shown camera; a new one when the set changes.
  const ids = ready && layout.view === "grid" ? streamIds(cameras) : "";
  useLayoutEffect(() => {
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

  const onPainted = (id: string) => {
    lastPaint.current.set(id, Date.now());
    marks.current(id, shownCount.current);
    setPainted((prev) => prev.has(id) ? prev : new Set(prev).add(id));
  };

  // A tile whose frames stop says so before the node's status catches up.
  useEffect(() => {
    if (!ids) return;
    const t = setInterval(() => {
      const now = Date.now();
      const next = new Set<string>();
      for (const [id, at] of lastPaint.current) {
        if (now - at > STALE_AFTER_MS) next.add(id);
      }
      setStale((prev) => sameSet(prev, next) ? prev : next);
    }, 1000);
    return () => clearInterval(t);
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
    <div class="stack">
      <LayoutBar layout={layout} onChange={choose} />
      {layout.view === "list"
        ? <CameraList cameras={cameras} recs={recs} />
        : (
          <ul class={gridClass(layout.cols)}>
            {cameras.map((c) => (
              <Tile
                key={c.id}
                camera={c}
                failures={failures}
                live={ready ? liveState(c.id, painted, stale) : "unknown"}
                lastFrameAt={lastPaint.current.get(c.id)}
                onPainted={onPainted}
                painters={painters.current}
                onRemoved={removed}
                admin={props.admin !== false}
                open={recs[c.id] ?? null}
                onSession={(s) => setRecs((prev) => applySession(prev, s))}
              />
            ))}
          </ul>
        )}
    </div>
  );
}

/** A tile without a new frame for this long says "No picture since …". */
export const STALE_AFTER_MS = 4000;

/** What a tile's canvas shows: nothing yet, live frames, or an old frame. */
export type LiveState = "unknown" | "waiting" | "live" | "stale";

/** The live state of camera `id` from the tiles that painted and those gone quiet. */
export function liveState(
  id: string,
  painted: ReadonlySet<string>,
  stale: ReadonlySet<string>,
): LiveState {
  if (!painted.has(id)) return "waiting";
  return stale.has(id) ? "stale" : "live";
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** The grid's class for a column choice: `grid` (auto-fill) or `grid c1` … `grid c4`. */
export function gridClass(cols: GridColumns): string {
  return cols === 0 ? "grid" : `grid c${cols}`;
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

/** Grid or list, and the grid's columns; buttons with `aria-pressed`. */
export function LayoutBar(
  { layout, onChange }: {
    layout: GridLayout;
    onChange: (next: GridLayout) => void;
  },
) {
  return (
    <div class="bar tools">
      <div class="seg" role="group" aria-label="Show cameras as">
        {(["grid", "list"] as const).map((view) => (
          <button
            key={view}
            type="button"
            aria-pressed={layout.view === view ? "true" : "false"}
            onClick={() => onChange({ ...layout, view })}
          >
            {view === "grid" ? "Grid" : "List"}
          </button>
        ))}
      </div>
      {layout.view === "grid" && (
        <div class="seg" role="group" aria-label="Grid columns">
          {COLUMNS.map((c) => (
            <button
              key={c.cols}
              type="button"
              aria-pressed={layout.cols === c.cols ? "true" : "false"}
              onClick={() => onChange({ ...layout, cols: c.cols })}
            >
              {c.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** The compact list: name, status, node, protocol, resolution, last error, recording. */
export function CameraList(
  { cameras, recs = {} }: { cameras: CameraView[]; recs?: RecMap },
) {
  return (
    <div class="scroll">
      <table class="tbl">
        <caption class="sr">Cameras</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Node</th>
            <th scope="col">Protocol</th>
            <th scope="col">Resolution</th>
            <th scope="col">Last error</th>
            <th scope="col">Recording</th>
          </tr>
        </thead>
        <tbody>
          {cameras.map((c) => (
            <tr key={c.id}>
              <th scope="row">
                <a href={cameraHref(c.id)}>{c.name}</a>
              </th>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{c.assigned_node ?? c.node_name ?? "—"}</td>
              <td>{c.protocol.toUpperCase()}</td>
              <td>{c.resolution}</td>
              <td class="wrap">{c.error_message ?? "—"}</td>
              <td class="nowrap">
                {recs[c.id]
                  ? <RecBadge open={recs[c.id]} />
                  : c.recording_mode === "continuous"
                  ? "Continuous"
                  : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const cameraHref = (id: string) => `/cameras/${encodeURIComponent(id)}`;

/**
 * The note over a tile's picture, most telling first: the camera's error
 * from its node (why it is down), the stream reconnecting, frames that
 * stopped (before the node's status says why), or no frame yet.
 */
export function TileNote(
  { camera, failures, live, lastFrameAt }: {
    camera: CameraView;
    failures: number;
    live: LiveState;
    lastFrameAt?: number;
  },
) {
  const down = camera.status === "error" || camera.status === "offline";
  let text: string | null = null;
  let sub: string | null = null;
  if (down) {
    text = camera.error_message ??
      (camera.status === "offline" ? "Its node is offline" : "Camera error");
    sub = "Retrying by itself…";
  } else if (failures > 0) {
    text = "Live view disconnected";
    sub = "Reconnecting…";
  } else if (live === "stale" && lastFrameAt !== undefined) {
    text = `No picture since ${
      new Date(lastFrameAt).toLocaleTimeString([], { hour12: false })
    }`;
    sub = "Waiting for the camera…";
  } else if (live === "waiting" && camera.status !== "pending") {
    return (
      <div class="over dim" aria-hidden="true">
        <small>Connecting…</small>
      </div>
    );
  }
  if (text === null) return null;
  return (
    <div class="over" role="status">
      <span>{text}</span>
      {sub && <small>{sub}</small>}
    </div>
  );
}

function Tile(
  {
    camera,
    failures,
    live,
    lastFrameAt,
    onPainted,
    painters,
    onRemoved,
    admin,
    open,
    onSession,
  }: {
    camera: CameraView;
    failures: number;
    live: LiveState;
    lastFrameAt: number | undefined;
    onPainted: (id: string) => void;
    painters: Map<string, (jpeg: Uint8Array) => void>;
    onRemoved: (id: string) => void;
    admin: boolean;
    open: OpenRecording | null;
    onSession: (s: Parameters<typeof applySession>[1]) => void;
  },
) {
  const path = `/api/cameras/${encodeURIComponent(camera.id)}`;
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<HTMLDivElement>(null);
  const fs = useFullscreen(view);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const noButton = useRef<HTMLButtonElement>(null);
  const rec = useRecordAction(camera.id, onSession);

  useEffect(() => {
    const el = canvas.current!;
    // Set through CSSOM: the CSP refuses inline style attributes.
    el.style.cssText = CANVAS_STYLE;
    painters.set(camera.id, canvasPainter(el, () => onPainted(camera.id)));
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

  const node = camera.assigned_node ?? camera.node_name;
  const size = canvasSize(camera.resolution);
  return (
    <li class="tile">
      <div ref={view} class={fs.pseudo ? "view max" : "view"}>
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
        <TileNote
          camera={camera}
          failures={failures}
          live={live}
          lastFrameAt={lastFrameAt}
        />
        <span class="fs-name" aria-hidden="true">{camera.name}</span>
        <button
          type="button"
          class="fs"
          aria-label={fs.active
            ? `Exit full screen view of ${camera.name}`
            : `Full screen view of ${camera.name}`}
          onClick={fs.toggle}
        >
          {fs.active ? "Exit full screen" : "Full screen"}
        </button>
      </div>
      <div class="meta">
        <h3>
          <a href={cameraHref(camera.id)}>{camera.name}</a>
          <span class="badges">
            <RecBadge open={open} />
            <StatusBadge status={camera.status} />
          </span>
        </h3>
        <p>{camera.location ?? "No location"}</p>
        <p>
          {camera.protocol.toUpperCase()} ·{" "}
          {node ? `node ${node}` : "no node yet"} · {camera.resolution}
        </p>
      </div>
      <div class="acts">
        <RecordControl
          id={`tile-${camera.id}`}
          cameraName={camera.name}
          mode={camera.recording_mode}
          open={open}
          admin={admin}
          busy={rec.busy}
          error={rec.error}
          onStart={() => void rec.run("start")}
          onStop={() => void rec.run("stop")}
        />
        {!admin ? null : confirming
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
