/** get_recording: one recording with its segments. */
import { z } from "zod";
import { durationText, isoSeconds, recordingArg } from "./common.ts";
import { recordingLine } from "./recording_text.ts";
import { defineTool } from "./tool.ts";

/** Segments listed in full up to this many; more are summarised. */
const SHOWN_SEGMENTS = 20;

export default defineTool({
  name: "get_recording",
  description:
    "Details of one recording: camera, status, times, duration, size, codecs and its segment files. To show it to the user use send_recording; to see what happens in it use analyze_recording.",
  category: "recordings",
  writes: false,
  actions: ["recording.read"],
  schema: z.strictObject({ recording_id: recordingArg }),
  async run(ctx, args) {
    const r = await ctx.recordings.get(ctx.principal, args.recording_id);
    const codecs = [...new Set(r.segments.map((s) => s.video_codec))];
    const audio = [
      ...new Set(r.segments.map((s) => s.audio_codec).filter(Boolean)),
    ];
    const segs = r.segments.slice(0, SHOWN_SEGMENTS).map((s) =>
      `  - ${isoSeconds(new Date(s.start_at))} → ${
        isoSeconds(new Date(s.end_at))
      } (${durationText(s.duration_ms)}) on ${s.node_name}${
        s.recovered ? ", recovered after a crash" : ""
      }`
    );
    if (r.segments.length > SHOWN_SEGMENTS) {
      segs.push(`  … and ${r.segments.length - SHOWN_SEGMENTS} more`);
    }
    const lines = [
      recordingLine(r),
      `video: ${codecs.join(", ") || "none yet"}; audio: ${
        audio.join(", ") || "none"
      }`,
      `node: ${r.node_name ?? "none"}`,
      `segments:${segs.length ? `\n${segs.join("\n")}` : " none yet"}`,
    ];
    return {
      text: lines.join("\n"),
      summary: `recording of ${r.camera_name}, ${durationText(r.duration_ms)}`,
    };
  },
});
