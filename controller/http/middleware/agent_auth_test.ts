/**
 * The agent credential at the HTTP edge: on /internal/v1/agents/{id}/… only
 * that agent's current credential (401 without one, 403 for another
 * agent's), as a bearer or as x-api-key; on /api/tools/execute any agent's
 * current credential sets the agent principal, and anything else falls
 * through to user authentication, after which the route's `agent` access
 * refuses a person with 403.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AgentPrincipal } from "../../access/principal.ts";
import { api } from "../api/registry.ts";
import type { AuthEnv } from "./auth.ts";
import { requireAgentCredential, tryAgent } from "./agent_auth.ts";
import { errorResponse } from "./errors.ts";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const SECRETS: Record<string, string> = {
  ["a".repeat(43)]: A,
  ["b".repeat(43)]: B,
};
const touched: string[] = [];
const deps = {
  agentOf: (s: string) => Promise.resolve(SECRETS[s] ?? null),
  principalOf: (id: string): Promise<AgentPrincipal> =>
    Promise.resolve({
      kind: "agent",
      agentId: id,
      tools: new Set(),
      toolNames: new Set(["list_cameras"]),
      cameras: "all",
    }),
  touch: (id: string) => void touched.push(id),
};

function app() {
  const a = new Hono<AuthEnv>();
  a.onError(errorResponse);
  a.use("/internal/v1/agents/*", requireAgentCredential(deps));
  a.get(
    "/internal/v1/agents/:id/turns/next",
    (c) => c.json({ agent: (c.get("access") as AgentPrincipal).agentId }),
  );
  a.use("/api/*", async (c, next) => {
    if (c.req.path === "/api/tools/execute" && await tryAgent(c, deps)) {
      return await next();
    }
    // Stands in for user authentication: "user-token" is a signed-in admin.
    if (c.req.header("authorization") !== "Bearer user-token") {
      throw new AppError("unauthorized", "Authentication required");
    }
    c.set("principal", { role: "admin" } as never);
    c.set("access", { kind: "user" } as never);
    await next();
  });
  a.post(
    "/api/tools/execute",
    api(API.tools.execute),
    (c) => c.json({ agent: (c.get("access") as AgentPrincipal).agentId }),
  );
  return a;
}

Deno.test("agent credentials: the path's agent only, bearer or x-api-key", async () => {
  const a = app();
  const get = (id: string, headers: Record<string, string>) =>
    a.request(`/internal/v1/agents/${id}/turns/next`, { headers });
  const ok = await get(A, { authorization: `Bearer ${"a".repeat(43)}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { agent: A });
  assert.deepEqual(touched, [A]);
  const viaKey = await get(A, { "x-api-key": "a".repeat(43) });
  assert.equal(viaKey.status, 200);
  const other = await get(A, { authorization: `Bearer ${"b".repeat(43)}` });
  assert.equal(other.status, 403);
  assert.equal((await other.json()).error.code, "forbidden");
  const none = await get(A, {});
  assert.equal(none.status, 401);
  const wrong = await get(A, { authorization: `Bearer ${"c".repeat(43)}` });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
});

Deno.test("/api/tools/execute: any agent's credential; a person is refused with 403", async () => {
  const a = app();
  const post = (headers: Record<string, string>) =>
    a.request("/api/tools/execute", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ tool: "list_cameras", arguments: {} }),
    });
  const asB = await post({ authorization: `Bearer ${"b".repeat(43)}` });
  assert.equal(asB.status, 200);
  assert.deepEqual(await asB.json(), { agent: B });
  const person = await post({ authorization: "Bearer user-token" });
  assert.equal(person.status, 403);
  assert.match((await person.json()).error.message, /agent process/);
  const nobody = await post({});
  assert.equal(nobody.status, 401);
  await nobody.body?.cancel();
});
