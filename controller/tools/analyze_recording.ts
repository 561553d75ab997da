/**
 * analyze_recording: frames at evenly spaced times of a recording, for the
 * agent's own vision model. The frames are extracted on the node that holds
 * the segments (POST /v1/recordings/frames): only the JPEGs reach the
 * controller, never the footage.
 */
import { z } from "zod";
import type { Segment } from "../../lib/api/recordings.ts";
import type { ToolImage } from "../../lib/api/tools.ts";
import { AppError } from "../../lib/errors.ts";
import { slugOf } from "../files/store.ts";
import {
  base64,
  checkJpeg,
  durationText,
  isoSeconds,
  recordingArg,
  stamp,
} from "./common.ts";
import { defineTool } from "./tool.ts";

/** Where in the footage frame `i` of `n` is: the middle of each of n equal slices. */
export function framePlan(
  segments: Pick<Segment, "path" | "node_name" | "start_at" | "duration_ms">[],
  n: number,
): { segment: number; atMs: number; offsetMs: number }[] {
  const total = segments.reduce((s, x) => s + Math.max(0, x.duration_ms), 0);
  const plan = [];
  for (let i = 0; i < n; i++) {
    const t = (i + 0.5) * total / n;
    let acc = 0;
    let k = 0;
    while (k < segments.length - 1 && acc + segments[k].duration_ms <= t) {
      acc += Math.max(0, segments[k].duration_ms);
      k++;
    }
    // A little before a segment's end: its recorded duration may round up.
    const room = Math.max(0, segments[k].duration_ms - 250);
    plan.push({
      segment: k,
      atMs: Math.round(t),
      offsetMs: Math.round(Math.min(Math.max(0, t - acc), room)),
    });
  }
  return plan;
}

const mmss = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

export default defineTool({
  name: "analyze_recording",
  description:
    "Look inside a recording to answer a question about what happened in it: `max_frames` (1–10) frames at evenly spaced times across the whole recording are attached as images, each captioned with the camera, the wall-clock time and the position in the recording.",
  category: "recordings",
  writes: false,
  actions: ["recording.read"],
  schema: z.strictObject({
    recording_id: recordingArg,
    max_frames: z.int().min(1, "max_frames must be at least 1").max(
      10,
      "max_frames must be at most 10",
    ).default(5).describe("How many frames, evenly spaced"),
  }),
  async run(ctx, args) {
    const r = await ctx.recordings.get(ctx.principal, args.recording_id);
    const segments = [...r.segments].sort((a, b) =>
      Date.parse(a.start_at) - Date.parse(b.start_at)
    );
    const total = segments.reduce((s, x) => s + x.duration_ms, 0);
    if (segments.length === 0 || total <= 0) {
      throw new AppError(
        "conflict",
        `Recording ${r.id} has no footage yet${
          r.status === "recording"
            ? ": its first segment is still being written"
            : ""
        }`,
      );
    }
    const plan = framePlan(segments, args.max_frames);
    // One request per node that holds some of the segments.
    const byNode = new Map<string, number[]>();
    plan.forEach((p, i) => {
      const node = segments[p.segment].node_name;
      byNode.set(node, [...(byNode.get(node) ?? []), i]);
    });
    const jpegs: Uint8Array[] = new Array(plan.length);
    await Promise.all([...byNode].map(async ([node, idx]) => {
      const link = await ctx.client.online(node, {
        consequence:
          `the footage of recording ${r.id} on it cannot be seen now`,
      });
      const got = await link.frames({
        frames: idx.map((i) => ({
          path: segments[plan[i].segment].path,
          at_ms: plan[i].offsetMs,
        })),
      }, { signal: ctx.signal });
      idx.forEach((i, k) => jpegs[i] = got[k].jpeg);
    }));
    const images: ToolImage[] = [];
    const slug = slugOf(r.camera_name);
    for (const [i, p] of plan.entries()) {
      checkJpeg(jpegs[i], `Frame ${i + 1} of recording ${r.id}`);
      const seg = segments[p.segment];
      const wall = new Date(Date.parse(seg.start_at) + p.offsetMs);
      const path = await ctx.area.write(
        `recordings/${slug}-${stamp(wall)}-${i + 1}.jpg`,
        jpegs[i],
      );
      images.push({
        mime: "image/jpeg",
        base64: base64(jpegs[i]),
        caption: `${r.camera_name} ${isoSeconds(wall)} (at ${mmss(p.atMs)} of ${
          mmss(total)
        }, frame ${i + 1} of ${plan.length})`,
        path,
      });
    }
    return {
      text:
        `${images.length} frame(s) of recording ${r.id} (camera ${r.camera_name}, ${
          durationText(total)
        } from ${
          isoSeconds(new Date(segments[0].start_at))
        }) are attached as images, evenly spaced. Look at them to answer.`,
      summary: `${images.length} frames of a ${
        durationText(total)
      } recording of ${r.camera_name}`,
      images,
    };
  },
});
