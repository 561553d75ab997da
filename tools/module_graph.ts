/**
 * What a process loads: the runtime module graph of an entry point from
 * `deno info --json`, following code imports (types are erased) and, unless
 * asked not to, literal dynamic imports.
 */
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface ModuleGraph {
  /** Repository files, relative to the root (`controller/mod.ts`). */
  files: string[];
  /** npm package names (`@electric-sql/pglite`, `preact`), without versions. */
  packages: string[];
}

interface InfoModule {
  specifier: string;
  kind?: string;
  npmPackage?: string;
  dependencies?: {
    isDynamic?: boolean;
    code?: { specifier: string };
  }[];
}

/** The graph of `entry` (a path relative to the root). */
export async function moduleGraph(
  entry: string,
  opts: { dynamic?: boolean } = {},
): Promise<ModuleGraph> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length) {
    let spec = queue.shift()!;
    spec = info.redirects[spec] ?? spec;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const d of bySpec.get(spec)?.dependencies ?? []) {
      if (!d.code || (d.isDynamic && opts.dynamic === false)) continue;
      queue.push(d.code.specifier);
    }
  }
  const rootUrl = new URL(`file://${ROOT}`).href;
  const files: string[] = [];
  const packages = new Set<string>();
  for (const spec of seen) {
    const m = bySpec.get(spec);
    if (spec.startsWith(rootUrl)) files.push(spec.slice(rootUrl.length));
    const pkg = m?.npmPackage ??
      (/^npm:\/?((?:@[^/]+\/)?[^@/]+)@/.exec(spec)?.[1]);
    if (pkg) packages.add(pkg.replace(/^((?:@[^/]+\/)?[^@/]+)@.*$/, "$1"));
  }
  return { files: files.sort(), packages: [...packages].sort() };
}
