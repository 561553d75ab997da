/**
 * Bundles `islands/*.tsx` and the client boot module with esbuild, in memory.
 * Used by `deno task build` (tools/build_assets.ts, which writes the result to
 * `dist/assets/`) and, in development only, by the controller at start when
 * there are no prebuilt assets or they are stale (`assets.ts`).
 *
 * One build with code splitting: each island is an entry point, and what
 * several entries share (preact, components) lands in shared chunks, so a page
 * loads exactly one copy of preact. Paths are resolved from this file, so the
 * build works from any working directory.
 */
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import type { AssetFile, IslandAssets } from "./types.ts";
import {
  ASSET_PREFIX,
  assetsFrom,
  type Bundle,
  listIslands,
} from "./assets.ts";

export { ASSET_PREFIX, listIslands };

export interface BuildIslandsOptions {
  /**
   * Minify the output.
   * @default {true}
   */
  minify?: boolean;
}

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const ISLANDS_DIR = fileURLToPath(new URL("../../islands/", import.meta.url));
const BOOT_ENTRY = fileURLToPath(
  new URL("../../islands/client/boot.ts", import.meta.url),
);
// A virtual output directory: nothing is written, output paths are only mapped to URLs.
const OUT_DIR = fileURLToPath(
  new URL("../../.falcon/assets/", import.meta.url),
);

// esbuild runs one service per process; builds run one at a time so that
// `esbuild.stop()` after one build never cuts off another.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Builds all islands and the boot module.
 *
 * @example
 * ```ts
 * const assets = await buildIslands();
 * assets.islandUrl("CameraGrid"); // "/assets/CameraGrid-2PQN3XHU.js"
 * ```
 */
export async function buildIslands(
  opts: BuildIslandsOptions = {},
): Promise<IslandAssets> {
  return assetsFrom(await bundleIslands(opts));
}

/** The build's outputs (what `tools/build_assets.ts` writes to disk). */
export function bundleIslands(opts: BuildIslandsOptions = {}): Promise<Bundle> {
  const run = queue.then(() => build(opts));
  queue = run.catch(() => {});
  return run;
}

async function build(opts: BuildIslandsOptions): Promise<Bundle> {
  const started = performance.now();
  const islands = await listIslands();
  const entryPoints = [
    { in: BOOT_ENTRY, out: "boot" },
    ...islands.map((name) => ({ in: `${ISLANDS_DIR}${name}.tsx`, out: name })),
  ];
  let result: esbuild.BuildResult<{ metafile: true; write: false }>;
  try {
    result = await esbuild.build({
      absWorkingDir: ROOT_DIR,
      entryPoints,
      outdir: OUT_DIR,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: opts.minify ?? true,
      jsx: "automatic",
      jsxImportSource: "preact",
      entryNames: "[name]-[hash]",
      chunkNames: "[name]-[hash]",
      write: false,
      metafile: true,
      logLevel: "silent",
      legalComments: "none",
      plugins: [onePreact(ROOT_DIR)],
    });
  } catch (err) {
    throw new Error(`Cannot bundle islands: ${describeBuildError(err)}`, {
      cause: err,
    });
  } finally {
    await esbuild.stop();
  }

  const urlOf = (outPath: string) =>
    ASSET_PREFIX + outPath.slice(outPath.lastIndexOf("/") + 1);
  const files = new Map<string, AssetFile>();
  for (const f of result.outputFiles) {
    const body = f.contents;
    const out = result.metafile.outputs[f.path.slice(ROOT_DIR.length)];
    files.set(urlOf(f.path), {
      body,
      contentType: "text/javascript; charset=utf-8",
      etag: `"${await digest(body)}"`,
      // Compressed once here rather than per request: islands never change
      // while the controller runs, and phones on slow links get ~45 % bytes.
      gzip: new Uint8Array(gzipSync(body, { level: 9 })),
      sources: Object.keys(out?.inputs ?? {}).sort(),
    });
  }

  const entries: Record<string, string> = {}; // entry name → url
  const imports: Record<string, string[]> = {}; // url → direct static imports (urls)
  for (const [outPath, out] of Object.entries(result.metafile.outputs)) {
    const url = urlOf(outPath);
    imports[url] = out.imports
      .filter((i) => i.kind === "import-statement" && !i.external)
      .map((i) => urlOf(i.path));
    if (!out.entryPoint) continue;
    const entry = entryPoints.find((e) => ROOT_DIR + out.entryPoint === e.in);
    if (entry) entries[entry.out] = url;
  }
  if (!entries.boot) {
    throw new Error("Cannot bundle islands: the boot module has no output");
  }
  return {
    files,
    islands,
    entries,
    imports,
    buildMs: Math.round(performance.now() - started),
  };
}

/**
 * Resolves `preact` and its subpaths (`preact/hooks`, `preact/jsx-runtime`)
 * from the project's node_modules whoever imports them, so the bundle holds
 * one copy, and fails with a clear message when `deno install` has not run.
 */
function onePreact(rootDir: string): esbuild.Plugin {
  return {
    name: "one-preact",
    setup(b) {
      b.onResolve({ filter: /^preact(\/.*)?$/ }, async (args) => {
        if (args.pluginData === "one-preact") return undefined;
        const r = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: rootDir,
          pluginData: "one-preact",
        });
        if (r.errors.length > 0) {
          return {
            errors: [{
              text:
                `Cannot resolve "${args.path}" from ${rootDir}node_modules; run \`deno install\``,
            }],
          };
        }
        return { path: r.path, sideEffects: r.sideEffects };
      });
    },
  };
}

function describeBuildError(err: unknown): string {
  const errors = (err as { errors?: esbuild.Message[] }).errors;
  if (!errors?.length) return err instanceof Error ? err.message : String(err);
  return errors.map((m) =>
    m.location
      ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}`
      : m.text
  ).join("; ");
}

async function digest(body: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>),
  );
  return btoa(String.fromCharCode(...hash.subarray(0, 12))).replaceAll("+", "-")
    .replaceAll("/", "_");
}
