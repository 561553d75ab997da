/**
 * The camera page's day timeline (`/cameras/{id}`): a 24-hour bar (UTC) of
 * one day with the recorded spans (`GET /api/cameras/{id}/timeline?day`,
 * segments merged in SQL); gaps are the empty parts. An accessible SVG
 * (`<title>`, `<desc>`) followed by the spans as a list of Play buttons.
 * Clicking the bar plays from that moment through
 * `/api/cameras/{id}/playback` in an in-page `<video>` (at most an hour at a
 * time); the part of an open recording still being written shows in its own
 * colour. The day reloads when this camera starts or stops recording
 * (SSE `recording`) and on Refresh; it does not poll.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import { formatUtc, utcClock } from "./client/format.ts";
import { subscribeLive } from "./client/live.ts";
import { PLAY_WINDOW_MS, preparePlayback } from "./client/playback.ts";
import {
  axisOf,
  dayWindow,
  panWindow,
  shiftDay,
  spanAt,
  spanBoxes,
  spanLabel,
  timeAt,
  TIMELINE_WIDTH,
  timelineSummary,
  zoomCenter,
  type ZoomHours,
  zoomWindow,
} from "./client/timeline.ts";
import type { TimelineView } from "../controller/web/types.ts";

export interface TimelineProps {
  camera: { id: string; name: string };
  /** Today (UTC) on the server: the day shown first and the last one offered. */
  today: string;
  /** That day's timeline when the server could load it; else it loads after hydration. */
  timeline: TimelineView | null;
  /** The server's clock at render (ISO): where "now" is drawn until hydration. */
  now: string;
}

interface Player {
  src: string;
  label: string;
}

const H = 40;
const ZOOMS: { hours: ZoomHours; label: string }[] = [
  { hours: 24, label: "Day" },
  { hours: 6, label: "6 h" },
  { hours: 1, label: "1 h" },
];

export default function Timeline(
  { camera, today, timeline, now: renderedAt }: TimelineProps,
) {
  const [day, setDay] = useState(timeline?.day ?? today);
  const [tl, setTl] = useState<TimelineView | null>(timeline);
  const [loading, setLoading] = useState(timeline === null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [player, setPlayer] = useState<Player | null>(null);
  const [playState, setPlayState] = useState<string | null>(null);
  const [playError, setPlayError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.parse(renderedAt) || 0);
  const [zoom, setZoom] = useState<ZoomHours>(24);
  const [center, setCenter] = useState<number | null>(null);
  const seq = useRef(0);
  const playAbort = useRef<AbortController | null>(null);
  const first = useRef(timeline !== null);
  const path = `/api/cameras/${encodeURIComponent(camera.id)}/timeline`;

  useEffect(() => {
    setNow(Date.now());
    if (first.current) {
      first.current = false;
      return;
    }
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    void apiRequest<TimelineView>("GET", `${path}?day=${day}`).then((res) => {
      if (mine !== seq.current) return;
      setLoading(false);
      setNow(Date.now());
      if (res.ok) setTl(res.value);
      else setError(res.error.message);
    });
  }, [day, attempt]);

  useEffect(() => setCenter(null), [day]);

  // This camera started or stopped recording: its footage changes; reload
  // once its last segment had time to close.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = subscribeLive((e) => {
      if (e.kind !== "recording") return;
      const ev = e.data;
      const cam = "recording" in ev ? ev.recording.camera_id : ev.camera_id;
      if (cam !== camera.id || ev.type === "failed" || ev.type === "updated") {
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => setAttempt((n) => n + 1), 3000);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, []);

  const stopPreparing = () => {
    playAbort.current?.abort();
    playAbort.current = null;
    setPlayState(null);
  };

  const play = async (start: Date, end: Date, label: string) => {
    stopPreparing();
    const ac = new AbortController();
    playAbort.current = ac;
    setPlayError(null);
    setPlayState(`Preparing ${label}…`);
    const out = await preparePlayback(camera.id, start, end, {
      signal: ac.signal,
      progress: (text) => !ac.signal.aborted && setPlayState(text),
    });
    if (ac.signal.aborted) return;
    playAbort.current = null;
    setPlayState(null);
    if (!out.ok) {
      setPlayer(null);
      setPlayError(out.message);
      return;
    }
    setPlayer({ src: out.src, label });
  };

  const playFrom = (t: Date, spanEnd: string) => {
    const end = new Date(
      Math.min(Date.parse(spanEnd), t.getTime() + PLAY_WINDOW_MS),
    );
    void play(
      t,
      end,
      `${utcClock(t.toISOString())}–${utcClock(end.toISOString())} UTC`,
    );
  };

  const win = !tl
    ? null
    : zoom === 24
    ? dayWindow(tl)
    : zoomWindow(tl, zoom, center ?? zoomCenter(tl, now));

  const onBarClick = (e: JSX.TargetedMouseEvent<SVGSVGElement>) => {
    if (!tl || !win) return;
    const r = e.currentTarget.getBoundingClientRect();
    if (r.width <= 0) return;
    const t = timeAt(tl, (e.clientX - r.left) / r.width, win);
    // Boxes are at least 3 units wide, and a click within 6 px of one counts.
    const slack = ((6 / r.width) + 3 / TIMELINE_WIDTH) * (win.end - win.start);
    const exact = spanAt(tl, t);
    if (exact) {
      playFrom(
        new Date(Math.min(t.getTime(), Date.parse(exact.end) - 1000)),
        exact.end,
      );
      return;
    }
    // A short span is drawn wider than it lasts: a click on or near it plays it from its start.
    const near = tl.spans.find((s) =>
      Date.parse(s.start) - slack <= t.getTime() &&
      t.getTime() < Date.parse(s.end) + slack
    );
    if (near) {
      playFrom(new Date(near.start), near.end);
      return;
    }
    setPlayError(
      tl.recording_since && Date.now() - t.getTime() < 120_000
        ? `${
          utcClock(t.toISOString())
        } UTC is still being recorded; it can be played once its segment closes (within a minute).`
        : `No footage at ${utcClock(t.toISOString())} UTC.`,
    );
  };

  const boxes = tl && win ? spanBoxes(tl, now, win) : [];
  const axis = win ? axisOf(win) : { ticks: [], labels: [] };
  const nowX = win && now > win.start && now < win.end
    ? ((now - win.start) / (win.end - win.start)) * TIMELINE_WIDTH
    : null;
  const zoomed = zoom !== 24 && win !== null;

  return (
    <div class="tl stack">
      <div class="bar">
        <div class="field">
          <label for="tl-day">Day (UTC)</label>
          <input
            id="tl-day"
            type="date"
            value={day}
            max={today}
            required
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (/^\d{4}-\d{2}-\d{2}$/.test(v)) setDay(v);
            }}
          />
        </div>
        <button type="button" onClick={() => setDay(shiftDay(day, -1))}>
          ← Previous day
        </button>
        <button
          type="button"
          disabled={day >= today}
          onClick={() => setDay(shiftDay(day, 1))}
        >
          Next day →
        </button>
        <button
          type="button"
          disabled={loading}
          onClick={() => setAttempt((n) => n + 1)}
        >
          Refresh
        </button>
        <p class="mut grow" role="status" aria-live="polite">
          {loading ? "Loading…" : tl ? spansCount(tl) : ""}
        </p>
      </div>
      {tl && (
        <div class="bar">
          <div class="seg" role="group" aria-label="Zoom the bar">
            {ZOOMS.map((z) => (
              <button
                key={z.hours}
                type="button"
                aria-pressed={zoom === z.hours ? "true" : "false"}
                onClick={() => {
                  if (win && zoom !== 24) {
                    setCenter((win.start + win.end) / 2);
                  }
                  setZoom(z.hours);
                }}
              >
                {z.label}
              </button>
            ))}
          </div>
          {zoomed && (
            <>
              <button
                type="button"
                disabled={win.start <= Date.parse(tl.start)}
                onClick={() => {
                  const w = panWindow(tl, win, -1);
                  setCenter((w.start + w.end) / 2);
                }}
              >
                ← Earlier
              </button>
              <button
                type="button"
                disabled={win.end >= Date.parse(tl.end)}
                onClick={() => {
                  const w = panWindow(tl, win, 1);
                  setCenter((w.start + w.end) / 2);
                }}
              >
                Later →
              </button>
            </>
          )}
          {win && (
            <span class="mut">
              Showing {utcClock(new Date(win.start).toISOString(), false)}–
              {win.end >= Date.parse(tl.end)
                ? "24:00"
                : utcClock(new Date(win.end).toISOString(), false)} UTC
            </span>
          )}
        </div>
      )}
      {error && (
        <p class="err" role="alert">Cannot load the timeline: {error}</p>
      )}
      {tl && (
        <figure class="tl-fig">
          <svg
            class="tl-bar"
            viewBox={`0 0 ${TIMELINE_WIDTH} ${H}`}
            preserveAspectRatio="none"
            role="img"
            aria-labelledby="tl-title tl-desc"
            onClick={onBarClick}
          >
            <title id="tl-title">
              Recorded footage of {camera.name} on {tl.day} (UTC)
            </title>
            <desc id="tl-desc">{timelineSummary(tl)}</desc>
            <rect class="tl-bg" x="0" y="0" width={TIMELINE_WIDTH} height={H} />
            {axis.ticks.map((t) => (
              <line
                key={t.x}
                class={t.major ? "tl-tick major" : "tl-tick"}
                x1={t.x}
                x2={t.x}
                y1="0"
                y2={H}
              />
            ))}
            {boxes.map((b) => (
              <rect
                key={`${b.start}-${b.live}`}
                class={b.live ? "tl-live" : "tl-span"}
                x={b.x}
                y="5"
                width={b.w}
                height={H - 10}
              >
                <title>
                  {b.live
                    ? `Being recorded since ${utcClock(b.start)} UTC`
                    : `${spanLabel(b)}: click to play`}
                </title>
              </rect>
            ))}
            {nowX !== null && (
              <line class="tl-now" x1={nowX} x2={nowX} y1="0" y2={H} />
            )}
          </svg>
          <div class={`tl-axis n${axis.labels.length}`} aria-hidden="true">
            {axis.labels.map((l) => <span key={l}>{l}</span>)}
          </div>
          <figcaption class="hint">
            Times in UTC. Click a recorded span to play from that moment (up to
            an hour at a time); zoom in to see short recordings. The list below
            plays each span from the keyboard.{" "}
            {tl.recording_since && (
              <span class="rec-on">
                Recording since {formatUtc(tl.recording_since)}{" "}
                UTC; each minute appears once its segment closes.
              </span>
            )}
          </figcaption>
        </figure>
      )}
      {tl && tl.spans.length > 0 && (
        <ul class="tl-list" aria-label={`Recorded spans on ${tl.day}`}>
          {tl.spans.map((s) => (
            <li key={s.start}>
              <button
                type="button"
                aria-label={`Play ${spanLabel(s)}`}
                onClick={() => playFrom(new Date(s.start), s.end)}
              >
                Play
              </button>{" "}
              {spanLabel(s)}
            </li>
          ))}
        </ul>
      )}
      {tl && tl.spans.length === 0 && !loading && (
        <p class="hint">No saved footage on {tl.day}.</p>
      )}
      {playError && <p class="err" role="alert">Cannot play: {playError}</p>}
      {playState && (
        <p class="bar hint" role="status">
          <span>{playState}</span>
          <button type="button" onClick={stopPreparing}>Cancel</button>
        </p>
      )}
      {player && (
        <div class="player">
          <video
            key={player.src}
            src={player.src}
            controls
            autoPlay
            preload="metadata"
            aria-label={`Footage of ${camera.name}, ${player.label}`}
          />
          <p class="bar hint">
            <span class="grow">Playing {player.label}</span>
            <button type="button" onClick={() => setPlayer(null)}>
              Close player
            </button>
          </p>
        </div>
      )}
    </div>
  );
}

function spansCount(tl: TimelineView): string {
  const n = tl.spans.length;
  return n === 0
    ? `${tl.day}: no saved footage`
    : `${tl.day}: ${n} recorded span${n === 1 ? "" : "s"}`;
}
