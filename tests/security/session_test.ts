/**
 * Sessions, CSRF and login rate limits (docs/design/security.md: session
 * theft via script, sessions that live forever, CSRF, credential stuffing).
 *
 * Three controllers: one with the default expiry for most checks, one with a
 * 1.5 s idle expiry and one with a 2.5 s absolute expiry. The per-address
 * login limit runs on the idle one, whose address counter is untouched.
 */
import assert from "node:assert/strict";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  createUser,
  expectError,
  login,
  loginRaw,
  type Session,
  sessionOf,
} from "./helpers.ts";

const IDLE_MS = 1500;
const ABSOLUTE_MS = 2500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /api/auth/session with a cookie: its status. */
async function sessionStatus(base: string, cookie: string): Promise<number> {
  const res = await fetch(`${base}/api/auth/session`, { headers: { cookie } });
  await res.body?.cancel();
  return res.status;
}

async function expectSignedOut(base: string, s: Session, what: string) {
  for (const path of ["/api/auth/session", "/api/cameras"]) {
    const err = await expectError(
      await fetch(`${base}${path}`, { headers: { cookie: s.cookie } }),
      401,
      `${what}: GET ${path}`,
    );
    assert.equal(err.code, "unauthorized");
  }
}

function postToken(
  base: string,
  headers: Record<string, string>,
  name: string,
): Promise<Response> {
  return fetch(`${base}/api/tokens`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ name, scope: "read" }),
  });
}

async function sessionsOf(stack: Stack, username: string): Promise<number> {
  const [{ n }] = await stack.controller.db.sql<{ n: number }[]>`
    select count(*)::int as n from sessions s join users u on u.id = s.user_id
    where u.username = ${username}`;
  return n;
}

/** Whether the session's row (keyed by the SHA-256 of the cookie value) exists. */
async function sessionRow(stack: Stack, s: Session): Promise<boolean> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(s.value),
  );
  const hex = [...new Uint8Array(digest)].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
  const rows = await stack.controller.db.sql`
    select 1 from sessions where id_hash = ${hex}`;
  return rows.length === 1;
}

Deno.test({
  name: "security: sessions, CSRF and login limits",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const [main, idle, absolute] = await Promise.all([
      startStack({}),
      startStack({ auth: { idleMs: IDLE_MS } }),
      startStack({ auth: { absoluteMs: ABSOLUTE_MS } }),
    ]);
    const base = main.url;
    try {
      const alicePass = "first-Pass-of-A1";
      const aliceId = await createUser(main, "alice", alicePass);
      await createUser(main, "bob", "first-Pass-of-B22");
      await createUser(main, "carol", "first-Pass-of-C3");

      await t.step(
        "the session cookie is HttpOnly, SameSite=Strict, Path=/ and not Secure over http",
        async () => {
          const res = await loginRaw(base, ADMIN_USER, ADMIN_PASSWORD);
          const body = await res.text();
          assert.equal(res.status, 200, body);
          const cookies = res.headers.getSetCookie();
          assert.equal(cookies.length, 1, cookies.join(" | "));
          const [pair, ...attrs] = cookies[0].split(";").map((s) => s.trim());
          assert.match(pair, /^falcon_session=[^;]{20,}$/);
          const names = new Map(
            attrs.map((a) => {
              const [k, v = ""] = a.split("=");
              return [k.toLowerCase(), v];
            }),
          );
          assert.ok(names.has("httponly"), cookies[0]);
          assert.equal(names.get("samesite"), "Strict", cookies[0]);
          assert.equal(names.get("path"), "/", cookies[0]);
          assert.ok(
            !names.has("secure"),
            `no Secure over plain http: ${cookies[0]}`,
          );
          assert.ok(!names.has("domain"), cookies[0]);
          // The cookie value is only in Set-Cookie, never in the body.
          const value = pair.split("=")[1];
          assert.ok(!body.includes(value), "session id in the login body");
          assert.match(JSON.parse(body).csrf_token, /^\S{16,}$/);
        },
      );

      await t.step("logout revokes the session", async () => {
        const s = await login(base, "alice", alicePass);
        assert.equal(await sessionStatus(base, s.cookie), 200);
        assert.ok(
          await sessionRow(main, s),
          "the row is found by the cookie's digest",
        );
        const out = await fetch(`${base}/api/auth/logout`, {
          method: "POST",
          headers: s.write,
        });
        assert.equal(out.status, 200, await out.text());
        assert.match(
          out.headers.getSetCookie().join("|"),
          /falcon_session=;.*Max-Age=0/i,
          "logout clears the cookie",
        );
        await expectSignedOut(base, s, "cookie after logout");
        assert.equal(
          await sessionsOf(main, "alice"),
          0,
          "the session row is gone",
        );
      });

      await t.step(
        "a password change revokes the other sessions; the changing one goes on with a new cookie",
        async () => {
          const s1 = await login(base, "alice", alicePass);
          const s2 = await login(base, "alice", alicePass);
          const newPass = "changed-Pass-of-A2";
          const res = await fetch(`${base}/api/auth/credentials`, {
            method: "PATCH",
            headers: { ...s1.write, "content-type": "application/json" },
            body: JSON.stringify({
              current_password: alicePass,
              new_password: newPass,
            }),
          });
          const body = await res.text();
          assert.equal(res.status, 200, body);
          const s1b = sessionOf(res, JSON.parse(body).csrf_token);
          assert.notEqual(
            s1b.value,
            s1.value,
            "a fresh session id after the change",
          );
          await expectSignedOut(
            base,
            s2,
            "second session after password change",
          );
          await expectSignedOut(base, s1, "old cookie of the changing session");
          assert.equal(await sessionStatus(base, s1b.cookie), 200);
          const write = await postToken(base, s1b.write, "after change");
          assert.equal(write.status, 201, await write.text());
          assert.equal(await sessionsOf(main, "alice"), 1);
          await expectError(
            await loginRaw(base, "alice", alicePass),
            401,
            "old password",
          );
          await login(base, "alice", newPass);
        },
      );

      await t.step(
        "an admin reset revokes every session of the user",
        async () => {
          const newPass = "reset-by-Admin-A3";
          const s = await login(base, "alice", "changed-Pass-of-A2");
          assert.ok(await sessionsOf(main, "alice") >= 2);
          const res = await main.api(`/api/users/${aliceId}/reset-password`, {
            method: "POST",
            json: { new_password: newPass },
          });
          assert.equal(res.status, 200, await res.text());
          await expectSignedOut(base, s, "session after admin reset");
          assert.equal(await sessionsOf(main, "alice"), 0);
          await login(base, "alice", newPass);
        },
      );

      await t.step(
        "cookie writes need the session's X-CSRF-Token and no foreign Origin",
        async () => {
          const s = await login(base, "carol", "first-Pass-of-C3");
          const other = await login(base, ADMIN_USER, ADMIN_PASSWORD);
          const tokens = async () =>
            (await (await main.api("/api/tokens")).json()).total as number;
          const before = await tokens();
          const refused: [string, Record<string, string>][] = [
            ["no X-CSRF-Token", { cookie: s.cookie }],
            ["empty X-CSRF-Token", { cookie: s.cookie, "x-csrf-token": "" }],
            ["wrong X-CSRF-Token", {
              cookie: s.cookie,
              "x-csrf-token": s.csrf.slice(0, -1) + "x",
            }],
            ["another session's token", {
              cookie: s.cookie,
              "x-csrf-token": other.csrf,
            }],
            ["foreign Origin", { ...s.write, origin: "https://evil.example" }],
            ["Origin null", { ...s.write, origin: "null" }],
            ["same host, other port", {
              ...s.write,
              origin: base.replace(/:\d+$/, ":1"),
            }],
          ];
          for (const [what, headers] of refused) {
            const err = await expectError(
              await postToken(base, headers, what),
              403,
              `POST /api/tokens, ${what}`,
            );
            assert.equal(err.code, "forbidden");
            await expectError(
              await fetch(`${base}/api/auth/logout`, {
                method: "POST",
                headers,
              }),
              403,
              `POST /api/auth/logout, ${what}`,
            );
          }
          assert.equal(await tokens(), before, "refused writes wrote nothing");
          assert.equal(
            await sessionStatus(base, s.cookie),
            200,
            "refused logouts did not sign out",
          );
          const ok = await postToken(base, s.write, "right token");
          assert.equal(ok.status, 201, await ok.text());
          const sameOrigin = await postToken(
            base,
            { ...s.write, origin: base },
            "same origin",
          );
          assert.equal(sameOrigin.status, 201, await sameOrigin.text());
          assert.equal(await tokens(), before + 2);
          // Reads need no CSRF token.
          assert.equal(await sessionStatus(base, s.cookie), 200);
        },
      );

      await t.step("bearer tokens need no CSRF header", async () => {
        const res = await postToken(base, main.auth, "bearer write");
        assert.equal(res.status, 201, await res.text());
      });

      await t.step(
        "unknown user and wrong password answer alike, with the same work",
        async () => {
          const unknown = await loginRaw(
            base,
            "nobody-at-all",
            "whatever-password-1",
          );
          const wrong = await loginRaw(base, "carol", "not-the-right-one");
          const [a, b] = [await unknown.text(), await wrong.text()];
          assert.equal(unknown.status, 401);
          assert.equal(wrong.status, unknown.status);
          assert.deepEqual(JSON.parse(b), JSON.parse(a));
          assert.equal(
            JSON.parse(a).error.message,
            "Invalid username or password",
          );
          // An unknown user must not answer much faster (no password hash to verify).
          const time = async (user: string) => {
            const t0 = performance.now();
            const r = await loginRaw(base, user, "timing-password-x");
            await r.body?.cancel();
            assert.equal(r.status, 401);
            return performance.now() - t0;
          };
          const unknownMs = Math.min(
            await time("nobody-1"),
            await time("nobody-2"),
          );
          const wrongMs = Math.min(await time("carol"), await time("carol"));
          assert.ok(
            unknownMs >= wrongMs * 0.25,
            `unknown user ${unknownMs.toFixed(1)} ms vs wrong password ${
              wrongMs.toFixed(1)
            } ms`,
          );
        },
      );

      await t.step(
        "5 failures lock the account: the 6th try answers 429 with Retry-After, even with the right password",
        async () => {
          for (let i = 1; i <= 5; i++) {
            await expectError(
              await loginRaw(base, "bob", `wrong-password-${i}`),
              401,
              `failure ${i}`,
            );
          }
          for (const user of ["bob", "BOB", " bob "]) {
            const res = await loginRaw(base, user, "first-Pass-of-B22");
            const retry = res.headers.get("retry-after");
            const err = await expectError(
              res,
              429,
              `6th try as ${JSON.stringify(user)}`,
            );
            assert.equal(err.code, "rate_limited");
            assert.ok(retry && /^\d+$/.test(retry), `Retry-After: ${retry}`);
            assert.ok(
              Number(retry) > 0 && Number(retry) <= 15 * 60,
              `Retry-After: ${retry}`,
            );
            assert.ok(
              !res.headers.getSetCookie().length,
              "no session on a blocked try",
            );
          }
          // Another account from the same address still signs in.
          await login(base, "carol", "first-Pass-of-C3");
        },
      );

      await t.step(
        "expired sessions are refused (idle and absolute expiry)",
        async () => {
          const check = async (stack: Stack, waitMs: number, what: string) => {
            const s = await login(stack.url, ADMIN_USER, ADMIN_PASSWORD);
            assert.equal(
              await sessionStatus(stack.url, s.cookie),
              200,
              `${what}: fresh`,
            );
            await sleep(waitMs);
            await expectSignedOut(stack.url, s, what);
            assert.equal(
              await sessionRow(stack, s),
              false,
              `${what}: the row was removed`,
            );
            // The API token of the same user is not a session: it still works.
            const api = await stack.api("/api/cameras");
            assert.equal(api.status, 200);
            await api.body?.cancel();
          };
          // Idle: the session is used at once, then left alone past idleMs (absolute is 7 days).
          // Absolute: idle expiry is 12 h, so only the absolute limit can end it.
          await Promise.all([
            check(idle, IDLE_MS + 300, "idle expiry"),
            check(absolute, ABSOLUTE_MS + 300, "absolute expiry"),
          ]);
        },
      );

      await t.step(
        "20 failures from one address lock that address, whatever the account",
        async () => {
          const b = idle.url;
          for (let i = 1; i <= 20; i++) {
            await expectError(
              await loginRaw(b, `unknown-user-${i}`, "some-password-1"),
              401,
              `unknown user ${i}`,
            );
          }
          const res = await loginRaw(b, ADMIN_USER, ADMIN_PASSWORD);
          const retry = res.headers.get("retry-after");
          const err = await expectError(
            res,
            429,
            "valid login after 20 failures from this address",
          );
          assert.equal(err.code, "rate_limited");
          assert.ok(
            retry && Number(retry) > 0 && Number(retry) <= 15 * 60,
            `Retry-After: ${retry}`,
          );
        },
      );
    } finally {
      await Promise.all([main.close(), idle.close(), absolute.close()]);
    }
  },
});
