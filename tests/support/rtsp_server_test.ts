import assert from "node:assert/strict";
import { startRtspServer } from "./rtsp_server.ts";
import { isPortOpen } from "./ports.ts";
import { findProcesses } from "./processes.ts";

/** Result of pulling a few frames from an RTSP URL with ffmpeg. */
interface Pull {
  ok: boolean;
  frames: number;
  stderr: string;
}

/** Reads `frames` video frames over RTSP/TCP, like the app's ffmpeg does. */
async function pullFrames(url: string, frames = 10): Promise<Pull> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-nostdin",
      "-hide_banner",
      "-rtsp_transport",
      "tcp",
      "-i",
      url,
      "-frames:v",
      String(frames),
      "-f",
      "null",
      "-",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)].map((m) =>
    Number(m[1])
  );
  return { ok: out.success, frames: counts.at(-1) ?? 0, stderr };
}

/** Server processes still alive for `port`. */
function serverProcesses(port: number) {
  return findProcesses((argv) =>
    argv.some((a) => a.endsWith("rtsp_server.py")) &&
    argv.join(" ").includes(`--port ${port}`)
  );
}

Deno.test("RTSP server serves H.264 that ffmpeg can read", async () => {
  const server = await startRtspServer({ size: "320x240", fps: 15 });
  try {
    assert.match(server.url, /^rtsp:\/\/127\.0\.0\.1:\d+\/test$/);
    assert.equal(serverProcesses(server.port).length, 1);
    const pull = await pullFrames(server.url);
    assert.ok(pull.ok, pull.stderr);
    assert.equal(pull.frames, 10);
    assert.match(pull.stderr, /Video: h264.*320x240/);
  } finally {
    await server.stop();
  }
  assert.equal(await isPortOpen(server.port), false);
  assert.equal(serverProcesses(server.port).length, 0);
  await server.stop(); // second stop is a no-op
});

Deno.test("RTSP server restart keeps the same URL working", async () => {
  await using server = await startRtspServer({ pattern: "smpte" });
  const { url, port } = server;
  const firstPid = server.pid;
  assert.ok((await pullFrames(url)).ok);
  await server.restart();
  assert.equal(server.url, url);
  assert.equal(server.port, port);
  assert.notEqual(server.pid, firstPid);
  assert.equal(serverProcesses(port).length, 1);
  const pull = await pullFrames(url);
  assert.ok(pull.ok, pull.stderr);
  assert.equal(pull.frames, 10);
});

Deno.test("RTSP server uses the port it is given", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using server = await startRtspServer({ port, path: "cam1" });
  assert.equal(server.url, `rtsp://127.0.0.1:${port}/cam1`);
  assert.ok((await pullFrames(server.url, 3)).ok);
});

Deno.test("RTSP server with PCMU audio", async () => {
  await using server = await startRtspServer({ audio: "pcmu" });
  const pull = await pullFrames(server.url);
  assert.ok(pull.ok, pull.stderr);
  assert.match(pull.stderr, /Audio: pcm_mulaw, 8000 Hz/);
});

/** True when GStreamer has an element factory called `name`. */
function hasGstElement(name: string): boolean {
  try {
    return new Deno.Command("gst-inspect-1.0", {
      args: ["--exists", name],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "RTSP server with AAC audio",
  // AAC needs avenc_aac (gstreamer1.0-libav) or voaacenc (plugins-bad).
  ignore: !hasGstElement("avenc_aac") && !hasGstElement("voaacenc"),
}, async () => {
  await using server = await startRtspServer({ audio: "aac" });
  const pull = await pullFrames(server.url);
  assert.ok(pull.ok, pull.stderr);
  assert.match(pull.stderr, /Audio: aac/);
});

Deno.test("RTSP server digest auth rejects bad credentials", async () => {
  await using server = await startRtspServer({
    user: "admin",
    password: "s3cret",
    pattern: "snow",
  });
  assert.equal(
    server.authUrl,
    `rtsp://admin:s3cret@127.0.0.1:${server.port}/test`,
  );
  const anonymous = await pullFrames(server.url, 1);
  assert.equal(anonymous.ok, false);
  assert.match(anonymous.stderr, /401 Unauthorized/);
  const wrong = await pullFrames(
    `rtsp://admin:nope@127.0.0.1:${server.port}/test`,
    1,
  );
  assert.equal(wrong.ok, false);
  const good = await pullFrames(server.authUrl);
  assert.ok(good.ok, good.stderr);
  assert.equal(good.frames, 10);
});

Deno.test("RTSP server basic auth", async () => {
  await using server = await startRtspServer({
    user: "u",
    password: "p",
    auth: "basic",
  });
  assert.equal((await pullFrames(server.url, 1)).ok, false);
  assert.ok((await pullFrames(server.authUrl, 3)).ok);
});

Deno.test("RTSP server start failure reports stderr", async () => {
  await assert.rejects(
    startRtspServer({ size: "notasize" }),
    /exited early with code 2.*\n[\s\S]*--size must look like/,
  );
});
