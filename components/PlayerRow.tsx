/**
 * The table row under a recording that plays it: a `<video>` across the
 * table (a new element for each `src`, so it starts at its own `#t=`), and
 * anything given as children below it.
 */
import type { ComponentChildren } from "preact";

export function PlayerRow(p: {
  /** Columns of the table, so the player spans them all. */
  colSpan: number;
  src: string;
  /** What plays, e.g. "Gate, from … UTC"; named to screen readers. */
  label: string;
  children?: ComponentChildren;
}) {
  return (
    <tr class="sub">
      <td colSpan={p.colSpan}>
        <div class="player">
          <video
            key={p.src}
            src={p.src}
            controls
            autoPlay
            preload="metadata"
            aria-label={`Footage of ${p.label}`}
          />
          {p.children}
        </div>
      </td>
    </tr>
  );
}
