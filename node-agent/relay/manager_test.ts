import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { marker, pidsWith, waitFor } from "../ffmpeg/testing.ts";
import { RelayManager } from "./manager.ts";

let width = 400 + 2 * Math.floor(Math.random() * 400);
function demo(id: string, over: Partial<CameraSpec> = {}): CameraSpec {
  return {
    id,
    name: id,
    protocol: "demo",
    source_url: "demo://x",
    device_path: null,
    width: width += 2,
    height: 200,
    framerate: 10,
    ...over,
  };
}

const running = (c: CameraSpec) =>
  pidsWith(`testsrc2=size=${c.width}x${c.height}`);

Deno.test("RelayManager.reconcile() creates, updates and removes relays", async () => {
  const changed: string[] = [];
  const m = new RelayManager({
    ffmpegPath: "ffmpeg",
    idleGraceMs: 60_000,
    onChange: (id) => changed.push(id),
  });
  const a = demo(`a-${marker()}`);
  const b = demo(`b-${marker()}`);
  try {
    await m.reconcile([a, b]);
    assert.deepEqual(m.ids(), [a.id, b.id]);
    const relayA = m.get(a.id)!;
    const leave = relayA.hub.subscribe();
    await relayA.hub.next(0, AbortSignal.timeout(3000));
    assert.ok(changed.includes(a.id));
    assert.equal(running(a).length, 1);

    // Same list again: nothing restarts.
    const pid = relayA.pid;
    await m.reconcile([a, b]);
    assert.equal(m.get(a.id), relayA);
    assert.equal(relayA.pid, pid);

    // b renamed, a removed: a's ffmpeg is gone when reconcile resolves.
    await m.reconcile([{ ...b, name: "Back yard" }]);
    leave();
    assert.equal(m.get(a.id), undefined);
    assert.equal(m.get(b.id)?.spec.name, "Back yard");
    assert.deepEqual(running(a), []);

    const rts = m.runtimes();
    assert.equal(rts.length, 1);
    assert.equal(rts[0].id, b.id);
    assert.equal(rts[0].state, "idle");
  } finally {
    await m.closeAll();
  }
});

Deno.test("RelayManager.setIdleGrace() applies to running relays and closeAll() leaves no ffmpeg", async () => {
  const m = new RelayManager({ ffmpegPath: "ffmpeg", idleGraceMs: 60_000 });
  const cams = [demo(`c-${marker()}`), demo(`d-${marker()}`)];
  try {
    await m.reconcile(cams);
    const leaves = cams.map((c) => m.get(c.id)!.hub.subscribe());
    await waitFor(
      () => m.runtimes().every((r) => r.state === "running"),
      "both running",
      4000,
    );
    assert.deepEqual(cams.map((c) => running(c).length), [1, 1]);
    m.setIdleGrace(200);
    leaves[0]();
    await waitFor(
      () => m.get(cams[0].id)!.runtime().state === "idle",
      "first idle",
      2000,
    );
    assert.deepEqual(running(cams[0]), []);
    assert.equal(m.get(cams[1].id)!.runtime().state, "running");
  } finally {
    await m.closeAll();
  }
  assert.deepEqual(cams.flatMap(running), []);
  assert.deepEqual(m.ids(), []);
});

Deno.test("RelayManager starts relays through its start gate, one after the other's first frame", async () => {
  const m = new RelayManager({
    ffmpegPath: "ffmpeg",
    idleGraceMs: 60_000,
    startConcurrency: 1,
  });
  const a = demo(`a-${marker()}`);
  const b = demo(`b-${marker()}`);
  const leaves: (() => void)[] = [];
  try {
    await m.reconcile([a, b]);
    const relayA = m.get(a.id)!;
    const relayB = m.get(b.id)!;
    leaves.push(relayA.hub.subscribe(), relayB.hub.subscribe());
    await new Promise((r) => setTimeout(r, 0));
    // b waits for the slot: no ffmpeg of its own before a's first frame.
    assert.equal(relayA.runtime().state, "starting");
    assert.equal(relayB.runtime().state, "idle");
    assert.deepEqual(running(b), []);
    assert.ok(await relayA.hub.next(0, AbortSignal.timeout(5000)));
    assert.ok(await relayB.hub.next(0, AbortSignal.timeout(5000)));
    assert.equal(running(a).length, 1);
    assert.equal(running(b).length, 1);
  } finally {
    for (const leave of leaves) leave();
    await m.closeAll();
  }
  assert.deepEqual(running(a), []);
  assert.deepEqual(running(b), []);
});
