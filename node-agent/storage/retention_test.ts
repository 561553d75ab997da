import assert from "node:assert/strict";
import type { SegmentDeletedEvent } from "../../lib/protocol/mod.ts";
import { Outbox } from "../outbox/outbox.ts";
import { startFakeController } from "../outbox/testing.ts";
import { segmentRelPath } from "./layout.ts";
import {
  type DiskSpace,
  requiredFreeBytes,
  RetentionSweeper,
} from "./retention.ts";
import { cameraUsage } from "./segments.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const KB = 1024;

interface Env {
  dir: string;
  root: string;
  outbox: Outbox;
  deleted(): Promise<SegmentDeletedEvent[]>;
  close(): Promise<void>;
}

async function env(): Promise<Env> {
  const dir = await Deno.makeTempDir();
  const root = `${dir}/recordings`;
  await Deno.mkdir(root, { recursive: true });
  const fake = startFakeController();
  const outbox = new Outbox({
    dir: `${dir}/outbox`,
    controllerUrl: fake.url,
    nodeName: "n",
    token: "test-node-token-0123456789",
  });
  await outbox.init();
  return {
    dir,
    root,
    outbox,
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

/** Writes a fake segment of `kb` KB that started at `startMs`; returns its path. */
async function seg(
  root: string,
  cam: string,
  startMs: number,
  session: string,
  kb = 100,
) {
  const rel = segmentRelPath(cam, startMs, session);
  const abs = `${root}/${rel}`;
  await Deno.mkdir(abs.slice(0, abs.lastIndexOf("/")), { recursive: true });
  await Deno.writeFile(abs, new Uint8Array(kb * KB));
  const end = new Date(startMs + 60_000);
  await Deno.utime(abs, end, end);
  return rel;
}

/** A fake disk of `totalKb` whose used space is what lies under `dir`. */
function fakeDisk(dir: string, totalKb: number): (p: string) => DiskSpace {
  return () => {
    let used = 0;
    const walk = (d: string) => {
      for (const e of Deno.readDirSync(d)) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory) walk(p);
        else if (e.isFile) used += Deno.statSync(p).size;
      }
    };
    walk(dir);
    return { totalBytes: totalKb * KB, freeBytes: totalKb * KB - used };
  };
}

const H = 3_600_000;
const D = 24 * H;

Deno.test("requiredFreeBytes() is the larger of the ratio and the bytes", () => {
  const p = {
    min_free_ratio: 0.05,
    min_free_bytes: 5 * 1024 ** 3,
    keep_sessions: [],
  };
  assert.equal(requiredFreeBytes(p, 1000 * 1024 ** 3), 50 * 1024 ** 3);
  assert.equal(requiredFreeBytes(p, 20 * 1024 ** 3), 5 * 1024 ** 3);
});

Deno.test("RetentionSweeper deletes by age per camera and keeps keep sessions and young footage", async () => {
  const e = await env();
  try {
    const oldA = await seg(e.root, "camA", NOW - 3 * D, "s-old-aaaa");
    const old2A = await seg(e.root, "camA", NOW - 2 * D, "s-old-aaaa");
    const keptA = await seg(e.root, "camA", NOW - 3 * D + H, "kept0001-x");
    const youngA = await seg(e.root, "camA", NOW - H, "s-new-aaaa");
    const oldB = await seg(e.root, "camB", NOW - 3 * D, "s-b-bbbbbb"); // no age limit
    const sweeper = new RetentionSweeper({
      root: e.root,
      outbox: e.outbox,
      statfs: () => ({ totalBytes: 1e12, freeBytes: 1e12 }),
      timers: { now: () => NOW, setTimeout, clearTimeout },
    });
    sweeper.configure(
      [{ id: "camA", retention_days: 1 }, { id: "camB", retention_days: null }],
      {
        min_free_ratio: 0.05,
        min_free_bytes: 0,
        keep_sessions: ["kept0001-x"],
      },
    );
    const r = await sweeper.sweep();
    assert.equal(r.deletedForAge, 2);
    assert.equal(r.deletedForSpace, 0);
    const events = await e.deleted();
    assert.deepEqual(events.map((x) => x.path).sort(), [oldA, old2A].sort());
    assert.ok(
      events.every((x) => x.reason === "retention" && x.camera_id === "camA"),
    );
    for (const kept of [keptA, youngA, oldB]) {
      await Deno.stat(`${e.root}/${kept}`);
    }
    // the emptied date folder is gone
    await assert.rejects(
      Deno.stat(`${e.root}/${old2A.slice(0, old2A.lastIndexOf("/"))}`),
    );
  } finally {
    await e.close();
  }
});

Deno.test("RetentionSweeper: below the free-space floor the oldest non-keep segments go first, across cameras", async () => {
  const e = await env();
  try {
    // 8 × 100 KB on a 1000 KB disk → 200 KB free; the floor asks for 490 KB.
    const a1 = await seg(e.root, "camA", NOW - 5 * H, "sess-aaaa");
    const b1 = await seg(e.root, "camB", NOW - 4 * H, "keep-bbbb"); // kept
    const a2 = await seg(e.root, "camA", NOW - 3 * D, "keep-bbbb"); // kept, oldest
    const b2 = await seg(e.root, "camB", NOW - 2 * D, "sess-cccc");
    const a3 = await seg(e.root, "camA", NOW - 3 * H, "sess-aaaa");
    const b3 = await seg(e.root, "camB", NOW - 2 * H, "sess-cccc");
    const a4 = await seg(e.root, "camA", NOW - 1 * H, "sess-aaaa");
    const b4 = await seg(e.root, "camB", NOW - 1 * H + 60_000, "sess-cccc");
    // the segment being written is never a candidate
    await Deno.mkdir(`${e.root}/camA/.incoming`, { recursive: true });
    await Deno.writeFile(
      `${e.root}/camA/.incoming/sess-aaaa.r1.1795000000.mp4`,
      new Uint8Array(10),
    );
    const sweeper = new RetentionSweeper({
      root: e.root,
      outbox: e.outbox,
      statfs: fakeDisk(e.root, 1000),
      timers: { now: () => NOW, setTimeout, clearTimeout },
    });
    sweeper.configure([{ id: "camA" }, { id: "camB" }], {
      min_free_ratio: 0.05,
      min_free_bytes: 490 * KB,
      keep_sessions: ["keep-bbbb-0000-4000"],
    });
    const r = await sweeper.sweep();
    assert.equal(r.floorMet, true);
    assert.equal(r.deletedForSpace, 3);
    assert.ok(r.freeBytes >= 490 * KB);
    const events = await e.deleted();
    // oldest first: b2 (2 days), a1 (5 h), a3 (3 h); the kept a2 and b1 stay
    assert.deepEqual(events.map((x) => x.path), [b2, a1, a3]);
    assert.ok(events.every((x) => x.reason === "free_space"));
    for (const kept of [a2, b1, b3, a4, b4]) {
      await Deno.stat(`${e.root}/${kept}`);
    }
    await Deno.stat(`${e.root}/camA/.incoming/sess-aaaa.r1.1795000000.mp4`);
  } finally {
    await e.close();
  }
});

Deno.test("RetentionSweeper: only kept footage left → floor not met, nothing kept is deleted; cache goes first", async () => {
  const e = await env();
  try {
    const k1 = await seg(e.root, "camA", NOW - 2 * H, "keepkeep", 300);
    const k2 = await seg(e.root, "camA", NOW - 1 * H, "keepkeep", 300);
    const cache = `${e.dir}/cache/joined`;
    await Deno.mkdir(cache, { recursive: true });
    await Deno.writeFile(`${cache}/x.mp4`, new Uint8Array(200 * KB));
    const disk = fakeDisk(e.dir, 1000); // the cache shares the disk
    const sweeper = new RetentionSweeper({
      root: e.root,
      outbox: e.outbox,
      // The cache's eviction as files/cache.ts does it for idle files.
      cache: {
        async evict(enough) {
          let n = 0;
          for await (const f of Deno.readDir(cache)) {
            if (enough()) break;
            await Deno.remove(`${cache}/${f.name}`);
            n++;
          }
          return n;
        },
      },
      statfs: disk,
      timers: { now: () => NOW, setTimeout, clearTimeout },
    });
    sweeper.configure([], {
      min_free_ratio: 0,
      min_free_bytes: 600 * KB,
      keep_sessions: ["keepkeep"],
    });
    const r = await sweeper.sweep();
    assert.equal(r.cacheFilesDeleted, 1);
    assert.equal(r.deletedForSpace, 0);
    assert.equal(r.floorMet, false);
    for (const kept of [k1, k2]) await Deno.stat(`${e.root}/${kept}`);
    const usage = await cameraUsage(e.root);
    assert.deepEqual(usage.map((u) => [u.camera_id, u.bytes, u.segments]), [[
      "camA",
      600 * KB,
      2,
    ]]);
  } finally {
    await e.close();
  }
});
