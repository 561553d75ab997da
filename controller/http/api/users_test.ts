/**
 * The admin's first steps: add a viewer with access to one camera; the viewer
 * signs in and sees only that camera. Plus the guards on users and tokens.
 */
import assert from "node:assert/strict";
import { startStack } from "../../../tests/support/stack.ts";

async function login(base: string, username: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return {
    cookie: res.headers.get("set-cookie")!.split(";")[0],
    csrf: body.csrf_token as string,
  };
}

Deno.test({
  name: "/api/users: a viewer with one camera sees only that camera",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({});
    try {
      const ids: string[] = [];
      for (const name of ["Front", "Back", "Garage"]) {
        const res = await stack.api("/api/cameras", {
          method: "POST",
          json: { name, protocol: "demo" },
        });
        ids.push((await res.json()).id);
      }
      let viewerId = "";

      await t.step("admin adds a viewer granted one camera", async () => {
        const res = await stack.api("/api/users", {
          method: "POST",
          json: {
            username: "vera",
            password: "a viewer passphrase",
            role: "viewer",
            camera_ids: [ids[1]],
          },
        });
        const user = await res.json();
        assert.equal(res.status, 201, JSON.stringify(user));
        assert.deepEqual(user.camera_ids, [ids[1]]);
        assert.equal("password_hash" in user, false);
        viewerId = user.id;
      });

      await t.step(
        "the viewer sees only the granted camera, and cannot change anything",
        async () => {
          const s = await login(stack.url, "vera", "a viewer passphrase");
          const list = await (await fetch(`${stack.url}/api/cameras`, {
            headers: { cookie: s.cookie },
          })).json();
          assert.deepEqual(list.cameras.map((c: { id: string }) => c.id), [
            ids[1],
          ]);
          const other = await fetch(`${stack.url}/api/cameras/${ids[0]}`, {
            headers: { cookie: s.cookie },
          });
          assert.equal(other.status, 403);
          await other.body?.cancel();
          const write = await fetch(`${stack.url}/api/cameras/${ids[1]}`, {
            method: "DELETE",
            headers: { cookie: s.cookie, "x-csrf-token": s.csrf },
          });
          assert.equal(write.status, 403);
          await write.body?.cancel();
        },
      );

      await t.step(
        "grants change with PATCH and reject unknown cameras",
        async () => {
          const res = await stack.api(`/api/users/${viewerId}`, {
            method: "PATCH",
            json: { camera_ids: [ids[0], ids[2]] },
          });
          assert.deepEqual(
            (await res.json()).camera_ids.sort(),
            [ids[0], ids[2]].sort(),
          );
          const bad = await stack.api(`/api/users/${viewerId}`, {
            method: "PATCH",
            json: { camera_ids: ["00000000-0000-4000-8000-000000000000"] },
          });
          const body = await bad.json();
          assert.equal(bad.status, 400);
          assert.equal(body.error.field, "camera_ids");
          const still = await (await stack.api(`/api/users/${viewerId}`))
            .json();
          assert.equal(
            still.camera_ids.length,
            2,
            "a rejected PATCH changed nothing",
          );
        },
      );

      await t.step(
        "weak passwords and taken names are refused with the field named",
        async () => {
          const weak = await stack.api("/api/users", {
            method: "POST",
            json: { username: "walt", password: "short", role: "viewer" },
          });
          assert.equal(weak.status, 400);
          assert.equal((await weak.json()).error.field, "password");
          const taken = await stack.api("/api/users", {
            method: "POST",
            json: {
              username: "VERA",
              password: "another passphrase",
              role: "viewer",
            },
          });
          assert.equal(taken.status, 409);
          assert.equal((await taken.json()).error.field, "username");
        },
      );

      await t.step(
        "the last admin can neither leave nor become a viewer",
        async () => {
          const { users } = await (await stack.api("/api/users")).json();
          const admin = users.find((u: { role: string }) => u.role === "admin");
          const demote = await stack.api(`/api/users/${admin.id}`, {
            method: "PATCH",
            json: { role: "viewer" },
          });
          assert.equal(demote.status, 409);
          await demote.body?.cancel();
          const remove = await stack.api(`/api/users/${admin.id}`, {
            method: "DELETE",
          });
          assert.equal(remove.status, 409);
          await remove.body?.cancel();
        },
      );

      await t.step(
        "every change is in the audit log with who and from where",
        async () => {
          const { entries, total } =
            await (await stack.api("/api/audit?action=user.")).json();
          assert.ok(total >= 2);
          const created = entries.find((e: { action: string }) =>
            e.action === "user.create"
          );
          assert.equal(created.actor.name, "admin");
          assert.equal(created.ip, "127.0.0.1");
          assert.doesNotMatch(JSON.stringify(entries), /viewer passphrase/);
        },
      );
    } finally {
      await stack.close();
    }
  },
});
