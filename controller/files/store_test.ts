import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { FileStore, fileUrl, slugOf, splitPath } from "./store.ts";

const kind = (k: string) => (e: unknown) =>
  e instanceof AppError && e.kind === k;

Deno.test("splitPath refuses what could lead out, naming the field", () => {
  for (
    const bad of [
      "",
      "/etc/passwd",
      "../x",
      "a/../../x",
      "a/./b",
      "a//b",
      "a\\b",
      "a\0b",
      "x".repeat(1001),
      `${"y".repeat(256)}/a`,
    ]
  ) {
    assert.throws(
      () => splitPath(bad, "arguments.path"),
      (e) =>
        e instanceof AppError && e.kind === "invalid_input" &&
        e.field === "arguments.path",
      JSON.stringify(bad.slice(0, 20)),
    );
  }
  assert.deepEqual(splitPath("agents/a1/snap shot.jpg"), [
    "agents",
    "a1",
    "snap shot.jpg",
  ]);
});

Deno.test("fileUrl encodes each segment; slugOf makes file-name parts", () => {
  assert.equal(
    fileUrl("agents/a/x y#.jpg"),
    "/api/files/read/agents/a/x%20y%23.jpg",
  );
  assert.equal(slugOf("Front door (porch) ☀"), "front-door-porch");
  assert.equal(slugOf("///"), "file");
});

Deno.test("FileStore writes inside an agent's area and reads it back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new FileStore(`${dir}/files`);
    const path = await store.area("agent-1").write(
      "snapshots/a.jpg",
      new Uint8Array([1, 2, 3]),
    );
    assert.equal(path, "agents/agent-1/snapshots/a.jpg");
    const f = await store.resolve(path);
    assert.equal(f.size, 3);
    assert.deepEqual(await Deno.readFile(f.abs), new Uint8Array([1, 2, 3]));
    // No temporary file is left beside it.
    const names = [...Deno.readDirSync(`${dir}/files/agents/agent-1/snapshots`)]
      .map((e) => e.name);
    assert.deepEqual(names, ["a.jpg"]);
    assert.throws(() => store.area("../x"), kind("invalid_input"));
    await assert.rejects(
      store.area("agent-1").write("../b.jpg", new Uint8Array(1)),
      kind("invalid_input"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileStore.resolve: symlinks out, folders and device files are not found", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/files`;
    const store = new FileStore(root);
    await store.write("agents/a/ok.txt", new TextEncoder().encode("ok"));
    await Deno.writeTextFile(`${dir}/secret.txt`, "secret");
    await Deno.symlink(`${dir}/secret.txt`, `${root}/agents/a/leak.txt`);
    await Deno.symlink(dir, `${root}/agents/a/up`);
    await Deno.symlink("/dev/zero", `${root}/agents/a/zero`);
    await Deno.symlink(`${root}/agents/a/ok.txt`, `${root}/agents/a/in.txt`);
    // A FIFO inside the root: not a regular file (opening it would block).
    const fifo = await new Deno.Command("mkfifo", {
      args: [`${root}/agents/a/pipe`],
    }).output();
    assert.ok(fifo.success);
    for (
      const p of [
        "agents/a/leak.txt",
        "agents/a/up/secret.txt",
        "agents/a/zero",
        "agents/a/pipe",
        "agents",
        "agents/a/none.txt",
      ]
    ) {
      await assert.rejects(store.resolve(p), kind("not_found"), p);
    }
    // A link that stays inside is fine.
    assert.equal((await store.resolve("agents/a/in.txt")).size, 2);
    // Writing through a folder link that leads out is refused.
    await assert.rejects(
      store.write("agents/a/up/planted.txt", new Uint8Array(1)),
      kind("invalid_input"),
    );
    await assert.rejects(
      store.write("agents/a/up/made/planted.txt", new Uint8Array(1)),
      kind("invalid_input"),
    );
    for (const p of ["planted.txt", "made"]) {
      assert.equal(
        await Deno.lstat(`${dir}/${p}`).then(() => true, () => false),
        false,
        `${p} was made outside the root`,
      );
    }
    // A file where a folder is expected.
    await assert.rejects(
      store.write("agents/a/ok.txt/x", new Uint8Array(1)),
      kind("invalid_input"),
    );
    // A symlink planted at the target is replaced, not followed.
    await Deno.symlink(`${dir}/secret.txt`, `${root}/agents/a/target.txt`);
    await store.write("agents/a/target.txt", new TextEncoder().encode("new"));
    assert.equal(await Deno.readTextFile(`${dir}/secret.txt`), "secret");
    assert.equal(await Deno.readTextFile(`${root}/agents/a/target.txt`), "new");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
