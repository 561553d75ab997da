import assert from "node:assert/strict";
import type { NodeEvent, SegmentDeletedEvent } from "../../lib/protocol/mod.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { freePort } from "../../tests/support/ports.ts";
import {
  newEventId,
  oldestJson,
  Outbox,
  type OutboxOptions,
} from "./outbox.ts";
import { startFakeController } from "./testing.ts";

const TOKEN = "test-node-token-0123456789";

function deleted(path = "cam/2026-01-01/x.mp4"): SegmentDeletedEvent {
  return {
    id: newEventId(),
    type: "segment.deleted",
    camera_id: "cam",
    path,
    reason: "retention",
  };
}

async function outboxIn(
  dir: string,
  controllerUrl: string,
  over: Partial<OutboxOptions> = {},
): Promise<Outbox> {
  const o = new Outbox({
    dir: `${dir}/outbox`,
    controllerUrl,
    nodeName: "node-a",
    token: TOKEN,
    backoff: { initialMs: 50, maxMs: 200 },
    idleMs: 200,
    requestTimeoutMs: 2000,
    ...over,
  });
  await o.init();
  return o;
}

Deno.test("Outbox.put() is durable and flush() delivers and deletes acked files", async () => {
  const dir = await Deno.makeTempDir();
  const fake = startFakeController();
  try {
    const o = await outboxIn(dir, fake.url);
    const e1 = deleted("cam/2026-01-01/a.mp4");
    const e2 = deleted("cam/2026-01-01/b.mp4");
    await o.put(e1);
    await o.put(e2);
    assert.equal(await o.count(), 2);
    assert.equal(await o.flush(), 2);
    assert.deepEqual(fake.events.map((e) => e.id), [e1.id, e2.id]);
    assert.equal(await o.count(), 0);
    assert.equal(fake.unauthorized, 0);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Outbox sends batches of at most 200, oldest first", async () => {
  const dir = await Deno.makeTempDir();
  const fake = startFakeController();
  try {
    const o = await outboxIn(dir, fake.url);
    const ids: string[] = [];
    for (let i = 0; i < 450; i++) {
      const e = deleted(`cam/2026-01-01/${i}.mp4`);
      ids.push(e.id);
      await o.put(e);
    }
    assert.equal(await o.flush(), 450);
    assert.deepEqual(fake.batches, [200, 200, 50]);
    assert.deepEqual(fake.events.map((e) => e.id), ids);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Outbox keeps unacked events and resends them", async () => {
  const dir = await Deno.makeTempDir();
  let ackOdd = true;
  const fake = startFakeController({
    ack: (events) =>
      ackOdd
        ? events.filter((_, i) => i % 2 === 1).map((e) => e.id)
        : events.map((e) => e.id),
  });
  try {
    const o = await outboxIn(dir, fake.url);
    for (let i = 0; i < 4; i++) await o.put(deleted());
    await o.flush();
    assert.equal(await o.count(), 2);
    ackOdd = false;
    await o.flush();
    assert.equal(await o.count(), 0);
    assert.equal(fake.events.length, 6);
    assert.equal(new Set(fake.events.map((e) => e.id)).size, 4);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Outbox survives a restart and delivers once the controller comes back", async () => {
  const dir = await Deno.makeTempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const first = await outboxIn(dir, url);
  first.start();
  const events: NodeEvent[] = [];
  for (let i = 0; i < 5; i++) {
    const e = deleted();
    events.push(e);
    await first.put(e);
  }
  await waitFor(() => first.lastError !== null, "a failed delivery");
  await first.stop(); // the node agent stops ("crash") with events on disk
  assert.equal(await first.count(), 5);

  const second = await outboxIn(dir, url); // a new process, same disk
  second.start();
  await new Promise((r) => setTimeout(r, 300)); // still away
  const fake = startFakeController({ port });
  try {
    await waitFor(async () => (await second.count()) === 0, "delivery", 5000);
    assert.deepEqual(fake.events.map((e) => e.id), events.map((e) => e.id));
    await second.stop();
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Outbox.init() removes temp files; unreadable events are moved aside", async () => {
  const dir = await Deno.makeTempDir();
  const fake = startFakeController();
  try {
    await Deno.mkdir(`${dir}/outbox`, { recursive: true });
    await Deno.writeTextFile(`${dir}/outbox/x.json.abcd.tmp`, "{");
    await Deno.writeTextFile(
      `${dir}/outbox/000000000000001-000000-bad.json`,
      "{",
    );
    const o = await outboxIn(dir, fake.url);
    const good = deleted();
    await o.put(good);
    await o.flush();
    const names = [...Deno.readDirSync(`${dir}/outbox`)].map((e) => e.name)
      .sort();
    assert.deepEqual(names, ["000000000000001-000000-bad.json.bad"]);
    assert.deepEqual(fake.events.map((e) => e.id), [good.id]);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Outbox pending events: never sent before commit; recoverPending() finishes or drops them", async () => {
  const dir = await Deno.makeTempDir();
  const fake = startFakeController();
  try {
    const o = await outboxIn(dir, fake.url);
    await Deno.mkdir(`${dir}/in`);
    const mk = async (name: string) => {
      await Deno.writeTextFile(`${dir}/in/${name}`, name);
      return { from: `${dir}/in/${name}`, to: `${dir}/final/d/${name}` };
    };
    // a: crash after prepare, before the rename → recovery renames and commits
    const a = await o.prepare(deleted("a"), await mk("a.mp4"));
    // b: crash after the rename, before the commit → recovery commits
    const b = await o.prepare(deleted("b"), await mk("b.mp4"));
    await Deno.mkdir(`${dir}/final/d`, { recursive: true });
    await Deno.rename(b.move.from, b.move.to);
    // c: the file vanished → dropped
    const c = await o.prepare(deleted("c"), await mk("c.mp4"));
    await Deno.remove(c.move.from);
    assert.equal(await o.flush(), 0, "pending events are not sent");

    const again = await outboxIn(dir, fake.url);
    assert.deepEqual(await again.recoverPending(), {
      committed: 2,
      dropped: 1,
    });
    assert.equal(await Deno.readTextFile(a.move.to), "a.mp4");
    await again.flush();
    assert.deepEqual(
      fake.events.map((e) => e.id).sort(),
      [a.event.id, b.event.id].sort(),
    );
    assert.equal([...Deno.readDirSync(`${dir}/outbox`)].length, 0);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("oldestJson() returns the oldest names in order with a bounded list", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const names = Array.from(
      { length: 50 },
      (_, i) => `${String(i).padStart(4, "0")}.json`,
    );
    for (const n of [...names].reverse()) {
      await Deno.writeTextFile(`${dir}/${n}`, "{}");
    }
    await Deno.writeTextFile(`${dir}/0000.pending`, "{}");
    assert.deepEqual(await oldestJson(dir, 5), names.slice(0, 5));
    assert.deepEqual(await oldestJson(dir, 100), names);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
