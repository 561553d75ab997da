/**
 * Closed segments on disk: list them by camera and date, measure them, and
 * delete one the only correct way — durable `segment.deleted` event first,
 * then the unlink (docs/design/recording.md § Invariants 5). Never looks
 * into `.incoming/`.
 */
import { MAX_LIST_PAGE } from "../../lib/protocol/mod.ts";
import type { NodeEvent, SegmentDeletedEvent } from "../../lib/protocol/mod.ts";

/**
 * Where storage puts its durable events: the node's outbox
 * (`node-agent/outbox/`). An interface so that storage/ does not import
 * outbox/, which writes its files with `storage/durable.ts`.
 */
export interface EventQueue {
  put(event: NodeEvent): Promise<void>;
}
import {
  INCOMING_DIR,
  isDateDir,
  isSafeId,
  parseSegmentPath,
  type SegmentPathInfo,
} from "./layout.ts";

/** A closed segment with its size and modification time. */
export interface SegmentFile extends SegmentPathInfo {
  sizeBytes: number;
  /** File mtime (≈ when it was closed), ms. */
  mtimeMs: number;
}

/** Camera folders under the root (names that are valid ids), sorted. */
export async function listCameras(root: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(root)) {
      if (e.isDirectory && isSafeId(e.name)) out.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

/** `YYYY-MM-DD` folders of a camera, oldest first. */
export async function listDates(
  root: string,
  cameraId: string,
): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${root}/${cameraId}`)) {
      if (e.isDirectory && isDateDir(e.name)) out.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

/** Segments of one camera and date, oldest first (files of other shapes are ignored). */
export async function listSegments(
  root: string,
  cameraId: string,
  date: string,
): Promise<SegmentFile[]> {
  const out: SegmentFile[] = [];
  const dir = `${root}/${cameraId}/${date}`;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile) continue;
      const info = parseSegmentPath(`${cameraId}/${date}/${e.name}`);
      if (!info) continue;
      try {
        const st = await Deno.stat(`${dir}/${e.name}`);
        out.push({
          ...info,
          sizeBytes: st.size,
          mtimeMs: st.mtime?.getTime() ?? info.startMs,
        });
      } catch {
        // deleted meanwhile
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) =>
    a.startMs - b.startMs || (a.path < b.path ? -1 : 1)
  );
}

/**
 * Deletes a segment: a durable `segment.deleted` event, then the unlink, then
 * the date folder when it became empty. Returns false when the file was
 * already gone (the event is still produced: the controller may not know).
 */
export async function deleteSegment(
  root: string,
  seg: SegmentPathInfo,
  reason: SegmentDeletedEvent["reason"],
  outbox: EventQueue,
): Promise<boolean> {
  const event: SegmentDeletedEvent = {
    id: crypto.randomUUID(),
    type: "segment.deleted",
    camera_id: seg.cameraId,
    path: seg.path,
    reason,
  };
  await outbox.put(event);
  let existed = true;
  try {
    await Deno.remove(`${root}/${seg.path}`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    existed = false;
  }
  // Only succeeds when empty; a folder still in use stays.
  await Deno.remove(`${root}/${seg.cameraId}/${seg.date}`).catch(() => {});
  return existed;
}

/** Bytes and segment count of one camera (closed segments + incoming files). */
export interface CameraUsage {
  camera_id: string;
  bytes: number;
  segments: number;
  /** Start of the oldest / newest closed segment, ISO 8601; null when none. */
  oldest_at: string | null;
  newest_at: string | null;
}

/** Usage per camera, walking the tree once. */
export async function cameraUsage(root: string): Promise<CameraUsage[]> {
  const out: CameraUsage[] = [];
  for (const cameraId of await listCameras(root)) {
    const u: CameraUsage = {
      camera_id: cameraId,
      bytes: 0,
      segments: 0,
      oldest_at: null,
      newest_at: null,
    };
    let oldest = Infinity;
    let newest = -Infinity;
    for (const date of await listDates(root, cameraId)) {
      for (const s of await listSegments(root, cameraId, date)) {
        u.bytes += s.sizeBytes;
        u.segments++;
        oldest = Math.min(oldest, s.startMs);
        newest = Math.max(newest, s.startMs);
      }
    }
    try {
      for await (
        const e of Deno.readDir(`${root}/${cameraId}/${INCOMING_DIR}`)
      ) {
        if (!e.isFile) continue;
        u.bytes += await Deno.stat(
          `${root}/${cameraId}/${INCOMING_DIR}/${e.name}`,
        )
          .then((s) => s.size, () => 0);
      }
    } catch {
      // no incoming folder
    }
    if (u.segments > 0) {
      u.oldest_at = new Date(oldest).toISOString();
      u.newest_at = new Date(newest).toISOString();
    }
    out.push(u);
  }
  return out;
}

/** Most entries one listing page holds (`GET /v1/recordings/list`). */
// The listing's page limit is protocol (lib/protocol/files.ts).
export { MAX_LIST_PAGE };

/** One page of closed segments, sorted by path. */
export interface SegmentPage {
  entries: SegmentFile[];
  /**
   * The cursor for the next page (the last path of this one), or null when
   * this page ends the listing. A full page always has a cursor, so the last
   * page of a listing that fills exactly may be empty.
   */
  next: string | null;
}

/**
 * A page of the closed segments under the root — of one camera, or of all —
 * sorted by path (byte order: camera, date, then time), strictly after the
 * cursor `after`. Only segment-shaped files in `YYYY-MM-DD` folders are
 * listed: never `.incoming/`, dot-prefixed names or symlinks (the tree is read
 * with `lstat` semantics, so a link cannot lead the listing out of the root).
 *
 * Cost: one `readdir` per camera folder visited, one per date folder that can
 * hold entries of the page (folders wholly before the cursor are skipped by
 * name), and one `stat` per listed file.
 */
export async function listSegmentPage(
  root: string,
  opts: { cameraId?: string; after?: string; limit?: number } = {},
): Promise<SegmentPage> {
  const limit = Math.max(
    1,
    Math.min(opts.limit ?? MAX_LIST_PAGE, MAX_LIST_PAGE),
  );
  const after = opts.after ?? "";
  let cameras: string[];
  if (opts.cameraId !== undefined) {
    if (!isSafeId(opts.cameraId)) return { entries: [], next: null };
    const st = await Deno.lstat(`${root}/${opts.cameraId}`).catch(() => null);
    cameras = st?.isDirectory ? [opts.cameraId] : [];
  } else {
    // "cam/" < "cam-2/" must hold as it does for the paths themselves.
    cameras = (await listCameras(root)).sort((a, b) =>
      byteCompare(`${a}/`, `${b}/`)
    );
  }
  const entries: SegmentFile[] = [];
  for (const cameraId of cameras) {
    if (beyond(after, `${cameraId}/`)) continue;
    for (const date of await listDates(root, cameraId)) {
      const prefix = `${cameraId}/${date}/`;
      if (beyond(after, prefix)) continue;
      const dir = `${root}/${cameraId}/${date}`;
      const st = await Deno.lstat(dir).catch(() => null);
      if (!st?.isDirectory) continue;
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(dir)) {
          if (!e.isFile) continue;
          const path = prefix + e.name;
          if (path <= after || !parseSegmentPath(path)) continue;
          names.push(e.name);
        }
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        continue;
      }
      names.sort(byteCompare);
      for (const name of names) {
        const info = parseSegmentPath(prefix + name)!;
        try {
          const fst = await Deno.lstat(`${dir}/${name}`);
          if (!fst.isFile) continue;
          entries.push({
            ...info,
            sizeBytes: fst.size,
            mtimeMs: fst.mtime?.getTime() ?? info.startMs,
          });
        } catch {
          continue; // deleted meanwhile
        }
        if (entries.length >= limit) {
          return { entries, next: entries[entries.length - 1].path };
        }
      }
    }
  }
  return { entries, next: null };
}

/** True when every path starting with `prefix` sorts at or before `after`. */
function beyond(after: string, prefix: string): boolean {
  if (!after) return false;
  const head = after.slice(0, prefix.length);
  return head > prefix;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
