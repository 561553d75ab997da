/** camera_status: one camera's state and whether it records. */
import { z } from "zod";
import { cameraArg, isoSeconds, resolveCamera } from "./common.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "camera_status",
  description:
    "The current state of one camera: status and last error, the node that runs it, resolution, and whether it is recording now (since when). Use it before looking at or recording a camera you are unsure about.",
  category: "cameras",
  writes: false,
  actions: ["camera.read", "recording.read"],
  schema: z.strictObject({ camera_id: cameraArg }),
  async run(ctx, args) {
    const id = await resolveCamera(ctx, args.camera_id);
    const cam = await ctx.cameras.get(ctx.principal, id);
    const rec = await ctx.recordings.status(ctx.principal, id);
    const recording = rec.recording && rec.session
      ? `recording since ${
        isoSeconds(new Date(rec.session.started_at))
      } (${rec.session.kind}, recording ${rec.session.id})`
      : "not recording";
    const lines = [
      `Camera ${cam.name} (id ${cam.id})`,
      `status: ${cam.status}${
        cam.error_message ? ` — last error: ${cam.error_message}` : ""
      }`,
      `node: ${cam.assigned_node ?? "none (no node agent online)"}`,
      `protocol: ${cam.protocol}; ${cam.resolution}@${cam.framerate} fps`,
      `recording mode: ${rec.mode}; ${recording}`,
      ...(cam.location ? [`location: ${cam.location}`] : []),
    ];
    return {
      text: lines.join("\n"),
      summary: `${cam.name}: ${cam.status}, ${
        rec.recording ? "recording" : "not recording"
      }`,
    };
  },
});
