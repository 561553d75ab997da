/** send_recording: puts a recording's video in the chat for the user. */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { isHevc } from "../recordings/service.ts";
import { durationText, isoSeconds, recordingArg } from "./common.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "send_recording",
  description:
    "Show a recording to the user: its video is attached to your answer in the chat (playable and downloadable). Use it when the user wants to see or have a recording.",
  category: "recordings",
  writes: false,
  actions: ["recording.read"],
  schema: z.strictObject({
    recording_id: recordingArg,
    caption: z.string().trim().max(500).optional().describe(
      "A short caption shown with the video",
    ),
  }),
  async run(ctx, args) {
    const r = await ctx.recordings.get(ctx.principal, args.recording_id);
    if (r.segments.length === 0) {
      throw new AppError(
        "conflict",
        `Recording ${r.id} has no footage yet${
          r.status === "recording"
            ? ": its first segment is still being written"
            : ""
        }`,
      );
    }
    // Browsers do not play HEVC: the dashboard gets the H.264 rendition.
    const url = r.segments.some((s) => isHevc(s.video_codec))
      ? `${r.download_url}?format=web`
      : r.download_url;
    const caption = args.caption ||
      `${r.camera_name} ${isoSeconds(new Date(r.started_at))} (${
        durationText(r.duration_ms)
      })`;
    return {
      text: `The video of recording ${r.id} (camera ${r.camera_name}, ${
        durationText(r.duration_ms)
      }) is attached to your answer for the user.`,
      summary: `sent recording of ${r.camera_name}`,
      media: [{ kind: "video", url, mime: "video/mp4", caption }],
    };
  },
});
