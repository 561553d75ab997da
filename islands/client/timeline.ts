/**
 * The camera page's day timeline, pure: where each recorded span sits on a
 * 24-hour bar (UTC), which time a click means, the text alternative, and
 * moving between days. Tested in `islands/dashboard_helpers_test.ts`.
 */
import type { TimelineView } from "../../controller/web/types.ts";
import { formatDuration, utcClock } from "./format.ts";

const DAY_MS = 86_400_000;
/** Width of the timeline in SVG units: one per minute. */
export const TIMELINE_WIDTH = 1440;

/** A span placed on the bar: `x`/`w` in units of the bar (`TIMELINE_WIDTH` wide). */
export interface SpanBox {
  x: number;
  w: number;
  start: string;
  end: string;
  /** The open recording's newest part: being written, not playable yet. */
  live: boolean;
}

/** The part of the day the bar shows, in ms since the epoch. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** How far the bar zooms in: the whole day, 6 hours or 1 hour. */
export type ZoomHours = 24 | 6 | 1;

/** Narrowest box in bar units, so a recording of a few seconds stays visible. */
const MIN_BOX = 3;

/** Today as a UTC date `YYYY-MM-DD`. */
export function utcDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The UTC day `n` days after `day` (negative: before). */
export function shiftDay(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? day : utcDay(t + n * DAY_MS);
}

export function dayWindow(tl: TimelineView): TimeWindow {
  return { start: Date.parse(tl.start), end: Date.parse(tl.end) };
}

/**
 * A window of `hours` inside the day around `center` (ms), kept inside the
 * day; the whole day for 24.
 */
export function zoomWindow(
  tl: TimelineView,
  hours: ZoomHours,
  center: number,
): TimeWindow {
  const day = dayWindow(tl);
  if (hours >= 24) return day;
  const len = hours * 3600_000;
  // Whole steps of a tick (15 min / 5 min) keep the axis labels round.
  const step = hours === 6 ? 3600_000 : 600_000;
  let start = Math.floor((center - len / 2) / step) * step;
  start = Math.min(day.end - len, Math.max(day.start, start));
  return { start, end: start + len };
}

/** The window moved by half its length (`dir` −1 earlier, +1 later), inside the day. */
export function panWindow(
  tl: TimelineView,
  win: TimeWindow,
  dir: -1 | 1,
): TimeWindow {
  const day = dayWindow(tl);
  const len = win.end - win.start;
  const start = Math.min(
    day.end - len,
    Math.max(day.start, win.start + (dir * len) / 2),
  );
  return { start, end: start + len };
}

/** Where zooming in looks first: the newest footage, else now (today), else noon. */
export function zoomCenter(tl: TimelineView, now: number): number {
  const day = dayWindow(tl);
  const last = tl.spans[tl.spans.length - 1];
  if (tl.recording_since && now > day.start && now < day.end) return now;
  if (last) return Date.parse(last.end);
  return now > day.start && now < day.end ? now : day.start + DAY_MS / 2;
}

/** Tick marks (`x` in bar units) and axis labels of a window: 8 labels a day, 6 when zoomed. */
export function axisOf(win: TimeWindow): {
  ticks: { x: number; major: boolean }[];
  labels: string[];
} {
  const len = win.end - win.start;
  const [minor, major] = len > 6 * 3600_000
    ? [3600_000, 3 * 3600_000]
    : len > 3600_000
    ? [900_000, 3600_000]
    : [300_000, 600_000];
  const ticks: { x: number; major: boolean }[] = [];
  const first = Math.ceil(win.start / minor) * minor;
  for (let t = first; t < win.end; t += minor) {
    if (t <= win.start) continue;
    ticks.push({
      x: round(((t - win.start) / len) * TIMELINE_WIDTH),
      major: t % major === 0,
    });
  }
  const labels: string[] = [];
  for (let t = win.start; t < win.end; t += major) {
    labels.push(new Date(t).toISOString().slice(11, 16));
  }
  return { ticks, labels };
}

/**
 * The spans inside the window as boxes on the bar (at least `MIN_BOX` units
 * wide, so a short span stays visible); plus, on the day that holds `now`,
 * the open recording's part that has no closed segment yet (from the later of
 * its start and the last span's end, up to now).
 */
export function spanBoxes(
  tl: TimelineView,
  now = Date.now(),
  win: TimeWindow = dayWindow(tl),
): SpanBox[] {
  const len = win.end - win.start;
  const toX = (t: number) =>
    Math.min(
      TIMELINE_WIDTH,
      Math.max(0, ((t - win.start) / len) * TIMELINE_WIDTH),
    );
  const box = (s: number, e: number, live: boolean): SpanBox => {
    const w = Math.max(MIN_BOX, toX(e) - toX(s));
    return {
      x: round(Math.min(toX(s), TIMELINE_WIDTH - w)),
      w: round(w),
      start: new Date(s).toISOString(),
      end: new Date(e).toISOString(),
      live,
    };
  };
  const inside = (s: number, e: number) => s < win.end && e > win.start;
  const out = tl.spans
    .map((sp) => [Date.parse(sp.start), Date.parse(sp.end)])
    .filter(([s, e]) => inside(s, e))
    .map(([s, e]) => box(s, e, false));
  const day = dayWindow(tl);
  if (tl.recording_since && now > day.start) {
    const lastEnd = tl.spans.length
      ? Date.parse(tl.spans[tl.spans.length - 1].end)
      : -Infinity;
    const from = Math.max(Date.parse(tl.recording_since), lastEnd, day.start);
    const to = Math.min(now, day.end);
    if (to > from && inside(from, to)) out.push(box(from, to, true));
  }
  return out;
}

const round = (v: number) => Math.round(v * 100) / 100;

/** The time at a fraction (0–1) of the bar's width. */
export function timeAt(
  tl: TimelineView,
  fraction: number,
  win: TimeWindow = dayWindow(tl),
): Date {
  const f = Math.min(1, Math.max(0, fraction));
  return new Date(win.start + f * (win.end - win.start));
}

/** The recorded span holding `t`, if any. */
export function spanAt(
  tl: TimelineView,
  t: Date,
): { start: string; end: string } | null {
  const ms = t.getTime();
  return tl.spans.find((s) =>
    Date.parse(s.start) <= ms && ms < Date.parse(s.end)
  ) ?? null;
}

/** Total recorded time of the day. */
export function recordedMs(tl: TimelineView): number {
  return tl.spans.reduce(
    (n, s) => n + Math.max(0, Date.parse(s.end) - Date.parse(s.start)),
    0,
  );
}

/** A span as words: `10:02:00–10:45:12 UTC (43 min)`. */
export function spanLabel(s: { start: string; end: string }): string {
  return `${utcClock(s.start)}–${utcClock(s.end)} UTC (${
    formatDuration(Date.parse(s.end) - Date.parse(s.start))
  })`;
}

/** The SVG's description: how much was recorded and where the gaps are. */
export function timelineSummary(tl: TimelineView): string {
  const n = tl.spans.length;
  if (n === 0) {
    return tl.recording_since
      ? `No saved footage on ${tl.day} yet; recording since ${
        utcClock(tl.recording_since)
      } UTC.`
      : `No footage on ${tl.day}.`;
  }
  const spans = tl.spans.map((s) => {
    // Minutes, unless the span starts and ends within one.
    const sec = utcClock(s.start, false) === utcClock(s.end, false);
    return `${utcClock(s.start, sec)}–${utcClock(s.end, sec)}`;
  }).join(", ");
  return `${n} recorded span${n === 1 ? "" : "s"} on ${tl.day}, ${
    formatDuration(recordedMs(tl))
  } in all (UTC): ${spans}. The rest of the day has no footage.${
    tl.recording_since ? " Recording now." : ""
  }`;
}
