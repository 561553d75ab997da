/**
 * The dashboard's browser assets: prebuilt by `deno task build` into
 * `dist/assets/` (bundles, their gzip, and `manifest.json` with a hash of the
 * sources), or bundled in memory at start in development.
 *
 * The controller calls `loadIslandAssets()`: prebuilt assets whose sources
 * hash matches are read from disk (no esbuild in the process: a compiled
 * binary needs none); missing or stale ones (a source changed since the
 * build) are bundled at start with esbuild, imported only then. Nothing
 * here imports esbuild.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { AssetFile, IslandAssets } from "./types.ts";

/** Public URL prefix of every built file. */
export const ASSET_PREFIX = "/assets/";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));
/** Where `deno task build` writes, and where the controller looks. */
export const PREBUILT_DIR = fileURLToPath(
  new URL("../../dist/assets/", import.meta.url),
);
const MANIFEST = "manifest.json";
const FORMAT = 1;

/** What a build produced, before it is given its lookups. */
export interface Bundle {
  files: Map<string, AssetFile>;
  islands: string[];
  /** Entry name (`boot`, `CameraGrid`) → url. */
  entries: Record<string, string>;
  /** url → the urls it imports statically. */
  imports: Record<string, string[]>;
  buildMs: number;
}

/** `IslandAssets` (island urls, boot url, preloads) of a bundle. */
export function assetsFrom(b: Bundle): IslandAssets {
  const bootUrl = b.entries.boot;
  if (!bootUrl) {
    throw new Error("Cannot bundle islands: the boot module has no output");
  }
  return {
    files: b.files,
    islands: b.islands,
    bootUrl,
    islandUrl(name) {
      const url = b.islands.includes(name) ? b.entries[name] : undefined;
      if (!url) {
        throw new Error(
          `Unknown island "${name}": there is no islands/${name}.tsx`,
        );
      }
      return url;
    },
    preloads(url) {
      const seen = new Set<string>();
      const visit = (u: string) => {
        for (const dep of b.imports[u] ?? []) {
          if (!seen.has(dep)) {
            seen.add(dep);
            visit(dep);
          }
        }
      };
      visit(url);
      return [...seen];
    },
    buildMs: b.buildMs,
  };
}

interface ManifestJson {
  format: number;
  /** SHA-256 over the project's source files that went into the bundles. */
  sourcesHash: string;
  islands: string[];
  entries: Record<string, string>;
  imports: Record<string, string[]>;
  files: Record<
    string,
    { file: string; contentType: string; etag: string; sources: string[] }
  >;
}

/** Island names: `islands/*.tsx`, not `_*.tsx`, not tests. */
export async function listIslands(
  dir: string = ROOT_DIR + "islands/",
): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".tsx") || e.name.startsWith("_")) {
      continue;
    }
    if (e.name.endsWith("_test.tsx")) continue;
    names.push(e.name.slice(0, -".tsx".length));
  }
  return names.sort();
}

/** The project's own sources of the assets (node_modules files are pinned by the lockfile). */
function projectSources(files: Iterable<AssetFile>): string[] {
  const all = new Set<string>();
  for (const f of files) {
    for (const s of f.sources) if (!s.startsWith("node_modules/")) all.add(s);
  }
  return [...all].sort();
}

/**
 * Hash of the sources' paths and contents; null when one cannot be read
 * (a compiled binary built without its sources: nothing to compare with).
 */
export async function sourcesHash(
  paths: string[],
  root: string = ROOT_DIR,
): Promise<string | null> {
  const h = createHash("sha256");
  for (const p of paths) {
    let text: Uint8Array;
    try {
      text = await Deno.readFile(root + p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    h.update(`${p}\0${text.length}\0`);
    h.update(text);
  }
  return h.digest("hex");
}

/** Writes a build to `dir` (emptied first): the bundles, their gzip, `manifest.json`. */
export async function writePrebuilt(
  assets: Bundle,
  dir: string = PREBUILT_DIR,
  root: string = ROOT_DIR,
): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(dir, { recursive: true });
  const files: ManifestJson["files"] = {};
  for (const [url, f] of assets.files) {
    const file = url.slice(ASSET_PREFIX.length);
    await Deno.writeFile(dir + file, f.body);
    if (f.gzip) await Deno.writeFile(`${dir}${file}.gz`, f.gzip);
    files[url] = {
      file,
      contentType: f.contentType,
      etag: f.etag,
      sources: f.sources,
    };
  }
  const hash = await sourcesHash(projectSources(assets.files.values()), root);
  if (!hash) throw new Error("Cannot hash the islands' sources");
  const manifest: ManifestJson = {
    format: FORMAT,
    sourcesHash: hash,
    islands: assets.islands,
    entries: assets.entries,
    imports: assets.imports,
    files,
  };
  await Deno.writeTextFile(
    dir + MANIFEST,
    JSON.stringify(manifest, null, 2) + "\n",
  );
}

export type PrebuiltResult =
  | { status: "fresh"; assets: IslandAssets }
  | { status: "missing" }
  | { status: "stale"; reason: string };

/** Reads prebuilt assets from `dir` and checks them against the sources under `root`. */
export async function loadPrebuilt(
  dir: string = PREBUILT_DIR,
  root: string = ROOT_DIR,
): Promise<PrebuiltResult> {
  let manifest: ManifestJson;
  try {
    manifest = JSON.parse(await Deno.readTextFile(dir + MANIFEST));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { status: "missing" };
    return { status: "stale", reason: `unreadable ${MANIFEST}: ${e}` };
  }
  if (manifest.format !== FORMAT) {
    return { status: "stale", reason: `format ${manifest.format}` };
  }
  const files = new Map<string, AssetFile>();
  for (const [url, f] of Object.entries(manifest.files)) {
    let body: Uint8Array;
    try {
      body = await Deno.readFile(dir + f.file);
    } catch {
      return { status: "stale", reason: `${f.file} is missing` };
    }
    const gzip = await Deno.readFile(`${dir}${f.file}.gz`).catch(() =>
      undefined
    );
    files.set(url, { ...f, body, gzip });
  }
  const hash = await sourcesHash(projectSources(files.values()), root);
  // Sources not readable (a binary without them) → nothing to be stale against.
  if (hash !== null && hash !== manifest.sourcesHash) {
    return { status: "stale", reason: "a source changed since the build" };
  }
  // An island added since the build has no bundle either.
  const now = await listIslands(root + "islands/").catch(() => null);
  if (now && now.join() !== manifest.islands.join()) {
    return { status: "stale", reason: "the islands changed since the build" };
  }
  return {
    status: "fresh",
    assets: assetsFrom({
      files,
      islands: manifest.islands,
      entries: manifest.entries,
      imports: manifest.imports,
      buildMs: 0,
    }),
  };
}

/**
 * The controller's assets: prebuilt when fresh, else bundled now (development).
 * `onBundle` hears why bundling was needed (for a log line).
 */
export async function loadIslandAssets(
  opts: { dir?: string; onBundle?: (why: string) => void } = {},
): Promise<IslandAssets> {
  const pre = await loadPrebuilt(opts.dir);
  if (pre.status === "fresh") return pre.assets;
  opts.onBundle?.(
    pre.status === "missing" ? "no prebuilt assets" : `stale: ${pre.reason}`,
  );
  const { buildIslands } = await import("./islands.ts");
  return await buildIslands();
}
