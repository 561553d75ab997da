/** list_recordings: recordings of the agent's cameras, newest first. */
import { z } from "zod";
import { RECORDING_STATUSES } from "../../lib/api/recordings.ts";
import { AppError } from "../../lib/errors.ts";
import { cameraArg, resolveCamera } from "./common.ts";
import { recordingLine } from "./recording_text.ts";
import { defineTool } from "./tool.ts";

const when = z.iso.datetime({
  offset: true,
  error: "must be an ISO 8601 date-time like 2026-02-26T10:00:00Z",
});

export default defineTool({
  name: "list_recordings",
  description:
    "List recordings, newest first: id, camera, status, start and end, duration, size. Filter by camera, status or a time window (recordings overlapping it). Use the ids with get_recording, send_recording or analyze_recording.",
  category: "recordings",
  writes: false,
  actions: ["recording.list", "recording.read"],
  schema: z.strictObject({
    camera_id: cameraArg.optional(),
    status: z.enum(RECORDING_STATUSES).optional(),
    start: when.optional().describe("Window start (ISO 8601)"),
    end: when.optional().describe("Window end (ISO 8601)"),
    limit: z.int().min(1).max(50).default(20).describe("At most this many"),
  }),
  async run(ctx, args) {
    const start = args.start ? new Date(args.start) : undefined;
    const end = args.end ? new Date(args.end) : undefined;
    if (start && end && end <= start) {
      throw new AppError("invalid_input", "end must be after start", {
        field: "end",
      });
    }
    const cameraId = args.camera_id
      ? await resolveCamera(ctx, args.camera_id)
      : undefined;
    const page = await ctx.recordings.list(ctx.principal, {
      cameraId,
      status: args.status,
      start,
      end,
      limit: args.limit,
      offset: 0,
    });
    if (page.recordings.length === 0) {
      return { text: "No recordings match.", summary: "0 recordings" };
    }
    const more = page.total > page.recordings.length
      ? ` (newest ${page.recordings.length} of ${page.total})`
      : "";
    return {
      text: `${page.total} recording(s)${more}:\n${
        page.recordings.map(recordingLine).join("\n")
      }`,
      summary: `${page.total} recordings`,
    };
  },
});
