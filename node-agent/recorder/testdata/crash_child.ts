/**
 * Test fixture: a stand-in node agent that only records one RTSP camera, so a
 * test can kill it (and its ffmpeg) with SIGKILL and check crash recovery.
 * argv: root outboxDir rtspUrl cameraId sessionId segmentSeconds
 */
import { Outbox } from "../../outbox/outbox.ts";
import { Recorder } from "../recorder.ts";

const [root, outboxDir, url, cameraId, sessionId, seconds] = Deno.args;
const outbox = new Outbox({
  dir: outboxDir,
  controllerUrl: "http://127.0.0.1:9",
  nodeName: "n1",
  token: "unused-token-0123456789",
});
await outbox.init();
const spec = {
  id: cameraId,
  name: "crash",
  protocol: "rtsp" as const,
  source_url: url,
  device_path: null,
  width: 640,
  height: 480,
  framerate: 15,
  record: { session_id: sessionId, segment_seconds: Number(seconds) },
};
const rec = new Recorder(spec, spec.record, {
  root,
  outbox,
  ffmpegPath: "ffmpeg",
  ffprobePath: "ffprobe",
  hubOf: () => null,
  onSegment: (e) => console.log(`SEGMENT ${e.path}`),
});
await rec.start();
while (rec.pid === null) await new Promise((r) => setTimeout(r, 20));
console.log(`FFMPEG ${rec.pid}`);
await new Promise(() => {}); // until killed
