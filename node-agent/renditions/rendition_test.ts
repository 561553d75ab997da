/**
 * The web-rendition state machine with a fake transcoder (a shell script in
 * place of ffmpeg): one job at a time, bounded queue, progress, failures
 * remembered and redacted, stall watchdog, nice, close. The real ffmpeg
 * transcode of an HEVC clip is tested through the HTTP API in
 * node-agent/files/routes_test.ts.
 */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import {
  isHevc,
  RenditionManager,
  type RenditionOptions,
  type RenditionStatus,
} from "./rendition.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");

/** A manager whose "transcoder" is `sh -c script output listFile`. */
function fake(
  dir: string,
  script: string,
  opts: Partial<RenditionOptions> = {},
): RenditionManager {
  return new RenditionManager({
    cacheDir: `${dir}/cache`,
    ffmpegPath: "ffmpeg",
    command: (job) => ({
      cmd: "sh",
      args: ["-c", script, "sh", job.output, job.listFile],
    }),
    ...opts,
  });
}

async function until(
  m: RenditionManager,
  rid: string,
  states: RenditionStatus["state"][],
  ms = 10_000,
): Promise<RenditionStatus> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await m.status(rid);
    if (s && states.includes(s.state)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`rendition ${rid} never became ${states.join("/")}`);
}

Deno.test("isHevc() knows the names of HEVC", () => {
  for (const c of ["hevc", "HEVC", "h265", "H.265", " hevc "]) {
    assert.ok(isHevc(c), c);
  }
  for (const c of ["h264", "avc1", "", null, undefined, "mjpeg"]) {
    assert.ok(!isHevc(c), String(c));
  }
});

Deno.test("renditions: one transcoder at a time, in order; a ready one is answered from the cache", async () => {
  const dir = await Deno.makeTempDir();
  // mkdir is atomic: a second transcoder running at the same time fails.
  const m = fake(
    dir,
    `mkdir "${dir}/lock" || exit 9
     echo "$(basename "$1")" >> "${dir}/order"
     sleep 0.2
     printf 'out_time_us=500000\\nprogress=continue\\n'
     cat "$2" > "$1"
     rmdir "${dir}/lock"`,
    { maxQueue: 4 },
  );
  try {
    const files = [`${dir}/a.mp4`, `${dir}/it's.mp4`];
    const first = await m.request(id(1), files, 1000);
    assert.equal(first.state, "working");
    assert.equal(first.progress, 0, "a duration gives progress");
    const second = await m.request(id(2), files);
    const third = await m.request(id(3), files);
    assert.equal(third.state, "working");
    assert.ok((third.queue_position ?? 0) >= 1);
    assert.equal(second.progress, undefined, "no duration, no progress");
    // Asking again for a job in progress starts nothing new.
    assert.equal((await m.request(id(1), files)).state, "working");
    for (const n of [1, 2, 3]) {
      const s = await until(m, id(n), ["ready", "failed"]);
      assert.equal(s.state, "ready", JSON.stringify(s));
      assert.equal(s.url, `/v1/renditions/${id(n)}`);
    }
    const order = (await Deno.readTextFile(`${dir}/order`)).trim().split("\n");
    assert.deepEqual(order, [1, 2, 3].map((n) => `${id(n)}.web.part.mp4`));
    // The concat list quotes names with a quote in them.
    const list = await Deno.readTextFile(m.fileOf(id(1)));
    assert.equal(
      list,
      `file '${dir}/a.mp4'\nfile '${dir}/it'\\''s.mp4'\n`,
    );
    const again = await m.request(id(1), files);
    assert.equal(again.state, "ready");
    assert.equal(again.size_bytes, list.length);
    assert.equal(order.length, 3, "served from the cache, no new job");
    // No leftovers next to the renditions.
    const names = [...Deno.readDirSync(`${dir}/cache`)].map((e) => e.name)
      .sort();
    assert.deepEqual(names, [1, 2, 3].map((n) => `${id(n)}.web.mp4`));
  } finally {
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renditions: the queue is bounded (429), progress follows -progress, close() stops the transcoder", async () => {
  const dir = await Deno.makeTempDir();
  const m = fake(
    dir,
    `printf 'out_time_us=1500000\\nprogress=continue\\n'
     echo $$ > "${dir}/pid"
     exec sleep 30`,
    { maxQueue: 1 },
  );
  try {
    await m.request(id(1), ["/x.mp4"], 3000);
    await m.request(id(2), ["/x.mp4"], 3000);
    await assert.rejects(
      () => m.request(id(3), ["/x.mp4"]),
      (e) =>
        e instanceof AppError && e.kind === "rate_limited" &&
        /busy/.test(e.message) && e.retryAfterS! > 0,
    );
    let s: RenditionStatus | null = null;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      s = await m.status(id(1));
      if ((s?.progress ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(s?.state, "working");
    assert.equal(s?.progress, 0.5);
    assert.equal(s?.queue_position, 0, "running");
    assert.equal((await m.status(id(2)))?.queue_position, 1);
    assert.equal(await m.status(id(9)), null, "unknown");
    assert.throws(() => m.fileOf("../../etc/passwd"), AppError);

    const pid = Number((await Deno.readTextFile(`${dir}/pid`)).trim());
    await m.close();
    // The transcoder is gone and nothing is left in the queue.
    assert.throws(() => Deno.kill(pid, "SIGCONT"));
    assert.equal(await m.status(id(1)), null);
    assert.equal(await m.status(id(2)), null);
    await assert.rejects(() => m.request(id(4), ["/x.mp4"]), AppError);
  } finally {
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renditions: a failure is answered with its redacted error, remembered, then retried", async () => {
  const dir = await Deno.makeTempDir();
  const m = fake(
    dir,
    `echo "$(date +%s%N)" >> "${dir}/runs"
     echo "rtsp://admin:hunter22@10.0.0.9/ said no" >&2
     echo "Error opening input file ${dir}/cache/secret/deep/x.mp4." >&2
     echo "Invalid data found when processing input /srv/private/y.mp4" >&2
     exit 1`,
    { failedTtlMs: 300, redactPaths: [dir] },
  );
  try {
    await m.request(id(1), ["/x.mp4"]);
    const failed = await until(m, id(1), ["failed"]);
    assert.match(failed.error!, /transcoding failed \(exit 1\)/);
    assert.match(failed.error!, /Invalid data found/);
    assert.doesNotMatch(failed.error!, /hunter22/);
    assert.doesNotMatch(failed.error!, new RegExp(dir));
    assert.doesNotMatch(failed.error!, /\/srv\/private/);
    assert.ok(failed.error!.length <= 500);
    // Asked again at once: the same failure, no second run.
    assert.equal((await m.request(id(1), ["/x.mp4"])).state, "failed");
    const runs = () =>
      Deno.readTextFile(`${dir}/runs`).then((t) => t.trim().split("\n").length);
    assert.equal(await runs(), 1);
    // After failedTtlMs a request tries again.
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await m.request(id(1), ["/x.mp4"])).state, "working");
    await until(m, id(1), ["failed"]);
    assert.equal(await runs(), 2);
  } finally {
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renditions: a stalled transcoder is killed; no output is a failure", async () => {
  const dir = await Deno.makeTempDir();
  const stalls = fake(dir, "exec sleep 30", { stallMs: 300 });
  const empty = fake(dir, ': > "$1"');
  try {
    await stalls.request(id(1), ["/x.mp4"]);
    const s = await until(stalls, id(1), ["failed"]);
    assert.match(s.error!, /stopped: no progress for 0\.3 s/);
    await empty.request(id(2), ["/x.mp4"]);
    const e = await until(empty, id(2), ["failed"]);
    assert.match(e.error!, /no output/);
  } finally {
    await stalls.close();
    await empty.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renditions: the transcoder runs under nice", async () => {
  const base = Number(
    new TextDecoder().decode(
      (await new Deno.Command("nice", { stdout: "piped" }).output()).stdout,
    ).trim(),
  );
  const dir = await Deno.makeTempDir();
  const m = fake(dir, `nice > "$1"`);
  try {
    await m.request(id(1), ["/x.mp4"]);
    assert.equal((await until(m, id(1), ["ready", "failed"])).state, "ready");
    const got = Number((await Deno.readTextFile(m.fileOf(id(1)))).trim());
    assert.equal(got, Math.min(19, base + 10));
  } finally {
    await m.close();
    await Deno.remove(dir, { recursive: true });
  }
});
