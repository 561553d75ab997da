/** stop_recording: ends a camera's manual recording. */
import { z } from "zod";
import { cameraArg, durationText, resolveCamera } from "./common.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "stop_recording",
  description:
    "Stop the manual recording of a camera. Fails if the camera is not recording, or records continuously (that is the camera's setting, not a recording to stop).",
  category: "recordings",
  writes: true,
  actions: ["recording.stop"],
  schema: z.strictObject({ camera_id: cameraArg }),
  async run(ctx, args) {
    const id = await resolveCamera(ctx, args.camera_id);
    const s = await ctx.recordings.stop(ctx.principal, id);
    const ms = s.ended_at
      ? Date.parse(s.ended_at) - Date.parse(s.started_at)
      : 0;
    return {
      text: `Recording ${s.id} of camera ${s.camera_name} stopped after ${
        durationText(ms)
      } (status ${s.status}). Its last segment appears in get_recording within a few seconds.`,
      summary: `recording of ${s.camera_name} stopped`,
    };
  },
});
