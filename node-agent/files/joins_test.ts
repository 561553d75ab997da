/**
 * Security finding #2 (docs/design/security.md): a viewer who asks for many
 * distinct ranges and hangs up must not exhaust the node's CPU or disk, and
 * the join cache must never make retention delete footage.
 *
 * The joins run a fake ffmpeg that writes as many bytes as its inputs hold,
 * slowly, holding its output open (like a real stream copy of a long range).
 * The disk is modelled as the kernel counts it: recordings + cache files +
 * files deleted while a process still holds them open (/proc/{pid}/fd).
 */
import assert from "node:assert/strict";
import type {
  SegmentDeletedEvent,
  StoragePolicy,
} from "../../lib/protocol/mod.ts";
import { createNodeApp } from "../http/app.ts";
import { Outbox } from "../outbox/outbox.ts";
import { startFakeController } from "../outbox/testing.ts";
import { RelayManager } from "../relay/manager.ts";
import { segmentRelPath } from "../storage/layout.ts";
import { RetentionSweeper, type StatFs } from "../storage/retention.ts";
import { FileCache } from "./cache.ts";

const TOKEN = "test-node-token-0123456789";
const AUTH = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
};
const T0 = Date.parse("2026-11-24T10:00:00Z");
const KB = 1024;
const SEGMENT_BYTES = 50 * KB;
const FLOOR = 1024 * KB;

interface Rig {
  dir: string;
  root: string;
  cacheDir: string;
  segs: string[];
  app: ReturnType<typeof createNodeApp>;
  cache: FileCache;
  retention: RetentionSweeper;
  outboxOf(): Outbox;
  /** Seconds the fake ffmpeg sleeps after each of its 8 chunks, from the next join on. */
  setDelay(s: number): void;
  statfs: StatFs;
  /** Fake ffmpeg processes started so far. */
  started(): number;
  /** Fake ffmpeg processes alive now. */
  live(): number[];
  /** Bytes the cache takes on disk now (held-open deleted files included). */
  cacheBytes(): number;
  deleted(): Promise<SegmentDeletedEvent[]>;
  close(): Promise<void>;
}

function duSync(path: string): number {
  let n = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(path)];
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = `${path}/${e.name}`;
    if (e.isDirectory) n += duSync(p);
    else if (e.isFile) {
      try {
        n += Deno.statSync(p).size;
      } catch {
        // removed meanwhile
      }
    }
  }
  return n;
}

async function rig(opts: {
  segments?: number;
  headroom: number;
  maxJoins?: number;
  maxJoinQueue?: number;
  cacheMaxBytes?: number;
  chunkDelayS?: number;
}): Promise<Rig> {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const root = `${dir}/recordings`;
  const cacheDir = `${dir}/cache/joined`;
  const pids = `${dir}/pids`;
  await Deno.mkdir(pids);
  await Deno.mkdir(`${root}/cam1/2026-11-24`, { recursive: true });
  const segs: string[] = [];
  for (let i = 0; i < (opts.segments ?? 12); i++) {
    const rel = segmentRelPath("cam1", T0 + i * 60_000, "sess0001");
    const bytes = new Uint8Array(SEGMENT_BYTES);
    crypto.getRandomValues(
      bytes.subarray(0, 65536 > SEGMENT_BYTES ? SEGMENT_BYTES : 65536),
    );
    await Deno.writeFile(`${root}/${rel}`, bytes);
    segs.push(rel);
  }
  // The fake ffmpeg: output size = sum of the listed inputs (a stream copy),
  // written in 8 chunks, the output held open until the end.
  const ffmpeg = `${dir}/fake-ffmpeg`;
  await Deno.writeTextFile(
    ffmpeg,
    `#!/bin/bash
list=""; prev=""; out=""
for a in "$@"; do [ "$prev" = "-i" ] && list="$a"; prev="$a"; out="$a"; done
total=0
while IFS= read -r line; do f="\${line#file \\'}"; f="\${f%\\'}"; s=$(stat -c %s "$f"); total=$((total+s)); done < "$list"
echo $$ > "${pids}/$$"
echo $$ >> "${dir}/started"
exec 3>"$out"
chunk=$(( (total+7)/8 ))
delay=$(cat "${dir}/delay")
for i in 1 2 3 4 5 6 7 8; do head -c $chunk /dev/zero >&3; sleep "$delay"; done
exec 3>&-
rm -f "${pids}/$$"
`,
  );
  await Deno.chmod(ffmpeg, 0o755);
  const setDelay = (s: number) =>
    Deno.writeTextFileSync(`${dir}/delay`, `${s}`);
  setDelay(opts.chunkDelayS ?? 0.15);

  const live = () => {
    const out: number[] = [];
    for (const e of Deno.readDirSync(pids)) {
      const pid = Number(e.name);
      try {
        const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
        if (!/\) Z /.test(stat)) out.push(pid);
      } catch {
        // gone
      }
    }
    return out;
  };
  /** Deleted files still held open by a fake ffmpeg: the disk still holds them. */
  const heldDeleted = () => {
    let n = 0;
    for (const pid of live()) {
      try {
        for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
          const p = `/proc/${pid}/fd/${fd.name}`;
          try {
            if (Deno.readLinkSync(p).endsWith(" (deleted)")) {
              n += Deno.statSync(p).size;
            }
          } catch {
            // closed meanwhile
          }
        }
      } catch {
        // gone
      }
    }
    return n;
  };
  const segmentBytes = segs.length * SEGMENT_BYTES;
  const total = segmentBytes + FLOOR + opts.headroom;
  const statfs: StatFs = () => ({
    totalBytes: total,
    freeBytes: total - duSync(root) - duSync(cacheDir) - heldDeleted(),
  });
  const policy: StoragePolicy = {
    min_free_ratio: 0,
    min_free_bytes: FLOOR,
    keep_sessions: [],
  };

  const fake = startFakeController({ token: TOKEN });
  const outbox = new Outbox({
    dir: `${dir}/outbox`,
    controllerUrl: fake.url,
    nodeName: "n1",
    token: TOKEN,
  });
  await outbox.init();
  const cache = new FileCache({
    dir: cacheDir,
    statfs: () => statfs(root),
    maxBytes: opts.cacheMaxBytes,
  });
  const retention = new RetentionSweeper({ root, outbox, cache, statfs });
  retention.configure([{ id: "cam1", retention_days: null }], policy);
  const app = createNodeApp({
    token: TOKEN,
    relays: new RelayManager(),
    status: () => Promise.reject(new Error("unused")),
    probe: () => Promise.reject(new Error("unused")),
    files: {
      root,
      cacheDir,
      cache,
      outbox,
      ffmpegPath: ffmpeg,
      statfs,
      policy: () => policy,
      maxJoins: opts.maxJoins,
      maxJoinQueue: opts.maxJoinQueue,
    },
  });
  return {
    dir,
    root,
    cacheDir,
    segs,
    app,
    cache,
    retention,
    outboxOf: () => outbox,
    started: () => {
      try {
        return Deno.readTextFileSync(`${dir}/started`).trim().split("\n")
          .length;
      } catch {
        return 0;
      }
    },
    setDelay,
    statfs,
    live,
    cacheBytes: () => duSync(cacheDir) + heldDeleted(),
    async deleted() {
      await outbox.flush();
      return fake.events.filter((e): e is SegmentDeletedEvent =>
        e.type === "segment.deleted"
      );
    },
    async close() {
      for (const pid of live()) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      await retention.stop();
      await fake.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function join(
  r: Rig,
  paths: string[],
  signal?: AbortSignal,
): Promise<Response> {
  return await r.app.request("/v1/recordings/join", {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ paths }),
    signal,
  });
}

/** Polls `cond` every 20 ms for up to `ms`. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

Deno.test("finding #2: a viewer looping shifted ranges and hanging up loses no footage; ffmpeg count and cache size stay bounded", async () => {
  const r = await rig({
    headroom: 800 * KB,
    maxJoins: 2,
    maxJoinQueue: 2,
    cacheMaxBytes: 700 * KB,
  });
  try {
    const before = r.segs.map((s) => Deno.statSync(`${r.root}/${s}`).size);
    let maxLive = 0;
    let maxCache = 0;
    let minFree = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxLive = Math.max(maxLive, r.live().length);
        maxCache = Math.max(maxCache, r.cacheBytes());
        minFree = Math.min(minFree, r.statfs(r.root).freeBytes);
        // The recorder sweeps after every segment; here, all the time.
        await r.retention.sweep();
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    // 30 distinct "24-hour" ranges (shifted windows), one every 100 ms, each
    // abandoned after 400 ms (a join takes ~1.2 s): several are in flight.
    const answers: Promise<number>[] = [];
    for (let shift = 0; shift < 30; shift++) {
      const start = shift % 7;
      const len = 4 + (shift % 5);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 400);
      answers.push(
        join(r, r.segs.slice(start, start + len), ac.signal).then(async (x) => {
          await x.body?.cancel();
          return x.status;
        }, () => 0),
      );
      await new Promise((res) => setTimeout(res, 100));
    }
    const statuses = new Map<number, number>();
    for (const s of await Promise.all(answers)) {
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    // Every abandoned job ends: its ffmpeg is killed, its partial output deleted.
    assert.ok(
      await until(() => r.live().length === 0, 3000),
      `ffmpeg joins still running after every viewer hung up: ${r.live().length}`,
    );
    sampling = false;
    await sampler;
    await r.retention.sweep();

    const deleted = await r.deleted();
    assert.deepEqual(
      deleted.map((e) => e.path),
      [],
      "retention deleted footage because of the join cache",
    );
    assert.deepEqual(
      r.segs.map((s) => Deno.statSync(`${r.root}/${s}`).size),
      before,
    );
    assert.ok(maxLive <= 2, `at most 2 joins at once, saw ${maxLive}`);
    assert.ok(
      maxCache <= 700 * KB,
      `cache bounded by 700 KiB, saw ${Math.round(maxCache / KB)} KiB`,
    );
    assert.ok(
      minFree >= FLOOR,
      `free space stayed above the floor, lowest ${
        Math.round(minFree / KB)
      } KiB`,
    );
    const leftovers = () =>
      [...Deno.readDirSync(r.cacheDir)].map((e) => e.name)
        .filter((n) => n.includes(".part") || n.endsWith(".txt"));
    assert.ok(
      await until(() => leftovers().length === 0, 1000),
      `partial outputs left in the cache: ${leftovers()}`,
    );
    console.log("statuses", Object.fromEntries(statuses), {
      maxLive,
      maxCacheKiB: Math.round(maxCache / KB),
      minFreeKiB: Math.round(minFree / KB),
    });
  } finally {
    await r.close();
  }
});

Deno.test("joins: at most maxJoins ffmpeg at once, a full queue answers 429 with Retry-After", async () => {
  const r = await rig({
    headroom: 8192 * KB,
    maxJoins: 1,
    maxJoinQueue: 2,
    chunkDelayS: 0.05,
  });
  try {
    let maxLive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxLive = Math.max(maxLive, r.live().length);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    const answers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => {
        const res = await join(r, r.segs.slice(i, i + 3));
        return {
          status: res.status,
          retry: res.headers.get("retry-after"),
          body: await res.json(),
        };
      }),
    );
    sampling = false;
    await sampler;
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 429);
    assert.equal(ok.length, 3, JSON.stringify(answers));
    assert.equal(busy.length, 3, JSON.stringify(answers));
    for (const b of busy) {
      assert.ok(Number(b.retry) >= 1, `Retry-After: ${b.retry}`);
      assert.equal(b.body.error.code, "rate_limited");
      assert.match(b.body.error.message, /busy joining/);
    }
    assert.equal(maxLive, 1);
  } finally {
    await r.close();
  }
});

Deno.test("joins: the client hanging up kills the join's ffmpeg and deletes its partial output", async () => {
  const r = await rig({ headroom: 8192 * KB, chunkDelayS: 0.3 });
  try {
    const ac = new AbortController();
    const res = join(r, r.segs.slice(0, 6), ac.signal).catch(() => null);
    assert.ok(await until(() => r.live().length === 1, 2000));
    const [pid] = r.live();
    ac.abort();
    await res;
    assert.ok(
      await until(() => r.live().length === 0, 1500),
      `ffmpeg ${pid} still running after the client hung up`,
    );
    assert.ok(
      await until(
        () => [...Deno.readDirSync(r.cacheDir)].length === 0,
        1000,
      ),
      `left in the cache: ${
        [...Deno.readDirSync(r.cacheDir)].map((e) => e.name)
      }`,
    );
  } finally {
    await r.close();
  }
});

Deno.test("joins: two viewers of the same range share one job; one hanging up does not stop it for the other", async () => {
  const r = await rig({ headroom: 8192 * KB, chunkDelayS: 0.05 });
  try {
    const ac = new AbortController();
    const paths = r.segs.slice(0, 4);
    const first = join(r, paths, ac.signal).catch(() => null);
    assert.ok(await until(() => r.live().length === 1, 2000));
    const second = join(r, paths);
    // The second viewer is waiting on the job well before this.
    await new Promise((res) => setTimeout(res, 150));
    ac.abort();
    await first;
    const res = await second;
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.size_bytes >= 4 * SEGMENT_BYTES, true);
    assert.equal(r.started(), 1, "one ffmpeg for both viewers");
  } finally {
    await r.close();
  }
});

Deno.test("joins: refused with a clear 503 when the join would push the disk below the free-space floor", async () => {
  const r = await rig({ headroom: 200 * KB, cacheMaxBytes: 8192 * KB });
  try {
    const res = await join(r, r.segs.slice(0, 6)); // ~300 KiB > 200 KiB of headroom
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error.code, "unavailable");
    assert.match(body.error.message, /free-space floor/);
    assert.equal(r.live().length, 0, "no ffmpeg started");
    const small = await join(r, r.segs.slice(0, 2)); // ~100 KiB fits
    assert.equal(small.status, 200);
  } finally {
    await r.close();
  }
});

Deno.test("joins: the cache is bounded; idle joins are evicted oldest first, a join larger than the cache is refused", async () => {
  const r = await rig({
    headroom: 8192 * KB,
    cacheMaxBytes: 400 * KB,
    chunkDelayS: 0.01,
  });
  try {
    const a = await join(r, r.segs.slice(0, 3)); // 150 KiB
    assert.equal(a.status, 200);
    const idA = (await a.json()).id;
    const b = await join(r, r.segs.slice(3, 6)); // 150 KiB
    assert.equal(b.status, 200);
    const idB = (await b.json()).id;
    const c = await join(r, r.segs.slice(6, 9)); // 150 KiB: A must go
    assert.equal(c.status, 200);
    const names = [...Deno.readDirSync(r.cacheDir)].map((e) => e.name);
    assert.ok(!names.includes(`${idA}.mp4`), `oldest not evicted: ${names}`);
    assert.ok(names.includes(`${idB}.mp4`));
    assert.ok(r.cacheBytes() <= 400 * KB);
    const huge = await join(r, r.segs.slice(0, 12)); // 600 KiB > 400 KiB
    assert.equal(huge.status, 413);
    assert.match((await huge.json()).error.message, /shorter range/);
  } finally {
    await r.close();
  }
});

Deno.test("retention: under disk pressure it evicts idle cache files first and never one being written or served", async () => {
  const r = await rig({ headroom: 8192 * KB, chunkDelayS: 0.01 });
  try {
    const idle = await join(r, r.segs.slice(0, 6)); // 300 KiB, nobody reads it
    const idleId = (await idle.json()).id;
    const served = await join(r, r.segs.slice(6, 8)); // 100 KiB, being read
    const servedId = (await served.json()).id;
    const reading = await r.app.request(`/v1/joined/${servedId}`, {
      headers: AUTH,
    });
    const reader = reading.body!.getReader();
    const firstChunk = await reader.read();
    assert.ok(!firstChunk.done);
    // Slow join in progress (its ffmpeg holds its output open).
    r.setDelay(0.5);
    const ac = new AbortController();
    const writing = join(r, r.segs.slice(8, 10), ac.signal).catch(() => null);
    assert.ok(await until(() => r.live().length === 1, 2000));

    // Oldest first would pick the served file, then the one being written.
    const hourAgo = new Date(Date.now() - 3_600_000);
    const later = new Date(Date.now() + 3_600_000);
    Deno.utimeSync(`${r.cacheDir}/${servedId}.mp4`, hourAgo, hourAgo);
    Deno.utimeSync(`${r.cacheDir}/${idleId}.mp4`, later, later);
    // Recordings filled the disk: 150 KiB short of the floor.
    const offset = r.statfs(r.root).freeBytes - FLOOR + 150 * KB;
    const squeezed: StatFs = (p) => {
      const d = r.statfs(p);
      return { ...d, freeBytes: d.freeBytes - offset };
    };
    const sweeper = new RetentionSweeper({
      root: r.root,
      outbox: r.outboxOf(),
      cache: r.cache,
      statfs: squeezed,
    });
    sweeper.configure([{ id: "cam1", retention_days: null }], {
      min_free_ratio: 0,
      min_free_bytes: FLOOR,
      keep_sessions: [],
    });
    const report = await sweeper.sweep();
    assert.equal(report.deletedForSpace, 0, "footage deleted before the cache");
    assert.ok(report.cacheFilesDeleted >= 1);
    const names = [...Deno.readDirSync(r.cacheDir)].map((e) => e.name);
    assert.ok(!names.includes(`${idleId}.mp4`), "the idle join stays");
    assert.ok(
      names.includes(`${servedId}.mp4`),
      "a file being served was swept",
    );
    assert.ok(
      names.some((n) => n.includes(".part")),
      `the join being written was swept: ${names}`,
    );
    assert.equal(r.live().length, 1, "the running join was disturbed");
    let got = firstChunk.value!.length;
    for (let c = await reader.read(); !c.done; c = await reader.read()) {
      got += c.value.length;
    }
    assert.equal(got, Deno.statSync(`${r.cacheDir}/${servedId}.mp4`).size);
    ac.abort();
    await writing;
  } finally {
    await r.close();
  }
});
