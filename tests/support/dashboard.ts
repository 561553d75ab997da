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
