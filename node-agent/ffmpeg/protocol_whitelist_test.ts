/**
 * issue 11 #7: every ffmpeg / ffprobe input the node agent builds carries a
 * `-protocol_whitelist` for its source kind, so a camera that answers with a
 * playlist (HLS, ffconcat) cannot make ffmpeg open local files or other
 * protocols, whatever ffmpeg's own defaults are.
 */
import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { relayArgs } from "./relay_args.ts";
import { probeArgs } from "./source_probe.ts";
import {
  concatArgs,
  probeRtspArgs,
  recordArgs,
  remuxArgs,
  type SegmentOutput,
} from "../recorder/args.ts";
import { renditionArgs } from "../renditions/rendition.ts";

function spec(over: Partial<CameraSpec>): CameraSpec {
  return {
    id: "cam1",
    name: "Gate",
    protocol: "demo",
    source_url: "demo://",
    device_path: null,
    width: 640,
    height: 480,
    framerate: 15,
    ...over,
  };
}

const OUT: SegmentOutput = {
  incomingDir: "/data/recordings/cam1/.incoming",
  sessionId: "s-1",
  run: "r1",
  segmentSeconds: 60,
};

const RTSP = "rtsp,rtp,udp,tcp";
const RTSPS = "rtsp,rtsps,rtp,udp,tcp,tls";
const HTTP = "http,https,tcp,tls";

/**
 * The whitelist given to the input `input` (the argument after `-i`, or the
 * positional input of ffprobe): the last `-protocol_whitelist` before it.
 */
function whitelistOf(args: string[], input: string): string | null {
  const at = args.lastIndexOf(input);
  assert.ok(at > 0, `input ${input} in ${args.join(" ")}`);
  const flag = args.slice(0, at).lastIndexOf("-protocol_whitelist");
  return flag >= 0 ? args[flag + 1] : null;
}

Deno.test("relay inputs: the whitelist of each source kind", () => {
  const cases: [Partial<CameraSpec>, string, string][] = [
    [
      { protocol: "rtsp", source_url: "rtsp://u:p@10.0.0.7/s" },
      "rtsp://u:p@10.0.0.7/s",
      RTSP,
    ],
    [
      {
        protocol: "rtsp",
        source_url: "rtsp://10.0.0.7/s",
        rtsp_transport: "udp",
      },
      "rtsp://10.0.0.7/s",
      RTSP,
    ],
    [
      { protocol: "rtsp", source_url: "rtsps://10.0.0.7:322/s" },
      "rtsps://10.0.0.7:322/s",
      RTSPS,
    ],
    [
      { protocol: "http", source_url: "http://10.0.0.7/cam.m3u8" },
      "http://10.0.0.7/cam.m3u8",
      HTTP,
    ],
    [
      { protocol: "http", source_url: "https://10.0.0.7/v.flv" },
      "https://10.0.0.7/v.flv",
      HTTP,
    ],
    [
      { protocol: "demo", source_url: "demo://" },
      "testsrc2=size=640x480:rate=15",
      "file",
    ],
    [
      { protocol: "usb", source_url: null, device_path: "/dev/video0" },
      "/dev/video0",
      "file",
    ],
  ];
  for (const [over, input, want] of cases) {
    assert.equal(
      whitelistOf(relayArgs(spec(over)), input),
      want,
      JSON.stringify(over),
    );
  }
});

Deno.test("recorder, remux, concat, rendition and probes: whitelisted inputs", () => {
  const rec = recordArgs(
    {
      kind: "rtsp",
      url: "rtsps://c/main",
      videoCodec: "h264",
      audio: "aac",
      fps: 15,
    },
    OUT,
  );
  assert.equal(whitelistOf(rec, "rtsps://c/main"), RTSPS);
  const frames = recordArgs({
    kind: "frames",
    socketPath: "/run/f.sock",
    fps: 10,
  }, OUT);
  assert.equal(whitelistOf(frames, "unix:/run/f.sock"), "unix");
  assert.equal(
    whitelistOf(remuxArgs("/d/a.mp4", "/d/b.mp4"), "/d/a.mp4"),
    "file",
  );
  assert.equal(
    whitelistOf(concatArgs("/d/l.txt", "/d/o.mp4"), "/d/l.txt"),
    "file",
  );
  assert.equal(
    whitelistOf(renditionArgs("/d/l.txt", "/d/o.mp4"), "/d/l.txt"),
    "file",
  );
  assert.equal(
    whitelistOf(probeRtspArgs("rtsp://c/s", "udp"), "rtsp://c/s"),
    RTSP,
  );
  assert.equal(
    whitelistOf(
      probeArgs({ protocol: "rtsp", source_url: "rtsp://c/s" } as never),
      "rtsp://c/s",
    ),
    RTSP,
  );
  assert.equal(
    whitelistOf(
      probeArgs({ protocol: "http", source_url: "http://c/m" } as never),
      "http://c/m",
    ),
    HTTP,
  );
  assert.equal(
    whitelistOf(
      probeArgs({ protocol: "usb", device_path: "/dev/video0" } as never),
      "/dev/video0",
    ),
    "file",
  );
});

// --- real ffmpeg: an HTTP "camera" answering a playlist ---

async function run(args: string[]): Promise<{ out: number; err: string }> {
  const r = await new Deno.Command("ffmpeg", {
    args: [...args.slice(0, -1), "-t", "1", args.at(-1)!],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  return { out: r.stdout.length, err: new TextDecoder().decode(r.stderr) };
}

Deno.test({
  name:
    "an HTTP camera's HLS or ffconcat playlist cannot make ffmpeg read a local file; HLS over http still plays",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "falcon-wl-" });
    const local = `${dir}/local.ts`;
    const made = await new Deno.Command("ffmpeg", {
      args: [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=5",
        "-t",
        "2",
        "-c:v",
        "mpeg2video",
        "-f",
        "mpegts",
        local,
      ],
    }).output();
    assert.equal(made.code, 0);
    const segment = await Deno.readFile(local);
    const asked: string[] = [];
    const playlist = (uri: string) =>
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n${uri}\n#EXT-X-ENDLIST\n`;
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      (req) => {
        const path = new URL(req.url).pathname;
        asked.push(path);
        if (path === "/evil.m3u8") {
          return new Response(playlist(`file://${local}`));
        }
        if (path === "/evil.ffconcat") {
          return new Response(`ffconcat version 1.0\nfile 'file:${local}'\n`);
        }
        if (path === "/good.m3u8") return new Response(playlist("seg0.ts"));
        if (path === "/seg0.ts") return new Response(segment);
        return new Response("not here", { status: 404 });
      },
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      // HLS: refused by our list (ffmpeg's own default list would name
      // udp, rtp, crypto, data… too).
      const hls = await run(
        relayArgs(spec({ protocol: "http", source_url: `${base}/evil.m3u8` })),
      );
      assert.equal(hls.out, 0, "no frame from the local file");
      assert.match(
        hls.err,
        /Protocol 'file' not on whitelist 'http,https,tcp,tls'!/,
        hls.err,
      );
      // ffconcat: refused (the concat demuxer's safe mode stops it first).
      const concat = await run(
        relayArgs(
          spec({ protocol: "http", source_url: `${base}/evil.ffconcat` }),
        ),
      );
      assert.equal(concat.out, 0, "no frame from the local file");
      assert.match(concat.err, /not on whitelist|Unsafe file name/, concat.err);
      const good = await run(
        relayArgs(spec({ protocol: "http", source_url: `${base}/good.m3u8` })),
      );
      assert.ok(
        good.out > 1000,
        `frames from an HLS camera over http: ${good.err}`,
      );
      assert.ok(asked.includes("/seg0.ts"));
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
