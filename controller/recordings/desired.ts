/**
 * The recording part of a node's desired state (lib/protocol/mod.ts RecordSpec,
 * StoragePolicy). Sessions are made here on demand, so whatever asks for the
 * desired state — heartbeat or long poll — sees the same answer:
 *
 * - a camera with an open session records into it;
 * - `recording_mode: continuous` always has an open session: one is created
 *   when none is open, and the open continuous one is rolled over at the start
 *   of each UTC day (a recording per camera per day, bounded downloads);
 * - a continuous session whose camera left continuous mode is completed;
 * - a session whose camera moved to another node: still empty, it follows the
 *   camera; with footage, it is completed and a new one (same kind) begins on
 *   the new node, so every session's segments lie on one node.
 */
import type { RecordSpec, StoragePolicy } from "../../lib/protocol/mod.ts";
import type { CameraRow } from "../db/cameras.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/recordings.ts";

// The recording defaults are protocol (lib/protocol/desired.ts): settings/
// reads them too, without importing recordings/.
import {
  DEFAULT_SEGMENT_SECONDS,
  MIN_FREE_BYTES,
  MIN_FREE_RATIO,
} from "../../lib/protocol/desired.ts";
export { DEFAULT_SEGMENT_SECONDS, MIN_FREE_BYTES, MIN_FREE_RATIO };

export interface SessionChange {
  type: "started" | "ended";
  session: db.SessionRow;
}

function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/**
 * RecordSpec (or null) for each camera a node runs, creating, rolling over
 * and closing sessions as the rules above say. `onChange` hears every session
 * started or ended here.
 */
export async function recordSpecsFor(
  sql: Sql,
  node: string,
  cameras: CameraRow[],
  opts: {
    segmentSeconds?: number;
    now?: () => Date;
    onChange?: (c: SessionChange) => void;
  } = {},
): Promise<Map<string, RecordSpec | null>> {
  const segmentSeconds = opts.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const now = (opts.now ?? (() => new Date()))();
  const open = await db.openSessionsOf(sql, cameras.map((c) => c.id));
  const out = new Map<string, RecordSpec | null>();
  const ended = (row: db.SessionRow | null) => {
    if (row) opts.onChange?.({ type: "ended", session: row });
  };
  for (const cam of cameras) {
    let session = open.get(cam.id) ?? null;
    if (
      session?.kind === "continuous" &&
      (cam.recording_mode !== "continuous" ||
        session.started_at.getTime() < startOfUtcDay(now))
    ) {
      ended(await db.endSession(sql, session.id, "completed"));
      session = null;
    }
    if (session && session.node_name !== node) {
      if (
        session.node_name === null ||
        (await db.countSegments(sql, session.id)) === 0
      ) {
        session = await db.updateSession(sql, session.id, { node_name: node });
      } else {
        const kind = session.kind;
        ended(await db.endSession(sql, session.id, "completed"));
        session = await openSession(sql, cam, node, kind, opts.onChange);
      }
    }
    if (!session && cam.recording_mode === "continuous") {
      session = await openSession(sql, cam, node, "continuous", opts.onChange);
    }
    out.set(
      cam.id,
      session
        ? { session_id: session.id, segment_seconds: segmentSeconds }
        : null,
    );
  }
  return out;
}

/** Opens a session, or returns the one another caller opened meanwhile. */
async function openSession(
  sql: Sql,
  cam: CameraRow,
  node: string,
  kind: db.SessionKind,
  onChange?: (c: SessionChange) => void,
): Promise<db.SessionRow | null> {
  const made = await db.insertSession(sql, {
    camera_id: cam.id,
    camera_name: cam.name,
    node_name: node,
    kind,
  });
  if (made) {
    onChange?.({ type: "started", session: made });
    return made;
  }
  return await db.openSessionOf(sql, cam.id);
}

/**
 * Storage rules for a node: the free-space floor (the `min_free_percent` /
 * `min_free_gib` settings, else the defaults above) plus the sessions users keep.
 */
export async function storagePolicyFor(
  sql: Sql,
  node: string,
  floor?: { min_free_ratio: number; min_free_bytes: number },
): Promise<StoragePolicy> {
  return {
    min_free_ratio: floor?.min_free_ratio ?? MIN_FREE_RATIO,
    min_free_bytes: floor?.min_free_bytes ?? MIN_FREE_BYTES,
    keep_sessions: await db.keptSessionIds(sql, node),
  };
}
