/**
 * analyze_camera: what a camera shows now, as images for the agent's own
 * vision model (the agent process sends them to the model with the
 * question): one frame, or a clip of one frame per second from the relay.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { readMjpeg } from "../../lib/mjpeg.ts";
import type { ToolImage } from "../../lib/api/tools.ts";
import { slugOf } from "../files/store.ts";
import {
  base64,
  cameraArg,
  checkJpeg,
  isoSeconds,
  nowOf,
  stamp,
  watchedCamera,
} from "./common.ts";
import { defineTool } from "./tool.ts";

/** Frames of a clip: the relay's, one per `stepMs`, `count` of them. */
async function clipFrames(
  body: ReadableStream<Uint8Array>,
  count: number,
  stepMs: number,
  signal: AbortSignal,
  now: () => number,
): Promise<{ jpeg: Uint8Array; at: number }[]> {
  const frames: { jpeg: Uint8Array; at: number }[] = [];
  let next = 0;
  try {
    for await (const jpeg of readMjpeg(body, { signal })) {
      const at = now();
      if (frames.length === 0 || at >= next) {
        frames.push({ jpeg, at });
        next = (frames.length === 1 ? at : next) + stepMs;
        if (frames.length >= count) break;
      }
    }
  } catch (e) {
    if (signal.aborted) return frames;
    throw new AppError(
      "upstream_failed",
      `The camera's stream broke off after ${frames.length} frame(s)`,
      { cause: e },
    );
  }
  return frames;
}

export default defineTool({
  name: "analyze_camera",
  description:
    "Look at a camera now to answer a question about what it shows (people, vehicles, animals, doors, weather …). mode 'snapshot' gives you one current frame; mode 'clip' gives one frame per second for `seconds` seconds (3–10), to see movement or what happens. The frames are attached as images for you to look at, each captioned with the camera name and time.",
  category: "cameras",
  writes: false,
  actions: ["camera.watch"],
  schema: z.strictObject({
    camera_id: cameraArg,
    mode: z.enum(["snapshot", "clip"]).default("snapshot").describe(
      "snapshot: one frame; clip: one frame per second",
    ),
    seconds: z.int().min(3, "seconds must be at least 3").max(
      10,
      "seconds must be at most 10",
    ).default(5).describe("Length of a clip in seconds (mode clip)"),
  }),
  async run(ctx, args) {
    const { camera, link } = await watchedCamera(ctx, args.camera_id);
    const now = () => nowOf(ctx).getTime();
    let frames: { jpeg: Uint8Array; at: number }[];
    if (args.mode === "snapshot") {
      const jpeg = await link.snapshot(camera.id, { signal: ctx.signal });
      frames = [{ jpeg, at: now() }];
    } else {
      const res = await link.stream(camera.id, { signal: ctx.signal });
      frames = await clipFrames(res.body!, args.seconds, 1000, ctx.signal, now);
      if (ctx.signal.aborted) throw new AppError("timeout", "Time is up");
      if (frames.length === 0) {
        throw new AppError(
          "unavailable",
          `Camera "${camera.name}" sent no frames`,
        );
      }
    }
    const images: ToolImage[] = [];
    const slug = slugOf(camera.name);
    for (const [i, f] of frames.entries()) {
      checkJpeg(f.jpeg, `Frame ${i + 1} of camera "${camera.name}"`);
      const at = new Date(f.at);
      const path = await ctx.area.write(
        `frames/${slug}-${stamp(at)}-${i + 1}.jpg`,
        f.jpeg,
      );
      images.push({
        mime: "image/jpeg",
        base64: base64(f.jpeg),
        caption: `${camera.name} ${isoSeconds(at)}${
          frames.length > 1 ? ` (frame ${i + 1} of ${frames.length})` : ""
        }`,
        path,
      });
    }
    const span = frames.length > 1
      ? ` over ${
        Math.round((frames[frames.length - 1].at - frames[0].at) / 1000)
      } s`
      : "";
    return {
      text:
        `${frames.length} frame(s) of camera ${camera.name} (id ${camera.id}) from ${
          isoSeconds(new Date(frames[0].at))
        }${span} are attached as images. Look at them to answer.`,
      summary: `${frames.length} frame(s) of ${camera.name}${span}`,
      images,
    };
  },
});
