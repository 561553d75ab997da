/**
 * A small line chart of one series (a node's CPU or memory samples since the
 * page opened). An image with a text alternative: the latest value and the
 * range of the samples.
 */
import {
  SAMPLES,
  seriesSummary,
  sparklinePath,
} from "../islands/client/sparkline.ts";

export interface SparklineProps {
  /** What the series is, e.g. "CPU". */
  label: string;
  values: number[];
  /** Value at the top edge. */
  max: number;
  format(v: number): string;
}

const W = 160;
const H = 36;

export function sparklineLabel(
  label: string,
  values: number[],
  format: (v: number) => string,
): string {
  const s = seriesSummary(values);
  if (!s) return `${label}: no samples yet`;
  return `${label} now ${format(s.last)}; ${values.length} sample${
    values.length === 1 ? "" : "s"
  } since this page opened, from ${format(s.min)} to ${format(s.max)}`;
}

export function Sparkline({ label, values, max, format }: SparklineProps) {
  const d = sparklinePath(values, { width: W, height: H, max });
  const s = seriesSummary(values);
  return (
    <div class="spark">
      <span>
        {label} <b>{s ? format(s.last) : "—"}</b>
      </span>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-label={sparklineLabel(label, values, format)}
      >
        <rect class="spark-bg" x="0" y="0" width={W} height={H} />
        {d && <path d={d} />}
      </svg>
      <small class="mut">
        {s ? `${format(s.min)}–${format(s.max)} · top ${format(max)}` : ""}
      </small>
    </div>
  );
}

export { SAMPLES };
