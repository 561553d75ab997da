/**
 * Every public method of every domain service, against every kind of
 * principal: the table below says who may call it, and the test calls it for
 * real (embedded database) as each one. A denial must be a 403 AppError; an
 * allowed call may still fail, but never with 403 (bodies are chosen so
 * allowed writes fail validation or find nothing, and change nothing).
 *
 * The method list comes from the service objects at run time: a method added
 * without a row here (or a reason in INTERNAL) fails the first test.
 */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import {
  nodeHeartbeat,
  type Stack,
  startStack,
} from "../../tests/support/stack.ts";
import * as onvif from "../cameras/onvif.ts";
import * as probe from "../cameras/probe.ts";
import * as ptz from "../cameras/ptz.ts";
import { NodeClient } from "../nodes/client.ts";
import { parseListQuery } from "../recordings/schema.ts";
import { ScanService } from "../scan/service.ts";
import { SecretBox } from "../secrets/secret_box.ts";
import { getTool, TOOLS } from "../tools/registry.ts";
import type { Principal } from "./principal.ts";
import { system } from "./principal.ts";

/** The principals every method is tried with. */
const WHO = [
  "admin",
  "viewer", // granted camera A
  "stranger", // a viewer granted nothing
  "readToken", // the admin's read-only token
  "fullToken", // the admin's full token
  "node", // node agent "n1"
  "agent", // tools: camera.list, camera.read, recording.read; camera A only
  "system",
] as const;
type Who = typeof WHO[number];

const admins: Who[] = ["admin", "fullToken", "system"];
const adminReads: Who[] = [...admins, "readToken"];
const cameraReaders: Who[] = [...adminReads, "viewer"];
const everyone: Who[] = [...cameraReaders, "stranger"];
const people: Who[] = ["admin", "fullToken", "readToken", "viewer", "stranger"];

interface Fixture {
  stack: Stack;
  p: Record<Who, Principal>;
  camA: string;
  recA: string;
  scan: ScanService;
  deps: {
    cameras: Stack["controller"]["cameras"];
    nodes: Stack["controller"]["nodes"];
    client: NodeClient;
    box: SecretBox;
  };
}

const NOBODY = "00000000-0000-4000-8000-000000000000";
const actor = { id: null, name: "test", ip: null };

/** Who may call each method, and how to call it. */
const TABLE: Record<
  string,
  { allow: Who[]; call: (f: Fixture, p: Principal) => Promise<unknown> }
> = {
  "cameras.list": {
    allow: [...everyone, "agent"],
    call: (f, p) => f.stack.controller.cameras.list(p),
  },
  "cameras.get": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => f.stack.controller.cameras.get(p, f.camA),
  },
  "cameras.watch": {
    allow: cameraReaders,
    call: (f, p) => f.stack.controller.cameras.watch(p, f.camA),
  },
  "cameras.create": {
    allow: admins,
    call: (f, p) => f.stack.controller.cameras.create(p, {}),
  },
  "cameras.update": {
    allow: admins,
    call: (f, p) => f.stack.controller.cameras.update(p, f.camA, { name: 5 }),
  },
  "cameras.delete": {
    allow: admins,
    call: (f, p) => f.stack.controller.cameras.delete(p, NOBODY),
  },
  "probe.probeCamera": {
    allow: admins,
    call: (f, p) => probe.probeCamera(f.deps, p, {}),
  },
  "onvif.inspectOnvifCamera": {
    allow: admins,
    call: (f, p) => onvif.inspectOnvifCamera(f.deps, p, {}),
  },
  "ptz.ptzCommand": {
    allow: admins,
    call: (f, p) => ptz.ptzCommand(f.deps, p, f.camA, { action: "stop" }),
  },
  "ptz.ptzPresets": {
    allow: cameraReaders,
    call: (f, p) => ptz.ptzPresets(f.deps, p, f.camA),
  },
  "recordings.list": {
    allow: everyone,
    call: (f, p) => f.stack.controller.recordings.list(p, parseListQuery({})),
  },
  "recordings.get": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => f.stack.controller.recordings.get(p, f.recA),
  },
  "recordings.status": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => f.stack.controller.recordings.status(p, f.camA),
  },
  "recordings.timeline": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => f.stack.controller.recordings.timeline(p, f.camA, "bad"),
  },
  "recordings.download": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) =>
      f.stack.controller.recordings.download(
        p,
        f.recA,
        new Request("http://x"),
      ),
  },
  "recordings.playback": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) =>
      f.stack.controller.recordings.playback(
        p,
        f.camA,
        undefined,
        undefined,
        new Request("http://x"),
      ),
  },
  "recordings.start": {
    allow: admins,
    // A camera that does not exist: an admin learns 404, nothing starts.
    call: (f, p) => f.stack.controller.recordings.start(p, NOBODY),
  },
  "recordings.stop": {
    allow: admins,
    call: (f, p) => f.stack.controller.recordings.stop(p, f.camA),
  },
  "recordings.setKeep": {
    allow: admins,
    call: (f, p) => f.stack.controller.recordings.setKeep(p, f.recA, {}),
  },
  "recordings.delete": {
    allow: admins,
    call: (f, p) => f.stack.controller.recordings.delete(p, NOBODY),
  },
  "recordings.applyEvents": {
    allow: ["node"],
    call: (f, p) =>
      f.stack.controller.recordings.applyEvents(p, "n1", { events: [] }),
  },
  "reconciler.request": {
    allow: admins,
    call: (f, p) => f.stack.controller.reconciler.request(p, { full: false }),
  },
  "nodes.list": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.nodes.list(p),
  },
  "nodes.get": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.nodes.get(p, "no-such"),
  },
  "nodes.resetEnrolment": {
    allow: admins,
    call: (f, p) => f.stack.controller.nodes.resetEnrolment(p, "no-such"),
  },
  "nodes.devices": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.nodes.devices(p, "no-such"),
  },
  "nodes.heartbeat": {
    allow: ["node"],
    call: (f, p) =>
      f.stack.controller.nodes.heartbeat(p, "n1", nodeHeartbeat("n1")),
  },
  "nodes.waitDesired": {
    allow: ["node"],
    call: (f, p) =>
      f.stack.controller.nodes.waitDesired(
        p,
        "n1",
        null,
        0,
        new AbortController().signal,
      ),
  },
  "scan.scan": {
    allow: adminReads,
    call: (f, p) => f.scan.scan(p, {}),
  },
  "settings.read": {
    allow: adminReads,
    call: (f, p) =>
      Promise.resolve().then(() => f.stack.controller.settings.read(p)),
  },
  "settings.change": {
    allow: admins,
    call: (f, p) => f.stack.controller.settings.change(p, { nope: 1 }),
  },
  "auth.listUsers": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.auth.listUsers(p),
  },
  "auth.getUser": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.auth.getUser(p, NOBODY),
  },
  "auth.createUser": {
    allow: admins,
    call: (f, p) => f.stack.controller.auth.createUser(p, {}, actor),
  },
  "auth.updateUser": {
    allow: admins,
    call: (f, p) => f.stack.controller.auth.updateUser(p, NOBODY, {}, actor),
  },
  "auth.deleteUser": {
    allow: admins,
    call: (f, p) => f.stack.controller.auth.deleteUser(p, NOBODY, actor),
  },
  "auth.resetPassword": {
    allow: admins,
    call: (f, p) => f.stack.controller.auth.resetPassword(p, NOBODY, {}, actor),
  },
  // Tokens belong to people: nodes, agents and the controller have none.
  "auth.listTokens": {
    allow: people,
    call: (f, p) => f.stack.controller.auth.listTokens(p),
  },
  "auth.createToken": {
    allow: people.filter((w) => w !== "readToken"),
    call: (f, p) => f.stack.controller.auth.createToken(p, {}, actor),
  },
  "auth.revokeToken": {
    allow: people.filter((w) => w !== "readToken"),
    call: (f, p) => f.stack.controller.auth.revokeToken(p, NOBODY, actor),
  },
  "auth.revokeAllTokens": {
    allow: people.filter((w) => w !== "readToken"),
    call: (f, p) =>
      f.stack.controller.auth.revokeAllTokens(p, {
        // Their own tokens: the one case every person may do.
        user_id: p.kind === "user"
          ? p.userId
          : p.kind === "token"
          ? p.user.userId
          : NOBODY,
      }, actor),
  },
  "audit.list": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.audit.list(p, { limit: 1, offset: 0 }),
  },

  // The tool hub (controller/tools): listing for people, running for agents;
  // each tool as every principal (the services inside decide).
  "hub.list": {
    // An agent is answered the tools it was given, without tool.list.
    allow: [...everyone, "agent"],
    call: (f, p) =>
      Promise.resolve().then(() => f.stack.controller.tools.list(p)),
  },
  "hub.execute": {
    allow: ["agent"],
    call: (f, p) =>
      f.stack.controller.tools.execute(p, {
        tool: "list_cameras",
        arguments: {},
      }),
  },
  "tools.list_cameras": {
    allow: [...everyone, "agent"],
    call: (f, p) => runTool(f, p, "list_cameras", {}),
  },
  "tools.camera_status": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => runTool(f, p, "camera_status", { camera_id: f.camA }),
  },
  "tools.camera_snapshot": {
    // Allowed callers then learn 503: no node runs the camera here.
    allow: cameraReaders,
    call: (f, p) => runTool(f, p, "camera_snapshot", { camera_id: f.camA }),
  },
  "tools.analyze_camera": {
    allow: cameraReaders,
    call: (f, p) => runTool(f, p, "analyze_camera", { camera_id: f.camA }),
  },
  "tools.start_recording": {
    allow: admins,
    call: (f, p) => runTool(f, p, "start_recording", { camera_id: NOBODY }),
  },
  "tools.stop_recording": {
    allow: admins,
    call: (f, p) => runTool(f, p, "stop_recording", { camera_id: f.camA }),
  },
  "tools.list_recordings": {
    allow: everyone,
    call: (f, p) => runTool(f, p, "list_recordings", {}),
  },
  "tools.get_recording": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => runTool(f, p, "get_recording", { recording_id: f.recA }),
  },
  "tools.send_recording": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) => runTool(f, p, "send_recording", { recording_id: f.recA }),
  },
  "tools.analyze_recording": {
    allow: [...cameraReaders, "agent"],
    call: (f, p) =>
      runTool(f, p, "analyze_recording", { recording_id: f.recA }),
  },
  "tools.list_nodes": {
    allow: adminReads,
    call: (f, p) => runTool(f, p, "list_nodes", {}),
  },
  "tools.system_info": {
    allow: adminReads,
    call: (f, p) => runTool(f, p, "system_info", {}),
  },
  // Agents and the shared AI providers (controller/agents): admins only.
  "agents.list": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.agents.list(p),
  },
  "agents.get": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.agents.get(p, NOBODY),
  },
  "agents.create": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.create(p, {}),
  },
  "agents.update": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.update(p, NOBODY, {}),
  },
  "agents.delete": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.delete(p, NOBODY),
  },
  "agents.start": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.start(p, NOBODY),
  },
  "agents.stop": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.stop(p, NOBODY),
  },
  "agents.restart": {
    allow: admins,
    call: (f, p) => f.stack.controller.agents.restart(p, NOBODY),
  },
  "agents.tools": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.agents.tools(p, NOBODY),
  },
  "agents.setTools": {
    allow: admins,
    call: (f, p) =>
      f.stack.controller.agents.setTools(p, NOBODY, { tools: [] }),
  },
  "providers.list": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.providers.list(p),
  },
  "providers.update": {
    allow: admins,
    call: (f, p) =>
      f.stack.controller.providers.update(p, "openai", { nope: 1 }),
  },
  "providers.check": {
    allow: admins,
    call: (f, p) => f.stack.controller.providers.check(p, {}),
  },
  // Chat (controller/chat): admin-managed; an unknown agent learns nothing.
  "chat.send": {
    allow: admins,
    call: (f, p) => f.stack.controller.chat.send(p, NOBODY, { message: "x" }),
  },
  "chat.history": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.chat.history(p, NOBODY, {}),
  },
  "chat.sessions": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.chat.sessions(p, NOBODY),
  },
  "chat.newSession": {
    allow: admins,
    call: (f, p) => f.stack.controller.chat.newSession(p, NOBODY),
  },
  "chat.turn": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.chat.turn(p, NOBODY, NOBODY),
  },
  "chat.subscribe": {
    allow: adminReads,
    call: (f, p) => f.stack.controller.chat.subscribe(p, NOBODY, NOBODY),
  },
};

/** Runs a tool directly as `p` (the hub's own checks are hub.execute's row). */
function runTool(
  f: Fixture,
  p: Principal,
  name: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  const c = f.stack.controller;
  const tool = getTool(name)!;
  return tool.run({
    sql: c.db.sql,
    cameras: c.cameras,
    recordings: c.recordings,
    nodes: c.nodes,
    client: f.deps.client,
    files: c.files,
    version: "test",
    startedAt: new Date(),
    principal: p,
    area: c.files.area("services-test"),
    signal: AbortSignal.timeout(10_000),
  }, tool.schema.parse(args));
}

/**
 * Methods that take no principal, with the reason. They are the
 * controller's own plumbing (other services, jobs, the node protocol's
 * bookkeeping) or authentication itself; no HTTP edge offers them to a caller
 * without a service method above deciding first.
 */
const INTERNAL: Record<string, string> = {
  "cameras.all": "every camera for scans and names; callers were authorized",
  "cameras.row": "the row behind get/watch and other services' lookups",
  "cameras.openSource":
    "the decrypted source for calls to a node; never an answer",
  "cameras.specsForNode": "the desired state of a node (node.report decided)",
  "recordings.row": "the row behind get/download and the services' lookups",
  "reconciler.start": "job lifecycle",
  "reconciler.stop": "job lifecycle",
  "reconciler.run": "the timer's pass; request() is the caller's way in",
  "nodes.stop": "liveness job lifecycle",
  "nodes.all": "every node for scans; callers were authorized",
  "nodes.find": "one node for the controller's own use",
  "nodes.target": "the node client's lookup of a node's URL and key",
  "nodes.enroll":
    "authentication: the join token is the credential (checked by the route)",
  "nodes.authenticate":
    "authentication: the node's own secret is the credential",
  "nodes.plainHttpNodes": "the start-up warning about plain http nodes",
  "nodes.address": "the node client's address lookup",
  "nodes.isOnline": "the node client's liveness lookup",
  "nodes.usbDevices": "the camera service's device check",
  "nodes.isKnown": "the camera service's node check",
  "nodes.pickNode": "placement",
  "nodes.changed": "wakes a node's long poll",
  "nodes.changedAll": "wakes every long poll",
  "nodes.desired": "built for heartbeat/waitDesired (node.report decided)",
  "nodes.sweep": "liveness job",
  "nodes.markOffline": "liveness job",
  "settings.load": "start-up",
  "settings.current": "read where each setting is used",
  "settings.json": "behind read()",
  "settings.update": "behind change(); tests of validation",
  "settings.onChange": "listeners inside the controller",
  "auth.setupRequired": "authentication: public first-run state",
  "auth.issueSetupToken": "authentication: the one-time setup link at start",
  "auth.setup": "authentication: the setup token is the credential",
  "auth.login": "authentication: the password is the credential",
  "auth.logout": "the caller's own session",
  "auth.sessionPrincipal": "authentication: builds the caller",
  "auth.tokenPrincipal": "authentication: builds the caller",
  "auth.accessPrincipal": "authentication: builds the access principal",
  "auth.visibleCameras": "grants of a user (behind accessPrincipal)",
  "auth.close": "shutdown: ends the password hashing workers",
  "bus.accessChanged": "tells open streams that a user's access shrank",
  "bus.onAccessChange": "listeners inside the controller (stream guard)",
  "cameras.checkTargets":
    "validation inside create/update/probe, after they decided",
  "cameras.json": "the API view of a row; callers were authorized",
  "cameras.storagePolicyFor":
    "built for a node's desired state (node.report decided)",
  "nodes.agentAddresses": "the target check's list of node agent addresses",
  "reconciler.tick": "the jobs runner's pass; request() is the caller's way in",
  "streams.viewers": "metrics",

  "auth.me": "the caller's own account",
  "auth.changePassword": "the caller's own password (current one required)",
  "auth.sweepSessions": "session job",
  "audit.record": "written by the edges after a decided change",
  "streams.check": "after cameras.watch decided",
  "streams.join": "after cameras.watch decided",
  "streams.warm": "the dashboard grid, for cameras cameras.list returned",
  "streams.fresh": "after cameras.watch decided",
  "streams.forget": "after cameras.delete",
  "streams.closeAll": "shutdown",
  "bus.publish": "services publish their own events",
  "bus.subscribe": "events.subscribe decided at /api/events",

  "agents.principalOf":
    "authentication: builds an agent process's principal from its credential",
  "agents.row": "the row behind get/start/stop and the gateway's lookups",
  "agents.cachedRow":
    "the row behind principalOf and the gateway (the credential decided)",
  "agents.ensureMainAgent":
    "start-up and a provider's first configuration (provider.update decided)",
  "agents.statusChanged": "the supervisor publishes process status",
  "providers.shared": "the shared endpoint for validation and the gateway",
  "providers.resolve": "the gateway's endpoint and real key; never an answer",
  "providers.usable": "the main agent's provider choice",
  "providers.applySettings": "start-up: keys from the controller's settings",
  // Chat turns: the agent process's side. The credential middleware of
  // /internal/v1/agents proves the agent and generation these take.
  "turns.claimNext": "the agent's own credential (checked by the route)",
  "turns.appendEvents": "the agent's own credential (checked by the route)",
  "turns.addUsage": "the gateway, for a turn of the agent it authenticated",
  "turns.interruptRunning": "the supervisor, when it stopped the agent",
  "turns.expireLeases": "lease-expiry job",
};

/** `name.method` of every public method of the services and camera function modules. */
function publicMethods(f: Fixture): string[] {
  const c = f.stack.controller;
  const objects: Record<string, object> = {
    cameras: c.cameras,
    recordings: c.recordings,
    reconciler: c.reconciler,
    nodes: c.nodes,
    settings: c.settings,
    auth: c.auth,
    audit: c.audit,
    streams: c.streams,
    bus: c.bus,
    scan: f.scan,
    hub: c.tools,
    agents: c.agents,
    providers: c.providers,
    chat: c.chat,
    turns: c.turns,
  };
  const out: string[] = [];
  for (const [name, obj] of Object.entries(objects)) {
    const proto = Object.getPrototypeOf(obj);
    for (const m of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, m)!;
      if (m !== "constructor" && typeof d.value === "function") {
        out.push(`${name}.${m}`);
      }
    }
  }
  const modules: Record<string, Record<string, unknown>> = {
    probe,
    onvif,
    ptz,
  };
  for (const [name, mod] of Object.entries(modules)) {
    for (const [k, v] of Object.entries(mod)) {
      // Functions that take the principal second (after their deps).
      if (typeof v === "function" && v.length >= 2) out.push(`${name}.${k}`);
    }
  }
  // Every tool of the registry runs with its caller's principal.
  for (const t of TOOLS) out.push(`tools.${t.name}`);
  return out.sort();
}

async function fixture(stack: Stack): Promise<Fixture> {
  const c = stack.controller;
  const sys = system("access test");
  const camA = (await c.cameras.create(sys, { name: "A", protocol: "demo" }))
    .id;
  await c.cameras.create(sys, { name: "B", protocol: "demo" });
  const rec = await c.recordings.start(sys, camA);
  await c.recordings.stop(sys, camA);
  const viewer = await c.auth.createUser(sys, {
    username: "viewer1",
    password: "viewer-Pass-4-access!",
    role: "viewer",
    camera_ids: [camA],
  }, actor);
  const stranger = await c.auth.createUser(sys, {
    username: "stranger1",
    password: "stranger-Pass-4-access!",
    role: "viewer",
    camera_ids: [],
  }, actor);
  const adminRow = (await c.auth.listUsers(sys)).find((u) =>
    u.role === "admin"
  )!;
  const session = (
    u: { id: string; username: string; role: "admin" | "viewer" },
  ) =>
    c.auth.accessPrincipal({
      userId: u.id,
      username: u.username,
      role: u.role,
      kind: "session",
      scope: "full",
    });
  const admin = await session(adminRow);
  const tokenOf = async (scope: "read" | "full") => {
    const t = await c.auth.createToken(admin, { name: scope, scope }, actor);
    return await c.auth.accessPrincipal(
      (await c.auth.tokenPrincipal(t.token))!,
    );
  };
  const client = new NodeClient({ nodes: c.nodes });
  const deps = {
    cameras: c.cameras,
    nodes: c.nodes,
    client,
    box: await SecretBox.fromKey(crypto.getRandomValues(new Uint8Array(32))),
  };
  return {
    stack,
    camA,
    recA: rec.id,
    deps,
    scan: new ScanService({ nodes: c.nodes, cameras: c.cameras, client }),
    p: {
      admin,
      viewer: await session(viewer),
      stranger: await session(stranger),
      readToken: await tokenOf("read"),
      fullToken: await tokenOf("full"),
      node: { kind: "node", node: "n1" },
      agent: {
        kind: "agent",
        agentId: "watcher",
        tools: new Set(["camera.list", "camera.read", "recording.read"]),
        cameras: new Set([camA]),
      },
      system: sys,
    },
  };
}

Deno.test({
  name: "access: every public service method is decided for every principal",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: false });
    try {
      const f = await fixture(stack);

      await t.step(
        "every public method has a row or an INTERNAL reason",
        () => {
          const methods = publicMethods(f);
          const missing = methods.filter((m) =>
            !(m in TABLE) && !(m in INTERNAL)
          );
          assert.deepEqual(missing, [], "add these to TABLE or INTERNAL");
          const stale = [...Object.keys(TABLE), ...Object.keys(INTERNAL)]
            .filter((m) => !methods.includes(m));
          assert.deepEqual(stale, [], "rows for methods that no longer exist");
          const both = Object.keys(TABLE).filter((m) => m in INTERNAL);
          assert.deepEqual(both, []);
        },
      );

      for (const [method, row] of Object.entries(TABLE)) {
        await t.step(method, async () => {
          for (const who of WHO) {
            const allowed = row.allow.includes(who);
            let error: unknown = null;
            try {
              await row.call(f, f.p[who]);
            } catch (e) {
              error = e;
            }
            const label = `${method} as ${who}`;
            if (error !== null && !(error instanceof AppError)) {
              throw new Error(`${label} threw ${error}`, { cause: error });
            }
            const refused = error instanceof AppError &&
              error.kind === "forbidden";
            if (allowed) {
              assert.ok(
                !refused,
                `${label}: refused (${(error as Error)?.message})`,
              );
            } else {
              assert.ok(
                refused,
                `${label}: expected 403, got ${
                  error ? (error as AppError).kind : "success"
                }`,
              );
            }
          }
        });
      }

      await t.step("nothing changed behind the calls", async () => {
        const sys = system("check");
        const cams = await stack.controller.cameras.list(sys);
        assert.deepEqual(cams.map((c) => c.name).sort(), ["A", "B"]);
        assert.equal((await stack.controller.auth.listUsers(sys)).length, 3);
      });
    } finally {
      await stack.close();
    }
  },
});
