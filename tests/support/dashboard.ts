/**
 * The shared fixture of the dashboard's UI tests (routes/, controller/web/):
 * the islands built once per test process and a mount of the real route
 * manifest on a Hono app with the deps a test gives.
 */
import type { Hono } from "hono";
import { mountDashboard } from "../../controller/web/mod.ts";
import { buildIslands } from "../../controller/web/islands.ts";
import type {
  DashboardDeps,
  IslandAssets,
  MountedDashboard,
} from "../../controller/web/mod.ts";
import { manifest } from "../../routes/_manifest.ts";

/** The islands, bundled once (~60 ms) for every test of the process. */
export const assets: IslandAssets = await buildIslands();

/** `mountDashboard(app, deps, assets, manifest)` with the shared assets and the real pages. */
export function mountTestDashboard(
  app: Hono,
  deps: DashboardDeps,
  islands: IslandAssets = assets,
): MountedDashboard {
  return mountDashboard(app, deps, islands, manifest);
}

/**
 * Every `<input>`/`<select>`/`<textarea>` of `html` (not hidden ones) has an
 * id and a `<label for>` naming it, and ids are unique. Returns how many
 * controls there are.
 */
export function assertLabelled(html: string, where: string): number {
  const controls = [...html.matchAll(/<(input|select|textarea)\b[^>]*>/g)]
    .map((m) => m[0]).filter((tag) => !/\stype="hidden"/.test(tag));
  const labels = new Set(
    [...html.matchAll(/<label\b[^>]*\sfor="([^"]+)"/g)].map((m) => m[1]),
  );
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  const dup = ids.filter((x, i) => ids.indexOf(x) !== i);
  if (dup.length) throw new Error(`${where}: duplicate ids ${dup}`);
  for (const tag of controls) {
    const id = /\sid="([^"]+)"/.exec(tag)?.[1];
    if (!id) throw new Error(`${where}: control without id: ${tag}`);
    if (!labels.has(id)) throw new Error(`${where}: no <label for="${id}">`);
  }
  return controls.length;
}

/** The `<script type="module" src>` URLs of a page, in order. */
export function scriptSrcs(html: string): string[] {
  return [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)]
    .map((m) => m[1]);
}

/** Gzipped size of the JavaScript a page loads: its module scripts and every static import of theirs. */
export async function pageGzipBytes(
  html: string,
  islands: IslandAssets = assets,
): Promise<{ files: number; gzip: number; urls: string[] }> {
  const srcs = scriptSrcs(html);
  const urls = [
    ...new Set([...srcs, ...srcs.flatMap((u) => islands.preloads(u))]),
  ];
  let gzip = 0;
  for (const url of urls) {
    const body = islands.files.get(url)!.body as Uint8Array<ArrayBuffer>;
    gzip += (await new Response(
      new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer()).byteLength;
  }
  return { files: urls.length, gzip, urls };
}
