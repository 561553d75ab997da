import assert from "node:assert/strict";
import type { SegmentDeletedEvent } from "../../lib/protocol.ts";
import { Outbox } from "../outbox/outbox.ts";
import { startFakeController } from "../outbox/testing.ts";
import { runTool } from "../recorder/media.ts";
import { streamsOf } from "../recorder/testing.ts";
import { RelayManager } from "../relay/manager.ts";
import { segmentRelPath } from "../storage/layout.ts";
import { createNodeApp } from "./app.ts";
import { parseRange } from "./files.ts";

const TOKEN = "test-node-token-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const T0 = Date.parse("2026-11-24T10:00:00Z");

interface Env {
  dir: string;
  root: string;
  app: ReturnType<typeof createNodeApp>;
  segs: string[];
  deleted(): Promise<SegmentDeletedEvent[]>;
  close(): Promise<void>;
}

/** Two real 2-s fMP4 segments made by ffmpeg, like the recorder's. */
async function env(): Promise<Env> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const root = `${dir}/recordings`;
  const segs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const rel = segmentRelPath("cam1", T0 + i * 2000, "sess0001");
    await Deno.mkdir(`${root}/cam1/2026-11-24`, { recursive: true });
    const r = await runTool("ffmpeg", [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=160x120:rate=10",
      "-t",
      "2",
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
    segs.push(rel);
  }
  const fake = startFakeController({ token: TOKEN });
  const outbox = new Outbox({
    dir: `${dir}/outbox`,
    controllerUrl: fake.url,
    nodeName: "n1",
    token: TOKEN,
  });
  await outbox.init();
  const app = createNodeApp({
    token: TOKEN,
    relays: new RelayManager(),
    status: () => Promise.reject(new Error("unused")),
    probe: () => Promise.reject(new Error("unused")),
    files: {
      root,
      cacheDir: `${dir}/cache/joined`,
      outbox,
      ffmpegPath: "ffmpeg",
      statfs: () => ({ totalBytes: 1000, freeBytes: 400 }),
    },
  });
  return {
    dir,
    root,
    app,
    segs,
    async deleted() {
      await outbox.flush();
      return fake.events.filter((e): e is SegmentDeletedEvent =>
        e.type === "segment.deleted"
      );
    },
    async close() {
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("parseRange() handles single, open, suffix, multi and unsatisfiable ranges", () => {
  assert.deepEqual(parseRange("bytes=0-9", 100), [0, 9]);
  assert.deepEqual(parseRange("bytes=90-", 100), [90, 99]);
  assert.deepEqual(parseRange("bytes=-10", 100), [90, 99]);
  assert.deepEqual(parseRange("bytes=-500", 100), [0, 99]);
  assert.deepEqual(parseRange("bytes=50-500", 100), [50, 99]);
  assert.equal(parseRange("bytes=100-", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 100), "unsatisfiable");
  assert.equal(parseRange("bytes=0-1,5-6", 100), null);
  assert.equal(parseRange("items=0-1", 100), null);
  assert.equal(parseRange("bytes=9-3", 100), null);
});

Deno.test("GET /v1/files: bearer token, Range 206 with the right bytes, 416, ETag 304, HEAD", async () => {
  const e = await env();
  try {
    const rel = e.segs[0];
    const bytes = await Deno.readFile(`${e.root}/${rel}`);
    assert.equal((await e.app.request(`/v1/files/${rel}`)).status, 401);

    const full = await e.app.request(`/v1/files/${rel}`, { headers: AUTH });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("content-type"), "video/mp4");
    assert.equal(full.headers.get("accept-ranges"), "bytes");
    assert.equal(full.headers.get("content-length"), String(bytes.length));
    assert.ok(full.headers.get("last-modified"));
    assert.deepEqual(new Uint8Array(await full.arrayBuffer()), bytes);
    const etag = full.headers.get("etag")!;

    const part = await e.app.request(`/v1/files/${rel}`, {
      headers: { ...AUTH, range: "bytes=100-1099" },
    });
    assert.equal(part.status, 206);
    assert.equal(
      part.headers.get("content-range"),
      `bytes 100-1099/${bytes.length}`,
    );
    assert.equal(part.headers.get("content-length"), "1000");
    assert.deepEqual(
      new Uint8Array(await part.arrayBuffer()),
      bytes.slice(100, 1100),
    );

    const tail = await e.app.request(`/v1/files/${rel}`, {
      headers: { ...AUTH, range: "bytes=-16" },
    });
    assert.equal(tail.status, 206);
    assert.deepEqual(
      new Uint8Array(await tail.arrayBuffer()),
      bytes.slice(-16),
    );

    const bad = await e.app.request(`/v1/files/${rel}`, {
      headers: { ...AUTH, range: `bytes=${bytes.length}-` },
    });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get("content-range"), `bytes */${bytes.length}`);

    const cached = await e.app.request(`/v1/files/${rel}`, {
      headers: { ...AUTH, "if-none-match": etag },
    });
    assert.equal(cached.status, 304);
    // If-Range with a stale validator: the whole file
    const stale = await e.app.request(`/v1/files/${rel}`, {
      headers: { ...AUTH, range: "bytes=0-9", "if-range": '"old"' },
    });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();

    const head = await e.app.request(`/v1/files/${rel}`, {
      method: "HEAD",
      headers: AUTH,
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(bytes.length));

    const missing = await e.app.request(
      `/v1/files/${segmentRelPath("cam1", T0 + 60_000, "sess0001")}`,
      { headers: AUTH },
    );
    assert.equal(missing.status, 404);
  } finally {
    await e.close();
  }
});

Deno.test("/v1/files confines paths: '..', encoded '..', absolute, non-segment and symlink escapes", async () => {
  const e = await env();
  try {
    await Deno.writeTextFile(`${e.dir}/secret.mp4`, "secret");
    const linkRel = segmentRelPath("cam1", T0 + 3_600_000, "sess0001");
    await Deno.symlink(`${e.dir}/secret.mp4`, `${e.root}/${linkRel}`);
    await Deno.mkdir(`${e.dir}/elsewhere/2026-11-24`, { recursive: true });
    await Deno.writeTextFile(
      `${e.dir}/elsewhere/2026-11-24/${linkRel.split("/")[2]}`,
      "x",
    );
    await Deno.symlink(`${e.dir}/elsewhere`, `${e.root}/camlink`);
    const cases: [string, number][] = [
      // URL parsing resolves these to /v1/secret.mp4: no such route
      ["/v1/files/../secret.mp4", 404],
      ["/v1/files/cam1/%2e%2e/%2e%2e/secret.mp4", 404],
      ["/v1/files/cam1/2026-11-24/..%2f..%2fsecret.mp4", 400],
      ["/v1/files//etc/passwd", 400],
      ["/v1/files/cam1/.incoming/x.mp4", 400],
      ["/v1/files/cam1/2026-11-24/notes.txt", 400],
      [`/v1/files/${linkRel}`, 403],
      [`/v1/files/camlink/${linkRel.split("/").slice(1).join("/")}`, 403],
    ];
    for (const [path, status] of cases) {
      for (const method of ["GET", "DELETE"]) {
        const res = await e.app.request(path, { method, headers: AUTH });
        await res.body?.cancel();
        assert.equal(res.status, status, `${method} ${path}`);
      }
    }
    assert.equal(await Deno.readTextFile(`${e.dir}/secret.mp4`), "secret");
  } finally {
    await e.close();
  }
});

Deno.test("DELETE /v1/files removes a segment with a segment.deleted event; /v1/storage reports usage", async () => {
  const e = await env();
  try {
    const sizes = await Promise.all(
      e.segs.map((s) => Deno.stat(`${e.root}/${s}`).then((x) => x.size)),
    );
    const storage =
      await (await e.app.request("/v1/storage", { headers: AUTH })).json();
    assert.equal(storage.total_bytes, 1000);
    assert.equal(storage.free_bytes, 400);
    assert.deepEqual(
      storage.cameras.map((
        c: { camera_id: string; bytes: number; segments: number },
      ) => [c.camera_id, c.bytes, c.segments]),
      [["cam1", sizes[0] + sizes[1], 2]],
    );

    const del = await e.app.request(`/v1/files/${e.segs[0]}`, {
      method: "DELETE",
      headers: AUTH,
    });
    assert.equal(del.status, 204);
    await assert.rejects(Deno.stat(`${e.root}/${e.segs[0]}`));
    const again = await e.app.request(`/v1/files/${e.segs[0]}`, {
      method: "DELETE",
      headers: AUTH,
    });
    assert.equal(again.status, 404);
    await again.body?.cancel();
    const events = await e.deleted();
    assert.deepEqual(events.map((x) => [x.path, x.reason, x.camera_id]), [[
      e.segs[0],
      "requested",
      "cam1",
    ]]);
  } finally {
    await e.close();
  }
});

Deno.test("POST /v1/recordings/join builds one faststart MP4, cached by the path list; GET /v1/joined serves it with Range", async () => {
  const e = await env();
  try {
    const join = () =>
      e.app.request("/v1/recordings/join", {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ paths: e.segs }),
      });
    const first = await join();
    assert.equal(first.status, 200);
    const body = await first.json();
    assert.match(body.id, /^[0-9a-f]{64}$/);
    assert.equal(body.cached, false);
    assert.equal(body.segments, 2);
    const file = `${e.dir}/cache/joined/${body.id}.mp4`;
    const st = await streamsOf(file);
    assert.deepEqual(st.video, ["h264"]);
    assert.ok(
      Math.abs(st.durationS - 4) < 0.3,
      `joined duration ${st.durationS}`,
    );
    // +faststart: the moov comes before the mdat
    const head = await Deno.readFile(file).then((b) =>
      new TextDecoder("latin1").decode(b.slice(0, 4096))
    );
    assert.ok(
      head.indexOf("moov") >= 0 && head.indexOf("moov") < head.indexOf("mdat"),
    );
    assert.equal(body.size_bytes, (await Deno.stat(file)).size);

    const second = await (await join()).json();
    assert.equal(second.id, body.id);
    assert.equal(second.cached, true);

    const ranged = await e.app.request(`/v1/joined/${body.id}`, {
      headers: { ...AUTH, range: "bytes=0-99" },
    });
    assert.equal(ranged.status, 206);
    assert.deepEqual(
      new Uint8Array(await ranged.arrayBuffer()),
      (await Deno.readFile(file)).slice(0, 100),
    );

    const bad = await e.app.request("/v1/recordings/join", {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({ paths: ["../../etc/passwd"] }),
    });
    assert.equal(bad.status, 400);
    const gone = await e.app.request("/v1/recordings/join", {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify({
        paths: [segmentRelPath("cam1", T0 + 3_600_000, "sess0001")],
      }),
    });
    assert.equal(gone.status, 404);
    const notHex = await e.app.request("/v1/joined/..%2f..%2fsecret", {
      headers: AUTH,
    });
    assert.equal(notHex.status, 400);
  } finally {
    await e.close();
  }
});
