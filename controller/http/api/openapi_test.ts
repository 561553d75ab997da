/**
 * The OpenAPI document cannot drift from the API:
 * - every /api route the Hono app registers is mounted with `api(entry)` whose
 *   method and path are that route's, and every entry of the table is
 *   registered and in the document;
 * - for every body, a sample generated from the documented JSON Schema passes
 *   the route's validator, and bodies that violate the document (an unknown
 *   field, a wrong type, a value outside an enum) are answered 400 naming the
 *   field by the live server; the same for documented query enums;
 * - `/api/openapi.json` serves the document to signed-in callers only.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import type { z } from "zod";
import { type JsonSchema, openApiDocument } from "../../../lib/api/openapi.ts";
import { API_ROUTES, type ApiRoute } from "../../../lib/api/routes.ts";
import { type Stack, startStack } from "../../../tests/support/stack.ts";
import { createControllerApp, PUBLIC_API } from "../app.ts";
import { SESSION_COOKIE } from "../middleware/auth.ts";
import { routeOf } from "./registry.ts";

const doc = openApiDocument({ version: "test", sessionCookie: SESSION_COOKIE });
const honoPath = (p: string) => p.replace(/\{(\w+)\}/g, ":$1");
const key = (method: string, path: string) => `${method} ${path}`;

/** The app with inert services: enough to enumerate its routes. */
function enumerationApp(): Hono {
  const inert = new Proxy({}, {
    get: () => () => {
      throw new Error("route enumeration only; never called");
    },
  }) as never;
  return createControllerApp({
    sql: inert,
    cameras: inert,
    nodes: inert,
    streams: inert,
    bus: inert,
    auth: inert,
    audit: inert,
    settings: inert,
    joinToken: "t",
    snapshot: inert,
    probe: inert,
    version: "test",
    chat: inert,
  }) as unknown as Hono;
}

Deno.test("every registered /api route carries its documented entry, and every entry is registered", () => {
  const app = enumerationApp();
  const byRoute = new Map<string, ApiRoute[]>();
  for (const r of app.routes) {
    if (r.method === "ALL" || !r.path.startsWith("/api/")) continue;
    const path = r.path.length > 1 ? r.path.replace(/\/$/, "") : r.path;
    const k = key(r.method, path);
    const list = byRoute.get(k) ?? [];
    const entry = routeOf(r.handler);
    if (entry) list.push(entry);
    byRoute.set(k, list);
  }
  assert.ok(byRoute.size >= 40, `found ${byRoute.size} /api routes`);
  for (const [k, entries] of byRoute) {
    assert.equal(
      entries.length > 0,
      true,
      `${k} is registered without api(entry): it is missing from the OpenAPI document`,
    );
    for (const e of entries) {
      assert.equal(
        key(e.method, honoPath(e.path)),
        k,
        `${k} is mounted with the entry of ${e.method} ${e.path}`,
      );
    }
  }
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      documented.add(key(method.toUpperCase(), honoPath(path)));
    }
  }
  for (const r of API_ROUTES) {
    const k = key(r.method, honoPath(r.path));
    assert.ok(byRoute.has(k), `${k} is in the table but not registered`);
    assert.ok(documented.has(k), `${k} is missing from the document`);
  }
  assert.deepEqual([...byRoute.keys()].filter((k) => !documented.has(k)), []);
  // The routes documented as public are exactly those the auth middleware lets through.
  assert.deepEqual(
    new Set(API_ROUTES.filter((r) => r.access === "public").map((r) => r.path)),
    PUBLIC_API,
  );
});

// --- Samples from the documented JSON Schema --------------------------------

const STRING_SAMPLES = [
  "abcd1",
  "worker-1",
  "640x480",
  "demo://",
  "/dev/video0",
  "2f3c9a52-6c1e-4e8b-9a55-1d2b3c4d5e6f",
  "2026-01-01T00:00:00Z",
  "192.168.1.0/24",
];

/** A value the documented schema allows: required fields only, first enum value, low bounds. */
function sample(s: JsonSchema): unknown {
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alts) return sample(alts.find((a) => a.type !== "null") ?? alts[0]);
  switch (s.type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      const out: Record<string, unknown> = {};
      for (const name of (s.required ?? []) as string[]) {
        out[name] = sample(props[name]);
      }
      return out;
    }
    case "array":
      return [];
    case "boolean":
      return true;
    case "integer":
    case "number":
      return (s.minimum as number | undefined) ?? 1;
    case "string": {
      const min = (s.minLength as number | undefined) ?? 0;
      const max = (s.maxLength as number | undefined) ?? Infinity;
      const re = s.pattern ? new RegExp(s.pattern as string) : null;
      const found = STRING_SAMPLES.find((v) =>
        v.length >= min && v.length <= max && (!re || re.test(v))
      );
      assert.ok(found, `no sample string fits ${JSON.stringify(s)}`);
      return found;
    }
  }
  return null;
}

/** A value of the wrong JSON type for this schema. */
function wrongType(s: JsonSchema): unknown {
  const types = new Set(
    ((s.anyOf ?? s.oneOf) as JsonSchema[] | undefined)?.map((a) => a.type) ??
      [s.type],
  );
  if (Array.isArray(s.enum)) return "not-one-of-them";
  return types.has("string") ? 12345 : "not-a-number";
}

const bodyRoutes = API_ROUTES.filter((r) => r.body);
const bodySchema = (r: ApiRoute) =>
  doc.paths[r.path][r.method.toLowerCase()].requestBody!.content[
    "application/json"
  ].schema;

Deno.test("a body generated from each documented schema passes the route's own validator", () => {
  assert.ok(bodyRoutes.length >= 12, `${bodyRoutes.length} routes take a body`);
  for (const r of bodyRoutes) {
    const body = sample(bodySchema(r));
    const parsed = (r.body as z.ZodType).safeParse(body);
    assert.ok(
      parsed.success,
      `${r.method} ${r.path}: documented sample ${
        JSON.stringify(body)
      } is refused: ${
        parsed.success ? "" : JSON.stringify(parsed.error.issues[0])
      }`,
    );
  }
});

Deno.test({
  name:
    "the live server refuses bodies and queries that break the document, naming the field",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack: Stack = await startStack({});
    try {
      const send = (r: ApiRoute, json: unknown) =>
        stack.api(
          r.path.replace(/\{(\w+)\}/g, (_, p) =>
            p === "id" ? "2f3c9a52-6c1e-4e8b-9a55-1d2b3c4d5e6f" : "node-x"),
          { method: r.method, json },
        );
      const expect400 = async (res: Response, field: string, what: string) => {
        const text = await res.text();
        assert.equal(
          res.status,
          400,
          `${what}: answered ${res.status} ${text}`,
        );
        const err = JSON.parse(text).error;
        assert.equal(err.field, field, `${what}: ${text}`);
      };

      await t.step(
        "unknown fields, wrong types and bad enum values",
        async () => {
          for (const r of bodyRoutes) {
            const schema = bodySchema(r);
            const what = `${r.method} ${r.path}`;
            if (schema.type === "object") {
              const valid = sample(schema) as Record<string, unknown>;
              if (schema.additionalProperties === false) {
                await expect400(
                  await send(r, { ...valid, zz_not_documented: 1 }),
                  "zz_not_documented",
                  `${what} unknown field`,
                );
              }
              const props = schema.properties as Record<string, JsonSchema>;
              const first = Object.keys(props)[0];
              await expect400(
                await send(r, { ...valid, [first]: wrongType(props[first]) }),
                first,
                `${what} wrong type for ${first}`,
              );
            } else {
              // A union of bodies by discriminator (PTZ): an undocumented one.
              await expect400(
                await send(r, { action: "not-documented" }),
                "action",
                `${what} undocumented discriminator`,
              );
            }
          }
        },
      );

      await t.step("query values outside a documented enum", async () => {
        let checked = 0;
        for (const r of API_ROUTES.filter((r) => r.query)) {
          const op = doc.paths[r.path][r.method.toLowerCase()];
          for (const p of op.parameters ?? []) {
            if (p.in !== "query" || !Array.isArray(p.schema.enum)) continue;
            const path = r.path.replace(
              /\{(\w+)\}/g,
              "2f3c9a52-6c1e-4e8b-9a55-1d2b3c4d5e6f",
            );
            await expect400(
              await stack.api(`${path}?${p.name}=not-one-of-them`),
              p.name,
              `${r.method} ${r.path}?${p.name}`,
            );
            checked++;
          }
        }
        assert.ok(checked >= 4, `query enums checked: ${checked}`);
      });

      await t.step(
        "a documented sample is accepted where no other rule applies",
        async () => {
          const tokens = API_ROUTES.find((r) =>
            r.path === "/api/tokens" && r.method === "POST"
          )!;
          const res = await send(tokens, sample(bodySchema(tokens)));
          assert.equal(res.status, 201, await res.text());
        },
      );

      await t.step(
        "/api/openapi.json: the document, for signed-in callers only",
        async () => {
          const res = await stack.api("/api/openapi.json");
          assert.equal(res.status, 200);
          assert.deepEqual(
            await res.json(),
            JSON.parse(JSON.stringify(openApiDocument({
              version:
                (await (await fetch(`${stack.url}/healthz`)).json()).version,
              sessionCookie: SESSION_COOKIE,
            }))),
          );
          const anon = await stack.api("/api/openapi.json", {
            anonymous: true,
          });
          assert.equal(anon.status, 401, await anon.text());
        },
      );
    } finally {
      await stack.close();
    }
  },
});
