import assert from "node:assert/strict";
import { TOOL_CATEGORIES, TOOL_NAME } from "../../lib/api/tools.ts";
import { AppError } from "../../lib/errors.ts";
import { RULES } from "../access/policy.ts";
import { framePlan } from "./analyze_recording.ts";
import {
  actionsOf,
  getTool,
  hasTool,
  parametersOf,
  toolInfos,
  TOOLS,
} from "./registry.ts";

const FIRST_TOOLS = [
  "list_cameras",
  "camera_status",
  "camera_snapshot",
  "analyze_camera",
  "start_recording",
  "stop_recording",
  "list_recordings",
  "get_recording",
  "send_recording",
  "analyze_recording",
  "list_nodes",
  "system_info",
];

Deno.test("the registry holds the first tools, each valid and with known actions", () => {
  assert.deepEqual(TOOLS.map((t) => t.name), FIRST_TOOLS);
  for (const t of TOOLS) {
    assert.match(t.name, TOOL_NAME);
    assert.ok(TOOL_CATEGORIES.includes(t.category));
    assert.ok(
      t.description.length > 40,
      `${t.name}: describe it for the model`,
    );
    assert.ok(t.actions.length > 0);
    for (const a of t.actions) assert.ok(a in RULES, `${t.name}: ${a}`);
    assert.equal(hasTool(t.name), true);
    assert.equal(getTool(t.name), t);
  }
  assert.equal(hasTool("custom_api_call"), false);
});

Deno.test("toolInfos: JSON schemas of the arguments; unknown names are a 400", () => {
  const infos = toolInfos();
  assert.equal(infos.length, FIRST_TOOLS.length);
  const snap = infos.find((i) => i.name === "analyze_camera")!;
  assert.equal(snap.parameters.type, "object");
  const props = snap.parameters.properties as Record<
    string,
    Record<string, unknown>
  >;
  assert.deepEqual(props.mode.enum, ["snapshot", "clip"]);
  assert.equal(props.seconds.minimum, 3);
  assert.equal(props.seconds.maximum, 10);
  // Fields with defaults are optional for the model; camera_id is required.
  assert.deepEqual(snap.parameters.required, ["camera_id"]);
  assert.equal(snap.parameters.additionalProperties, false);
  assert.equal("$schema" in snap.parameters, false);
  assert.deepEqual(
    toolInfos(["system_info", "list_cameras"]).map((i) => i.name),
    ["list_cameras", "system_info"],
  );
  assert.throws(
    () => toolInfos(["list_cameras", "nope"]),
    (e) => e instanceof AppError && e.field === "tools",
  );
  for (const t of TOOLS) {
    assert.doesNotThrow(() => JSON.stringify(parametersOf(t)), t.name);
  }
});

Deno.test("actionsOf: the policy actions a set of tools takes", () => {
  assert.deepEqual(
    [...actionsOf(["list_cameras", "camera_snapshot", "start_recording"])]
      .sort(),
    ["camera.list", "camera.watch", "recording.start"],
  );
  assert.deepEqual([...actionsOf(["unknown"])], []);
  assert.deepEqual(
    [...actionsOf(["list_recordings", "get_recording"])].sort(),
    ["recording.list", "recording.read"],
  );
});

Deno.test("framePlan: evenly spaced middles, mapped into segments", () => {
  const seg = (path: string, duration_ms: number) => ({
    path,
    node_name: "n1",
    start_at: "2026-12-07T10:00:00Z",
    duration_ms,
  });
  // 3 segments of 2 s; 3 frames → at 1 s, 3 s, 5 s of the whole.
  assert.deepEqual(
    framePlan([seg("a", 2000), seg("b", 2000), seg("c", 2000)], 3),
    [
      { segment: 0, atMs: 1000, offsetMs: 1000 },
      { segment: 1, atMs: 3000, offsetMs: 1000 },
      { segment: 2, atMs: 5000, offsetMs: 1000 },
    ],
  );
  // One frame of one short segment: its middle, never past its end.
  assert.deepEqual(framePlan([seg("a", 400)], 1), [
    { segment: 0, atMs: 200, offsetMs: 150 },
  ]);
});
