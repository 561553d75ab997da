/**
 * Closing one segment (docs/design/recording.md § Closing a segment): probe →
 * (repair) → fsync → durable pending event → rename into the dated folder →
 * commit. Shared by the live recorder and by crash recovery, so both follow
 * the same invariants.
 */
import { logger } from "../../lib/log.ts";
import type { SegmentClosedEvent } from "../../lib/protocol/mod.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { newEventId } from "../outbox/outbox.ts";
import {
  exists,
  fsyncDir,
  fsyncFile,
  mkdirDurable,
  parentOf,
  removeIfExists,
} from "../storage/durable.ts";
import { segmentRelPath } from "../storage/layout.ts";
import { probeFile, remux } from "./media.ts";

const log = logger("recorder.close");

/**
 * A computed start further than this before the file's open second, or more
 * than `MAX_AHEAD_MS` after it, is not trusted (the name's second is used).
 */
const MAX_BEHIND_MS = 30_000;
const MAX_AHEAD_MS = 2_000;

export interface CloseTools {
  ffmpeg: string;
  ffprobe: string;
  outbox: Outbox;
}

export interface CloseInput {
  /** Recordings root. */
  root: string;
  cameraId: string;
  sessionId: string;
  /** Absolute path of the file in `.incoming/`. */
  incomingPath: string;
  /** Its entry in the run's segment list: complete. null → crashed mid-segment: repair. */
  listed: { startS: number; endS: number } | null;
  /** Media start to assume for an unlisted file (end of the run's last listed segment, or 0). */
  unlistedStartS: number;
  /** The run's anchor (wall ms of media time 0), null when unknown. */
  anchorMs: number | null;
  /** Wall second the file was opened (from its name). */
  openedS: number;
}

/**
 * Closes one segment and produces its `segment.closed` event. Returns null
 * (after deleting the file) when it held nothing playable. Throws on I/O
 * errors; the file then stays in `.incoming/` for the next attempt.
 */
export async function closeSegment(
  input: CloseInput,
  tools: CloseTools,
): Promise<SegmentClosedEvent | null> {
  const { incomingPath, listed } = input;
  const probe = await probeFile(tools.ffprobe, incomingPath);
  if (!probe) {
    const size = await Deno.stat(incomingPath).then((s) => s.size, () => 0);
    await removeIfExists(incomingPath);
    log.warn("deleted an unplayable segment", {
      camera: input.cameraId,
      file: incomingPath.slice(incomingPath.lastIndexOf("/") + 1),
      size_bytes: size,
      complete: listed !== null,
    });
    return null;
  }

  let source = incomingPath;
  let info = probe;
  if (!listed) {
    // Crashed mid-segment: keep everything up to the last complete fragment.
    const repaired = `${incomingPath}.repair.mp4`;
    await remux(tools.ffmpeg, incomingPath, repaired);
    const again = await probeFile(tools.ffprobe, repaired);
    if (!again) {
      await removeIfExists(repaired);
      await removeIfExists(incomingPath);
      log.warn("deleted a crashed segment with no complete fragment", {
        camera: input.cameraId,
        file: incomingPath.slice(incomingPath.lastIndexOf("/") + 1),
      });
      return null;
    }
    source = repaired;
    info = again;
  }

  const startMs = startOf(input);
  const endMs = listed
    ? startMs + Math.max(0, (listed.endS - listed.startS) * 1000)
    : startMs + info.durationMs;
  const { rel, abs } = await freeName(input, startMs);
  const size = (await Deno.stat(source)).size;

  await fsyncFile(source);
  const event: SegmentClosedEvent = {
    id: newEventId(),
    type: "segment.closed",
    camera_id: input.cameraId,
    session_id: input.sessionId,
    path: rel,
    start_at: new Date(Math.round(startMs)).toISOString(),
    end_at: new Date(Math.round(endMs)).toISOString(),
    duration_ms: info.durationMs,
    size_bytes: size,
    video_codec: info.videoCodec,
    audio_codec: info.audioCodec,
    recovered: listed === null,
  };
  const pending = await tools.outbox.prepare(event, { from: source, to: abs });
  try {
    await mkdirDurable(parentOf(abs));
    await Deno.rename(source, abs);
  } catch (e) {
    await tools.outbox.discard(pending);
    throw e;
  }
  await fsyncDir(parentOf(abs));
  await fsyncDir(parentOf(source));
  await tools.outbox.commit(pending);
  if (source !== incomingPath) await removeIfExists(incomingPath);
  return event;
}

/** Wall time of the segment's first frame (docs § Time model). */
function startOf(input: CloseInput): number {
  const openedMs = input.openedS * 1000;
  if (input.anchorMs === null) return openedMs;
  const mediaS = input.listed ? input.listed.startS : input.unlistedStartS;
  const start = input.anchorMs + mediaS * 1000;
  if (start < openedMs - MAX_BEHIND_MS || start > openedMs + MAX_AHEAD_MS) {
    log.warn(
      "segment time from the anchor disagrees with the file's open time; using the latter",
      {
        camera: input.cameraId,
        anchor_start: new Date(start).toISOString(),
        opened: new Date(openedMs).toISOString(),
      },
    );
    return openedMs;
  }
  return start;
}

/** The final name, with -2, -3… when the second is taken (rare: restarts). */
async function freeName(
  input: CloseInput,
  startMs: number,
): Promise<{ rel: string; abs: string }> {
  for (let n = 1; n < 1000; n++) {
    const rel = segmentRelPath(input.cameraId, startMs, input.sessionId, n);
    const abs = `${input.root}/${rel}`;
    if (!(await exists(abs))) return { rel, abs };
  }
  throw new Error(`no free segment name for camera ${input.cameraId}`);
}
