import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { authorize, cameraScope, decide, precheck } from "./policy.ts";
import { principalOf, system } from "./principal.ts";

const viewer = principalOf({
  userId: "u1",
  username: "ann",
  role: "viewer",
  kind: "session",
  scope: "full",
}, ["cam-a"]);
const readAdmin = principalOf({
  userId: "u0",
  username: "root",
  role: "admin",
  kind: "token",
  scope: "read",
  tokenId: "t1",
}, []);

Deno.test("decide() gives viewers their granted cameras and nothing of an admin's", () => {
  assert.deepEqual(decide(viewer, "camera.read", { cameraId: "cam-a" }), {
    allow: true,
  });
  assert.deepEqual(decide(viewer, "camera.read", { cameraId: "cam-b" }), {
    allow: false,
    kind: "forbidden",
    reason: 'No access to camera "cam-b"',
  });
  // A recording of a deleted camera (no camera id) is for admins only.
  assert.equal(
    decide(viewer, "recording.read", { cameraId: null, what: 'recording "r"' })
      .allow,
    false,
  );
  assert.deepEqual(decide(viewer, "camera.update"), {
    allow: false,
    kind: "forbidden",
    reason: "This needs the admin role",
  });
  assert.deepEqual(cameraScope(viewer), new Set(["cam-a"]));
});

Deno.test("decide() lets a read-only token read everything its admin may, and write nothing", () => {
  assert.equal(decide(readAdmin, "camera.read", { cameraId: "x" }).allow, true);
  assert.equal(cameraScope(readAdmin), null);
  assert.deepEqual(decide(readAdmin, "settings.update"), {
    allow: false,
    kind: "forbidden",
    reason: "This API token is read-only",
  });
});

Deno.test("decide(): a node only reports for itself; nobody else speaks the node protocol", () => {
  const node = { kind: "node", node: "pi-1" } as const;
  assert.equal(decide(node, "node.report", { node: "pi-1" }).allow, true);
  assert.equal(decide(node, "node.report", { node: "pi-2" }).allow, false);
  assert.equal(decide(node, "camera.list").allow, false);
  assert.deepEqual(cameraScope(node), new Set());
  assert.equal(
    decide(system("job"), "node.report", { node: "pi-1" }).allow,
    false,
  );
  assert.equal(decide(readAdmin, "node.report", { node: "pi-1" }).allow, false);
});

Deno.test("decide(): an agent takes only the actions its tools name, on its cameras", () => {
  const agent = {
    kind: "agent",
    agentId: "watcher",
    tools: new Set(["camera.watch", "recording.start"]),
    cameras: new Set(["cam-a"]),
  } as const;
  assert.equal(
    decide(agent, "camera.watch", { cameraId: "cam-a" }).allow,
    true,
  );
  assert.equal(
    decide(agent, "camera.watch", { cameraId: "cam-b" }).allow,
    false,
  );
  assert.equal(
    decide(agent, "recording.start", { cameraId: "cam-a" }).allow,
    true,
  );
  assert.deepEqual(decide(agent, "camera.delete"), {
    allow: false,
    kind: "forbidden",
    reason: 'Agent "watcher" has no tool for camera.delete',
  });
});

Deno.test("precheck() refuses by role before a lookup; authorize() names the field", () => {
  assert.throws(
    () => precheck(viewer, "recording.start"),
    (e) =>
      e instanceof AppError && e.kind === "forbidden" &&
      /admin role/.test(e.message),
  );
  precheck(viewer, "recording.read"); // the camera check comes after the lookup
  assert.throws(
    () =>
      authorize(viewer, "recording.read", {
        cameraId: "cam-z",
        field: "camera_id",
      }),
    (e) => e instanceof AppError && e.field === "camera_id",
  );
});
