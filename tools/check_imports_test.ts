import assert from "node:assert/strict";
import {
  checkImports,
  type Edge,
  importsOf,
  PENDING_CYCLE_EDGES,
  scanRepo,
} from "./check_imports.ts";

const edge = (from: string, to: string, typeOnly = false): Edge => ({
  from,
  to,
  typeOnly,
});
const check = (edges: Edge[]) =>
  checkImports(edges, { bootModule: "islands/client/boot.ts", pending: [] });

Deno.test("the code base keeps the import rules", async () => {
  const problems = checkImports(await scanRepo());
  assert.deepEqual(problems, [], problems.join("\n"));
});

Deno.test("every pending cycle edge still exists (remove it from the list once it is gone)", async () => {
  const edges = new Set((await scanRepo()).map((e) => `${e.from} ${e.to}`));
  const gone = PENDING_CYCLE_EDGES.filter(([a, b]) => !edges.has(`${a} ${b}`));
  assert.deepEqual(gone, []);
});

Deno.test("importsOf reads static, re-export, type-only and dynamic imports, not comments", () => {
  const src = `import { a } from "./a.ts";
import type { B } from "./b.ts";
import { type C, type D } from "./c.ts";
import { type E, f } from "./e.ts";
export { g } from "./g.ts";
export type { H } from "./h.ts";
import "./side.ts";
import {
  x,
  y,
} from "./multi.ts";
 * import { notReal } from "./doc.ts";
// const m = await import("./commented.ts");
const m = await import("./lazy.ts");
`;
  assert.deepEqual(importsOf(src), [
    { specifier: "./a.ts", typeOnly: false },
    { specifier: "./b.ts", typeOnly: true },
    { specifier: "./c.ts", typeOnly: true },
    { specifier: "./e.ts", typeOnly: false },
    { specifier: "./g.ts", typeOnly: false },
    { specifier: "./h.ts", typeOnly: true },
    { specifier: "./side.ts", typeOnly: false },
    { specifier: "./multi.ts", typeOnly: false },
    { specifier: "./lazy.ts", typeOnly: false },
  ]);
});

Deno.test("the controller and the node agent never import each other", () => {
  assert.match(
    check([edge("controller/a/x.ts", "node-agent/b/y.ts")])[0],
    /never import each other/,
  );
  assert.match(
    check([edge("node-agent/b/y.ts", "controller/a/x.ts", true)])[0],
    /never import each other/,
  );
});

Deno.test("lib/ imports only lib/", () => {
  assert.match(
    check([edge("lib/x.ts", "controller/db/client.ts", true)])[0],
    /lib\/ imports only lib\//,
  );
  assert.deepEqual(
    check([edge("lib/x.ts", "lib/y.ts"), edge("lib/x.ts", "zod")]),
    [],
  );
});

Deno.test("agent/ imports only agent/ and lib/; lib/ never imports agent/", () => {
  assert.match(
    check([edge("agent/turn.ts", "controller/chat/turns.ts", true)])[0],
    /agent\/ imports only agent\/ and lib\//,
  );
  assert.match(
    check([edge("agent/mod.ts", "cli/signals.ts")])[0],
    /agent\/ imports only agent\/ and lib\//,
  );
  assert.match(
    check([edge("lib/x.ts", "agent/llm.ts")])[0],
    /lib\/ imports only lib\//,
  );
  assert.deepEqual(
    check([
      edge("agent/turn.ts", "agent/llm.ts"),
      edge("agent/turn.ts", "lib/agent_protocol.ts"),
      edge("agent/llm.ts", "@langchain/openai"),
      edge("cli/commands/agent.ts", "agent/mod.ts"),
    ]),
    [],
  );
});

Deno.test("browser code imports no server code, following value imports from the islands", () => {
  const problems = check([
    edge("islands/Grid.tsx", "components/Tile.tsx"),
    edge("components/Tile.tsx", "controller/streams/mux.ts"),
    edge("islands/client/boot.ts", "postgres"),
    // Type-only imports are erased: not part of the bundle.
    edge("islands/Grid.tsx", "controller/web/types.ts", true),
    // Not reachable from an island: a server-only component may import anything.
    edge("routes/_layout.tsx", "controller/web/island.tsx"),
  ]);
  assert.deepEqual(problems.sort(), [
    "components/Tile.tsx imports controller/streams/mux.ts: browser code imports no server code",
    "islands/client/boot.ts imports postgres: browser code imports no server-only package",
  ]);
});

Deno.test("tests may import anything", () => {
  assert.deepEqual(
    check([
      edge("islands/grid_test.ts", "controller/streams/mux.ts"),
      edge("lib/x_test.ts", "tests/support/ports.ts"),
    ]),
    [],
  );
});

Deno.test("a folder cycle is reported with the imports that make it", () => {
  const problems = check([
    edge("a/one.ts", "b/two.ts"),
    edge("b/two.ts", "c/three.ts", true),
    edge("c/three.ts", "a/other.ts"),
    edge("d/x.ts", "a/one.ts"),
  ]);
  assert.deepEqual(problems, [
    "folder cycle: a (a/one.ts → b/two.ts) → b (b/two.ts → c/three.ts) → c (c/three.ts → a/other.ts) → a",
  ]);
  assert.deepEqual(
    checkImports([edge("a/one.ts", "b/two.ts"), edge("b/two.ts", "a/x.ts")], {
      pending: [["b/two.ts", "a/x.ts"]],
    }),
    [],
  );
});
