import assert from "node:assert/strict";
import { openApiDocument } from "./openapi.ts";
import { API_ROUTES } from "./routes.ts";

const doc = openApiDocument({ version: "1.2.3", sessionCookie: "sid" });

Deno.test("openApiDocument(): OpenAPI 3.1 with one operation per route table entry", () => {
  assert.equal(doc.openapi, "3.1.0");
  assert.equal(doc.info.version, "1.2.3");
  const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
  assert.equal(ops.length, API_ROUTES.length);
  assert.equal(new Set(ops.map((o) => o.operationId)).size, ops.length);
  assert.deepEqual(doc.components.securitySchemes.session, {
    type: "apiKey",
    in: "cookie",
    name: "sid",
  });
});

Deno.test("openApiDocument(): path parameters match the placeholders, answers are declared", () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(ops)) {
      const what = `${method} ${path}`;
      const inPath = (op.parameters ?? []).filter((p) => p.in === "path");
      assert.deepEqual(inPath.map((p) => p.name), placeholders, what);
      assert.ok(inPath.every((p) => p.required), what);
      assert.ok(
        Object.keys(op.responses).some((s) => s.startsWith("2")),
        `${what} declares a success answer`,
      );
      if (op["x-falcon-access"] === "public") {
        assert.deepEqual(op.security, [], what);
        assert.ok(!("401" in op.responses), what);
      } else {
        assert.ok("401" in op.responses && "403" in op.responses, what);
      }
    }
  }
});

Deno.test("openApiDocument(): request schemas show what is accepted, answers what is sent", () => {
  const create = doc.paths["/api/cameras"].post;
  const body = create.requestBody!.content["application/json"].schema;
  // Defaults make a field optional in a request…
  assert.deepEqual(body.required, ["name", "protocol"]);
  assert.equal(body.additionalProperties, false);
  // …while the answer always carries it.
  const answer = create.responses["201"].content!["application/json"].schema!;
  assert.ok((answer.required as string[]).includes("recording_mode"));
  // source_url may be left out of answers (callers not allowed to see sources).
  assert.ok(!(answer.required as string[]).includes("source_url"));
  const list = doc.paths["/api/recordings"].get.parameters!;
  const status = list.find((p) => p.name === "status")!;
  assert.deepEqual(status.schema.enum, [
    "recording",
    "completed",
    "failed",
    "interrupted",
    "expired",
  ]);
  assert.ok(
    doc.components.schemas.Event_camera,
    "SSE event data is documented",
  );
});
