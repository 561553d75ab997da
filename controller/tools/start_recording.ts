/** start_recording: a manual recording of one camera. */
import { z } from "zod";
import { cameraArg, isoSeconds, resolveCamera } from "./common.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "start_recording",
  description:
    "Start recording a camera now (a manual recording that runs until stop_recording). Fails if the camera already records. Answers the new recording's id.",
  category: "recordings",
  writes: true,
  actions: ["recording.start"],
  schema: z.strictObject({ camera_id: cameraArg }),
  async run(ctx, args) {
    const id = await resolveCamera(ctx, args.camera_id);
    const s = await ctx.recordings.start(ctx.principal, id);
    return {
      text: `Recording ${s.id} of camera ${s.camera_name} started at ${
        isoSeconds(new Date(s.started_at))
      } on node ${s.node_name ?? "none"}. Stop it with stop_recording.`,
      summary: `recording of ${s.camera_name} started`,
    };
  },
});
