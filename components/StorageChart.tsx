/**
 * A node's recordings storage: one stacked SVG bar of its disk (recordings,
 * other data, free) and a table of the bytes each camera's footage uses, with
 * a bar per row scaled to the largest. Both bars are images with text
 * alternatives; the numbers are text too.
 */
import { formatBytes, percent } from "../islands/client/format.ts";
import type { NodeStorageView } from "../controller/web/types.ts";

/** `Recordings 12 GiB (2 %), other data 100 GiB, free 388 GiB of 500 GiB`. */
export function storageSummary(s: NodeStorageView): string {
  const total = Math.max(0, s.total_bytes);
  const free = Math.min(total, Math.max(0, s.free_bytes));
  const rec = Math.min(total - free, Math.max(0, s.recordings_bytes));
  const other = total - free - rec;
  return `Recordings ${formatBytes(rec)} (${
    percent(rec, total)
  } %), other data ${formatBytes(other)}, free ${formatBytes(free)} of ${
    formatBytes(total)
  }`;
}

const pct = (part: number, total: number) =>
  total > 0 ? Math.round((part / total) * 1000) / 10 : 0;

export function StorageChart(
  { id, storage }: { id: string; storage: NodeStorageView },
) {
  const total = Math.max(0, storage.total_bytes);
  const free = Math.min(total, Math.max(0, storage.free_bytes));
  const rec = Math.min(total - free, Math.max(0, storage.recordings_bytes));
  const recW = pct(rec, total);
  const otherW = Math.max(
    0,
    Math.round((100 - recW - pct(free, total)) * 10) / 10,
  );
  const max = Math.max(1, ...storage.cameras.map((c) => c.bytes));
  const titleId = `${id}-title`;
  return (
    <div class="storage">
      <figure class="disk">
        <svg
          class="disk-bar"
          viewBox="0 0 100 8"
          preserveAspectRatio="none"
          role="img"
          aria-labelledby={titleId}
        >
          <title id={titleId}>{storageSummary(storage)}</title>
          <rect class="disk-free" x="0" y="0" width="100" height="8" rx="1" />
          <rect class="st-other" x={recW} y="0" width={otherW} height="8" />
          <rect class="st-rec" x="0" y="0" width={recW} height="8" />
        </svg>
        <figcaption>
          <span class="key st-rec-key">Recordings {formatBytes(rec)}</span>
          {" · "}
          <span class="key st-other-key">
            other {formatBytes(total - free - rec)}
          </span>
          {" · "}
          <span class="key">free {formatBytes(free)}</span> of{" "}
          {formatBytes(total)} · <code>{storage.root || "—"}</code>
        </figcaption>
      </figure>
      {storage.cameras.length === 0
        ? <p class="hint">No footage stored on this node.</p>
        : (
          <div class="scroll">
            <table class="tbl">
              <caption class="sr">
                Footage per camera on {storage.node}, largest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Camera</th>
                  <th scope="col">Size</th>
                  <th scope="col">Segments</th>
                  <th scope="col">
                    <span class="sr">Share of the largest</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {storage.cameras.map((c) => (
                  <tr key={c.camera_id}>
                    <th scope="row">
                      {c.camera_name
                        ? (
                          <a
                            href={`/cameras/${encodeURIComponent(c.camera_id)}`}
                          >
                            {c.camera_name}
                          </a>
                        )
                        : (
                          <>
                            <code>{c.camera_id.slice(0, 8)}</code>{" "}
                            <span class="mut">(unknown camera)</span>
                          </>
                        )}
                    </th>
                    <td class="nowrap">{formatBytes(c.bytes)}</td>
                    <td>{c.segments}</td>
                    <td class="st-cell">
                      <svg
                        class="st-bar"
                        viewBox="0 0 100 8"
                        preserveAspectRatio="none"
                        aria-hidden="true"
                      >
                        <rect
                          class="disk-free"
                          x="0"
                          y="0"
                          width="100"
                          height="8"
                          rx="1"
                        />
                        <rect
                          class="st-rec"
                          x="0"
                          y="0"
                          width={Math.max(0.5, pct(c.bytes, max))}
                          height="8"
                          rx="1"
                        />
                      </svg>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  );
}
