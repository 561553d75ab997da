/**
 * A node's disk as a horizontal SVG bar: used and free space, with the bytes
 * in human units. The SVG is an image with a text alternative (`<title>` and
 * `aria-labelledby`), and the same numbers follow as visible text.
 */
import { formatBytes, percent } from "../islands/client/format.ts";

export interface DiskChartProps {
  /** Unique on the page: the SVG title's id is derived from it. */
  id: string;
  disk: { path: string; total_bytes: number; free_bytes: number };
}

/** The chart's text alternative: `/var/lib/falcon: 120 GiB used of 500 GiB (24 %), 380 GiB free`. */
export function diskSummary(disk: DiskChartProps["disk"]): string {
  const total = Math.max(0, disk.total_bytes);
  const free = Math.min(total, Math.max(0, disk.free_bytes));
  const used = total - free;
  return `${disk.path}: ${formatBytes(used)} used of ${formatBytes(total)} (${
    percent(used, total)
  } %), ${formatBytes(free)} free`;
}

export function DiskChart({ id, disk }: DiskChartProps) {
  const total = Math.max(0, disk.total_bytes);
  const free = Math.min(total, Math.max(0, disk.free_bytes));
  const used = total - free;
  const usedPct = total > 0 ? (used / total) * 100 : 0;
  const w = Math.round(usedPct * 10) / 10;
  const full = usedPct >= 90;
  const titleId = `${id}-title`;
  return (
    <figure class="disk">
      <svg
        class="disk-bar"
        viewBox="0 0 100 8"
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={titleId}
      >
        <title id={titleId}>Disk {diskSummary(disk)}</title>
        <rect class="disk-free" x="0" y="0" width="100" height="8" rx="1" />
        <rect
          class={full ? "disk-used disk-full" : "disk-used"}
          x="0"
          y="0"
          width={String(w)}
          height="8"
          rx="1"
        />
      </svg>
      <figcaption>
        <span class={full ? "warn" : undefined}>
          {formatBytes(used)} used ({percent(used, total)} %)
        </span>{" "}
        · {formatBytes(free)} free of {formatBytes(total)} ·{" "}
        <code>{disk.path}</code>
      </figcaption>
    </figure>
  );
}
