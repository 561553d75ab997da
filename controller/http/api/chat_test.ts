/**
 * Chat through HTTP on a real controller (embedded database): a dashboard
 * send, the agent process's claim and events on /internal/v1/agents, the
 * answer streaming on the session's SSE in order, history after a
 * controller restart, and who may do what.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { type Stack, startStack } from "../../../tests/support/stack.ts";
import { system } from "../../access/principal.ts";
import { agentTurnsApi } from "../internal/agent_turns.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { errorResponse } from "../middleware/errors.ts";

const actor = { id: null, name: "test", ip: null };

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** An agent row and the credential of its (pretend) process. */
async function makeAgent(stack: Stack, slug: string) {
  const sql = stack.controller.db.sql;
  const [{ id }] = await sql<{ id: string }[]>`insert into agents
    (slug, name, provider, model) values (${slug}, ${slug}, 'anthropic',
    'claude-sonnet-4-5') returning id`;
  const secret = crypto.randomUUID() + crypto.randomUUID();
  await sql`insert into agent_credentials (agent_id, generation, secret_sha256)
    values (${id}, 1, ${await sha256Hex(secret)})`;
  const agent = (path: string, json: unknown, s = secret) =>
    fetch(`${stack.url}/internal/v1/agents/${id}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${s}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(json),
    });
  return { id, secret, agent };
}

// deno-lint-ignore no-explicit-any
type SseEvent = { event: string; data: any };

interface Sse {
  events: SseEvent[];
  ended: Promise<void>;
  waitFor(pred: (e: SseEvent) => boolean): Promise<void>;
  close(): void;
}

async function openSse(url: string, token: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(url, {
    signal: ac.signal,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const events: Sse["events"] = [];
  const wake = new Set<() => void>();
  const ended = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
          for (const w of wake) w();
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    ended,
    waitFor: (pred) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no such event; saw ${JSON.stringify(events.slice(-4))}`,
              ),
            ),
          10_000,
        );
        const check = () => {
          if (events.some(pred)) {
            clearTimeout(timer);
            wake.delete(check);
            resolve();
          }
        };
        wake.add(check);
        check();
      }),
    close: () => ac.abort(),
  };
}

Deno.test({
  name: "chat over HTTP: send, claim, stream, final, history, restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: false });
    try {
      const { id, secret, agent } = await makeAgent(stack, "watcher");
      let sessionId = "";
      let turnId = "";

      await t.step("send answers 202 with the queued turn", async () => {
        const res = await stack.api(`/api/chat/${id}/send`, {
          method: "POST",
          json: { message: "What is on the door camera?" },
        });
        assert.equal(res.status, 202);
        const body = await res.json();
        sessionId = body.session_id;
        turnId = body.turn.id;
        assert.equal(body.turn.status, "queued");
        assert.equal(body.message.source, "api", "a token sends as api");
        assert.equal(
          body.events_url,
          `/api/chat/${id}/sessions/${sessionId}/events`,
        );
      });

      await t.step(
        "the agent's credential acts only for its agent",
        async () => {
          const other = await makeAgent(stack, "other");
          const res = await other.agent("/turns/next", { wait_s: 0 }, secret);
          assert.equal(res.status, 403);
          assert.match((await res.json()).error.message, /belongs to agent/);
          const none = await agent(
            "/turns/next",
            { wait_s: 0 },
            "wrong".repeat(10),
          );
          assert.equal(none.status, 401);
          const bad = await agent("/turns/next", { wait_s: 99 });
          assert.equal(bad.status, 400);
          assert.equal((await bad.json()).error.field, "wait_s");
          // User credentials do not work here, nor node ones.
          const user = await fetch(
            `${stack.url}/internal/v1/agents/${id}/turns/next`,
            {
              method: "POST",
              headers: { ...stack.auth, "content-type": "application/json" },
              body: "{}",
            },
          );
          assert.equal(user.status, 401);
        },
      );

      await t.step(
        "claim, stream tokens in order over SSE, then final",
        async () => {
          const sse = await openSse(
            `${stack.url}/api/chat/${id}/sessions/${sessionId}/events`,
            stack.adminToken,
          );
          const claim = await agent("/turns/next", { wait_s: 0 });
          assert.equal(claim.status, 200);
          const job = await claim.json();
          assert.equal(job.turn_id, turnId);
          assert.equal(job.agent.wire, "anthropic");
          assert.deepEqual(job.messages, [{
            role: "user",
            content: "What is on the door camera?",
            images: [],
          }]);
          // Nothing else is queued: 204.
          assert.equal((await agent("/turns/next", { wait_s: 0 })).status, 204);
          // A second message while the turn runs: 409.
          const busy = await stack.api(`/api/chat/${id}/send`, {
            method: "POST",
            json: { message: "hello?", session_id: sessionId },
          });
          assert.equal(busy.status, 409);
          await busy.body?.cancel();
          const words = Array.from({ length: 30 }, (_, i) => `w${i} `);
          let seq = 0;
          for (let i = 0; i < words.length; i += 7) {
            const res = await agent(`/turns/${turnId}/events`, {
              events: words.slice(i, i + 7).map((text) => ({
                seq: ++seq,
                type: "token",
                text,
              })),
            });
            assert.deepEqual(await res.json(), {
              accepted: Math.min(7, words.length - i),
              cancelled: false,
            });
          }
          const fin = await agent(`/turns/${turnId}/events`, {
            events: [{
              seq: ++seq,
              type: "final",
              text: words.join(""),
              messages: [],
            }],
          });
          assert.deepEqual(await fin.json(), { accepted: 1, cancelled: false });
          await sse.waitFor((e) =>
            e.event === "turn" && e.data.status === "done"
          );
          sse.close();
          const tokens = sse.events.filter((e) => e.event === "token").map((
            e,
          ) => e.data.text);
          assert.deepEqual(tokens, words);
          const kinds = sse.events.map((e) => e.event);
          assert.equal(kinds[0], "turn", "running first");
          assert.equal(sse.events[0].data.status, "running");
          assert.ok(
            kinds.indexOf("message") > kinds.lastIndexOf("token"),
            "the answer is stored after its tokens",
          );
        },
      );

      await t.step("history, sessions, turn", async () => {
        const h = await (await stack.api(`/api/chat/${id}/history`)).json();
        assert.equal(h.session_id, sessionId);
        assert.deepEqual(h.messages.map((m: { role: string }) => m.role), [
          "user",
          "assistant",
        ]);
        assert.equal(h.turns[0].status, "done");
        const s = await (await stack.api(`/api/chat/${id}/sessions`)).json();
        assert.equal(s.sessions[0].session_id, sessionId);
        assert.equal(s.sessions[0].message_count, 2);
        const turn = await (await stack.api(`/api/chat/${id}/turns/${turnId}`))
          .json();
        assert.equal(turn.status, "done");
        const missing = await stack.api(
          `/api/chat/${id}/turns/00000000-0000-4000-8000-000000000000`,
        );
        assert.equal(missing.status, 404);
        const badLimit = await stack.api(`/api/chat/${id}/history?limit=0`);
        assert.equal(badLimit.status, 400);
        assert.equal((await badLimit.json()).error.field, "limit");
        const created = await stack.api(`/api/chat/${id}/sessions/new`, {
          method: "POST",
        });
        assert.equal(created.status, 201);
        const fresh = (await created.json()).session_id;
        const empty = await (await stack.api(`/api/chat/${id}/history`)).json();
        assert.equal(empty.session_id, fresh, "the new session is the latest");
        assert.deepEqual(empty.messages, []);
      });

      await t.step("a viewer gets 403", async () => {
        const sys = system("test");
        const c = stack.controller;
        const v = await c.auth.createUser(sys, {
          username: "viewer1",
          password: "viewer-Pass-4-chat!",
          role: "viewer",
          camera_ids: [],
        }, actor);
        const vp = await c.auth.accessPrincipal({
          userId: v.id,
          username: v.username,
          role: "viewer",
          kind: "session",
          scope: "full",
        });
        const token = (await c.auth.createToken(vp, {
          name: "v",
          scope: "full",
        }, actor)).token;
        const headers = { authorization: `Bearer ${token}` };
        for (
          const [method, path] of [
            ["POST", `/api/chat/${id}/send`],
            ["GET", `/api/chat/${id}/history`],
            ["GET", `/api/chat/${id}/sessions`],
            ["POST", `/api/chat/${id}/sessions/new`],
            ["GET", `/api/chat/${id}/sessions/${sessionId}/events`],
            ["GET", `/api/chat/${id}/turns/${turnId}`],
          ]
        ) {
          const res = await stack.api(path, {
            method,
            headers,
            ...(method === "POST" ? { json: { message: "hi" } } : {}),
          });
          assert.equal(res.status, 403, `${method} ${path}`);
          await res.body?.cancel();
        }
      });

      await t.step(
        "the event stream ends when its token is revoked",
        async () => {
          const c = stack.controller;
          const sys = system("test");
          const adminRow = (await c.auth.listUsers(sys)).find((u) =>
            u.role === "admin"
          )!;
          const ap = await c.auth.accessPrincipal({
            userId: adminRow.id,
            username: adminRow.username,
            role: "admin",
            kind: "session",
            scope: "full",
          });
          const tok = await c.auth.createToken(ap, {
            name: "sse",
            scope: "read",
          }, actor);
          const sse = await openSse(
            `${stack.url}/api/chat/${id}/sessions/${sessionId}/events`,
            tok.token,
          );
          await c.auth.revokeToken(ap, tok.id, actor);
          const t0 = Date.now();
          await sse.ended;
          assert.ok(Date.now() - t0 < 5000);
        },
      );

      await t.step("history survives a controller restart", async () => {
        await stack.restartController();
        const h = await (await stack.api(
          `/api/chat/${id}/history?session_id=${sessionId}`,
        )).json();
        assert.deepEqual(
          h.messages.map((m: { role: string; content: string }) => m.role),
          ["user", "assistant"],
        );
        assert.match(h.messages[1].content, /^w0 w1 /);
      });
    } finally {
      await stack.close();
    }
  },
});

Deno.test({
  name:
    "agent turn routes behind a test principal: own agent only, validated bodies",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ web: false });
    try {
      const { id } = await makeAgent(stack, "solo");
      const app = new Hono<AuthEnv>();
      app.onError(errorResponse);
      app.use("*", async (c, next) => {
        c.set("access", {
          kind: "agent",
          agentId: id,
          generation: 7,
          tools: new Set(),
          cameras: "all",
        });
        await next();
      });
      app.route("/internal/v1/agents", agentTurnsApi(stack.controller.turns));
      const post = (path: string, body: unknown) =>
        app.request(`/internal/v1/agents${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      assert.equal(
        (await post(`/${id}/turns/next`, { wait_s: 0 })).status,
        204,
      );
      const other = await post(
        `/00000000-0000-4000-8000-000000000000/turns/next`,
        { wait_s: 0 },
      );
      assert.equal(other.status, 403);
      const bad = await post(`/${id}/turns/x/events`, {
        events: [{ seq: 0, type: "token", text: "a" }],
      });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.field, "events.0.seq");
      const unknown = await post(
        `/${id}/turns/00000000-0000-4000-8000-000000000000/events`,
        { events: [] },
      );
      assert.equal(unknown.status, 404);
      // The generation of the principal is the claim's.
      const sent = await stack.controller.chat.send(system("t"), id, {
        message: "hi",
      });
      const job = await (await post(`/${id}/turns/next`, { wait_s: 0 })).json();
      assert.equal(job.turn_id, sent.turn.id);
      const [row] = await stack.controller.db.sql<
        { claimed_generation: number }[]
      >`select claimed_generation from chat_turns where id = ${job.turn_id}`;
      assert.equal(row.claimed_generation, 7);
    } finally {
      await stack.close();
    }
  },
});
