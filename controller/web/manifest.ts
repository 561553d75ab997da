/**
 * Fresh's file-routing convention, used to check `routes/_manifest.ts`
 * against the `routes/` folder (the manifest is written by hand so that
 * `deno compile` sees every route as a static import).
 */
import { fileURLToPath } from "node:url";

export const ROUTES_DIR = fileURLToPath(
  new URL("../../routes/", import.meta.url),
);

/** Files of `routes/` that are not routes. */
const NOT_ROUTES = new Set(["_manifest.ts", "README.md"]);

/** Route files below `dir`, relative and with `/` separators, sorted. */
export async function listRouteFiles(
  dir: string = ROUTES_DIR,
): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for await (const e of Deno.readDir(dir + rel)) {
      const path = rel + e.name;
      // `_`-folders hold what pages share (`_layout/`), never routes.
      if (e.isDirectory) {
        if (!e.name.startsWith("_")) await walk(path + "/");
      } else if (!NOT_ROUTES.has(path) && !/_test\.tsx?$/.test(e.name)) {
        out.push(path);
      }
    }
  }
  await walk("");
  return out.sort();
}

/**
 * The URL pattern a route file serves, Fresh style:
 * `index.tsx` → `/`, `cameras/index.tsx` → `/cameras`, `cameras/[id].tsx` → `/cameras/:id`,
 * `files/[...path].tsx` → `/files/*`. Files starting with `_` are special and have no pattern.
 */
export function patternOf(file: string): string | null {
  if (!/\.tsx?$/.test(file)) return null;
  const segments = file.replace(/\.tsx?$/, "").split("/");
  if (segments.some((s) => s.startsWith("_"))) return null;
  if (segments.at(-1) === "index") segments.pop();
  const parts = segments.map((s) => {
    const rest = /^\[\.\.\.(\w+)\]$/.exec(s);
    if (rest) return "*";
    const param = /^\[(\w+)\]$/.exec(s);
    return param ? `:${param[1]}` : s;
  });
  return "/" + parts.join("/");
}
