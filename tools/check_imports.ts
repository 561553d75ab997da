/**
 * The import rules of the code base (docs/design layout, DESIGN "Arrows"):
 *
 * 1. the controller and the node agent never import each other;
 * 2. `lib/` imports only `lib/` (and npm packages);
 * 2b. `agent/` (the `falcon agent` process) imports only `agent/` and `lib/`
 *    (and npm packages): it reaches the controller over HTTP only;
 * 3. browser code — every module an island bundle reaches from `islands/*.tsx`
 *    and the boot module — imports no server code (controller/, node-agent/,
 *    cli/, routes/) and no server-only package;
 * 4. no cycles between folders (a folder is a file's directory; tests,
 *    `tests/` and `bench/` are left out: they may look at anything).
 *
 * Imports are read from the source text: static `import`/`export … from`
 * statements at the start of a line and `import("…")` calls with a literal
 * specifier. `import type` is erased at compile time, so it counts for the
 * folder rules but never makes a module part of a browser bundle.
 *
 *   deno run -A tools/check_imports.ts     prints every violation, exits 1 if any
 *
 * `tools/check_imports_test.ts` runs the same check in `deno task test`.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** One import of one file. Paths are relative to the root, with `/`. */
export interface Edge {
  from: string;
  /** A repository path (`lib/log.ts`) or a bare specifier (`preact`, `node:fs`). */
  to: string;
  /** `import type …` / `export type … from`: erased, never bundled. */
  typeOnly: boolean;
}

/** Folders that are never scanned. */
const SKIP_DIRS = new Set(["node_modules", ".falcon", "dist", ".git"]);

/** Where the browser bundle starts: every island and the boot module. */
export const BROWSER_ENTRY_DIRS = ["islands"];
export const BOOT_MODULE = "islands/client/boot.ts";

/** Top-level folders of server code: a browser bundle never reaches them. */
const SERVER_TOPS = [
  "controller/",
  "node-agent/",
  "agent/",
  "cli/",
  "routes/",
  "main.ts",
];
/** Packages that only run on the server. */
const SERVER_PACKAGES = [
  "postgres",
  "@electric-sql/",
  "esbuild",
  "hono",
  "preact-render-to-string",
  "onvif",
  "hash-wasm",
  "node:",
];
const STATIC_RE =
  /^[ \t]*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC_RE =
  /^(?![ \t]*(?:\*|\/\/)).*?\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/** Parses the imports of one source text. */
export function importsOf(
  source: string,
): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(STATIC_RE)) {
    // `import { type A, type B } from` is also type-only.
    const clause = m[0];
    const names = /\{([^}]*)\}/.exec(clause)?.[1];
    const rest = clause.replace(/\{[^}]*\}/, "");
    const hasDefaultOrStar =
      /\*|^\s*(import|export)\s+(?!from\b)[\w$]+\s*(,|from)/
        .test(rest);
    const allTypes = names !== undefined && !hasDefaultOrStar &&
      names.split(",").map((s) => s.trim()).filter(Boolean)
        .every((n) => n.startsWith("type "));
    out.push({ specifier: m[3], typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const m of source.matchAll(DYNAMIC_RE)) {
    out.push({ specifier: m[1], typeOnly: false });
  }
  return out;
}

/** Every `.ts`/`.tsx` file below `root`, relative. */
export async function sourceFiles(root: string = ROOT): Promise<string[]> {
  const files: string[] = [];
  async function walk(dir: string) {
    for await (const e of Deno.readDir(dir)) {
      if (SKIP_DIRS.has(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(e.name)) files.push(relative(root, path));
    }
  }
  await walk(root);
  return files.sort();
}

/** Reads every import of every source file below `root`. */
export async function scanRepo(root: string = ROOT): Promise<Edge[]> {
  const edges: Edge[] = [];
  for (const file of await sourceFiles(root)) {
    const text = await Deno.readTextFile(join(root, file));
    for (const { specifier, typeOnly } of importsOf(text)) {
      const to = specifier.startsWith(".")
        ? relative(root, resolve(root, dirname(file), specifier))
        : specifier;
      edges.push({ from: file, to, typeOnly });
    }
  }
  return edges;
}

const isTest = (f: string) =>
  /_test\.tsx?$/.test(f) || f.startsWith("tests/") || f.startsWith("bench/");
const under = (f: string, top: string) =>
  top.endsWith("/") ? f.startsWith(top) : f === top;
const isLocal = (to: string) => /\.tsx?$/.test(to) && !to.includes(":");
const folderOf = (f: string) => f.includes("/") ? dirname(f) : ".";

/**
 * Imports that close a folder cycle today and that issue 10 part 1 removes:
 * the event bus, the settings schema and the dashboard's view types
 * (`controller/web/types.ts`, which the islands import too) use response
 * types and schemas that move to `lib/api/`. Left out of the cycle check until then;
 * `check_imports_test.ts` fails as soon as one of them no longer exists, so
 * this list only shrinks.
 */
export const PENDING_CYCLE_EDGES: readonly [from: string, to: string][] = [];

/** Violations of the rules; empty when the code base keeps them. */
export function checkImports(
  edges: Edge[],
  opts: {
    bootModule?: string;
    pending?: readonly [string, string][];
  } = {},
): string[] {
  const bootModule = opts.bootModule ?? BOOT_MODULE;
  const problems: string[] = [];
  const code = edges.filter((e) => !isTest(e.from));

  for (const e of code) {
    if (!isLocal(e.to)) continue;
    const pair = (a: string, b: string) => under(e.from, a) && under(e.to, b);
    if (
      pair("controller/", "node-agent/") || pair("node-agent/", "controller/")
    ) {
      problems.push(
        `${e.from} imports ${e.to}: the controller and the node agent never import each other`,
      );
    }
    if (under(e.from, "lib/") && !under(e.to, "lib/")) {
      problems.push(`${e.from} imports ${e.to}: lib/ imports only lib/`);
    }
    if (
      under(e.from, "agent/") && !under(e.to, "agent/") && !under(e.to, "lib/")
    ) {
      problems.push(
        `${e.from} imports ${e.to}: agent/ imports only agent/ and lib/`,
      );
    }
  }

  // Browser code: what the bundle reaches through value imports.
  const byFrom = new Map<string, Edge[]>();
  for (const e of code) {
    if (!byFrom.has(e.from)) byFrom.set(e.from, []);
    byFrom.get(e.from)!.push(e);
  }
  const entries = [...byFrom.keys()].filter((f) =>
    (BROWSER_ENTRY_DIRS.some((d) => folderOf(f) === d) && f.endsWith(".tsx")) ||
    f === bootModule
  );
  const seen = new Set<string>(entries);
  const queue = [...entries];
  while (queue.length) {
    const f = queue.shift()!;
    for (const e of byFrom.get(f) ?? []) {
      if (e.typeOnly) continue;
      if (!isLocal(e.to)) {
        if (
          SERVER_PACKAGES.some((p) =>
            e.to === p ||
            e.to.startsWith(p.endsWith("/") || p.endsWith(":") ? p : p + "/")
          )
        ) {
          problems.push(
            `${e.from} imports ${e.to}: browser code imports no server-only package`,
          );
        }
        continue;
      }
      if (SERVER_TOPS.some((t) => under(e.to, t))) {
        problems.push(
          `${e.from} imports ${e.to}: browser code imports no server code`,
        );
        continue;
      }
      if (!seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }

  const pending = new Set(
    (opts.pending ?? PENDING_CYCLE_EDGES).map(([a, b]) => `${a} ${b}`),
  );
  const cyclic = code.filter((e) => !pending.has(`${e.from} ${e.to}`));
  for (const cycle of folderCycles(cyclic)) {
    problems.push(`folder cycle: ${cycle.join(" → ")}`);
  }
  return problems;
}

/**
 * Cycles of the folder graph (one per strongly connected component with more
 * than one folder), each written as a closed path and with the files that
 * make each step.
 */
export function folderCycles(edges: Edge[]): string[][] {
  const graph = new Map<string, Map<string, string>>();
  for (const e of edges) {
    if (!isLocal(e.to) || isTest(e.to)) continue;
    const a = folderOf(e.from), b = folderOf(e.to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.get(a)!.has(b)) graph.get(a)!.set(b, `${e.from} → ${e.to}`);
    if (!graph.has(b)) graph.set(b, new Map());
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], on = new Set<string>();
  const sccs: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index), low.set(v, index), index++;
    stack.push(v), on.add(v);
    for (const w of graph.get(v)!.keys()) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);

  // One shortest closed path per component, from its first folder.
  return sccs.map((scc) => {
    const set = new Set(scc);
    const start = scc[0];
    const prev = new Map<string, string>();
    const q = [start];
    while (q.length) {
      const v = q.shift()!;
      for (const w of graph.get(v)!.keys()) {
        if (!set.has(w)) continue;
        if (w === start) {
          const path = [start];
          for (let x = v; x !== start; x = prev.get(x)!) path.splice(1, 0, x);
          path.push(start);
          return path.map((f, i) =>
            i + 1 < path.length ? `${f} (${graph.get(f)!.get(path[i + 1])})` : f
          );
        }
        if (!prev.has(w)) prev.set(w, v), q.push(w);
      }
    }
    return scc;
  });
}

if (import.meta.main) {
  const problems = checkImports(await scanRepo());
  for (const p of problems) console.error(p);
  console.log(
    problems.length
      ? `${problems.length} import rule violations`
      : "imports ok",
  );
  Deno.exit(problems.length ? 1 : 0);
}
