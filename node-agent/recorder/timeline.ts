/**
 * The recorder's time model (docs/design/recording.md § Time model), pure so
 * it is tested without ffmpeg:
 *
 * - `ProgressParser` reads `-progress pipe:1` output (`key=value` lines,
 *   blocks ending in `progress=…`) and yields `out_time_us` per block;
 * - `AnchorEstimator` turns (wall time, out_time) pairs into the run's
 *   anchor — the wall time of media time 0 — as the minimum of
 *   `wall − out_time` (output can lag a live source, never lead it), locked
 *   once the first segment closed and stepped at segment boundaries when the
 *   camera clock drifts;
 * - `parseSegmentList` reads ffmpeg's CSV segment list.
 */

/** Incremental parser of ffmpeg's `-progress` output. */
export class ProgressParser {
  #pending = "";
  #outTimeUs: number | null = null;

  /** Feeds a chunk; returns the `out_time_us` of every block it completed. */
  push(text: string): number[] {
    this.#pending += text;
    if (this.#pending.length > 64 * 1024) this.#pending = ""; // not progress output
    const lines = this.#pending.split("\n");
    this.#pending = lines.pop() ?? "";
    const out: number[] = [];
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf("=");
      if (eq < 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === "out_time_us") {
        const n = Number(value);
        this.#outTimeUs = Number.isFinite(n) ? n : null;
      } else if (key === "progress") {
        if (this.#outTimeUs !== null) out.push(this.#outTimeUs);
        this.#outTimeUs = null;
      }
    }
    return out;
  }
}

export interface AnchorOptions {
  /** Step the anchor forward when the last segment's minimum is this much later. @default 250 */
  stepMs?: number;
}

/**
 * Wall time of a run's media time 0, estimated from progress reports.
 *
 * Until the run's first segment closes the anchor is the running minimum of
 * `wall − out_time`. From then on it is locked, so consecutive segments of the
 * run stay exactly contiguous; at each later segment boundary it moves only
 * when the minimum seen during the last segment differs by more than `stepMs`
 * (the camera clock drifts against the node's), leaving a short gap or
 * overlap between two segments instead of sliding silently.
 */
export class AnchorEstimator {
  #anchor: number | null = null;
  #windowMin: number | null = null;
  #locked = false;
  #stepMs: number;

  constructor(options: AnchorOptions = {}) {
    this.#stepMs = options.stepMs ?? 250;
  }

  /** The anchor (ms since the epoch), null before the first usable report. */
  get anchorMs(): number | null {
    return this.#anchor;
  }

  /** One progress report: ffmpeg had written `outTimeUs` of media at `wallMs`. */
  sample(wallMs: number, outTimeUs: number): void {
    if (!(outTimeUs > 0) || !Number.isFinite(wallMs)) return;
    const candidate = wallMs - outTimeUs / 1000;
    if (!this.#locked && (this.#anchor === null || candidate < this.#anchor)) {
      this.#anchor = candidate;
    }
    if (this.#windowMin === null || candidate < this.#windowMin) {
      this.#windowMin = candidate;
    }
  }

  /**
   * A segment closed (after its times were computed). Locks the anchor; if
   * the minimum seen since the previous boundary is more than `stepMs` away
   * from it, moves the anchor there for the following segments. Returns true
   * when it moved.
   */
  segmentClosed(): boolean {
    const w = this.#windowMin;
    this.#windowMin = null;
    const wasLocked = this.#locked;
    this.#locked = this.#anchor !== null;
    if (!wasLocked || this.#anchor === null || w === null) return false;
    if (Math.abs(w - this.#anchor) > this.#stepMs) {
      this.#anchor = w;
      return true;
    }
    return false;
  }
}

/** One line of ffmpeg's CSV segment list. */
export interface SegmentListEntry {
  /** File name as ffmpeg printed it (a base name). */
  file: string;
  /** Media time of the segment's first packet, seconds (run timeline). */
  startS: number;
  /** Media time of its end, seconds. */
  endS: number;
}

/**
 * Parses `file,start,end` lines (ffmpeg quotes a name that holds `,` or `"`).
 * An incomplete last line (no newline yet) is ignored.
 */
export function parseSegmentList(text: string): SegmentListEntry[] {
  const out: SegmentListEntry[] = [];
  const lines = text.split("\n");
  lines.pop(); // after the last "\n": empty, or a line still being written
  for (const line of lines) {
    let file: string;
    let rest: string;
    if (line.startsWith('"')) {
      let i = 1;
      file = "";
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            file += '"';
            i += 2;
            continue;
          }
          break;
        }
        file += line[i++];
      }
      rest = line.slice(i + 1);
    } else {
      const comma = line.indexOf(",");
      if (comma < 0) continue;
      file = line.slice(0, comma);
      rest = line.slice(comma);
    }
    const m = /^,(-?[\d.]+),(-?[\d.]+)\s*$/.exec(rest);
    if (!m || !file) continue;
    const startS = Number(m[1]);
    const endS = Number(m[2]);
    if (!Number.isFinite(startS) || !Number.isFinite(endS)) continue;
    out.push({ file, startS, endS });
  }
  return out;
}
