import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import {
  confine,
  incomingDir,
  isSafeId,
  parseIncomingName,
  parseSegmentPath,
  segmentFileName,
  segmentRelPath,
  sessionTag,
  splitRelative,
} from "./layout.ts";

const T = Date.parse("2026-11-24T01:48:38.750Z");
const SESSION = "1a2b3c4d-0000-4000-8000-000000000000";

Deno.test("segmentRelPath() builds {camera}/{UTC date}/{UTC stamp}_{session8}.mp4", () => {
  assert.equal(
    segmentRelPath("cam-1", T, SESSION),
    "cam-1/2026-11-24/20261124T014838Z_1a2b3c4d.mp4",
  );
  assert.equal(
    segmentFileName(T, SESSION, 3),
    "20261124T014838Z_1a2b3c4d-3.mp4",
  );
  assert.equal(sessionTag("-_ab"), "ab");
  assert.throws(() => segmentRelPath("../x", T, SESSION), AppError);
});

Deno.test("parseSegmentPath() round-trips and is strict", () => {
  const rel = segmentRelPath("cam-1", T, SESSION, 2);
  const info = parseSegmentPath(rel)!;
  assert.equal(info.cameraId, "cam-1");
  assert.equal(info.date, "2026-11-24");
  assert.equal(info.startMs, Date.parse("2026-11-24T01:48:38Z"));
  assert.equal(info.sessionTag, "1a2b3c4d");
  for (
    const bad of [
      "",
      "/cam-1/2026-11-24/20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/../2026-11-24/20261124T014838Z_1a2b3c4d.mp4",
      "../cam-1/2026-11-24/20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/2026-11-24/../../etc/passwd",
      "cam-1//20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/2026-11-25/20261124T014838Z_1a2b3c4d.mp4", // folder disagrees with name
      "cam-1/2026-02-31/20260231T014838Z_1a2b3c4d.mp4", // no such day
      "cam-1/.incoming/20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/2026-11-24/20261124T014838Z_1a2b3c4d.mp4.tmp",
      "cam-1\\2026-11-24\\20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/2026-11-24/20261124T014838Z_1a2b3c4d-1.mp4",
      "cam-1/2026-11-24/x/20261124T014838Z_1a2b3c4d.mp4",
      "cam-1/2026-11-24/20261124T014838Z_1a2b3c4d.mp4\0",
    ]
  ) {
    assert.equal(parseSegmentPath(bad), null, bad);
  }
});

Deno.test("splitRelative() rejects absolute, dot and empty parts", () => {
  assert.deepEqual(splitRelative("a/b.mp4"), ["a", "b.mp4"]);
  for (const bad of ["", "/a", "a/../b", "./a", "a/.b", "a//b", "a/", "a\\b"]) {
    assert.equal(splitRelative(bad), null, bad);
  }
});

Deno.test("incoming names carry the session and run; ids are checked", () => {
  assert.deepEqual(parseIncomingName("sess-1.r1abc.1795484918.mp4"), {
    sessionId: "sess-1",
    run: "r1abc",
    openedS: 1795484918,
  });
  assert.equal(
    parseIncomingName("sess-1.r1abc.1795484918.mp4.repair.mp4"),
    null,
  );
  assert.equal(parseIncomingName("sess-1.r1abc.csv"), null);
  assert.equal(incomingDir("/d/rec", "cam"), "/d/rec/cam/.incoming");
  assert.ok(isSafeId("6f1c0a0e-2b7e-4c1e-9a57-0d7e1f6b2c11"));
  assert.ok(!isSafeId("a.b"));
  assert.ok(!isSafeId(".."));
  assert.ok(!isSafeId(""));
});

Deno.test("confine() keeps paths inside the root: '..', absolute and symlink escapes are refused", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const root = `${dir}/rec`;
    await Deno.mkdir(`${root}/cam/2026-11-24`, { recursive: true });
    await Deno.mkdir(`${dir}/outside`);
    await Deno.writeTextFile(`${dir}/outside/secret.mp4`, "secret");
    await Deno.writeTextFile(`${root}/cam/2026-11-24/a.mp4`, "ok");
    // escapes through symlinks: a file link, a folder link, a dangling link
    await Deno.symlink(
      `${dir}/outside/secret.mp4`,
      `${root}/cam/2026-11-24/link.mp4`,
    );
    await Deno.symlink(`${dir}/outside`, `${root}/cam/2026-11-25`);
    await Deno.symlink(
      `${dir}/outside/none.mp4`,
      `${root}/cam/2026-11-24/dangling.mp4`,
    );
    // a link that stays inside is fine
    await Deno.symlink(
      `${root}/cam/2026-11-24/a.mp4`,
      `${root}/cam/2026-11-24/inner.mp4`,
    );

    assert.equal(
      await confine(root, "cam/2026-11-24/a.mp4"),
      `${root}/cam/2026-11-24/a.mp4`,
    );
    assert.equal(
      await confine(root, "cam/2026-11-24/inner.mp4"),
      `${root}/cam/2026-11-24/a.mp4`,
    );
    assert.equal(
      await confine(root, "cam/2026-11-24/new.mp4"),
      `${root}/cam/2026-11-24/new.mp4`,
    );
    for (
      const bad of [
        "../outside/secret.mp4",
        "cam/../../outside/secret.mp4",
        `${dir}/outside/secret.mp4`,
        "/etc/passwd",
      ]
    ) {
      await assert.rejects(
        confine(root, bad),
        (e: AppError) => e.kind === "invalid_input",
        bad,
      );
    }
    for (
      const bad of [
        "cam/2026-11-24/link.mp4",
        "cam/2026-11-25/secret.mp4",
        "cam/2026-11-25/none.mp4",
        "cam/2026-11-24/dangling.mp4",
      ]
    ) {
      await assert.rejects(
        confine(root, bad),
        (e: AppError) => e.kind === "forbidden",
        bad,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
