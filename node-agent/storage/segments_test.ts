import assert from "node:assert/strict";
import { segmentRelPath } from "./layout.ts";
import { listSegmentPage, MAX_LIST_PAGE } from "./segments.ts";

const T0 = Date.parse("2026-11-23T23:59:00Z");

async function tree(): Promise<{ root: string; paths: string[] }> {
  const parent = await Deno.realPath(await Deno.makeTempDir());
  const root = `${parent}/recordings`;
  const paths: string[] = [];
  const put = async (rel: string, bytes = 10) => {
    const dir = rel.slice(0, rel.lastIndexOf("/"));
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
    await Deno.writeFile(`${root}/${rel}`, new Uint8Array(bytes));
  };
  // Two cameras whose names sort differently with and without the slash.
  for (const cam of ["cam", "cam-2"]) {
    for (let i = 0; i < 3; i++) {
      // crosses midnight: two date folders
      const rel = segmentRelPath(cam, T0 + i * 30_000, "sess0001");
      await put(rel, 100 + i);
      paths.push(rel);
    }
  }
  // A restart in the same second: suffix -2.
  const dup = segmentRelPath("cam", T0, "sess0001", 2);
  await put(dup);
  paths.push(dup);
  // Never listed: incoming, dot files, other shapes, symlinks.
  await put("cam/.incoming/sess0001.r1.1700000000.mp4");
  await put("cam/2026-11-24/.hidden.mp4");
  await put("cam/2026-11-24/notes.txt");
  await put("cam/2026-11-24/20261125T000000Z_sess0001.mp4"); // wrong date folder
  await put("cam/junk/20261124T000000Z_sess0001.mp4");
  const outside = `${parent}/outside`;
  await Deno.mkdir(outside);
  await Deno.writeFile(
    `${outside}/20261124T000100Z_evil.mp4`,
    new Uint8Array(5),
  );
  await Deno.symlink(
    `${outside}/20261124T000100Z_evil.mp4`,
    `${root}/cam/2026-11-24/20261124T000100Z_evil.mp4`,
  );
  await Deno.symlink(outside, `${root}/cam/2026-11-25`);
  await Deno.symlink(outside, `${root}/linked`);
  // Byte order of paths: the JS default sort of ASCII strings.
  paths.sort();
  return { root, paths };
}

Deno.test("listSegmentPage: closed segments only, sorted by path, paged with a cursor", async () => {
  const { root, paths } = await tree();
  try {
    const all = await listSegmentPage(root);
    assert.deepEqual(all.entries.map((e) => e.path), paths);
    assert.equal(all.next, null);
    assert.ok(paths[0].startsWith("cam-2/"), "cam-2/ sorts before cam/");
    const first = all.entries.find((e) =>
      e.path === segmentRelPath("cam", T0, "sess0001")
    )!;
    assert.equal(first.sizeBytes, 100);
    // "-2" sorts before ".mp4": byte order, not time order, within a second.
    assert.ok(
      all.entries.findIndex((e) => e.path.endsWith("-2.mp4")) <
        all.entries.indexOf(first),
    );
    assert.ok(first.mtimeMs > 0);

    // Pages of 2 give the same list, each cursor the last path of its page.
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await listSegmentPage(root, { after, limit: 2 });
      pages++;
      seen.push(...page.entries.map((e) => e.path));
      if (page.next) assert.equal(page.next, page.entries.at(-1)!.path);
      after = page.next ?? undefined;
    } while (after);
    assert.deepEqual(seen, paths);
    assert.equal(
      pages,
      Math.ceil(paths.length / 2) + (paths.length % 2 ? 0 : 1),
    );

    // One camera; a cursor in the middle of it.
    const cam = paths.filter((p) => p.startsWith("cam/"));
    const one = await listSegmentPage(root, { cameraId: "cam" });
    assert.deepEqual(one.entries.map((e) => e.path), cam);
    const rest = await listSegmentPage(root, {
      cameraId: "cam",
      after: cam[1],
    });
    assert.deepEqual(rest.entries.map((e) => e.path), cam.slice(2));
    // A cursor that is not a path still orders: everything after it.
    const mid = await listSegmentPage(root, { after: "cam/2026-11-24" });
    assert.deepEqual(
      mid.entries.map((e) => e.path),
      paths.filter((p) => p > "cam/2026-11-24"),
    );

    // Unknown, unsafe and symlinked camera ids list nothing.
    for (const id of ["nope", "../etc", ".incoming", "linked"]) {
      assert.deepEqual(
        (await listSegmentPage(root, { cameraId: id })).entries,
        [],
        id,
      );
    }
    // The limit is bounded.
    assert.equal(MAX_LIST_PAGE, 5000);
    const big = await listSegmentPage(root, { limit: 1e9 });
    assert.equal(big.entries.length, paths.length);
  } finally {
    await Deno.remove(`${root}/..`, { recursive: true });
  }
});

Deno.test("listSegmentPage: an empty or missing root lists nothing", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.deepEqual(await listSegmentPage(root), { entries: [], next: null });
    assert.deepEqual(await listSegmentPage(`${root}/missing`), {
      entries: [],
      next: null,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
