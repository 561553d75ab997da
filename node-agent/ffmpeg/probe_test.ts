import assert from "node:assert/strict";
import {
  defaultFfmpegPath,
  detectFfmpeg,
  parseFfmpegVersion,
} from "./probe.ts";

Deno.test("parseFfmpegVersion() reads release and git build versions", () => {
  assert.equal(
    parseFfmpegVersion(
      "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc 12",
    ),
    "5.1.9-0+deb12u1",
  );
  assert.equal(
    parseFfmpegVersion("ffmpeg version N-113000-g1a2b3c Copyright"),
    "N-113000-g1a2b3c",
  );
  assert.equal(parseFfmpegVersion("ffprobe version 5.1"), null);
  assert.equal(parseFfmpegVersion(""), null);
});

Deno.test("detectFfmpeg() finds the system ffmpeg", async () => {
  const info = await detectFfmpeg("ffmpeg");
  assert.equal(info.available, true);
  assert.equal(info.path, "ffmpeg");
  assert.match(info.version ?? "", /^\d+\.\d+/);
});

Deno.test("detectFfmpeg() reports a missing binary without throwing", async () => {
  assert.deepEqual(await detectFfmpeg("/nonexistent/ffmpeg"), {
    available: false,
    version: null,
    path: "/nonexistent/ffmpeg",
  });
});

Deno.test("detectFfmpeg() rejects a binary that is not ffmpeg", async () => {
  assert.deepEqual(await detectFfmpeg("true"), {
    available: false,
    version: null,
    path: "true",
  });
  assert.equal((await detectFfmpeg("false")).available, false);
});

Deno.test("defaultFfmpegPath() prefers FALCON_FFMPEG", () => {
  const before = Deno.env.get("FALCON_FFMPEG");
  try {
    Deno.env.set("FALCON_FFMPEG", "/opt/ffmpeg/bin/ffmpeg");
    assert.equal(defaultFfmpegPath(), "/opt/ffmpeg/bin/ffmpeg");
    Deno.env.delete("FALCON_FFMPEG");
    assert.equal(defaultFfmpegPath(), "ffmpeg");
  } finally {
    if (before !== undefined) Deno.env.set("FALCON_FFMPEG", before);
  }
});
