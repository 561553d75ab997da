/**
 * The fake HTTP camera checked against an independent client (curl), so the
 * tests that use it to check our Digest client cannot pass on a shared bug.
 */
import assert from "node:assert/strict";
import { isJpeg, readMjpeg } from "../../lib/mjpeg.ts";
import { startHttpCamera } from "./http_camera.ts";

async function curl(
  ...args: string[]
): Promise<{ code: string; body: Uint8Array }> {
  const out = await new Deno.Command("curl", {
    args: ["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "5", ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = out.stdout;
  const nl = text.lastIndexOf(10);
  return {
    code: new TextDecoder().decode(text.subarray(nl + 1)),
    body: text.subarray(0, nl),
  };
}

Deno.test("http camera: curl --digest gets the snapshot; wrong password gets 401 (MD5 and SHA-256)", async () => {
  for (const digestAlgorithm of ["MD5", "SHA-256"] as const) {
    await using cam = await startHttpCamera({
      user: "admin",
      password: "pa ss:wörd",
      digestAlgorithm,
    });
    const ok = await curl(
      "--digest",
      "-u",
      "admin:pa ss:wörd",
      cam.url("/snapshot.jpg?ch=1"),
    );
    assert.equal(ok.code, "200", digestAlgorithm);
    assert.ok(isJpeg(ok.body));
    assert.equal(cam.stats.authorized, 1);
    const bad = await curl(
      "--digest",
      "-u",
      "admin:nope",
      cam.url("/snapshot.jpg"),
    );
    assert.equal(bad.code, "401");
    const none = await curl(cam.url("/snapshot.jpg"));
    assert.equal(none.code, "401");
  }
});

Deno.test("http camera: basic auth, MJPEG parts, outage and return on the same port", async () => {
  await using cam = await startHttpCamera({
    user: "u",
    password: "secret1",
    auth: "basic",
    fps: 20,
  });
  assert.equal(
    (await curl("-u", "u:secret1", cam.url("/snapshot.jpg"))).code,
    "200",
  );
  assert.equal(
    (await curl("-u", "u:wrong", cam.url("/snapshot.jpg"))).code,
    "401",
  );

  const res = await fetch(cam.url("/mjpeg"), {
    headers: { authorization: `Basic ${btoa("u:secret1")}` },
  });
  assert.match(res.headers.get("content-type")!, /^multipart\/x-mixed-replace/);
  const got: Uint8Array[] = [];
  for await (const f of readMjpeg(res.body!)) {
    got.push(f);
    if (got.length === 5) break;
  }
  assert.deepEqual(
    got,
    cam.frames.slice(0, 5),
    "the parts are the frames, byte for byte",
  );

  await cam.stop();
  await assert.rejects(fetch(cam.url("/snapshot.jpg")));
  await cam.start();
  assert.equal(
    (await curl("-u", "u:secret1", cam.url("/snapshot.jpg"))).code,
    "200",
  );
});
