import assert from "node:assert/strict";
import { loadSecretKey, SecretBox } from "./secret_box.ts";

Deno.test("SecretBox seals and opens, with a fresh IV each time", async () => {
  const box = await SecretBox.fromKey(
    crypto.getRandomValues(new Uint8Array(32)),
  );
  const a = await box.seal("rtsp://u:hunter2secret@h/x");
  const b = await box.seal("rtsp://u:hunter2secret@h/x");
  assert.notEqual(a, b);
  assert.doesNotMatch(a, /hunter2secret/);
  assert.equal(await box.open(a), "rtsp://u:hunter2secret@h/x");
});

Deno.test("SecretBox refuses a value sealed with another key", async () => {
  const a = await SecretBox.fromKey(crypto.getRandomValues(new Uint8Array(32)));
  const b = await SecretBox.fromKey(crypto.getRandomValues(new Uint8Array(32)));
  await assert.rejects(b.open(await a.seal("x")));
});

Deno.test("loadSecretKey() generates a 0600 key file once and reuses it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const k1 = await loadSecretKey({ dataDir: dir });
    const k2 = await loadSecretKey({ dataDir: dir });
    assert.deepEqual(k1, k2);
    assert.equal((await Deno.stat(`${dir}/secret.key`)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSecretKey() names the setting when the env value is bad", async () => {
  await assert.rejects(
    loadSecretKey({ envValue: "c2hvcnQ=", dataDir: "/nonexistent" }),
    /FALCON_SECRET_KEY/,
  );
});
