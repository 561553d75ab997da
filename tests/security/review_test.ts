/**
 * Findings of the outside security review (issue 11; docs/design/security.md
 * § Review findings), each reproduced against a live stack:
 * #3 login limits, #4 X-Forwarded-For, #5 revocation ends open streams,
 * #10 open redirect after sign-in, #11 API token lifetime, #12 first-run
 * setup race, #13 scan is a POST, #14 stream hub keyed by canonical ids.
 *
 * The main stack trusts one proxy hop (`--trust-proxy`): requests without
 * X-Forwarded-For count as 127.0.0.1, and tests that need distinct client
 * addresses send the header as a proxy would (the right-most entry is the
 * address the proxy saw).
 */
import assert from "node:assert/strict";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  eventually,
  type Stack,
  startStack,
} from "../support/stack.ts";
import { createToken, createUser, expectError, login } from "./helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An open streaming answer, read in the background until it ends. */
interface OpenStream {
  /** Bytes read so far. */
  bytes: number;
  /** Resolves when the body ends (or errors) — the server closed it. */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

async function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<OpenStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  if (res.status !== 200 || !res.body) {
    throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  }
  let done = false;
  const out: OpenStream = {
    bytes: 0,
    ended: Promise.resolve(),
    isEnded: () => done,
    close: () => ac.abort(),
  };
  const reader = res.body.getReader();
  out.ended = (async () => {
    try {
      while (true) {
        const { value, done: d } = await reader.read();
        if (d) break;
        out.bytes += value.byteLength;
      }
    } catch { /* aborted or reset: ended either way */ }
    done = true;
  })();
  // Wait for the first bytes, so the server side is running.
  await eventually(() => out.bytes > 0 || done, 10000, `first bytes of ${url}`);
  return out;
}

/** Asserts the stream ends within `ms`. */
async function endsWithin(s: OpenStream, ms: number, what: string) {
  const t0 = Date.now();
  const timeout = sleep(ms).then(() => "timeout");
  const r = await Promise.race([s.ended.then(() => "ended"), timeout]);
  assert.equal(r, "ended", `${what}: still open after ${ms} ms`);
  return Date.now() - t0;
}

/** Asserts the stream is still open and still delivering. */
async function stillRunning(s: OpenStream, what: string) {
  const before = s.bytes;
  await eventually(() => s.bytes > before || s.isEnded(), 5000, what);
  assert.ok(!s.isEnded(), `${what}: the stream ended`);
}

async function createDemo(stack: Stack, name: string): Promise<string> {
  const res = await stack.api("/api/cameras", {
    method: "POST",
    json: { name, protocol: "demo", resolution: "320x240", framerate: 10 },
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).id;
}

/** The same UUID with the case of its letters changed by `mask`. */
function caseVariant(id: string, mask: number): string {
  let bit = 0;
  return [...id].map((ch) => {
    if (!/[a-f]/i.test(ch)) return ch;
    const up = ((mask >> bit++) & 1) === 1;
    return up ? ch.toUpperCase() : ch.toLowerCase();
  }).join("");
}

const fwd = (addr: string) => ({ "x-forwarded-for": `203.0.113.9, ${addr}` });

Deno.test({
  name: "security review findings: each reproduced, each fixed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({
      web: true,
      relayIdleGraceMs: 500,
      flags: { "trust-proxy": "true" },
    });
    const base = stack.url;
    try {
      await stack.startNodeAgent("review-node");
      const camA = await createDemo(stack, "Review A");
      const camB = await createDemo(stack, "Review B");

      await t.step(
        "#10 /login keeps only same-origin paths in next",
        async () => {
          const propsOf = async (next: string) => {
            const res = await fetch(
              `${base}/login?next=${encodeURIComponent(next)}`,
            );
            const html = await res.text();
            assert.equal(res.status, 200, html.slice(0, 200));
            const m = /<script type="application\/json"[^>]*>(.*?)<\/script>/s
              .exec(html);
            assert.ok(m, "the sign-in island's props are on the page");
            return JSON.parse(m[1]) as { next: string };
          };
          for (
            const bad of [
              "/\\evil.example",
              "/\t/evil.example",
              "/\n/evil.example",
              "//evil.example",
              "\\/evil.example",
              "https://evil.example/",
              "javascript:alert(1)",
              "/%2F/x", // fine as a path: stays local
            ]
          ) {
            const { next } = await propsOf(bad);
            const resolved = new URL(next, base);
            assert.equal(
              resolved.origin,
              new URL(base).origin,
              `next=${JSON.stringify(bad)} became ${JSON.stringify(next)}`,
            );
            assert.ok(next.startsWith("/") && !next.startsWith("//"), next);
          }
          assert.equal(
            (await propsOf("/cameras/x?tab=2#a")).next,
            "/cameras/x?tab=2#a",
          );
        },
      );

      await t.step(
        "#4 the right-most X-Forwarded-For entry is the client address",
        async () => {
          const proxySaw = "198.51.100.7";
          for (let i = 1; i <= 20; i++) {
            await expectError(
              await fetch(`${base}/api/auth/login`, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  // The client forges the left entries; the proxy appends what it saw.
                  "x-forwarded-for": `10.9.${i}.1, ${proxySaw}`,
                },
                body: JSON.stringify({
                  username: `nobody-${i}`,
                  password: "some-password-1",
                }),
              }),
              401,
              `failure ${i}`,
            );
          }
          const res = await fetch(`${base}/api/auth/login`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-forwarded-for": `192.0.2.55, ${proxySaw}`,
            },
            body: JSON.stringify({
              username: ADMIN_USER,
              password: ADMIN_PASSWORD,
            }),
          });
          await expectError(res, 429, "21st try from the same real address");
          const audit = await (await stack.api(
            "/api/audit?action=auth.login.failure&limit=1",
          )).json();
          assert.equal(
            audit.entries[0].ip,
            proxySaw,
            JSON.stringify(audit.entries[0]),
          );
        },
      );

      await t.step(
        "#3 200 parallel logins get at most 5 guesses at one account from one address",
        async () => {
          await createUser(stack, "bob", "first-Pass-of-B22");
          const results = await Promise.all(
            Array.from(
              { length: 200 },
              (_, i) =>
                fetch(`${base}/api/auth/login`, {
                  method: "POST",
                  headers: {
                    "content-type": "application/json",
                    ...fwd("198.51.100.20"),
                  },
                  body: JSON.stringify({
                    username: "bob",
                    password: `wrong-password-${i}`,
                  }),
                }).then(async (r) => {
                  await r.body?.cancel();
                  return r.status;
                }),
            ),
          );
          const guesses = results.filter((s) => s === 401).length;
          assert.ok(guesses <= 5, `${guesses} passwords were checked`);
          assert.ok(
            results.every((s) => s === 401 || s === 429),
            results.join(","),
          );
        },
      );

      await t.step(
        "#3 failures from one address do not lock the account out from another",
        async () => {
          await createUser(stack, "carol", "first-Pass-of-C3");
          for (let i = 1; i <= 6; i++) {
            const res = await fetch(`${base}/api/auth/login`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...fwd("198.51.100.30"),
              },
              body: JSON.stringify({ username: "carol", password: `bad-${i}` }),
            });
            await res.body?.cancel();
            assert.ok([401, 429].includes(res.status), `try ${i}`);
          }
          // The real user, elsewhere: at most a short delay, then in.
          const attempt = () =>
            fetch(`${base}/api/auth/login`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                ...fwd("198.51.100.31"),
              },
              body: JSON.stringify({
                username: "carol",
                password: "first-Pass-of-C3",
              }),
            });
          let res = await attempt();
          if (res.status === 429) {
            const wait = Number(res.headers.get("retry-after"));
            await res.body?.cancel();
            assert.ok(wait > 0 && wait <= 5, `Retry-After ${wait} s`);
            await sleep(wait * 1000 + 100);
            res = await attempt();
          }
          assert.equal(res.status, 200, await res.text());
          // The attacking address stays locked for this account.
          const again = await fetch(`${base}/api/auth/login`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...fwd("198.51.100.30"),
            },
            body: JSON.stringify({
              username: "carol",
              password: "first-Pass-of-C3",
            }),
          });
          await expectError(again, 429, "the attacking address");
        },
      );

      await t.step(
        "#3 PATCH /api/auth/credentials is limited too",
        async () => {
          await createUser(stack, "dave", "first-Pass-of-D4");
          const s = await login(base, "dave", "first-Pass-of-D4");
          const statuses: number[] = [];
          for (let i = 1; i <= 7; i++) {
            const res = await fetch(`${base}/api/auth/credentials`, {
              method: "PATCH",
              headers: { ...s.write, "content-type": "application/json" },
              body: JSON.stringify({
                current_password: `not-it-${i}`,
                new_password: "second-Pass-of-D4",
              }),
            });
            await res.body?.cancel();
            statuses.push(res.status);
          }
          assert.deepEqual(
            statuses,
            [400, 400, 400, 400, 400, 429, 429],
            statuses.join(","),
          );
        },
      );

      await t.step("#13 the network scan is a POST", async () => {
        const get = await stack.api("/api/nodes/scan/cameras?usb=1");
        await expectError(get, 404, "GET scan");
        const readToken = await createToken(base, stack.auth, "ro", "read");
        const ro = await fetch(`${base}/api/nodes/scan/cameras`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${readToken}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ usb: true }),
        });
        await expectError(ro, 403, "read-only token");
        const admin = await login(base, ADMIN_USER, ADMIN_PASSWORD);
        const noCsrf = await fetch(`${base}/api/nodes/scan/cameras`, {
          method: "POST",
          headers: { cookie: admin.cookie, "content-type": "application/json" },
          body: JSON.stringify({ usb: true }),
        });
        await expectError(noCsrf, 403, "cookie without CSRF token");
        const bad = await stack.api("/api/nodes/scan/cameras", {
          method: "POST",
          json: { usb: "perhaps" },
        });
        const err = await expectError(bad, 400, "bad usb");
        assert.equal(err.field, "usb");
        const ok = await fetch(`${base}/api/nodes/scan/cameras`, {
          method: "POST",
          headers: { ...admin.write, "content-type": "application/json" },
          body: JSON.stringify({ usb: true, node: "review-node" }),
        });
        const body = await ok.text();
        assert.equal(ok.status, 200, body);
        assert.ok(Array.isArray(JSON.parse(body).results), body);
      });

      await t.step(
        "#14 case variants of a camera id share one hub entry, removed when unused",
        async () => {
          const hub = stack.controller.streams;
          await eventually(() => hub.size === 0, 5000, "hub empty at start");
          const streams: OpenStream[] = [];
          for (let mask = 1; mask <= 12; mask++) {
            const id = caseVariant(camA, mask * 37);
            streams.push(
              await openStream(`${base}/api/cameras/${id}/stream`, stack.auth),
            );
          }
          const variants = [1, 2, 3].map((m) => caseVariant(camA, m * 91));
          streams.push(
            await openStream(
              `${base}/api/streams/live?cameras=${variants.join(",")}`,
              stack.auth,
            ),
          );
          assert.equal(hub.upstreamCount, 1, "one upstream for one camera");
          assert.equal(hub.size, 1, "one hub entry for one camera");
          for (const s of streams) s.close();
          await Promise.all(streams.map((s) => s.ended));
          await eventually(
            () => hub.size === 0,
            5000,
            "the entry removed after the idle grace",
          );
        },
      );

      // --- #11 API tokens ---
      const eveId = await createUser(
        stack,
        "eve",
        "first-Pass-of-E5",
        "viewer",
        [
          camA,
        ],
      );

      await t.step(
        "#11 tokens can expire; expired tokens are refused",
        async () => {
          const eve = await login(base, "eve", "first-Pass-of-E5");
          const res = await fetch(`${base}/api/tokens`, {
            method: "POST",
            headers: { ...eve.write, "content-type": "application/json" },
            body: JSON.stringify({
              name: "short",
              scope: "read",
              expires_in_days: 1,
            }),
          });
          const made = await res.json();
          assert.equal(res.status, 201, JSON.stringify(made));
          const exp = Date.parse(made.expires_at);
          assert.ok(
            Math.abs(exp - (Date.now() + 86400_000)) < 60_000,
            made.expires_at,
          );
          const ok = await fetch(`${base}/api/cameras`, {
            headers: { authorization: `Bearer ${made.token}` },
          });
          assert.equal(ok.status, 200);
          await ok.body?.cancel();
          // Let it lapse: set its expiry in the past (the clock cannot jump here).
          await stack.controller.db.sql`
          update api_tokens set expires_at = now() - interval '1 second'
          where id = ${made.id}`;
          await expectError(
            await fetch(`${base}/api/cameras`, {
              headers: { authorization: `Bearer ${made.token}` },
            }),
            401,
            "expired token",
          );
          const bad = await fetch(`${base}/api/tokens`, {
            method: "POST",
            headers: { ...eve.write, "content-type": "application/json" },
            body: JSON.stringify({
              name: "x",
              scope: "read",
              expires_in_days: 0,
            }),
          });
          assert.equal(
            (await expectError(bad, 400, "expires_in_days 0")).field,
            "expires_in_days",
          );
        },
      );

      await t.step(
        "#11 an admin reset and a password change revoke the user's tokens",
        async () => {
          const eve = await login(base, "eve", "first-Pass-of-E5");
          const tok = await createToken(base, eve.write, "cli", "read");
          const works = async (token: string) => {
            const r = await fetch(`${base}/api/cameras`, {
              headers: { authorization: `Bearer ${token}` },
            });
            await r.body?.cancel();
            return r.status === 200;
          };
          assert.ok(await works(tok));
          const reset = await stack.api(`/api/users/${eveId}/reset-password`, {
            method: "POST",
            json: { new_password: "reset-Pass-of-E6" },
          });
          assert.equal(reset.status, 200, await reset.text());
          assert.equal(await works(tok), false, "token after admin reset");

          const eve2 = await login(base, "eve", "reset-Pass-of-E6");
          const tok2 = await createToken(base, eve2.write, "cli2", "read");
          const change = await fetch(`${base}/api/auth/credentials`, {
            method: "PATCH",
            headers: { ...eve2.write, "content-type": "application/json" },
            body: JSON.stringify({
              current_password: "reset-Pass-of-E6",
              new_password: "changed-Pass-of-E7",
            }),
          });
          assert.equal(change.status, 200, await change.text());
          assert.equal(await works(tok2), false, "token after password change");
        },
      );

      await t.step("#11 revoke all tokens of a user at once", async () => {
        const eve = await login(base, "eve", "changed-Pass-of-E7");
        const t1 = await createToken(base, eve.write, "a", "read");
        const t2 = await createToken(base, eve.write, "b", "read");
        const mine = await createToken(base, stack.auth, "admin-own", "read");
        // An admin revokes every token of eve.
        const res = await stack.api("/api/tokens/revoke-all", {
          method: "POST",
          json: { user_id: eveId },
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.revoked, 2);
        for (const tk of [t1, t2]) {
          await expectError(
            await fetch(`${base}/api/cameras`, {
              headers: { authorization: `Bearer ${tk}` },
            }),
            401,
            "revoked by revoke-all",
          );
        }
        const still = await fetch(`${base}/api/cameras`, {
          headers: { authorization: `Bearer ${mine}` },
        });
        assert.equal(still.status, 200, "other users' tokens stay");
        await still.body?.cancel();
        // A viewer may only revoke their own.
        const t3 = await createToken(base, eve.write, "c", "read");
        const other = await fetch(`${base}/api/tokens/revoke-all`, {
          method: "POST",
          headers: { ...eve.write, "content-type": "application/json" },
          body: JSON.stringify({ user_id: crypto.randomUUID() }),
        });
        await expectError(other, 403, "viewer revoking another user's tokens");
        const own = await fetch(`${base}/api/tokens/revoke-all`, {
          method: "POST",
          headers: { ...eve.write, "content-type": "application/json" },
          body: JSON.stringify({ user_id: eveId }),
        });
        assert.equal(own.status, 200, await own.text());
        await expectError(
          await fetch(`${base}/api/cameras`, {
            headers: { authorization: `Bearer ${t3}` },
          }),
          401,
          "own token after revoke-all",
        );
      });

      // --- #5 revocation ends open streams ---
      const CLOSE_MS = 3000;
      const streamsOf = async (headers: Record<string, string>) => ({
        mjpegA: await openStream(`${base}/api/cameras/${camA}/stream`, headers),
        mjpegB: await openStream(`${base}/api/cameras/${camB}/stream`, headers),
        mux: await openStream(
          `${base}/api/streams/live?cameras=${camA},${camB}`,
          headers,
        ),
        sse: await openStream(`${base}/api/events`, headers),
      });
      const closeAll = (s: Record<string, OpenStream>) =>
        Object.values(s).forEach((x) => x.close());

      await t.step(
        "#5 removing a grant ends that camera's streams",
        async () => {
          const id = await createUser(
            stack,
            "frank",
            "first-Pass-of-F8",
            "viewer",
            [
              camA,
              camB,
            ],
          );
          const s = await login(base, "frank", "first-Pass-of-F8");
          const open = await streamsOf({ cookie: s.cookie });
          try {
            const res = await stack.api(`/api/users/${id}`, {
              method: "PATCH",
              json: { camera_ids: [camB] },
            });
            assert.equal(res.status, 200, await res.text());
            await endsWithin(
              open.mjpegA,
              CLOSE_MS,
              "MJPEG of the revoked camera",
            );
            await endsWithin(open.mux, CLOSE_MS, "grid stream holding it");
            await endsWithin(open.sse, CLOSE_MS, "event stream");
            await stillRunning(
              open.mjpegB,
              "MJPEG of the camera still granted",
            );
            // Reconnecting re-checks: A refused, B and the events allowed.
            await expectError(
              await fetch(`${base}/api/cameras/${camA}/stream`, {
                headers: { cookie: s.cookie },
              }),
              403,
              "reconnect to A",
            );
          } finally {
            closeAll(open);
          }
        },
      );

      await t.step(
        "#5 deleting a user ends every stream of theirs",
        async () => {
          const id = await createUser(
            stack,
            "gina",
            "first-Pass-of-G9",
            "viewer",
            [
              camA,
              camB,
            ],
          );
          const s = await login(base, "gina", "first-Pass-of-G9");
          const tok = await createToken(base, s.write, "g", "read");
          const bySession = await streamsOf({ cookie: s.cookie });
          const byToken = await streamsOf({ authorization: `Bearer ${tok}` });
          try {
            const res = await stack.api(`/api/users/${id}`, {
              method: "DELETE",
            });
            assert.equal(res.status, 200, await res.text());
            for (const [k, v] of Object.entries({ ...bySession })) {
              await endsWithin(v, CLOSE_MS, `session ${k}`);
            }
            for (const [k, v] of Object.entries({ ...byToken })) {
              await endsWithin(v, CLOSE_MS, `token ${k}`);
            }
          } finally {
            closeAll(bySession);
            closeAll(byToken);
          }
        },
      );

      await t.step(
        "#5 an admin reset and a password change end the user's other streams",
        async () => {
          const id = await createUser(
            stack,
            "hank",
            "first-Pass-of-H10",
            "viewer",
            [camA],
          );
          const s1 = await login(base, "hank", "first-Pass-of-H10");
          const tok = await createToken(base, s1.write, "h", "read");
          const a = await openStream(`${base}/api/cameras/${camA}/stream`, {
            cookie: s1.cookie,
          });
          const b = await openStream(`${base}/api/events`, {
            authorization: `Bearer ${tok}`,
          });
          const reset = await stack.api(`/api/users/${id}/reset-password`, {
            method: "POST",
            json: { new_password: "reset-Pass-of-H11" },
          });
          assert.equal(reset.status, 200, await reset.text());
          await endsWithin(a, CLOSE_MS, "session stream after reset");
          await endsWithin(b, CLOSE_MS, "token stream after reset");

          const s2 = await login(base, "hank", "reset-Pass-of-H11");
          const s3 = await login(base, "hank", "reset-Pass-of-H11");
          const other = await openStream(`${base}/api/cameras/${camA}/stream`, {
            cookie: s3.cookie,
          });
          const change = await fetch(`${base}/api/auth/credentials`, {
            method: "PATCH",
            headers: { ...s2.write, "content-type": "application/json" },
            body: JSON.stringify({
              current_password: "reset-Pass-of-H11",
              new_password: "changed-Pass-of-H12",
            }),
          });
          assert.equal(change.status, 200, await change.text());
          await endsWithin(other, CLOSE_MS, "other session after change");
        },
      );

      await t.step(
        "#5 logout ends that session's streams, not the user's other sessions",
        async () => {
          await createUser(stack, "ivy", "first-Pass-of-I13", "viewer", [camA]);
          const s1 = await login(base, "ivy", "first-Pass-of-I13");
          const s2 = await login(base, "ivy", "first-Pass-of-I13");
          const one = await openStream(`${base}/api/cameras/${camA}/stream`, {
            cookie: s1.cookie,
          });
          const oneSse = await openStream(`${base}/api/events`, {
            cookie: s1.cookie,
          });
          const two = await openStream(`${base}/api/cameras/${camA}/stream`, {
            cookie: s2.cookie,
          });
          try {
            const out = await fetch(`${base}/api/auth/logout`, {
              method: "POST",
              headers: s1.write,
            });
            assert.equal(out.status, 200, await out.text());
            await endsWithin(one, CLOSE_MS, "stream of the signed-out session");
            await endsWithin(
              oneSse,
              CLOSE_MS,
              "events of the signed-out session",
            );
            await stillRunning(two, "the other session's stream");
          } finally {
            two.close();
          }
        },
      );

      await t.step("#5 revoking a token ends its streams", async () => {
        await createUser(stack, "jack", "first-Pass-of-J14", "viewer", [camA]);
        const s = await login(base, "jack", "first-Pass-of-J14");
        const t1 = await createToken(base, s.write, "one", "read");
        const t2 = await createToken(base, s.write, "two", "read");
        const list = await (await fetch(`${base}/api/tokens`, {
          headers: { cookie: s.cookie },
        })).json();
        const id1 = list.tokens.find((x: { name: string }) => x.name === "one")
          .id;
        const one = await openStream(`${base}/api/cameras/${camA}/stream`, {
          authorization: `Bearer ${t1}`,
        });
        const oneSse = await openStream(`${base}/api/events`, {
          authorization: `Bearer ${t1}`,
        });
        const two = await openStream(`${base}/api/cameras/${camA}/stream`, {
          authorization: `Bearer ${t2}`,
        });
        try {
          const res = await fetch(`${base}/api/tokens/${id1}`, {
            method: "DELETE",
            headers: s.write,
          });
          assert.equal(res.status, 200, await res.text());
          await endsWithin(one, CLOSE_MS, "stream of the revoked token");
          await endsWithin(oneSse, CLOSE_MS, "events of the revoked token");
          await stillRunning(two, "the other token's stream");
        } finally {
          two.close();
        }
      });
    } finally {
      await stack.close();
    }
  },
});

Deno.test({
  name: "security review #5: every stream's life is bounded (then re-checked)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({
      flags: { "stream-max-lifetime-s": "2" },
    });
    try {
      await stack.startNodeAgent("lifetime-node");
      const cam = await createDemo(stack, "Lifetime");
      const base = stack.url;
      const t0 = Date.now();
      const open = [
        await openStream(`${base}/api/cameras/${cam}/stream`, stack.auth),
        await openStream(`${base}/api/streams/live?cameras=${cam}`, stack.auth),
        await openStream(`${base}/api/events`, stack.auth),
      ];
      for (const s of open) {
        await endsWithin(s, 5000, "stream past its lifetime");
      }
      const took = Date.now() - t0;
      assert.ok(took >= 1500, `ended after ${took} ms, before its lifetime`);
    } finally {
      await stack.close();
    }
  },
});

Deno.test({
  name: "security review #12: concurrent first-run setups make one admin",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const [race, guess] = await Promise.all([
      startStack({ setupAdmin: false }),
      startStack({ setupAdmin: false }),
    ]);
    const tokenOf = (s: Stack) =>
      new URL(s.controller.setupUrl!).searchParams.get("token");
    const setup = (s: Stack, json: unknown) =>
      fetch(`${s.url}/api/auth/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(json),
      }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    try {
      await t.step(
        "eight parallel setups with the token: one admin",
        async () => {
          const token = tokenOf(race);
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              setup(race, {
                token,
                username: `admin${i}`,
                password: `racing-Pass-of-${i}!`,
              })),
          );
          const [{ n }] = await race.controller.db.sql<{ n: number }[]>`
          select count(*)::int as n from users`;
          assert.equal(n, 1, `${n} accounts; statuses ${results.join(",")}`);
          assert.equal(results.filter((s) => s === 201).length, 1);
          assert.ok(
            results.every((s) => s === 201 || s === 409),
            results.join(),
          );
        },
      );

      await t.step("wrong setup tokens are limited per address", async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
          statuses.push(
            await setup(guess, {
              token: `wrong-${i}`,
              username: "mallory",
              password: "mallory-Pass-99!",
            }),
          );
        }
        assert.ok(
          statuses.slice(0, 10).every((s) => s === 403),
          statuses.join(),
        );
        assert.deepEqual(statuses.slice(10), [429, 429], statuses.join());
      });
    } finally {
      await Promise.all([race.close(), guess.close()]);
    }
  },
});
