/**
 * No stored secret leaves the controller (docs/design/security.md: secret
 * disclosure in answers and in logs, stolen session table, stolen password
 * database). Known secrets are stored through the API; then every GET route
 * (from the app's own route list, with real ids), the dashboard pages and the
 * event stream are read as admin and as viewer, every log line is captured,
 * and every table is dumped: no secret, no raw session id, no raw API token
 * may appear anywhere.
 */
import assert from "node:assert/strict";
import { configureLog, type LogLevel } from "../../lib/log.ts";
import type { Heartbeat } from "../../lib/protocol/mod.ts";
import {
  ADMIN_PASSWORD,
  registerNode,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  createCamera,
  createToken,
  createUser,
  drain,
  dumpDatabase,
  fillPath,
  key,
  login,
  registeredRoutes,
} from "./helpers.ts";

const NODE = "leak-node";

/** What a secret's `store` may use. */
interface Ctx {
  stack: Stack;
  cameras: string[];
  viewerId: string | null;
  viewerPassword: string | null;
  adminPassword: string;
  camera(body: Record<string, unknown>): Promise<string>;
  patchCamera(index: number, body: Record<string, unknown>): Promise<void>;
}

interface SecretCase {
  name: string;
  value: string;
  store(value: string, ctx: Ctx): Promise<void>;
}

/** A fresh secret: URL-safe, passes the password policy, unique in the test. */
function secret(name: string, store: SecretCase["store"]): SecretCase {
  const hex = [...crypto.getRandomValues(new Uint8Array(8))].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
  return { name, value: `Zk${hex}Qx`, store };
}

/**
 * A fresh secret holding the characters naive redaction misses (`@ : space %`
 * and a percent-escape), typed raw into a URL (issue 11 #1).
 */
function nasty(name: string, store: SecretCase["store"]): SecretCase {
  const s = secret(name, store);
  return { ...s, value: `${s.value.slice(0, 6)}@: %41${s.value.slice(6)}` };
}

async function ok(res: Response, status: number, what: string) {
  const text = await res.text();
  assert.equal(res.status, status, `${what}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Every kind of secret the system stores, and how to store it: adding a kind
 * is one line. LLM provider keys and chat-bot tokens do not exist yet; when
 * they arrive, add them here (e.g. `secret("LLM API key", (v, x) =>
 * x.stack.api("/api/llm/...", { method: "POST", json: { api_key: v } }))`) and
 * this test holds them to the same rules.
 */
const SECRETS: SecretCase[] = [
  secret("rtsp camera password", async (v, x) => {
    await x.camera({
      name: "Gate",
      protocol: "rtsp",
      source_url: `rtsp://cam:${v}@10.9.9.9/x`,
    });
  }),
  secret("http camera password", async (v, x) => {
    await x.camera({
      name: "Yard",
      protocol: "http",
      source_url: `http://viewer:${v}@10.9.9.8/mjpeg`,
    });
  }),
  secret("password in a source query", async (v, x) => {
    await x.camera({
      name: "Shed",
      protocol: "http",
      source_url: `http://10.9.9.7/snap.cgi?user=admin&password=${v}`,
    });
  }),
  secret("recording stream (main) password", async (v, x) => {
    await x.camera({
      name: "Drive",
      protocol: "rtsp",
      source_url: "rtsp://cam@10.9.9.11/sub",
      record_source_url: `rtsp://cam:${v}@10.9.9.11/main`,
    });
  }),
  secret(
    "onvif camera password (live and recording profiles)",
    async (v, x) => {
      await x.camera({
        name: "Porch",
        protocol: "onvif",
        source_url: `onvif://admin:${v}@10.9.9.13:8000?profile=sub`,
        record_source_url: `onvif://admin:${v}@10.9.9.13:8000?profile=main`,
      });
    },
  ),
  secret(
    "recording stream password changed by PATCH",
    (v, x) =>
      x.patchCamera(0, { record_source_url: `rtsp://rec:${v}@10.9.9.12/main` }),
  ),
  secret(
    "camera password changed by PATCH",
    (v, x) =>
      x.patchCamera(0, { source_url: `rtsps://cam:${v}@10.9.9.10:322/y` }),
  ),
  // issue 11 #1: passwords with @ : space, and credentials in query strings and paths.
  nasty("rtsp password holding @, : and a space", async (v, x) => {
    await x.camera({
      name: "Nasty",
      protocol: "rtsp",
      source_url: `rtsp://cam:${v}@10.9.9.20/x`,
    });
  }),
  secret("loginuse/loginpas query password", async (v, x) => {
    await x.camera({
      name: "Cheap",
      protocol: "http",
      source_url:
        `http://10.9.9.21/videostream.cgi?loginuse=admin&loginpas=${v}`,
    });
  }),
  secret("usr/pwd query password", async (v, x) => {
    await x.camera({
      name: "Cheaper",
      protocol: "http",
      source_url: `http://10.9.9.22/snapshot.cgi?usr=admin&pwd=${v}`,
    });
  }),
  secret("password in an XMEye-style path", async (v, x) => {
    await x.camera({
      name: "Dvr",
      protocol: "rtsp",
      source_url:
        `rtsp://10.9.9.23:554/user=admin&password=${v}&channel=1&stream=0.sdp`,
    });
  }),
  secret("user-only key as the userinfo", async (v, x) => {
    await x.camera({
      name: "Keyed",
      protocol: "http",
      source_url: `http://${v}@10.9.9.24/mjpg`,
    });
  }),
  secret(
    "password echoed in ffmpeg stderr (camera error_message)",
    async (v, x) => {
      // The node reports what ffmpeg wrote: the URL, and a form post's fields.
      await registerNode(x.stack, NODE, {
        cameras: [{
          id: x.cameras[0],
          state: "backoff",
          viewers: 0,
          fps: 0,
          error:
            `[rtsp @ 0x5] 401 'rtsps://cam:${v}@10.9.9.10:322/y': auth; GET /cgi?user=admin&pwd=${v}`,
          restarts: 1,
          last_frame_at: null,
        }],
      } as Partial<Heartbeat>);
    },
  ),
  secret("admin password (changed)", async (v, x) => {
    await ok(
      await x.stack.api("/api/auth/credentials", {
        method: "PATCH",
        json: { current_password: x.adminPassword, new_password: v },
      }),
      200,
      "admin password change",
    );
    x.adminPassword = v;
  }),
  secret("viewer password (created)", async (v, x) => {
    x.viewerId = await createUser(x.stack, "watcher", v, "viewer", [
      x.cameras[0],
    ]);
    x.viewerPassword = v;
  }),
  secret("viewer password (reset by admin)", async (v, x) => {
    await ok(
      await x.stack.api(`/api/users/${x.viewerId}/reset-password`, {
        method: "POST",
        json: { new_password: v },
      }),
      200,
      "viewer reset",
    );
    x.viewerPassword = v;
  }),
  // AI provider keys (controller/agents): an agent's own and a shared one.
  secret("an agent's own provider key", async (v, x) => {
    const res = await x.stack.api("/api/agents", {
      method: "POST",
      json: {
        name: "Leak",
        slug: "leak",
        provider: "openai",
        model: "gpt-test",
        api_key: v,
      },
    });
    assert.equal(res.status, 201, await res.text());
  }),
  secret("a shared provider key", async (v, x) => {
    const res = await x.stack.api("/api/providers/anthropic", {
      method: "PATCH",
      json: { api_key: v },
    });
    assert.equal(res.status, 200, await res.text());
  }),
];

Deno.test({
  name: "security: no secret in any answer, log line or table",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: true });
    const lines: string[] = [];
    configureLog({
      level: "debug",
      sink: (line: string, _level: LogLevel) => lines.push(line),
    });
    const events = new AbortController();
    try {
      const base = stack.url;
      const { headers: node, credential } = await registerNode(stack, NODE);
      // The event stream is open while secrets are stored: camera events ride on it.
      const sse = await fetch(`${base}/api/events`, {
        headers: stack.auth,
        signal: events.signal,
      });
      assert.equal(sse.status, 200);
      const sseText = drain(sse, { timeoutMs: 60_000 });

      const ctx: Ctx = {
        stack,
        cameras: [],
        viewerId: null,
        viewerPassword: null,
        adminPassword: ADMIN_PASSWORD,
        async camera(body) {
          const id = await createCamera(stack, body);
          this.cameras.push(id);
          return id;
        },
        async patchCamera(i, body) {
          await ok(
            await stack.api(`/api/cameras/${this.cameras[i]}`, {
              method: "PATCH",
              json: body,
            }),
            200,
            "patch camera",
          );
        },
      };
      for (const s of SECRETS) await s.store(s.value, ctx);
      assert.ok(ctx.viewerId && ctx.viewerPassword, "a viewer exists");

      // Credentials that exist only at run time.
      const adminSession = await login(base, "admin", ctx.adminPassword);
      const viewerSession = await login(base, "watcher", ctx.viewerPassword!);
      const viewerToken = await createToken(
        base,
        viewerSession.write,
        "watcher cli",
        "read",
      );
      const adminReadToken = await createToken(base, stack.auth, "ro", "read");
      const setupToken = new URL(stack.controller.setupUrl!).searchParams.get(
        "token",
      )!;
      const leakAgent = (await stack.controller.agents.list(
        { kind: "system", name: "leak test" },
      )).agents.find((a) => a.slug === "leak")!;
      const agentCredential = (await stack.controller.agentCredentials.mint(
        leakAgent.id,
      )).secret;
      const secretKey = (await Deno.readTextFile(`${stack.dataDir}/secret.key`))
        .trim();
      const runtime: [string, string][] = [
        ["ADMIN_PASSWORD (the first password)", ADMIN_PASSWORD],
        ["admin session cookie", adminSession.value],
        ["viewer session cookie", viewerSession.value],
        ["admin API token", stack.adminToken],
        ["admin read-only API token", adminReadToken],
        ["viewer API token", viewerToken],
        ["join token", stack.controller.joinToken],
        ["node secret", credential.secret],
        ["node API key", credential.apiKey],
        ["setup token", setupToken],
        ["secret key", secretKey],
        ["agent process credential", agentCredential],
      ];
      const all: [string, string][] = [
        ...SECRETS.map((s): [string, string] => [s.name, s.value]),
        ...runtime,
      ];
      for (const [name, value] of all) {
        assert.ok(value.length >= 8, `${name} is a real value`);
      }
      // Percent-encoded forms too (a URL may carry a secret encoded).
      const needles = all.flatMap(([name, value]): [string, string][] =>
        encodeURIComponent(value) === value
          ? [[name, value]]
          : [[name, value], [`${name} (encoded)`, encodeURIComponent(value)]]
      );
      const leaks: string[] = [];
      const scan = (where: string, text: string) => {
        for (const [name, value] of needles) {
          if (text.includes(value)) leaks.push(`${name} in ${where}`);
        }
      };

      await t.step(
        "the secrets were really stored (the node, and only it, gets camera passwords)",
        async () => {
          const desired = await (await fetch(
            `${base}/internal/v1/nodes/${NODE}/desired`,
            { headers: node },
          )).text();
          assert.ok(
            desired.includes(SECRETS[0].value) ||
              desired.includes(
                SECRETS.find((s) =>
                  s.name === "camera password changed by PATCH"
                )!.value,
              ),
            desired,
          );
          assert.ok(
            desired.includes(SECRETS[1].value),
            "http camera password reaches its node",
          );
          for (
            const s of SECRETS.filter((s) => s.name.startsWith("recording"))
          ) {
            assert.ok(desired.includes(s.value), `${s.name} reaches its node`);
          }
          await login(base, "watcher", ctx.viewerPassword!);
        },
      );

      await t.step(
        "no GET route, page or event answers a secret (as admin and as viewer)",
        async () => {
          const routes = registeredRoutes(stack).filter((r) =>
            r.method === "GET"
          );
          assert.ok(
            routes.length >= 15,
            `GET routes found: ${routes.map(key).join(", ")}`,
          );
          const dashboard = await (await fetch(`${base}/`, {
            headers: { cookie: adminSession.cookie },
          })).text();
          const assets = [...dashboard.matchAll(/\/assets\/([^"'\s>]+)/g)].map((
            m,
          ) => m[1]);
          assert.ok(assets.length > 0, "the dashboard references assets");
          const users = (await (await stack.api("/api/users")).json())
            .users as { id: string }[];
          const tokens = (await (await stack.api("/api/tokens")).json())
            .tokens as { id: string }[];
          // Each parameter takes every real value of its kind, so a new route is called with real data.
          const values: Record<string, string[]> = {
            id: [
              ...ctx.cameras,
              ...users.map((u) => u.id),
              ...tokens.map((x) => x.id),
            ],
            name: [NODE],
            node: [NODE],
            file: [...new Set(assets), "x.js"],
            agent_id: [
              ...((await (await stack.api("/api/agents")).json()).agents as {
                id: string;
              }[]).map((a) => a.id),
              "00000000-0000-4000-8000-000000000000",
            ],
            session_id: ["00000000-0000-4000-8000-000000000000"],
            turn_id: ["00000000-0000-4000-8000-000000000000"],
            provider: ["openai", "anthropic", "openai_compatible"],
            path: ["agents/none.jpg"],
          };
          const callers: [string, Record<string, string>][] = [
            ["admin token", stack.auth],
            ["admin session", { cookie: adminSession.cookie }],
            ["viewer token", { authorization: `Bearer ${viewerToken}` }],
            ["viewer session", { cookie: viewerSession.cookie }],
          ];
          let calls = 0;
          let okCalls = 0;
          for (const r of routes) {
            const params = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) =>
              m[1]
            );
            let paths = [r.path];
            for (const p of params) {
              const vs = values[p];
              assert.ok(vs, `${key(r)}: no values for :${p}; add them above`);
              paths = paths.flatMap((path) =>
                vs.map((v) =>
                  // One parameter at a time: the others stay for the next round.
                  fillPath(path, { [p]: v }, { partial: true }).replace(
                    /%2F/g,
                    "/",
                  )
                )
              );
            }
            for (const path of paths) {
              const query = r.path === "/api/streams/live"
                ? `?cameras=${ctx.cameras.join(",")}`
                : r.path === "/api/audit"
                ? "?limit=500"
                : "";
              for (const [who, headers] of callers) {
                const res = await fetch(`${base}${path}${query}`, {
                  headers,
                  redirect: "manual",
                });
                calls++;
                if (res.ok) okCalls++;
                const body = await drain(res, { timeoutMs: 300 });
                const where = `GET ${path}${query} as ${who} (${res.status})`;
                scan(`${where} body`, body);
                // issue 11 #1: sources are for admins; a viewer learns no camera address.
                if (who.startsWith("viewer") && /10\.9\.9\./.test(body)) {
                  leaks.push(`a camera address in ${where} body`);
                }
                scan(`${where} headers`, JSON.stringify([...res.headers]));
              }
            }
          }
          assert.ok(okCalls >= 40, `${okCalls} of ${calls} calls answered 2xx`);
          // The audit log holds camera source changes (redacted): it was read in full.
          const audit = await (await stack.api("/api/audit?limit=500")).json();
          assert.ok(
            audit.entries.some((e: { action: string }) =>
              e.action === "camera.update"
            ),
            "the audit log recorded the source change",
          );
          // Admins read the (redacted) sources; viewers get no such field.
          const asViewer = await (await fetch(`${base}/api/cameras`, {
            headers: { authorization: `Bearer ${viewerToken}` },
          })).json();
          assert.equal(asViewer.total, 1, "the viewer sees the granted camera");
          for (const cam of asViewer.cameras) {
            assert.ok(!("source_url" in cam), "no source_url for a viewer");
            assert.ok(!("record_source_url" in cam), "no record_source_url");
          }
          const asAdmin = await (await stack.api("/api/cameras")).json();
          assert.ok(
            asAdmin.cameras.every((c: object) => "source_url" in c),
            "admins get source_url",
          );
          // A viewer's event stream: camera events carry no source fields.
          const viewerEvents = await fetch(`${base}/api/events`, {
            headers: { authorization: `Bearer ${viewerToken}` },
          });
          assert.equal(viewerEvents.status, 200);
          const viewerSse = drain(viewerEvents, { timeoutMs: 3000 });
          await new Promise((r) => setTimeout(r, 300));
          await ctx.patchCamera(0, { location: "gate post" });
          const viewerBody = await viewerSse;
          assert.match(viewerBody, /gate post/, "the viewer got the event");
          assert.doesNotMatch(viewerBody, /source_url|10\.9\.9\./);
          scan("the viewer's event stream", viewerBody);
          events.abort();
          const sseBody = await sseText;
          assert.ok(
            sseBody.includes("10.9.9.8"),
            "the event stream carried the camera events",
          );
          scan("the event stream", sseBody);
          assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join("\n")}`);
        },
      );

      await t.step("no log line holds a secret", () => {
        leaks.length = 0;
        assert.ok(
          lines.some((l) => l.includes("node online")),
          `the log sink captured the controller's lines (${lines.length})`,
        );
        for (const [i, line] of lines.entries()) {
          scan(`log line ${i}: ${line.slice(0, 120)}`, line);
        }
        assert.deepEqual(leaks, [], `secrets in logs:\n${leaks.join("\n")}`);
      });

      await t.step(
        "the database holds digests and sealed values, never a secret",
        async () => {
          leaks.length = 0;
          const tables = await dumpDatabase(stack);
          for (
            const name of [
              "cameras",
              "users",
              "sessions",
              "api_tokens",
              "audit_log",
            ]
          ) {
            assert.ok(tables.has(name), `table ${name} dumped`);
          }
          for (const [name, text] of tables) scan(`table ${name}`, text);
          assert.deepEqual(
            leaks,
            [],
            `secrets in the database:\n${leaks.join("\n")}`,
          );
          // The dump is the real data: digests of the session and token are there.
          const sha = async (s: string) =>
            [
              ...new Uint8Array(
                await crypto.subtle.digest(
                  "SHA-256",
                  new TextEncoder().encode(s),
                ),
              ),
            ]
              .map((b) => b.toString(16).padStart(2, "0")).join("");
          assert.ok(
            tables.get("sessions")!.includes(await sha(adminSession.value)),
            "session digest stored",
          );
          assert.ok(
            tables.get("api_tokens")!.includes(await sha(viewerToken)),
            "token digest stored",
          );
          assert.ok(
            tables.get("cameras")!.includes("10.9.9.8"),
            "cameras dumped",
          );
          assert.match(
            tables.get("users")!,
            /\$argon2id\$/,
            "passwords are argon2id hashes",
          );
        },
      );
    } finally {
      events.abort();
      configureLog({
        level: "error",
        sink: (line, level) =>
          level === "error" || level === "warn"
            ? console.error(line)
            : console.log(line),
      });
      await stack.close();
    }
  },
});
