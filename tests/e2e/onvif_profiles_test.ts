/**
 * ONVIF main/sub end to end, and "Test connection" over UDP: a fake ONVIF
 * camera (real SOAP) with two profiles pointing at two GStreamer RTSP
 * servers — "main" 640x480 and "sub" 320x240, the sub-stream offering RTP
 * over UDP only, like cameras whose TCP mode is off — a controller on PGlite
 * and a node agent process. The form's defaults pick sub for live view and
 * main for recording; live frames come from sub over UDP, the recorded
 * segments are main's 640x480 stream; probes honour the transport, for rtsp
 * and onvif sources alike.
 */
import assert from "node:assert/strict";
import { defaultProfiles, profileUrls } from "../../islands/client/onvif.ts";
import { startFakeOnvif } from "../support/fake_onvif.ts";
import { findProcesses } from "../support/processes.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import { eventually, readFrames, startStack } from "../support/stack.ts";

const USER = "admin";
const PASSWORD = "Two-Profiles-51";

/** argv of the ffmpeg processes whose command line contains `text`. */
function ffmpegsWith(text: string): string[] {
  return findProcesses((argv) =>
    (argv[0] ?? "").endsWith("ffmpeg") && argv.join(" ").includes(text)
  ).map((p) => p.cmdline.join(" "));
}

/** Width x height of the video in an MP4, by ffprobe. */
async function videoSize(bytes: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(path, bytes);
    const out = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height",
        "-of",
        "csv=p=0:s=x",
        path,
      ],
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim();
  } finally {
    await Deno.remove(path);
  }
}

Deno.test({
  name:
    "ONVIF main/sub: live view from the sub profile over UDP, recording of the main profile; probes honour the transport",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const auth = { user: USER, password: PASSWORD };
    await using sub = await startRtspServer({
      size: "320x240",
      fps: 10,
      path: "/sub",
      transport: "udp",
      ...auth,
    });
    await using main = await startRtspServer({
      size: "640x480",
      fps: 10,
      path: "/main",
      ...auth,
    });
    await using cam = await startFakeOnvif({
      username: USER,
      password: PASSWORD,
      profiles: [
        {
          token: "main",
          name: "Main",
          codec: "H264",
          width: 640,
          height: 480,
          fps: 10,
          streamUri: main.url,
        },
        {
          token: "sub",
          name: "Sub",
          codec: "H264",
          width: 320,
          height: 240,
          fps: 10,
          streamUri: sub.url,
        },
      ],
    });
    const stack = await startStack({
      segmentSeconds: 2,
      relayIdleGraceMs: 1000,
    });
    const post = (path: string, json: unknown) =>
      stack.api(path, { method: "POST", json });
    const probe = async (json: Record<string, unknown>) => {
      const res = await post("/api/cameras/probe", json);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    };
    try {
      await stack.startNodeAgent("profiles-node");

      // What the form does after "Find profiles".
      const found = await (await post("/api/cameras/onvif/inspect", {
        host: "127.0.0.1",
        port: cam.port,
        username: USER,
        password: PASSWORD,
      })).json();
      const choice = defaultProfiles(found.profiles);
      assert.deepEqual(choice, { live: "sub", record: "main" });
      const urls = profileUrls({
        host: "127.0.0.1",
        port: String(cam.port),
        username: USER,
        password: PASSWORD,
      }, choice);

      await t.step("Test connection honours rtsp_transport", async () => {
        const udp = await probe({
          protocol: "rtsp",
          source_url: sub.authUrl,
          rtsp_transport: "udp",
        });
        assert.equal(udp.ok, true, JSON.stringify(udp));
        assert.deepEqual(udp.video, {
          codec: "h264",
          width: 320,
          height: 240,
          fps: 10,
        });
        // The same UDP-only camera over TCP (the default) is refused.
        const tcp = await probe({ protocol: "rtsp", source_url: sub.authUrl });
        assert.equal(tcp.ok, false);
        assert.match(tcp.error, /461|Unsupported transport|not supported/i);
        assert.doesNotMatch(JSON.stringify(tcp), new RegExp(PASSWORD));
        // An onvif source: the RTSP URI its profile resolves to, over the
        // form's transport.
        const onvifUdp = await probe({
          protocol: "onvif",
          source_url: urls.source_url,
          rtsp_transport: "udp",
        });
        assert.equal(onvifUdp.ok, true, JSON.stringify(onvifUdp));
        assert.equal(onvifUdp.video.width, 320);
        const onvifTcp = await probe({
          protocol: "onvif",
          source_url: urls.source_url,
          rtsp_transport: "tcp",
        });
        assert.equal(onvifTcp.ok, false);
        const bad = await post("/api/cameras/probe", {
          protocol: "rtsp",
          source_url: sub.url,
          rtsp_transport: "multicast",
        });
        assert.equal(bad.status, 400);
        assert.equal((await bad.json()).error.field, "rtsp_transport");
      });

      const created = await post("/api/cameras", {
        name: "Gate",
        protocol: "onvif",
        source_url: urls.source_url,
        record_source_url: urls.record_source_url,
        rtsp_transport: "udp",
        resolution: "320x240",
        framerate: 10,
      });
      const camera = await created.json();
      assert.equal(created.status, 201, JSON.stringify(camera));
      assert.equal(
        camera.record_source_url,
        `onvif://${USER}:***@127.0.0.1:${cam.port}?profile=main`,
      );

      await t.step("live view reads the sub profile over UDP", async () => {
        const frames = await readFrames(
          `${stack.url}/api/cameras/${camera.id}/stream`,
          { count: 5, timeoutMs: 20_000, headers: stack.auth },
        );
        assert.equal(frames.length, 5, "5 live frames within 20 s");
        const relays = ffmpegsWith(`:${sub.port}/sub`);
        assert.equal(relays.length, 1, "one relay reads /sub");
        assert.match(relays[0], /-rtsp_transport udp/);
        assert.equal(
          ffmpegsWith(`:${main.port}/main`).length,
          0,
          "nothing reads /main while nobody records",
        );
      });

      await t.step("recording copies the main profile (640x480)", async () => {
        const started = await post(
          `/api/cameras/${camera.id}/recording/start`,
          {},
        );
        const session = await started.json();
        assert.equal(started.status, 200, JSON.stringify(session));
        await eventually(
          async () => {
            const rec = await (await stack.api(
              `/api/recordings/${session.id}`,
            )).json();
            return (rec.segments?.length ?? 0) >= 1;
          },
          30_000,
          "a recorded segment",
        );
        assert.equal(
          ffmpegsWith(`:${main.port}/main`).length,
          1,
          "one recorder reads /main",
        );
        const stopped = await post(
          `/api/cameras/${camera.id}/recording/stop`,
          {},
        );
        assert.equal(stopped.status, 200);
        await stopped.body?.cancel();
        const dl = await stack.api(`/api/recordings/${session.id}/download`);
        assert.equal(dl.status, 200);
        assert.equal(
          await videoSize(new Uint8Array(await dl.arrayBuffer())),
          "640x480",
        );
        // Both profiles were asked for their own URI.
        const asked = new Set(
          cam.calls.filter((c) => c.action === "GetStreamUri").map((c) =>
            c.profile
          ),
        );
        assert.ok(asked.has("sub") && asked.has("main"), [...asked].join());
      });

      const list = await (await stack.api("/api/cameras")).text();
      assert.doesNotMatch(list, new RegExp(PASSWORD));
    } finally {
      await stack.close();
    }
  },
});
