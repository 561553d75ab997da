/**
 * Helpers for recorder tests: a temp data dir with an outbox wired to a fake
 * controller, camera specs, and reading back what was recorded. Tests only.
 */
import type {
  CameraSpec,
  NodeEvent,
  SegmentClosedEvent,
} from "../../lib/protocol/mod.ts";
import { marker } from "../ffmpeg/testing.ts";
import { Outbox } from "../outbox/outbox.ts";
import { type FakeController, startFakeController } from "../outbox/testing.ts";
import { runTool } from "./media.ts";
import type { RecorderDeps } from "./recorder.ts";

export const TEST_TOKEN = "test-node-token-0123456789";

export interface RecEnv {
  dir: string;
  root: string;
  outbox: Outbox;
  fake: FakeController;
  deps: RecorderDeps;
  /** Delivers the outbox and returns the segment.closed events received. */
  segments(): Promise<SegmentClosedEvent[]>;
  events(): Promise<NodeEvent[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function recEnv(
  over: Partial<RecorderDeps> = {},
): Promise<RecEnv> {
  const dir = await Deno.makeTempDir({ prefix: "falcon-rec-test-" });
  const root = `${dir}/recordings`;
  await Deno.mkdir(root, { recursive: true });
  const fake = startFakeController({ token: TEST_TOKEN });
  const outbox = new Outbox({
    dir: `${dir}/node/n1/outbox`,
    controllerUrl: fake.url,
    nodeName: "n1",
    token: TEST_TOKEN,
  });
  await outbox.init();
  const deps: RecorderDeps = {
    root,
    outbox,
    ffmpegPath: "ffmpeg",
    ffprobePath: "ffprobe",
    hubOf: () => null,
    tuning: {
      backoff: { initialMs: 300, maxMs: 1000 },
      stallTimeoutMs: 6000,
      stopTimeoutMs: 4000,
    },
    ...over,
  };
  const events = async () => {
    await outbox.flush();
    return [...fake.events];
  };
  return {
    dir,
    root,
    outbox,
    fake,
    deps,
    events,
    segments: async () =>
      (await events()).filter((e): e is SegmentClosedEvent =>
        e.type === "segment.closed"
      ).sort((a, b) => a.start_at.localeCompare(b.start_at)),
    async [Symbol.asyncDispose]() {
      await outbox.stop();
      await fake.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export function rtspSpec(
  url: string,
  over: Partial<CameraSpec> = {},
): CameraSpec {
  return {
    id: `cam-${marker()}`,
    name: "Test RTSP",
    protocol: "rtsp",
    source_url: url,
    device_path: null,
    width: 640,
    height: 480,
    framerate: 15,
    record: { session_id: `s${marker()}`, segment_seconds: 3 },
    retention_days: null,
    ...over,
  };
}

/** Streams of a file per ffprobe: codec names by type. */
export async function streamsOf(
  path: string,
): Promise<{ video: string[]; audio: string[]; durationS: number }> {
  const r = await runTool("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "format=duration:stream=codec_type,codec_name",
    "-of",
    "json",
    path,
  ], 15_000);
  if (!r.ok) throw new Error(`ffprobe ${path}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as {
    streams: { codec_type: string; codec_name: string }[];
    format: { duration: string };
  };
  return {
    video: j.streams.filter((s) => s.codec_type === "video").map((s) =>
      s.codec_name
    ),
    audio: j.streams.filter((s) => s.codec_type === "audio").map((s) =>
      s.codec_name
    ),
    durationS: Number(j.format.duration),
  };
}

/** Decodes a whole file; true when ffmpeg reports no error. */
export async function decodesCleanly(path: string): Promise<boolean> {
  const r = await runTool("ffmpeg", [
    "-v",
    "error",
    "-i",
    path,
    "-f",
    "null",
    "-",
  ], 30_000);
  return r.ok && r.stderr === "";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Milliseconds between one segment's end and the next one's start. */
export function gapsMs(segments: SegmentClosedEvent[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < segments.length; i++) {
    out.push(
      Date.parse(segments[i].start_at) - Date.parse(segments[i - 1].end_at),
    );
  }
  return out;
}
