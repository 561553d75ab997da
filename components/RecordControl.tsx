/**
 * A camera's recording state and, for admins, its Record/Stop button. Stateless:
 * the island owns the open recordings (`client/recording.ts`) and the button's
 * progress and error. `RecBadge` is the "● REC" indicator everyone sees.
 */
import type { RecAction } from "../islands/client/recording.ts";
import { formatUtc, utcClock } from "../islands/client/format.ts";
import type { OpenRecording, RecordingMode } from "../controller/web/types.ts";

/** "● REC" while the camera records (colour, dot **and** text); nothing otherwise. */
export function RecBadge(
  { open, name }: { open: OpenRecording | null | undefined; name?: string },
) {
  if (!open) return null;
  return (
    <span
      class="badge s-rec"
      title={`Recording since ${formatUtc(open.started_at)} UTC`}
    >
      REC<span class="sr">
        {name ? ` (${name} is recording)` : " (recording)"}
      </span>
    </span>
  );
}

export interface RecordControlProps {
  /** Unique on the page: ids of the state text derive from it. */
  id: string;
  cameraName: string;
  mode: RecordingMode | undefined;
  open: OpenRecording | null | undefined;
  /** Only admins get the control; viewers see `RecBadge` alone. */
  admin: boolean;
  busy: RecAction | null;
  /** The last start/stop failure, as the API worded it. */
  error: string | null;
  onStart(): void;
  onStop(): void;
  /** The camera page: full dates and a live region; tiles are terse. */
  detailed?: boolean;
}

/** What the control says: `Not recording`, `Recording since 10:02 UTC`, `Continuous · …`. */
export function recordStateText(
  mode: RecordingMode | undefined,
  open: OpenRecording | null | undefined,
  detailed = false,
): string {
  const since = open
    ? `since ${
      detailed ? formatUtc(open.started_at) : utcClock(open.started_at, false)
    } UTC`
    : "";
  if (mode === "continuous") {
    return open
      ? `Continuous · recording ${since}`
      : "Continuous · not recording yet (waits for the camera's node)";
  }
  return open ? `Recording ${since}` : "Not recording";
}

export function RecordControl(p: RecordControlProps) {
  if (!p.admin) return null;
  const continuous = p.mode === "continuous";
  const stateId = `${p.id}-rec-state`;
  return (
    <div
      class="recctl"
      role="group"
      aria-label={`Recording of ${p.cameraName}`}
      aria-busy={p.busy ? "true" : undefined}
    >
      <span
        id={stateId}
        class={p.open ? "rec-on" : "mut"}
        aria-live={p.detailed ? "polite" : undefined}
      >
        {recordStateText(p.mode, p.open, p.detailed)}
      </span>
      {continuous ? null : p.open
        ? (
          <button
            type="button"
            class="stop"
            disabled={p.busy !== null}
            aria-describedby={stateId}
            onClick={p.onStop}
          >
            {p.busy === "stop" ? "Stopping…" : "Stop"}
          </button>
        )
        : (
          <button
            type="button"
            class="rec"
            disabled={p.busy !== null}
            aria-describedby={stateId}
            onClick={p.onStart}
          >
            {p.busy === "start" ? "Starting…" : "Record"}
          </button>
        )}
      {p.error && <p class="err" role="alert">{p.error}</p>}
      {p.open?.error_message && (
        <p class="hint">
          <span class="warn">Recorder retrying:</span> {p.open.error_message}
        </p>
      )}
    </div>
  );
}
