/** list_cameras: the cameras this agent may use, with their state. */
import { z } from "zod";
import { CAMERA_STATUSES } from "../../lib/api/cameras.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "list_cameras",
  description:
    "List the cameras you can use: id, name, location, status (online, offline, error, pending), node, protocol, resolution and recording mode. Call it first to learn camera names and ids for the other camera tools.",
  category: "cameras",
  writes: false,
  actions: ["camera.list"],
  schema: z.strictObject({
    status: z.enum(CAMERA_STATUSES).optional().describe(
      "Only cameras in this status",
    ),
  }),
  async run(ctx, args) {
    const cams = await ctx.cameras.list(
      ctx.principal,
      args.status ? { status: args.status } : {},
    );
    if (cams.length === 0) {
      return {
        text: args.status
          ? `No camera is ${args.status}.`
          : "You have no cameras.",
        summary: "0 cameras",
      };
    }
    const lines = cams.map((c) =>
      `- ${c.name} (id ${c.id}): ${c.status}${
        c.error_message ? ` (${c.error_message})` : ""
      }; ${c.protocol}; node ${
        c.assigned_node ?? "none"
      }; ${c.resolution}@${c.framerate} fps; recording mode ${c.recording_mode}${
        c.location ? `; location ${c.location}` : ""
      }`
    );
    const online = cams.filter((c) => c.status === "online").length;
    return {
      text: `${cams.length} camera(s):\n${lines.join("\n")}`,
      summary: `${cams.length} cameras, ${online} online`,
    };
  },
});
