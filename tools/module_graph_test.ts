/**
 * Lean processes (issue 10 part 6): each command loads only its own part of
 * the program, and the start path holds no test-only package.
 */
import assert from "node:assert/strict";
import { moduleGraph } from "./module_graph.ts";

/** Packages only the controller uses. */
const CONTROLLER_PACKAGES = [
  "@electric-sql/pglite",
  "@electric-sql/pglite-socket",
  "postgres",
  "esbuild",
  "preact",
  "preact-render-to-string",
  "hash-wasm",
];
/** Packages only tests use. */
const TEST_PACKAGES = ["playwright-core", "kubernetes-models", "yaml", "ajv"];

Deno.test("the node agent's module graph holds nothing of the controller", async () => {
  const g = await moduleGraph("cli/commands/node_agent.ts");
  assert.ok(g.files.includes("node-agent/mod.ts"), "the graph was read");
  const foreign = g.files.filter((f) =>
    /^(controller|routes|islands|components)\//.test(f)
  );
  assert.deepEqual(foreign, [], "controller modules in the node agent");
  assert.deepEqual(
    g.packages.filter((p) => CONTROLLER_PACKAGES.includes(p)),
    [],
    "controller packages in the node agent",
  );
});

Deno.test("the agent process's module graph holds nothing of the controller or the node agent", async () => {
  const g = await moduleGraph("cli/commands/agent.ts");
  assert.ok(g.files.includes("agent/mod.ts"), "the graph was read");
  assert.ok(g.packages.includes("@langchain/langgraph"), "packages were read");
  assert.deepEqual(
    g.files.filter((f) =>
      /^(controller|node-agent|routes|islands|components)\//.test(f)
    ),
    [],
    "controller or node agent modules in the agent",
  );
  assert.deepEqual(
    g.packages.filter((p) => [...CONTROLLER_PACKAGES, "hono"].includes(p)),
    [],
    "controller packages in the agent",
  );
  // Only the wire's LangChain package is loaded, and never statically.
  const eager = await moduleGraph("cli/commands/agent.ts", { dynamic: false });
  assert.deepEqual(
    eager.packages.filter((p) =>
      ["@langchain/openai", "@langchain/anthropic", "@langchain/langgraph"]
        .includes(p)
    ),
    [],
  );
});

Deno.test("main.ts loads every command lazily: its static graph holds no part", async () => {
  const g = await moduleGraph("main.ts", { dynamic: false });
  assert.ok(g.files.includes("main.ts"));
  assert.deepEqual(
    g.files.filter((f) =>
      /^(controller|node-agent|agent|cli\/commands)\//.test(f)
    ),
    [],
  );
  assert.deepEqual(g.packages, []);
});

Deno.test("the start path (every command of main.ts) holds no test-only package", async () => {
  const g = await moduleGraph("main.ts");
  assert.ok(g.files.includes("controller/mod.ts"), "dynamic imports followed");
  assert.deepEqual(g.packages.filter((p) => TEST_PACKAGES.includes(p)), []);
  assert.deepEqual(
    g.files.filter((f) => /^tests\/|_test\.tsx?$/.test(f)),
    [],
  );
});

Deno.test("the controller loads esbuild only to bundle at start (no prebuilt assets)", async () => {
  const g = await moduleGraph("cli/commands/controller.ts", { dynamic: false });
  assert.ok(g.packages.includes("postgres"), "the graph was read");
  assert.ok(!g.packages.includes("esbuild"), "esbuild is imported statically");
});

Deno.test("deno.start.lock (deno task start) is up to date and pins no test-only package", async () => {
  const root = new URL("../", import.meta.url).pathname;
  const lock = JSON.parse(await Deno.readTextFile(`${root}deno.start.lock`));
  const pkgs = Object.keys(lock.npm ?? {}).map((k) =>
    k.replace(/^((?:@[^/]+\/)?[^@/]+)@.*$/, "$1")
  );
  assert.ok(pkgs.includes("postgres"), "the lock was read");
  assert.deepEqual(pkgs.filter((p) => TEST_PACKAGES.includes(p)), []);
  const check = await new Deno.Command(Deno.execPath(), {
    args: [
      "cache",
      "--lock=deno.start.lock",
      "--frozen",
      "main.ts",
      "tools/build_assets.ts",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(
    check.code,
    0,
    `deno.start.lock is stale; run \`deno task lock:start\`:\n${
      new TextDecoder().decode(check.stderr)
    }`,
  );
});
