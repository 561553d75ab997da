/**
 * `/recordings`: recording sessions, newest first, filtered by camera, status
 * and UTC days (`GET /api/recordings?camera_id&status&start&end&limit&offset`),
 * Previous/Next pages counted from the real `total`. Each row plays in the
 * page (`<video>` on `/api/cameras/{id}/playback` for the session's times, at
 * most an hour), downloads (`/api/recordings/{id}/download`), and for admins
 * toggles Keep and deletes after an inline confirmation. Viewers see the
 * recordings of their granted cameras, read-only. Rows follow SSE `recording`
 * events; after a reconnect the page is read again. The server renders the
 * first page; without JavaScript the filters are a GET form and the pages
 * are links.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import { formatBytes, formatDuration, formatUtc } from "./client/format.ts";
import { subscribeLive } from "./client/live.ts";
import { sessionPlayRange, startPlay } from "./client/playback.ts";
import {
  apiPath,
  applyRecordingEventToPage,
  checkFilters,
  pageLabel,
  pagePath,
  STATUS_CHOICES,
} from "./client/recordings.ts";
import type {
  RecordingFilters,
  RecordingsPageView,
  RecordingStatus,
  RecordingView,
} from "../controller/web/types.ts";
import { PlayerRow } from "../components/PlayerRow.tsx";

export interface RecordingsViewProps {
  /** Admins keep and delete; viewers only play and download. */
  admin: boolean;
  /** Cameras the user may see, for the camera filter. */
  cameras: { id: string; name: string }[];
  filters: RecordingFilters;
  /** The first page as the server loaded it; null when it could not. */
  page: RecordingsPageView | null;
  /** Why the server could not load it (the API's message). */
  error: string | null;
  limit: number;
  /** Today (UTC) on the server. */
  today: string;
}

/** What a row is busy with. */
export type RowBusy = "keep" | "delete" | "play";

export interface PlayerState {
  id: string;
  src: string;
  label: string;
  note: string | null;
}

const STATUS_LABELS: Record<RecordingStatus, string> = {
  recording: "Recording",
  completed: "Completed",
  interrupted: "Interrupted",
  expired: "Expired",
  failed: "Failed",
};

export default function RecordingsView(props: RecordingsViewProps) {
  const { admin, cameras, limit } = props;
  const [form, setForm] = useState<RecordingFilters>(props.filters);
  const [applied, setApplied] = useState<RecordingFilters>(props.filters);
  const [offset, setOffset] = useState(props.page?.offset ?? 0);
  const [page, setPage] = useState<RecordingsPageView | null>(props.page);
  const [error, setError] = useState<string | null>(props.error);
  const [formError, setFormError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState<Record<string, RowBusy>>({});
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});
  const [notes, setNotes] = useState<Record<string, string>>({});
  const playAbort = useRef<AbortController | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [player, setPlayer] = useState<PlayerState | null>(null);
  const seq = useRef(0);
  const filtersRef = useRef(applied);
  filtersRef.current = applied;
  const offsetRef = useRef(offset);
  offsetRef.current = offset;
  const resynced = useRef(false);

  const load = async (f: RecordingFilters, off: number) => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    const res = await apiRequest<RecordingsPageView>(
      "GET",
      apiPath(f, limit, off),
    );
    if (mine !== seq.current) return;
    setLoading(false);
    if (res.ok) {
      setPage(res.value);
      setApplied(f);
      setOffset(off);
      setPlayer(null);
      setConfirming(null);
      history.replaceState(null, "", pagePath(f, off));
    } else setError(res.error.message);
  };

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "recording") {
        setPage((p) =>
          p &&
          applyRecordingEventToPage(
            p,
            e.data,
            filtersRef.current,
            new Date().toISOString().slice(0, 10),
          )
        );
      } else if (e.kind === "snapshot") {
        // After a reconnect events may have been missed: read the page again
        // (not after the first connection, which follows the server render).
        if (resynced.current) void load(filtersRef.current, offsetRef.current);
        resynced.current = true;
      }
    }), []);

  const submit = (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const problem = checkFilters(form);
    setFormError(problem);
    if (!problem) void load(form, 0);
  };

  const setRow = <T,>(
    set: (f: (m: Record<string, T>) => Record<string, T>) => void,
    id: string,
    v: T | null,
  ) =>
    set((m) => {
      const next = { ...m };
      if (v === null) delete next[id];
      else next[id] = v;
      return next;
    });

  const replaceRow = (r: RecordingView) =>
    setPage((p) =>
      p && {
        ...p,
        recordings: p.recordings.map((x) => x.id === r.id ? { ...x, ...r } : x),
      }
    );

  const toggleKeep = async (r: RecordingView) => {
    setRow(setBusy, r.id, "keep");
    setRow(setRowErrors, r.id, null);
    const res = await apiRequest<RecordingView>(
      "PATCH",
      `/api/recordings/${encodeURIComponent(r.id)}`,
      { keep: !r.keep },
    );
    setRow(setBusy, r.id, null);
    if (res.ok && res.value) replaceRow(res.value);
    else if (!res.ok) setRow(setRowErrors, r.id, res.error.message);
  };

  const remove = async (r: RecordingView) => {
    setRow(setBusy, r.id, "delete");
    setRow(setRowErrors, r.id, null);
    const res = await apiRequest<unknown>(
      "DELETE",
      `/api/recordings/${encodeURIComponent(r.id)}`,
    );
    setRow(setBusy, r.id, null);
    setConfirming(null);
    if (res.ok || res.status === 404) {
      if (player?.id === r.id) setPlayer(null);
      setPage((p) =>
        p && p.recordings.some((x) => x.id === r.id)
          ? {
            ...p,
            recordings: p.recordings.filter((x) => x.id !== r.id),
            total: Math.max(0, p.total - 1),
          }
          : p
      );
    } else setRow(setRowErrors, r.id, res.error.message);
  };

  const play = async (r: RecordingView) => {
    const range = sessionPlayRange(r);
    if (!range) return;
    setRow(setBusy, r.id, "play");
    setRow(setRowErrors, r.id, null);
    const out = await startPlay(
      playAbort,
      r.camera_id!,
      range,
      (text) => setRow(setNotes, r.id, text),
    );
    setRow(setBusy, r.id, null);
    setRow(setNotes, r.id, null);
    if (!out) return; // another Play, or the page went away
    if (!out.ok) {
      setRow(setRowErrors, r.id, `Cannot play: ${out.message}`);
      return;
    }
    setPlayer({
      id: r.id,
      src: out.src,
      label: `${r.camera_name}, from ${formatUtc(range.start)} UTC`,
      note: range.clipped
        ? "Plays the first hour; the camera's timeline plays any moment of the day."
        : null,
    });
  };

  const go =
    (off: number) => (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
      e.preventDefault();
      void load(applied, off);
    };

  const total = page?.total ?? 0;
  const prevOff = Math.max(0, offset - limit);
  const hasPrev = offset > 0;
  const hasNext = offset + limit < total;

  return (
    <div class="stack">
      <form
        class="add filters"
        method="get"
        action="/recordings"
        onSubmit={submit}
        aria-busy={loading ? "true" : undefined}
      >
        <div class="field">
          <label for="rec-camera">Camera</label>
          <select
            id="rec-camera"
            name="camera"
            value={form.camera}
            onChange={(e) =>
              setForm({ ...form, camera: e.currentTarget.value })}
          >
            <option value="" selected={form.camera === ""}>All cameras</option>
            {cameras.map((c) => (
              <option key={c.id} value={c.id} selected={c.id === form.camera}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rec-status">Status</label>
          <select
            id="rec-status"
            name="status"
            value={form.status}
            onChange={(e) =>
              setForm({
                ...form,
                status: e.currentTarget.value as RecordingFilters["status"],
              })}
          >
            {STATUS_CHOICES.map((s) => (
              <option
                key={s.value}
                value={s.value}
                selected={s.value === form.status}
              >
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="rec-from">From (UTC day)</label>
          <input
            id="rec-from"
            name="from"
            type="date"
            value={form.from}
            max={props.today}
            onInput={(e) => setForm({ ...form, from: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="rec-to">To (UTC day, inclusive)</label>
          <input
            id="rec-to"
            name="to"
            type="date"
            value={form.to}
            aria-invalid={formError ? "true" : undefined}
            aria-describedby={formError ? "rec-filter-err" : undefined}
            onInput={(e) => setForm({ ...form, to: e.currentTarget.value })}
          />
        </div>
        <div class="bar full">
          <button type="submit" class="primary" disabled={loading}>
            {loading ? "Loading…" : "Apply filters"}
          </button>
          <a
            class="button"
            href="/recordings"
            onClick={(e) => {
              e.preventDefault();
              const none = {
                camera: "",
                status: "",
                from: "",
                to: "",
              } as const;
              setForm(none);
              setFormError(null);
              void load(none, 0);
            }}
          >
            Clear
          </a>
          {formError && (
            <p id="rec-filter-err" class="err" role="alert">{formError}</p>
          )}
        </div>
      </form>
      {error && (
        <div class="bar">
          <p class="err" role="alert">Cannot load the recordings: {error}</p>
          <button
            type="button"
            disabled={loading}
            onClick={() => void load(applied, offset)}
          >
            Try again
          </button>
        </div>
      )}
      <p class="mut" role="status" aria-live="polite">
        {loading ? "Loading…" : page ? pageLabel(page) : ""}
      </p>
      {page && (
        <RecordingsTable
          rows={page.recordings}
          admin={admin}
          busy={busy}
          errors={rowErrors}
          notes={notes}
          confirming={confirming}
          player={player}
          loading={loading}
          onPlay={(r) => void play(r)}
          onClosePlayer={() => setPlayer(null)}
          onKeep={(r) => void toggleKeep(r)}
          onAskDelete={(r) => {
            setRow(setRowErrors, r.id, null);
            setConfirming(r.id);
          }}
          onCancelDelete={() => setConfirming(null)}
          onDelete={(r) => void remove(r)}
        />
      )}
      <nav class="bar" aria-label="Recording pages">
        {hasPrev
          ? (
            <a
              class="button"
              href={pagePath(applied, prevOff)}
              onClick={go(prevOff)}
            >
              ← Previous
            </a>
          )
          : <span class="button off" aria-disabled="true">← Previous</span>}
        {hasNext
          ? (
            <a
              class="button"
              href={pagePath(applied, offset + limit)}
              onClick={go(offset + limit)}
            >
              Next →
            </a>
          )
          : <span class="button off" aria-disabled="true">Next →</span>}
        {page && (
          <span class="mut">
            Page {Math.floor(offset / limit) + 1} of{" "}
            {Math.max(1, Math.ceil(total / limit))} · {total} recording
            {total === 1 ? "" : "s"}
          </span>
        )}
      </nav>
    </div>
  );
}

export interface RecordingsTableProps {
  rows: RecordingView[];
  admin: boolean;
  busy: Record<string, RowBusy>;
  errors: Record<string, string>;
  /** Progress lines (HEVC footage being converted for the browser). */
  notes?: Record<string, string>;
  confirming: string | null;
  player: PlayerState | null;
  loading?: boolean;
  onPlay(r: RecordingView): void;
  onClosePlayer(): void;
  onKeep(r: RecordingView): void;
  onAskDelete(r: RecordingView): void;
  onCancelDelete(): void;
  onDelete(r: RecordingView): void;
}

/** `Porch, 2026-02-26 10:02:05 UTC`: what each row's buttons name. */
function rowName(r: RecordingView): string {
  return `${r.camera_name}, ${formatUtc(r.started_at)} UTC`;
}

export function RecordingsTable(p: RecordingsTableProps) {
  if (p.rows.length === 0) {
    return <p class="empty">No recordings match these filters.</p>;
  }
  return (
    <div class="scroll">
      <table class="tbl" aria-busy={p.loading ? "true" : undefined}>
        <caption class="sr">Recordings, newest first; times in UTC</caption>
        <thead>
          <tr>
            <th scope="col">Camera</th>
            <th scope="col">Started (UTC)</th>
            <th scope="col">Duration</th>
            <th scope="col">Size</th>
            <th scope="col">Node</th>
            <th scope="col">Status</th>
            <th scope="col">Keep</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => <Row key={r.id} r={r} {...p} />)}
        </tbody>
      </table>
    </div>
  );
}

function Row(props: RecordingsTableProps & { r: RecordingView }) {
  const { r, admin } = props;
  const busy = props.busy[r.id];
  const name = rowName(r);
  const footage = (r.segment_count ?? 0) > 0;
  const playable = footage && sessionPlayRange(r) !== null;
  const playing = props.player?.id === r.id ? props.player : null;
  const confirm = props.confirming === r.id;
  const no = useRef<HTMLButtonElement>(null);
  const del = useRef<HTMLButtonElement>(null);
  const shown = useRef(false);
  // Focus follows the inline confirmation: onto "No", then back to Delete.
  useEffect(() => {
    if (confirm) no.current?.focus();
    else if (shown.current) del.current?.focus();
    shown.current = confirm;
  }, [confirm]);
  return (
    <>
      <tr class={r.status === "expired" ? "gone" : undefined}>
        <th scope="row">
          {r.camera_id && !r.camera_deleted
            ? (
              <a href={`/cameras/${encodeURIComponent(r.camera_id)}`}>
                {r.camera_name}
              </a>
            )
            : (
              <>
                {r.camera_name} <span class="mut">(deleted)</span>
              </>
            )}
        </th>
        <td class="nowrap">
          <time dateTime={r.started_at}>{formatUtc(r.started_at)}</time>
        </td>
        <td class="nowrap">
          {footage
            ? `${formatDuration(r.duration_ms ?? 0)}${
              r.status === "recording" ? " so far" : ""
            }`
            : "—"}
        </td>
        <td class="nowrap">{footage ? formatBytes(r.size_bytes ?? 0) : "—"}</td>
        <td>{r.node_name ?? "—"}</td>
        <td>
          <span class={`badge r-${r.status}`}>
            {STATUS_LABELS[r.status] ?? r.status}
          </span>
          {r.error_message && (
            <span class="hint wrap">
              {" "}
              {r.error_message}
            </span>
          )}
        </td>
        <td>
          {admin
            ? (
              <button
                type="button"
                class="keep"
                aria-pressed={r.keep ? "true" : "false"}
                aria-label={`Keep ${name}`}
                disabled={busy !== undefined}
                onClick={() => props.onKeep(r)}
              >
                {busy === "keep" ? "Saving…" : r.keep ? "Kept" : "Keep"}
              </button>
            )
            : r.keep
            ? "Kept"
            : "—"}
        </td>
        <td>
          <span class="acts-inline">
            {playable && (
              <button
                type="button"
                aria-label={`Play ${name}`}
                aria-expanded={playing ? "true" : "false"}
                disabled={busy !== undefined}
                onClick={() =>
                  playing ? props.onClosePlayer() : props.onPlay(r)}
              >
                {busy === "play" ? "Preparing…" : playing ? "Close" : "Play"}
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
              : <span class="mut">No footage</span>}
            {admin && r.status !== "recording" && (confirm
              ? (
                <span
                  class="acts-inline"
                  role="group"
                  aria-label={`Confirm delete of ${name}`}
                >
                  <span>Delete?</span>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy !== undefined}
                    onClick={() => props.onDelete(r)}
                  >
                    {busy === "delete" ? "Deleting…" : "Yes, delete"}
                  </button>
                  <button
                    type="button"
                    ref={no}
                    disabled={busy !== undefined}
                    onClick={props.onCancelDelete}
                  >
                    No
                  </button>
                </span>
              )
              : (
                <button
                  type="button"
                  class="danger"
                  ref={del}
                  aria-label={`Delete ${name}`}
                  disabled={busy !== undefined}
                  onClick={() => props.onAskDelete(r)}
                >
                  Delete
                </button>
              ))}
          </span>
          {props.notes?.[r.id] && (
            <p class="hint" role="status">{props.notes[r.id]}</p>
          )}
          {props.errors[r.id] && (
            <p class="err" role="alert">{props.errors[r.id]}</p>
          )}
        </td>
      </tr>
      {playing && (
        <PlayerRow colSpan={8} src={playing.src} label={playing.label}>
          <p class="hint">
            {playing.label}
            {playing.note ? ` · ${playing.note}` : ""}
          </p>
        </PlayerRow>
      )}
    </>
  );
}
