import assert from "node:assert/strict";
import { Hono } from "hono";
import { AppError, STATUS_OF } from "../../lib/errors.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import { Outbox } from "../outbox/outbox.ts";
import { startFakeController } from "../outbox/testing.ts";
import { runTool } from "../recorder/media.ts";
import { segmentRelPath } from "../storage/layout.ts";
import { frameArgs, FrameExtractor } from "./frames.ts";
import { fileRoutes } from "./routes.ts";

const T0 = Date.parse("2026-12-07T10:00:00Z");

/** Width × height of a JPEG, by ffprobe (so it decodes). */
async function probeJpeg(jpeg: Uint8Array): Promise<string> {
  const f = await Deno.makeTempFile({ suffix: ".jpg" });
  try {
    await Deno.writeFile(f, jpeg);
    const r = await runTool("ffprobe", [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,width,height",
      "-of",
      "csv=p=0",
      f,
    ], 10_000);
    assert.ok(r.ok, r.stderr);
    return r.stdout.trim();
  } finally {
    await Deno.remove(f);
  }
}

/** A 4-s fragmented MP4 segment (an animated test pattern), as the recorder writes them. */
async function segment(root: string): Promise<string> {
  const rel = segmentRelPath("cam1", T0, "sess0001");
  await Deno.mkdir(`${root}/cam1/2026-12-07`, { recursive: true });
  const r = await runTool("ffmpeg", [
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=320x240:rate=10",
    "-t",
    "4",
    "-c:v",
    "libx264",
    "-g",
    "20",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+frag_keyframe+empty_moov+default_base_moof",
    "-f",
    "mp4",
    `${root}/${rel}`,
  ], 30_000);
  assert.ok(r.ok, r.stderr);
  return rel;
}

Deno.test("frameArgs seeks before the input and writes one scaled JPEG to stdout", () => {
  assert.deepEqual(frameArgs("/r/a.mp4", 1500, 640), [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-ss",
    "1.500",
    "-i",
    "/r/a.mp4",
    "-map",
    "0:v:0",
    "-frames:v",
    "1",
    "-an",
    "-vf",
    "scale='min(640,iw)':-2",
    "-q:v",
    "3",
    "-f",
    "image2pipe",
    "-c:v",
    "mjpeg",
    "pipe:1",
  ]);
  assert.deepEqual(frameArgs("/r/a.mp4", 0, 640, true).slice(4, 6), [
    "-sseof",
    "-1",
  ]);
});

Deno.test("POST /v1/recordings/frames: JPEGs at the asked offsets, scaled, confined, bounded", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const fake = startFakeController({ token: "t" });
  try {
    const root = `${dir}/recordings`;
    const rel = await segment(root);
    const outbox = new Outbox({
      dir: `${dir}/outbox`,
      controllerUrl: fake.url,
      nodeName: "n1",
      token: "t",
    });
    await outbox.init();
    // The node app's error answers, around the file routes alone.
    const app = new Hono();
    app.onError((e, c) =>
      e instanceof AppError
        ? c.json(e.toBody(), STATUS_OF[e.kind] as 400)
        : c.text(String(e), 500)
    );
    app.route(
      "/",
      fileRoutes({
        root,
        cacheDir: `${dir}/cache`,
        outbox,
        ffmpegPath: "ffmpeg",
      }),
    );
    const post = (body: unknown) =>
      app.request("/v1/recordings/frames", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const res = await post({
      frames: [{ path: rel, at_ms: 500 }, { path: rel, at_ms: 3000 }, {
        // Past the end: the last second instead of nothing.
        path: rel,
        at_ms: 60_000,
      }],
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    const jpegs = body.frames.map((f: { jpeg: string }) =>
      Uint8Array.from(atob(f.jpeg), (c) => c.charCodeAt(0))
    );
    assert.equal(jpegs.length, 3);
    for (const j of jpegs) {
      assert.ok(isJpeg(j));
      assert.equal(await probeJpeg(j), "mjpeg,320,240");
    }
    assert.deepEqual(
      body.frames.map((f: { at_ms: number }) => f.at_ms),
      [500, 3000, 60000],
    );
    // The pattern moves: frames at different times differ.
    assert.notDeepEqual(jpegs[0], jpegs[1]);

    const small = await post({
      frames: [{ path: rel, at_ms: 1000 }],
      max_width: 160,
    });
    const one = (await small.json()).frames[0].jpeg;
    assert.equal(
      await probeJpeg(Uint8Array.from(atob(one), (c) => c.charCodeAt(0))),
      "mjpeg,160,120",
    );

    const bad = async (b: unknown, status: number, field?: string) => {
      const r = await post(b);
      const e = await r.json();
      assert.equal(r.status, status, JSON.stringify(e));
      if (field) assert.equal(e.error.field, field);
    };
    await bad({ frames: [{ path: "../etc/passwd", at_ms: 0 }] }, 400, "path");
    await bad({ frames: [{ path: `/${rel}`, at_ms: 0 }] }, 400, "path");
    await bad({
      frames: [{
        path: segmentRelPath("cam1", T0 + 60_000, "sess0001"),
        at_ms: 0,
      }],
    }, 404);
    await bad(
      { frames: Array.from({ length: 11 }, () => ({ path: rel, at_ms: 0 })) },
      400,
      "frames",
    );
    await bad({ frames: [{ path: rel, at_ms: -1 }] }, 400, "frames.0.at_ms");
  } finally {
    fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FrameExtractor: a full queue is 429; a cancelled request fails and leaves nothing queued", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const rel = await segment(dir);
    const file = `${dir}/${rel}`;
    const fx = new FrameExtractor({
      ffmpegPath: "ffmpeg",
      concurrency: 1,
      maxQueue: 2,
    });
    const ac = new AbortController();
    await assert.rejects(
      fx.extract(
        [0, 1, 2].map((i) => ({ file, atMs: i * 1000, label: rel })),
        320,
        ac.signal,
      ),
      (e) => e instanceof AppError && e.kind === "rate_limited",
    );
    const running = fx.extract(
      [0, 1].map((i) => ({ file, atMs: i * 1000, label: rel })),
      320,
      ac.signal,
    );
    ac.abort();
    await assert.rejects(running, AppError);
    assert.equal(fx.busy, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
