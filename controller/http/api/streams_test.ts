/**
 * /api/streams/live against the embedded database: the `cameras` list is
 * validated (400 naming the field, 404 naming the id) before any upstream
 * work, and a stream joins each camera once and leaves when the client goes.
 */
import assert from "node:assert/strict";
import { eventually, startStack } from "../../../tests/support/stack.ts";
import { parseCameraIds } from "./streams.ts";

Deno.test("parseCameraIds() trims, deduplicates and limits the list", () => {
  assert.deepEqual(parseCameraIds(["a, b,a"]), ["a", "b"]);
  assert.deepEqual(parseCameraIds(["a", "b"]), ["a", "b"]);
  const many = Array.from({ length: 64 }, (_, i) => `c${i}`);
  assert.equal(parseCameraIds([many.join(",")]).length, 64);
  for (
    const bad of [
      undefined,
      [],
      [""],
      [" "],
      [","],
      ["a,,b"],
      ["a,"],
      [[...many, "c64"].join(",")],
      ["x".repeat(101)],
    ]
  ) {
    assert.throws(
      () => parseCameraIds(bad),
      (e: { kind?: string; field?: string }) =>
        e.kind === "invalid_input" && e.field === "cameras",
      JSON.stringify(bad),
    );
  }
});

Deno.test({
  name: "/api/streams/live on the embedded database",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({});
    try {
      const ids: string[] = [];
      for (const name of ["One", "Two"]) {
        const res = await stack.api("/api/cameras", {
          method: "POST",
          json: { name, protocol: "demo" },
        });
        assert.equal(res.status, 201);
        ids.push((await res.json()).id);
      }

      await t.step("without credentials it answers 401", async () => {
        const res = await stack.api(`/api/streams/live?cameras=${ids[0]}`, {
          anonymous: true,
        });
        assert.equal(res.status, 401);
        await res.body?.cancel();
      });

      await t.step(
        "a malformed or empty list answers 400 naming cameras",
        async () => {
          const many = Array.from({ length: 65 }, () => ids[0]).map((id, i) =>
            i === 0 ? id : crypto.randomUUID()
          );
          for (
            const q of [
              "",
              "?cameras=",
              "?cameras=,",
              `?cameras=${ids[0]},,${ids[1]}`,
              `?cameras=${many.join(",")}`,
            ]
          ) {
            const res = await stack.api(`/api/streams/live${q}`);
            const body = await res.json();
            assert.equal(res.status, 400, `${q}: ${JSON.stringify(body)}`);
            assert.equal(body.error.code, "invalid_input");
            assert.equal(body.error.field, "cameras");
          }
        },
      );

      await t.step(
        "an unknown camera answers 404 naming it, and joins nothing",
        async () => {
          for (const bad of ["00000000-0000-4000-8000-000000000000", "nope"]) {
            const res = await stack.api(
              `/api/streams/live?cameras=${ids[0]},${bad}`,
            );
            const body = await res.json();
            assert.equal(res.status, 404, JSON.stringify(body));
            assert.equal(body.error.code, "not_found");
            assert.match(body.error.message, new RegExp(bad));
          }
          assert.equal(stack.controller.streams.upstreamCount, 0);
        },
      );

      await t.step(
        "a stream joins each camera once and leaves them all on cancel",
        async () => {
          const res = await stack.api(
            `/api/streams/live?cameras=${ids[0]},${ids[1]},${ids[0]}`,
          );
          assert.equal(res.status, 200);
          assert.equal(
            res.headers.get("content-type"),
            "multipart/x-mixed-replace; boundary=falconframe",
          );
          const hubs = ids.map((id) => {
            const { hub, leave } = stack.controller.streams.join(id);
            leave();
            return hub;
          });
          assert.deepEqual(hubs.map((h) => h.subscribers), [1, 1]);
          await res.body!.cancel();
          await eventually(
            () => hubs.every((h) => h.subscribers === 0),
            5000,
            "the stream to leave both cameras",
          );
        },
      );
    } finally {
      await stack.close();
    }
  },
});
