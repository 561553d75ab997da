/**
 * Pure formatting helpers shared by islands and server-rendered components
 * (bytes, durations, percentages). Browser-safe, no DOM.
 */

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * Bytes in binary units with at most one decimal (three significant digits
 * below 10): `0 B`, `512 B`, `1.5 KiB`, `12 GiB`, `931.3 GiB`.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "unknown";
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  const s = v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "");
  // 1023.96 KiB rounds to "1024 KiB": say the next unit instead.
  if (s === "1024" && u < BYTE_UNITS.length - 1) {
    return `1 ${BYTE_UNITS[u + 1]}`;
  }
  return `${s} ${BYTE_UNITS[u]}`;
}

/** `used / total` as a whole percentage, 0 when total is 0. */
export function percent(part: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((part / total) * 100)));
}

/** Milliseconds as seconds with one decimal: `812` → `0.8 s`. */
export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/**
 * A duration in words: `45 s`, `12 min`, `1 h 05 min`, `2 d 3 h`. Seconds
 * only below a minute; 0 or less (or not a number) is `0 s`.
 */
export function formatDuration(ms: number): string {
  const s = Number.isFinite(ms) ? Math.max(0, Math.round(ms / 1000)) : 0;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** An ISO time as `2026-02-26 10:02:05` (UTC; the caller says so); the input itself when unreadable. */
export function formatUtc(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? iso
    : new Date(t).toISOString().slice(0, 19).replace("T", " ");
}

/** The UTC time of day of an ISO time: `10:02:05`, or `10:02` with `seconds: false`. */
export function utcClock(iso: string, seconds = true): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(11, seconds ? 19 : 16);
}
