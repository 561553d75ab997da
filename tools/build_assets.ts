/**
 * `deno task build`: bundles the dashboard's islands ahead of time into
 * `dist/assets/` (bundles, gzip, `manifest.json` with the sources' hash), so
 * the controller starts without esbuild and a compiled binary carries them.
 *
 *   deno run -A tools/build_assets.ts             always build
 *   deno run -A tools/build_assets.ts --if-stale  build only when missing or stale
 */
import {
  loadPrebuilt,
  PREBUILT_DIR,
  writePrebuilt,
} from "../controller/web/assets.ts";
import { bundleIslands } from "../controller/web/islands.ts";

if (import.meta.main) {
  const ifStale = Deno.args.includes("--if-stale");
  const before = ifStale ? await loadPrebuilt() : null;
  if (before?.status === "fresh") {
    console.log(`islands: prebuilt assets in ${PREBUILT_DIR} are up to date`);
  } else {
    const bundle = await bundleIslands({ minify: true });
    await writePrebuilt(bundle);
    console.log(
      `islands: ${bundle.islands.length} islands, ${bundle.files.size} files → ${PREBUILT_DIR} (${bundle.buildMs} ms)`,
    );
  }
}
