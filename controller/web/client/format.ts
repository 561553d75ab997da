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
