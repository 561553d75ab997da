/** camera_snapshot: one JPEG of a camera, kept in the agent's files and shown in the chat. */
import { z } from "zod";
import { fileUrl, slugOf } from "../files/store.ts";
import {
  base64,
  bytesText,
  cameraArg,
  checkJpeg,
  isoSeconds,
  nowOf,
  stamp,
  watchedCamera,
} from "./common.ts";
import { defineTool } from "./tool.ts";

export default defineTool({
  name: "camera_snapshot",
  description:
    "Take one snapshot (JPEG) of a camera now. It is saved in your files and shown to the user in the chat, and you see it too. Use it when the user wants a picture; to answer a question about what a camera shows, analyze_camera does the same and can also take a short clip.",
  category: "cameras",
  writes: true,
  actions: ["camera.watch"],
  schema: z.strictObject({ camera_id: cameraArg }),
  async run(ctx, args) {
    const { camera, link } = await watchedCamera(ctx, args.camera_id);
    const jpeg = await link.snapshot(camera.id, { signal: ctx.signal });
    checkJpeg(jpeg, `The snapshot of camera "${camera.name}"`);
    const at = nowOf(ctx);
    const path = await ctx.area.write(
      `snapshots/${slugOf(camera.name)}-${stamp(at)}.jpg`,
      jpeg,
    );
    const caption = `${camera.name} ${isoSeconds(at)}`;
    return {
      text: `Snapshot of camera ${camera.name} (id ${camera.id}) taken at ${
        isoSeconds(at)
      }, ${
        bytesText(jpeg.length)
      }, saved as ${path}. It is shown to the user; the image is attached.`,
      summary: `snapshot of ${camera.name} (${bytesText(jpeg.length)})`,
      images: [{ mime: "image/jpeg", base64: base64(jpeg), caption, path }],
      media: [{
        kind: "image",
        url: fileUrl(path),
        mime: "image/jpeg",
        caption,
      }],
    };
  },
});
