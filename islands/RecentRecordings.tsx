/**
 * The camera page's "Recent recordings" (`/cameras/{id}`): the camera's
 * newest sessions (`GET /api/recordings?camera_id&limit`) with start,
 * duration, size, mode, keep and status, each playing in the page
 * (`client/playback.ts`, as on `/recordings`) and downloading. The server
 * renders the list; SSE `recording` events keep it current (a session
 * starts, ends, its segments close), and after each (re)connection it is
 * read once again. No polling.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import { formatUtc } from "./client/format.ts";
import { subscribeLive } from "./client/live.ts";
import { sessionPlayRange, startPlay } from "./client/playback.ts";
import {
  allLabel,
  applyRecentEvent,
  durationText,
  hasFootage,
  modeText,
  recentPath,
  rowName,
  sizeText,
  statusText,
} from "./client/camera_recent.ts";
import type {
  RecordingEvent,
  RecordingsPageView,
  RecordingView,
} from "../controller/web/types.ts";
import { PlayerRow } from "../components/PlayerRow.tsx";

export interface RecentRecordingsProps {
  camera: { id: string; name: string };
  /** The newest sessions as the server loaded them; null when it could not. */
  page: RecordingsPageView | null;
  /** Why the server could not load them (the API's message). */
  error: string | null;
  limit: number;
}

interface Player {
  id: string;
  src: string;
  label: string;
}

export default function RecentRecordings(props: RecentRecordingsProps) {
  const { camera, limit } = props;
  const [page, setPage] = useState<RecordingsPageView | null>(props.page);
  const [error, setError] = useState<string | null>(props.error);
  const [loading, setLoading] = useState(false);
  const [player, setPlayer] = useState<Player | null>(null);
  const [preparing, setPreparing] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [playError, setPlayError] = useState<{ id: string; text: string }>();
  const playAbort = useRef<AbortController | null>(null);
  const seq = useRef(0);
  // Events seen while a reload is on its way, applied again to its answer.
  const pending = useRef<RecordingEvent[] | null>(null);

  const load = async () => {
    const mine = ++seq.current;
    pending.current = [];
    setLoading(true);
    const res = await apiRequest<RecordingsPageView>(
      "GET",
      recentPath(camera.id, limit),
    );
    if (mine !== seq.current) return;
    const seen = pending.current ?? [];
    pending.current = null;
    setLoading(false);
    if (!res.ok) {
      setError(res.error.message);
      return;
    }
    setError(null);
    setPage(seen.reduce((p, ev) => applyRecentEvent(p, ev, camera.id), {
      ...res.value,
      recordings: res.value.recordings ?? [],
    }));
  };

  useEffect(() => {
    const off = subscribeLive((e) => {
      if (e.kind === "recording") {
        pending.current?.push(e.data);
        setPage((p) => p && applyRecentEvent(p, e.data, camera.id));
      } else if (e.kind === "snapshot") {
        // Connected (first time or again): events may have been missed
        // since the server rendered the page, so read the list once.
        void load();
      }
    });
    return () => {
      off();
      playAbort.current?.abort();
    };
  }, []);

  const play = async (r: RecordingView) => {
    const range = sessionPlayRange(r);
    if (!range) return;
    setPreparing(r.id);
    setPlayError(undefined);
    const out = await startPlay(playAbort, camera.id, range, setNote);
    if (!out) return; // another Play, or the page went away
    setPreparing(null);
    setNote(null);
    if (!out.ok) {
      setPlayError({ id: r.id, text: `Cannot play: ${out.message}` });
      return;
    }
    setPlayer({
      id: r.id,
      src: out.src,
      label: `${camera.name}, ${rowName(r)}${
        range.clipped ? " (the first hour)" : ""
      }`,
    });
  };

  const rows = page?.recordings ?? [];
  return (
    <div class="stack">
      {error && (
        <div class="bar">
          <p class="err" role="alert">Cannot load the recordings: {error}</p>
          <button type="button" disabled={loading} onClick={() => void load()}>
            {loading ? "Loading…" : "Try again"}
          </button>
        </div>
      )}
      {page && rows.length === 0 && (
        <p class="empty">
          No recordings of this camera yet. Recordings appear here as they
          start.
        </p>
      )}
      {rows.length > 0 && (
        <div class="scroll">
          <table class="tbl" aria-busy={loading ? "true" : undefined}>
            <caption class="sr">
              Recent recordings of {camera.name}, newest first; times in UTC
            </caption>
            <thead>
              <tr>
                <th scope="col">Started (UTC)</th>
                <th scope="col">Duration</th>
                <th scope="col">Size</th>
                <th scope="col">Mode</th>
                <th scope="col">Keep</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Row
                  key={r.id}
                  r={r}
                  playing={player?.id === r.id ? player : null}
                  preparing={preparing === r.id}
                  note={preparing === r.id ? note : null}
                  error={playError?.id === r.id ? playError.text : null}
                  onPlay={() => void play(r)}
                  onClose={() => setPlayer(null)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">
        <a href={`/recordings?camera=${encodeURIComponent(camera.id)}`}>
          {allLabel(page?.total ?? 0)}
        </a>
      </p>
    </div>
  );
}

interface RowProps {
  r: RecordingView;
  playing: Player | null;
  preparing: boolean;
  note: string | null;
  error: string | null;
  onPlay(): void;
  onClose(): void;
}

/** One session; exported for the page tests (states only the browser reaches). */
export function Row(p: RowProps) {
  const { r, playing } = p;
  const name = rowName(r);
  const footage = hasFootage(r);
  return (
    <>
      <tr>
        <th scope="row" class="nowrap">
          <time dateTime={r.started_at}>{formatUtc(r.started_at)}</time>
        </th>
        <td class="nowrap">{durationText(r)}</td>
        <td class="nowrap">{sizeText(r)}</td>
        <td>{modeText(r)}</td>
        <td>{r.keep ? "Kept" : "—"}</td>
        <td>
          <span class={`badge r-${r.status}`}>{statusText(r)}</span>
          {r.error_message && <p class="hint wrap">{r.error_message}</p>}
        </td>
        <td>
          <span class="acts-inline">
            {footage && sessionPlayRange(r) && (
              <button
                type="button"
                aria-label={playing
                  ? `Close the player of ${name}`
                  : `Play ${name}`}
                aria-expanded={playing ? "true" : "false"}
                disabled={p.preparing}
                onClick={playing ? p.onClose : p.onPlay}
              >
                {p.preparing ? "Preparing…" : playing ? "Close" : "Play"}
              </button>
            )}
            {footage
              ? (
                <a
                  class="button"
                  href={r.download_url}
                  download
                  aria-label={`Download ${name}`}
                >
                  Download
                </a>
              )
              : (
                <span class="mut">
                  {r.status === "recording" ? "Recording…" : "No footage"}
                </span>
              )}
          </span>
          {p.note && <p class="hint" role="status">{p.note}</p>}
          {p.error && <p class="err" role="alert">{p.error}</p>}
        </td>
      </tr>
      {playing && (
        <PlayerRow colSpan={7} src={playing.src} label={playing.label} />
      )}
    </>
  );
}
