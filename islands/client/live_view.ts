/**
 * Pieces shared by the live views that paint the multiplexed stream into a
 * `<canvas>` (the grid's tiles and the camera page's large view).
 */

/** Set through CSSOM once hydrated: the CSP refuses inline style attributes. */
export const CANVAS_STYLE =
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

/** Canvas size before the first frame, from a `WIDTHxHEIGHT` resolution (640×480 when unreadable). */
export function canvasSize(
  resolution: string,
): { width: number; height: number } {
  const [w, h] = resolution.split("x").map(Number);
  return { width: w || 640, height: h || 480 };
}

/** HTML-escapes text for the `<noscript>` fallback markup. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
