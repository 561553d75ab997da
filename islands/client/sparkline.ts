/**
 * Sparklines of a node's CPU and memory. The controller keeps only a node's
 * latest heartbeat, so the nodes page collects samples from SSE `node` events
 * in a ring buffer (the last `SAMPLES`) for as long as the page is open.
 */

/** Samples kept per series. */
export const SAMPLES = 60;

/** `list` with `value` appended, keeping the last `cap` values (a new array). */
export function pushSample(
  list: readonly number[],
  value: number,
  cap: number = SAMPLES,
): number[] {
  const next = [...list, value];
  return next.length > cap ? next.slice(next.length - cap) : next;
}

export interface SparkBox {
  width: number;
  height: number;
  /** Value drawn at the top edge; larger values are clamped. */
  max: number;
  /** Slots across the width; the newest sample sits at the right edge. @default SAMPLES */
  capacity?: number;
}

/**
 * SVG path data (`M… L…`) of `values` in a `width`×`height` box, y growing
 * down, 0 at the bottom and `max` at the top, newest value on the right.
 * Coordinates are rounded to 0.1. One value draws a short flat segment; none
 * draws nothing ("").
 */
export function sparklinePath(
  values: readonly number[],
  box: SparkBox,
): string {
  const { width, height } = box;
  const cap = Math.max(2, box.capacity ?? SAMPLES);
  const shown = values.slice(-cap);
  if (shown.length === 0) return "";
  const step = width / (cap - 1);
  const max = box.max > 0 ? box.max : 1;
  const r = (n: number) => Math.round(n * 10) / 10;
  const y = (v: number) =>
    r(height - (Math.min(max, Math.max(0, v)) / max) * height);
  const x0 = width - (shown.length - 1) * step;
  if (shown.length === 1) {
    return `M${r(width - step)},${y(shown[0])}L${r(width)},${y(shown[0])}`;
  }
  return shown.map((v, i) =>
    `${i === 0 ? "M" : "L"}${r(x0 + i * step)},${y(v)}`
  )
    .join("");
}

/** Min, max and latest of a series (null when empty). */
export function seriesSummary(
  values: readonly number[],
): { min: number; max: number; last: number } | null {
  if (values.length === 0) return null;
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    last: values[values.length - 1],
  };
}

/**
 * A round top for a chart of values up to `v` (1, 2 or 5 × 10ⁿ, at least
 * `v`): the line uses most of the height without a jumping scale.
 */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
