/**
 * The tool hub and the first tools against the test stack: a real node
 * agent running two demo cameras, real recordings, real ffmpeg. The agent's
 * principal is set by a small middleware (the agents-core helper's
 * credential middleware does it in the product).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { ToolResult } from "../../lib/api/tools.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import type { AgentPrincipal } from "../access/principal.ts";
import { system } from "../access/principal.ts";
import { toolsApi } from "../http/api/tools.ts";
import type { AuthEnv } from "../http/middleware/auth.ts";
import { errorResponse } from "../http/middleware/errors.ts";
import { NodeClient } from "../nodes/client.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  eventually,
  type Stack,
  startStack,
} from "../../tests/support/stack.ts";
import { createDatabase, startPostgres } from "../../tests/support/postgres.ts";
import { ToolHub, type ToolHubDeps } from "./hub.ts";
import { actionsOf, TOOLS } from "./registry.ts";

const ALL = TOOLS.map((t) => t.name);
const TURN = "11111111-2222-4333-8444-555555555555";

/** What ffprobe says a JPEG is (`mjpeg,640,480`): it decodes. */
async function probeJpeg(b64: string): Promise<string> {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  assert.ok(isJpeg(bytes), "SOI … EOI");
  assert.ok(bytes.length > 2000, `a real picture, not ${bytes.length} bytes`);
  const f = await Deno.makeTempFile({ suffix: ".jpg" });
  try {
    await Deno.writeFile(f, bytes);
    const out = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "csv=p=0",
        f,
      ],
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim();
  } finally {
    await Deno.remove(f);
  }
}

function agent(
  cameras: string[],
  names: string[] = ALL,
  agentId = "agent-a",
): AgentPrincipal {
  return {
    kind: "agent",
    agentId,
    tools: actionsOf(names),
    toolNames: new Set(names),
    cameras: new Set(cameras),
  };
}

/** The tools API behind a middleware that makes the caller `p`. */
function agentApp(hub: ToolHub, p: AgentPrincipal) {
  const app = new Hono<AuthEnv>();
  app.onError(errorResponse);
  app.use("*", async (c, next) => {
    c.set("access", p);
    await next();
  });
  app.route("/api/tools", toolsApi(hub));
  return async (
    tool: string,
    args: Record<string, unknown> = {},
    extra: Record<string, unknown> = {},
  ) => {
    const res = await app.request("/api/tools/execute", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tool, arguments: args, ...extra }),
    });
    // deno-lint-ignore no-explicit-any
    const body: any = await res.json();
    return { status: res.status, body, result: body as ToolResult };
  };
}

/** A NodeClient that notes every request to a node and the bytes it answered. */
function countingClient(stack: Stack) {
  const seen: { method: string; path: string; bytes: number }[] = [];
  const client = new NodeClient({
    nodes: stack.controller.nodes,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      const buf = new Uint8Array(await res.arrayBuffer());
      seen.push({
        method: init?.method ?? "GET",
        path: new URL(String(input)).pathname,
        bytes: buf.length,
      });
      return new Response(buf, { status: res.status, headers: res.headers });
    },
  });
  return { client, seen };
}

function hubOf(stack: Stack, over: Partial<ToolHubDeps> = {}): ToolHub {
  const c = stack.controller;
  return new ToolHub({
    sql: c.db.sql,
    cameras: c.cameras,
    recordings: c.recordings,
    nodes: c.nodes,
    client: new NodeClient({ nodes: c.nodes }),
    files: c.files,
    version: "test",
    startedAt: new Date(Date.now() - 5000),
    ...over,
  });
}

Deno.test({
  name: "tool hub: the first tools against a real node agent and demo cameras",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ segmentSeconds: 2 });
    try {
      await stack.startNodeAgent("tools-node");
      const c = stack.controller;
      const sys = system("tools test");
      const camA = await c.cameras.create(sys, {
        name: "Front door",
        protocol: "demo",
      });
      const camB = await c.cameras.create(sys, {
        name: "Back yard",
        protocol: "demo",
      });
      assert.equal(camA.assigned_node, "tools-node");
      // The node runs it once its desired state arrived (a snapshot before
      // that is the node's honest "does not run here").
      await eventually(
        async () => (await c.cameras.get(sys, camA.id)).status === "online",
        20000,
        "camera A online on its node",
      );
      const hub = hubOf(stack);
      const call = agentApp(hub, agent([camA.id]));

      await t.step(
        "GET /api/tools lists every tool with a JSON schema",
        async () => {
          const res = await stack.api("/api/tools");
          assert.equal(res.status, 200);
          const { tools } = await res.json();
          assert.deepEqual(tools.map((x: { name: string }) => x.name), ALL);
          for (const x of tools) {
            assert.equal(x.parameters.type, "object", x.name);
            assert.equal(typeof x.description, "string");
            assert.equal(typeof x.writes, "boolean");
          }
        },
      );

      await t.step(
        "a user's session on /api/tools/execute is refused",
        async () => {
          const login = await stack.api("/api/auth/login", {
            method: "POST",
            anonymous: true,
            json: { username: ADMIN_USER, password: ADMIN_PASSWORD },
          });
          assert.equal(login.status, 200, await login.clone().text());
          const { csrf_token } = await login.json();
          const cookie = login.headers.get("set-cookie")!.split(";")[0];
          const res = await stack.api("/api/tools/execute", {
            method: "POST",
            anonymous: true,
            headers: { cookie, "x-csrf-token": csrf_token },
            json: { tool: "list_cameras", arguments: {} },
          });
          assert.equal(res.status, 403);
          assert.equal((await res.json()).error.code, "forbidden");
          // An admin's API token neither.
          const tok = await stack.api("/api/tools/execute", {
            method: "POST",
            json: { tool: "list_cameras", arguments: {} },
          });
          assert.equal(tok.status, 403);
        },
      );

      await t.step("list_cameras shows only the granted camera", async () => {
        const r = await call("list_cameras");
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(
          r.result.text,
          /Front door \(id [0-9a-f-]{36}\): online; demo; node tools-node; 640x480@15 fps; recording mode off/,
        );
        assert.doesNotMatch(r.result.text, /Back yard/);
        assert.match(r.result.summary, /^1 cameras/);
        assert.deepEqual(r.result.images, []);
        assert.equal(r.result.tool, "list_cameras");
        assert.equal(typeof r.result.ms, "number");
      });

      await t.step(
        "camera arguments: id or exact name, never a substring; B is out of reach",
        async () => {
          for (const arg of [camA.id, "Front door", "front door"]) {
            const r = await call("camera_status", { camera_id: arg });
            assert.equal(r.status, 200, `${arg}: ${JSON.stringify(r.body)}`);
            assert.match(r.result.text, /Camera Front door/);
            assert.match(r.result.text, /not recording/);
          }
          const sub = await call("camera_status", { camera_id: "Front" });
          assert.equal(sub.status, 404);
          assert.equal(sub.body.error.field, "camera_id");
          // B by name does not exist for this agent; by id it is refused.
          assert.equal(
            (await call("camera_status", { camera_id: "Back yard" })).status,
            404,
          );
          for (
            const tool of [
              "camera_status",
              "camera_snapshot",
              "analyze_camera",
              "start_recording",
              "list_recordings",
            ]
          ) {
            const r = await call(tool, { camera_id: camB.id });
            assert.equal(r.status, 403, `${tool}: ${JSON.stringify(r.body)}`);
          }
        },
      );

      await t.step(
        "camera_snapshot: a JPEG from the relay, saved, served with Range",
        async () => {
          const r = await call("camera_snapshot", { camera_id: "Front door" });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          const [img] = r.result.images;
          assert.equal(await probeJpeg(img.base64), "mjpeg,640,480");
          assert.match(img.caption, /^Front door \d{4}-\d\d-\d\dT/);
          assert.match(
            img.path!,
            /^agents\/agent-a\/snapshots\/front-door-.*\.jpg$/,
          );
          const [media] = r.result.media;
          assert.equal(media.kind, "image");
          assert.equal(media.url, `/api/files/read/${img.path}`);
          const file = await stack.api(media.url);
          assert.equal(file.status, 200);
          assert.equal(file.headers.get("content-type"), "image/jpeg");
          const bytes = new Uint8Array(await file.arrayBuffer());
          assert.equal(
            btoa(String.fromCharCode(...bytes)),
            img.base64,
          );
          const part = await stack.api(media.url, {
            headers: { range: "bytes=2-11" },
          });
          assert.equal(part.status, 206);
          assert.equal(
            part.headers.get("content-range"),
            `bytes 2-11/${bytes.length}`,
          );
          assert.deepEqual(
            new Uint8Array(await part.arrayBuffer()),
            bytes.subarray(2, 12),
          );
          const past = await stack.api(media.url, {
            headers: { range: `bytes=${bytes.length + 10}-` },
          });
          assert.equal(past.status, 416);
          await past.body?.cancel();
          for (
            const bad of [
              "agents/..%2F..%2Fnode.token",
              "%2Fetc%2Fpasswd",
              "agents/agent-a/none.jpg",
            ]
          ) {
            const res = await stack.api(`/api/files/read/${bad}`);
            assert.ok([400, 404].includes(res.status), `${bad}: ${res.status}`);
            assert.ok((await res.json()).error);
          }
        },
      );

      await t.step(
        "analyze_camera: a clip of one JPEG per second that decode",
        async () => {
          const r = await call("analyze_camera", {
            camera_id: camA.id,
            mode: "clip",
            seconds: 3,
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.result.images.length, 3);
          for (const [i, img] of r.result.images.entries()) {
            assert.equal(await probeJpeg(img.base64), "mjpeg,640,480");
            assert.match(
              img.caption,
              new RegExp(`^Front door .* \\(frame ${i + 1} of 3\\)$`),
            );
            assert.ok((await c.files.resolve(img.path!)).size > 0);
          }
          assert.match(r.result.text, /over [23] s/);
          const one = await call("analyze_camera", { camera_id: "Front door" });
          assert.equal(one.status, 200);
          assert.equal(one.result.images.length, 1);
        },
      );

      await t.step(
        "arguments are checked with the tool's schema, naming the field",
        async () => {
          const cases: [string, Record<string, unknown>, string][] = [
            ["camera_status", {}, "arguments.camera_id"],
            [
              "analyze_camera",
              { camera_id: camA.id, seconds: 20 },
              "arguments.seconds",
            ],
            [
              "analyze_camera",
              { camera_id: camA.id, mode: "video" },
              "arguments.mode",
            ],
            ["list_cameras", { nope: 1 }, "arguments.nope"],
            ["get_recording", { recording_id: "x" }, "arguments.recording_id"],
          ];
          for (const [tool, args, field] of cases) {
            const r = await call(tool, args);
            assert.equal(r.status, 400, `${tool} ${JSON.stringify(args)}`);
            assert.equal(r.body.error.field, field);
            assert.match(
              r.body.error.message,
              new RegExp(field.replace(".", "\\.")),
            );
          }
        },
      );

      await t.step(
        "the execute body itself: unknown fields and wrong types name the field",
        async () => {
          const app = new Hono<AuthEnv>();
          app.onError(errorResponse);
          app.use("*", async (c, next) => {
            c.set("access", agent([camA.id]));
            await next();
          });
          app.route("/api/tools", toolsApi(hub));
          const send = async (body: unknown) => {
            const res = await app.request("/api/tools/execute", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            });
            return { status: res.status, error: (await res.json()).error };
          };
          let r = await send({ tool: "list_cameras", zz_not_documented: 1 });
          assert.deepEqual([r.status, r.error.field], [
            400,
            "zz_not_documented",
          ]);
          r = await send({ tool: 12345 });
          assert.deepEqual([r.status, r.error.field], [400, "tool"]);
          r = await send({
            tool: "list_cameras",
            turn_id: "nope",
            call_id: "c",
          });
          assert.deepEqual([r.status, r.error.field], [400, "turn_id"]);
          // An agent listing the tools sees the ones it was given.
          const mine = await app.request("/api/tools");
          assert.equal(mine.status, 200);
          assert.equal((await mine.json()).tools.length, ALL.length);
          const few = hub.list(
            agent([camA.id], ["system_info", "list_cameras"]),
          );
          assert.deepEqual(few.map((x) => x.name), [
            "list_cameras",
            "system_info",
          ]);
        },
      );

      await t.step(
        "unknown tool 404, tool not given 403, failing tool its error status",
        async () => {
          assert.equal((await call("no_such_tool")).status, 404);
          const limited = agentApp(hub, agent([camA.id], ["list_cameras"]));
          const r = await limited("start_recording", { camera_id: camA.id });
          assert.equal(r.status, 403);
          assert.equal(r.body.error.field, "tool");
          const stop = await call("stop_recording", { camera_id: camA.id });
          assert.equal(stop.status, 409);
          assert.match(stop.body.error.message, /not recording/);
        },
      );

      let recId = "";
      await t.step(
        "start_recording is idempotent on (turn_id, call_id)",
        async () => {
          const key = { turn_id: TURN, call_id: "call-start-1" };
          const first = await call("start_recording", {
            camera_id: "Front door",
          }, key);
          assert.equal(first.status, 200, JSON.stringify(first.body));
          recId = /Recording ([0-9a-f-]{36})/.exec(first.result.text)![1];
          const again = await call("start_recording", {
            camera_id: "Front door",
          }, key);
          assert.equal(again.status, 200, JSON.stringify(again.body));
          assert.deepEqual(again.result, first.result);
          // A new call id runs the tool: the camera already records.
          const other = await call("start_recording", {
            camera_id: "Front door",
          }, {
            ...key,
            call_id: "call-start-2",
          });
          assert.equal(other.status, 409);
          // …and that failure is answered the same when repeated.
          const otherAgain = await call("start_recording", {
            camera_id: "Front door",
          }, {
            ...key,
            call_id: "call-start-2",
          });
          assert.equal(otherAgain.status, 409);
          const page = await c.recordings.list(sys, {
            cameraId: camA.id,
            limit: 10,
            offset: 0,
          });
          assert.equal(page.total, 1, "one recording, not two");
          const [row] = await c.db.sql`
          select status from tool_calls where turn_id = ${TURN} order by call_id`;
          assert.equal(row.status, "done");
          // The same pair for another tool is a conflict, not a replay.
          const clash = await call("list_cameras", {}, key);
          assert.equal(clash.status, 409);
          assert.equal(
            (await call("list_cameras", {}, { call_id: "x" })).body.error.field,
            "turn_id",
          );
        },
      );

      // Camera B records too (as the system): the agent must not see it.
      await c.recordings.start(sys, camB.id);

      await t.step("stop_recording, then the recording's rows", async () => {
        await new Promise((r) => setTimeout(r, 5000));
        const stop = await call("stop_recording", { camera_id: camA.id });
        assert.equal(stop.status, 200, JSON.stringify(stop.body));
        assert.match(
          stop.result.text,
          new RegExp(`Recording ${recId} of camera Front door stopped`),
        );
        await eventually(
          async () => {
            const d = await c.recordings.get(sys, recId);
            return d.segments.length >= 2 && d.duration_ms >= 3000;
          },
          20000,
          "segments of the recording",
        );
        const list = await call("list_recordings", {});
        assert.equal(list.status, 200);
        assert.match(
          list.result.text,
          new RegExp(`recording ${recId}: camera Front door; completed`),
        );
        assert.doesNotMatch(list.result.text, /Back yard/);
        assert.doesNotMatch(list.result.text, /MUST/);
        const got = await call("get_recording", { recording_id: recId });
        assert.equal(got.status, 200);
        assert.match(got.result.text, /video: h264/);
        assert.match(got.result.text, /segments:\n {2}- /);
        const sent = await call("send_recording", {
          recording_id: recId,
          caption: "the porch",
        });
        assert.equal(sent.status, 200);
        assert.deepEqual(sent.result.media, [{
          kind: "video",
          url: `/api/recordings/${recId}/download`,
          mime: "video/mp4",
          caption: "the porch",
        }]);
        const bRec = (await c.recordings.list(sys, {
          cameraId: camB.id,
          limit: 1,
          offset: 0,
        })).recordings[0];
        assert.equal(
          (await call("get_recording", { recording_id: bRec.id })).status,
          403,
        );
        assert.equal(
          (await call("analyze_recording", { recording_id: bRec.id })).status,
          403,
        );
      });

      await t.step(
        "analyze_recording: frames extracted on the node, only JPEGs reach the controller",
        async () => {
          const { client, seen } = countingClient(stack);
          const counted = agentApp(hubOf(stack, { client }), agent([camA.id]));
          const r = await counted("analyze_recording", {
            recording_id: recId,
            max_frames: 3,
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.result.images.length, 3);
          let jpegBytes = 0;
          for (const img of r.result.images) {
            assert.equal(await probeJpeg(img.base64), "mjpeg,640,480");
            jpegBytes += atob(img.base64).length;
          }
          const times = r.result.images.map((i) =>
            /at (\d+:\d\d) of/.exec(i.caption)![1]
          );
          assert.equal(new Set(times).size, 3, `evenly spaced: ${times}`);
          assert.deepEqual(
            seen.map((s) => `${s.method} ${s.path}`),
            ["POST /v1/recordings/frames"],
          );
          const rec = await c.recordings.get(sys, recId);
          // base64 (4/3) plus a little JSON: the JPEGs, not the footage.
          assert.ok(
            seen[0].bytes < jpegBytes * 1.4 + 2048,
            `${seen[0].bytes} bytes for ${jpegBytes} bytes of JPEG`,
          );
          assert.ok(rec.size_bytes > 0);
        },
      );

      await t.step("list_nodes and system_info give real figures", async () => {
        const nodes = await call("list_nodes");
        assert.equal(nodes.status, 200);
        assert.match(
          nodes.result.text,
          /- tools-node: online; version .*; 2 camera\(s\); last heartbeat 20.*; disk .* free of .*; node agent CPU [\d.]+ %, memory [\d.]+ [KMG]B; ffmpeg \S+/,
        );
        const info = await call("system_info");
        assert.equal(info.status, 200);
        assert.match(info.result.text, /^Falcon-Eye test; Deno \d/);
        assert.match(
          info.result.text,
          /controller: up \d+ s .*memory RSS [\d.]+ [KMG]B/,
        );
        assert.match(
          info.result.text,
          /nodes: 1 \(1 online; [\d.]+ [KMGT]B disk free/,
        );
        // The agent's scope: camera A only, not recording now (B is, unseen).
        assert.match(info.result.text, /cameras: 1 \(1 online\)/);
        assert.match(info.result.text, /recording now: 0/);
      });

      await t.step(
        "a tool over the agent's timeout answers 504 timeout",
        async () => {
          const slow = agentApp(
            hubOf(stack, {
              limitsOf: () => Promise.resolve({ toolTimeoutS: 0.5 }),
            }),
            agent([camA.id]),
          );
          const t0 = performance.now();
          const r = await slow("analyze_camera", {
            camera_id: camA.id,
            mode: "clip",
            seconds: 5,
          }, { turn_id: TURN, call_id: "slow-1" });
          assert.equal(r.status, 504, JSON.stringify(r.body));
          assert.equal(r.body.error.code, "timeout");
          assert.ok(performance.now() - t0 < 3000);
          const [row] = await c.db.sql`
          select status, error from tool_calls where call_id = 'slow-1'`;
          assert.equal(row.status, "failed");
          assert.equal(row.error.code, "timeout");
        },
      );
    } finally {
      await stack.close();
    }
  },
});

Deno.test({
  name:
    "tool hub on PostgreSQL 15: a call repeated or raced with the same (turn_id, call_id) runs once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using pg = await startPostgres();
    const stack = await startStack({ databaseUrl: await createDatabase(pg) });
    try {
      const c = stack.controller;
      const sys = system("tools test");
      const cams = [];
      for (const name of ["One", "Two"]) {
        cams.push(await c.cameras.create(sys, { name, protocol: "demo" }));
      }
      const call = agentApp(hubOf(stack), agent(cams.map((x) => x.id)));
      const key = { turn_id: crypto.randomUUID(), call_id: "toolu_01" };
      const first = await call("start_recording", { camera_id: "One" }, key);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const again = await call("start_recording", { camera_id: "One" }, key);
      // The same bytes: the stored answer in the schema's key order.
      assert.equal(JSON.stringify(again.body), JSON.stringify(first.body));

      // Two at once: one runs; the other answers its result or 409, never a second run.
      const raced = { turn_id: crypto.randomUUID(), call_id: "toolu_02" };
      const both = await Promise.all([
        call("start_recording", { camera_id: "Two" }, raced),
        call("start_recording", { camera_id: "Two" }, raced),
      ]);
      const statuses = both.map((b) => b.status).sort();
      assert.ok(
        JSON.stringify(statuses) === "[200,200]" ||
          JSON.stringify(statuses) === "[200,409]",
        `answers ${statuses}`,
      );
      for (const cam of cams) {
        const page = await c.recordings.list(sys, {
          cameraId: cam.id,
          limit: 10,
          offset: 0,
        });
        assert.equal(page.total, 1, `${cam.name}: one recording`);
      }
    } finally {
      await stack.close();
    }
  },
});
