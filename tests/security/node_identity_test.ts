/**
 * Finding #6 of issue 11 (docs/design/security.md): node credentials are
 * per node and bound to the node's name. One node's credential cannot
 * heartbeat as another node, read another node's desired state (its
 * decrypted camera URLs), post events about another node's recordings, or
 * re-point a node's address; the join token alone does none of that.
 */
import assert from "node:assert/strict";
import {
  enrollNode,
  nodeHeartbeat,
  type Stack,
  startStack,
} from "../support/stack.ts";

const A = "node-a";
const B = "node-b";
const SECRET_URL = "rtsp://admin:b-node-Secret-99@10.9.9.9:554/stream";

// deno-lint-ignore no-explicit-any
type Json = any;

async function call(
  stack: Stack,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${stack.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, json };
}

Deno.test({
  name: "a node credential acts for its own node only (finding #6)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ nodeOfflineAfterMs: 600000 });
    try {
      const a = await enrollNode(stack, A, { address: "http://127.0.0.1:9" });
      const b = await enrollNode(stack, B, { address: "http://127.0.0.1:10" });
      for (const [n, cred] of [[A, a], [B, b]] as const) {
        const hb = await call(
          stack,
          `/internal/v1/nodes/${n}/heartbeat`,
          cred.secret,
          nodeHeartbeat(n, { address: cred.address }),
        );
        assert.equal(hb.status, 200, JSON.stringify(hb.json));
      }
      const created = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "B yard",
          protocol: "rtsp",
          source_url: SECRET_URL,
          node_name: B,
        },
      });
      assert.equal(created.status, 201, await created.clone().text());
      const cam = await created.json();
      const started = await stack.api(
        `/api/cameras/${cam.id}/recording/start`,
        { method: "POST" },
      );
      assert.equal(started.status, 200, await started.clone().text());
      const session = await started.json();
      const segment = {
        id: crypto.randomUUID(),
        type: "segment.closed",
        camera_id: cam.id,
        session_id: session.id,
        path: `${cam.id}/2026-03-01/20260301T100000Z_${
          session.id.slice(0, 8)
        }.mp4`,
        start_at: "2026-03-01T10:00:00.000Z",
        end_at: "2026-03-01T10:01:00.000Z",
        duration_ms: 60000,
        size_bytes: 1000,
        video_codec: "h264",
        audio_codec: null,
        recovered: false,
      };
      const posted = await call(
        stack,
        `/internal/v1/nodes/${B}/events`,
        b.secret,
        { events: [segment] },
      );
      assert.equal(posted.status, 200, JSON.stringify(posted.json));
      const sql = stack.controller.db.sql;
      const segments = async () =>
        (await sql<{ n: number }[]>`
          select count(*)::int as n from recording_segments
          where session_id = ${session.id}`)[0].n;
      assert.equal(await segments(), 1);

      await t.step("node A cannot heartbeat as node B", async () => {
        const res = await call(
          stack,
          `/internal/v1/nodes/${B}/heartbeat`,
          a.secret,
          nodeHeartbeat(B, { address: b.address }),
        );
        assert.equal(res.status, 403, JSON.stringify(res.json));
        assert.equal(res.json.error.code, "forbidden");
        assert.ok(!JSON.stringify(res.json).includes("b-node-Secret-99"));
      });

      await t.step(
        "node A cannot read node B's desired state, nor sees B's cameras",
        async () => {
          const res = await call(
            stack,
            `/internal/v1/nodes/${B}/desired?wait_ms=0`,
            a.secret,
          );
          assert.equal(res.status, 403, JSON.stringify(res.json));
          assert.ok(!JSON.stringify(res.json).includes("b-node-Secret-99"));
          const own = await call(
            stack,
            `/internal/v1/nodes/${A}/desired?wait_ms=0`,
            a.secret,
          );
          assert.equal(own.status, 200);
          assert.deepEqual(own.json.cameras, []);
        },
      );

      await t.step(
        "node A cannot post events about node B's recordings",
        async () => {
          const drop = {
            id: crypto.randomUUID(),
            type: "segment.deleted",
            camera_id: cam.id,
            path: segment.path,
            reason: "requested",
          };
          const other = await call(
            stack,
            `/internal/v1/nodes/${B}/events`,
            a.secret,
            { events: [drop] },
          );
          assert.equal(other.status, 403, JSON.stringify(other.json));
          // Under its own name: the events are refused one by one (acked so
          // the outbox lets go of them, listed under `refused`), rows unchanged.
          const fail = {
            id: crypto.randomUUID(),
            type: "recording.failed",
            camera_id: cam.id,
            session_id: session.id,
            at: new Date().toISOString(),
            error: "forged by node A",
          };
          const forged = { ...segment, id: crypto.randomUUID() };
          forged.path = forged.path.replace(".mp4", "_forged.mp4");
          const own = await call(
            stack,
            `/internal/v1/nodes/${A}/events`,
            a.secret,
            { events: [fail, forged] },
          );
          assert.equal(own.status, 200, JSON.stringify(own.json));
          assert.deepEqual(
            (own.json.refused ?? []).map((r: { id: string }) => r.id).sort(),
            [fail.id, forged.id].sort(),
          );
          assert.equal(await segments(), 1);
          const [row] = await sql<{ error_message: string | null }[]>`
            select error_message from recording_sessions where id = ${session.id}`;
          assert.equal(row.error_message, null);
        },
      );

      await t.step("no heartbeat re-points a node's address", async () => {
        const byA = await call(
          stack,
          `/internal/v1/nodes/${B}/heartbeat`,
          a.secret,
          nodeHeartbeat(B, { address: "http://127.0.0.1:6666" }),
        );
        assert.equal(byA.status, 403);
        const byB = await call(
          stack,
          `/internal/v1/nodes/${B}/heartbeat`,
          b.secret,
          nodeHeartbeat(B, { address: "http://127.0.0.1:6666" }),
        );
        assert.equal(byB.status, 409, JSON.stringify(byB.json));
        assert.equal(byB.json.error.field, "address");
        assert.equal(
          (await stack.controller.nodes.find(B))?.address,
          b.address,
        );
      });

      await t.step("the join token alone acts for no node", async () => {
        const join = stack.controller.joinToken;
        const hb = await call(
          stack,
          `/internal/v1/nodes/${B}/heartbeat`,
          join,
          nodeHeartbeat(B, { address: b.address }),
        );
        assert.equal(hb.status, 401);
        const desired = await call(
          stack,
          `/internal/v1/nodes/${B}/desired?wait_ms=0`,
          join,
        );
        assert.equal(desired.status, 401);
        // …nor takes over an enrolled node by enrolling it again.
        const again = await call(
          stack,
          `/internal/v1/nodes/${B}/enroll`,
          join,
          { address: "http://127.0.0.1:6666", api_key: "k".repeat(43) },
        );
        assert.equal(again.status, 409, JSON.stringify(again.json));
        assert.equal(
          (await stack.controller.nodes.find(B))?.address,
          b.address,
        );
      });

      await t.step(
        "an admin reset lets the node enrol again; the old secret stops working",
        async () => {
          const reset = await stack.api(`/api/nodes/${B}/enrolment`, {
            method: "DELETE",
          });
          assert.equal(reset.status, 200, await reset.clone().text());
          const old = await call(
            stack,
            `/internal/v1/nodes/${B}/heartbeat`,
            b.secret,
            nodeHeartbeat(B, { address: b.address }),
          );
          assert.equal(old.status, 401);
          const moved = await enrollNode(stack, B, {
            address: "http://127.0.0.1:11",
          });
          assert.notEqual(moved.secret, b.secret);
          const hb = await call(
            stack,
            `/internal/v1/nodes/${B}/heartbeat`,
            moved.secret,
            nodeHeartbeat(B, { address: moved.address }),
          );
          assert.equal(hb.status, 200, JSON.stringify(hb.json));
          assert.equal(
            (await stack.controller.nodes.find(B))?.address,
            moved.address,
          );
        },
      );
    } finally {
      await stack.close();
    }
  },
});
