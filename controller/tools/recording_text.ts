/** How recordings read for the model: one line per recording, the same everywhere. */
import type { Recording } from "../../lib/api/recordings.ts";
import { bytesText, durationText, isoSeconds } from "./common.ts";

export function recordingLine(r: Recording): string {
  return `- recording ${r.id}: camera ${r.camera_name}${
    r.camera_deleted ? " (deleted)" : ""
  }; ${r.status}; ${r.kind}; from ${isoSeconds(new Date(r.started_at))}${
    r.ended_at ? ` to ${isoSeconds(new Date(r.ended_at))}` : " (still open)"
  }; ${durationText(r.duration_ms)} in ${r.segment_count} segment(s), ${
    bytesText(r.size_bytes)
  }${r.keep ? "; kept" : ""}${
    r.error_message ? `; error: ${r.error_message}` : ""
  }`;
}
