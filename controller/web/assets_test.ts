import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  assetsFrom,
  loadIslandAssets,
  loadPrebuilt,
  writePrebuilt,
} from "./assets.ts";
import { bundleIslands } from "./islands.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const bundle = await bundleIslands();
const built = assetsFrom(bundle);

/** A copy of the project files the bundles were built from, to edit safely. */
async function copyOfSources(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "falcon-src-" }) + "/";
  const paths = new Set<string>();
  for (const f of bundle.files.values()) {
    for (const s of f.sources) if (!s.startsWith("node_modules/")) paths.add(s);
  }
  for await (const e of Deno.readDir(ROOT + "islands")) {
    if (e.isFile) paths.add(`islands/${e.name}`);
  }
  for (const p of paths) {
    await Deno.mkdir(root + dirname(p), { recursive: true });
    await Deno.copyFile(ROOT + p, root + p);
  }
  return root;
}

Deno.test("prebuilt assets read back as the same files, islands, urls and preloads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "falcon-assets-" }) + "/";
  try {
    await writePrebuilt(bundle, dir);
    const loaded = await loadPrebuilt(dir);
    assert.equal(loaded.status, "fresh");
    if (loaded.status !== "fresh") return;
    const a = loaded.assets;
    assert.deepEqual(
      [...a.files.keys()].sort(),
      [...built.files.keys()].sort(),
    );
    for (const [url, f] of built.files) {
      const g = a.files.get(url)!;
      assert.deepEqual(g.body, f.body, url);
      assert.deepEqual(g.gzip, f.gzip, url);
      assert.equal(g.etag, f.etag);
      assert.deepEqual(g.sources, f.sources);
    }
    assert.deepEqual(a.islands, built.islands);
    assert.equal(a.bootUrl, built.bootUrl);
    for (const name of built.islands) {
      assert.equal(a.islandUrl(name), built.islandUrl(name));
      assert.deepEqual(
        a.preloads(a.islandUrl(name)),
        built.preloads(built.islandUrl(name)),
      );
    }
    assert.throws(() => a.islandUrl("Nope"), /no islands\/Nope\.tsx/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prebuilt assets are stale once a source or the set of islands changes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "falcon-assets-" }) + "/";
  const root = await copyOfSources();
  try {
    assert.deepEqual(await loadPrebuilt(dir, root), { status: "missing" });
    await writePrebuilt(bundle, dir, root);
    assert.equal((await loadPrebuilt(dir, root)).status, "fresh");

    const source = `${root}islands/client/format.ts`;
    const text = await Deno.readTextFile(source);
    await Deno.writeTextFile(source, text + "\n// edited\n");
    assert.deepEqual(await loadPrebuilt(dir, root), {
      status: "stale",
      reason: "a source changed since the build",
    });
    await Deno.writeTextFile(source, text);
    assert.equal((await loadPrebuilt(dir, root)).status, "fresh");

    await Deno.writeTextFile(
      `${root}islands/Added.tsx`,
      "export default () => null;\n",
    );
    assert.deepEqual(await loadPrebuilt(dir, root), {
      status: "stale",
      reason: "the islands changed since the build",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the controller bundles at start only without fresh prebuilt assets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "falcon-assets-" }) + "/";
  try {
    const why: string[] = [];
    const dev = await loadIslandAssets({ dir, onBundle: (w) => why.push(w) });
    assert.deepEqual(why, ["no prebuilt assets"]);
    assert.deepEqual(dev.islands, built.islands);

    await writePrebuilt(bundle, dir);
    const pre = await loadIslandAssets({ dir, onBundle: (w) => why.push(w) });
    assert.equal(why.length, 1, "prebuilt assets were used");
    assert.equal(pre.buildMs, 0);
    assert.equal(pre.bootUrl, built.bootUrl);

    // A stale manifest (as if the sources had changed since) is rebuilt.
    const m = JSON.parse(await Deno.readTextFile(dir + "manifest.json"));
    m.sourcesHash = "0".repeat(64);
    await Deno.writeTextFile(dir + "manifest.json", JSON.stringify(m));
    await loadIslandAssets({ dir, onBundle: (w) => why.push(w) });
    assert.deepEqual(why.slice(1), ["stale: a source changed since the build"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
