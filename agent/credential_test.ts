import assert from "node:assert/strict";
import {
  CredentialError,
  loadCredential,
  parseCredential,
  readFirstLine,
} from "./credential.ts";

const good = {
  agent_id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
  controller_url: "http://127.0.0.1:8080/",
  secret: "s".repeat(64),
  generation: 2,
};

Deno.test("a credential is checked field by field; the error names the field, never the secret", () => {
  assert.equal(
    parseCredential(JSON.stringify(good), "stdin").controller_url,
    "http://127.0.0.1:8080",
  );
  assert.throws(() => parseCredential("{nope", "stdin"), /not JSON/);
  assert.throws(
    () => parseCredential(JSON.stringify({ ...good, agent_id: "a" }), "stdin"),
    (e) => e instanceof CredentialError && /invalid: agent_id/.test(e.message),
  );
  const short = { ...good, secret: "tiny-secret-value" };
  assert.throws(
    () => parseCredential(JSON.stringify(short), "f.json"),
    (e) =>
      e instanceof CredentialError &&
      /f\.json is invalid: secret/.test(e.message) &&
      !e.message.includes("tiny-secret-value"),
  );
  assert.throws(
    () => parseCredential(JSON.stringify({ ...good, extra: 1 }), "stdin"),
    /invalid/,
  );
});

Deno.test("stdin: the first line only, and the stream stays usable", async () => {
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode('{"a":'));
      c.enqueue(enc.encode("1}\nrest"));
      c.close();
    },
  });
  assert.equal(await readFirstLine(stream), '{"a":1}');
  assert.equal(stream.locked, false);
});

Deno.test("--credential-file reads a Secret's file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/credential.json`,
      JSON.stringify(good, null, 2) + "\n",
    );
    assert.equal(
      (await loadCredential(`${dir}/credential.json`)).generation,
      2,
    );
    await assert.rejects(
      loadCredential(`${dir}/missing.json`),
      /cannot read --credential-file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
