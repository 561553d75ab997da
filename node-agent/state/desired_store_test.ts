import assert from "node:assert/strict";
import { DesiredStore } from "./desired_store.ts";

Deno.test("DesiredStore round-trips and keeps sources unreadable on disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new DesiredStore(`${dir}/desired.bin`, "token-token-token-1");
    const state = {
      node: "n1",
      etag: "e1",
      relay_idle_grace_ms: 1000,
      cameras: [{
        id: "c1",
        name: "door",
        protocol: "rtsp" as const,
        source_url: "rtsp://u:supersecret@h/x",
        device_path: null,
        width: 640,
        height: 480,
        framerate: 15,
      }],
    };
    await store.save(state);
    assert.deepEqual(await store.load(), state);
    const raw = new TextDecoder("latin1").decode(
      await Deno.readFile(`${dir}/desired.bin`),
    );
    assert.doesNotMatch(raw, /supersecret/);
    assert.equal(
      await new DesiredStore(`${dir}/desired.bin`, "another-token-xyz").load(),
      null,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
