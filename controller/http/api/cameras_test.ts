/**
 * /api/cameras against the embedded database (PGlite through pglite-socket,
 * the `falcon up` path): shapes, validation naming the field, secrets sealed
 * and redacted, and nothing written by a rejected request.
 */
import assert from "node:assert/strict";
import {
  registerNode,
  type Stack,
  startStack,
} from "../../../tests/support/stack.ts";

async function expectError(
  res: Response,
  status: number,
  field?: string,
  code?: string,
) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(typeof body.error?.message, "string");
  assert.ok(body.error.message.length > 0);
  if (field) assert.equal(body.error.field, field, JSON.stringify(body));
  if (code) assert.equal(body.error.code, code);
  return body;
}

Deno.test({
  name: "/api/cameras on the embedded database",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack: Stack = await startStack({});
    try {
      await registerNode(stack, "usb-node", { usb_devices: ["/dev/video0"] });
      const count = async () =>
        (await (await stack.api("/api/cameras")).json()).total as number;

      await t.step(
        "create answers 201 with the original's shape and a redacted source",
        async () => {
          const res = await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Gate",
              protocol: "rtsp",
              source_url: "rtsp://admin:Sup3rSecret!@10.1.2.3:554/live",
            },
          });
          assert.equal(res.status, 201);
          const cam = await res.json();
          assert.equal(cam.source_url, "rtsp://admin:***@10.1.2.3:554/live");
          assert.equal(cam.resolution, "640x480");
          assert.equal(cam.framerate, 15);
          assert.equal(cam.status, "pending");
          assert.equal(cam.stream_url, `/api/cameras/${cam.id}/stream`);
          for (
            const k of [
              "id",
              "name",
              "protocol",
              "location",
              "device_path",
              "node_name",
              "metadata",
              "created_at",
            ]
          ) {
            assert.ok(k in cam, `camera has ${k}`);
          }
          const [row] = await stack.controller.db
            .sql`select * from cameras where id = ${cam.id}`;
          assert.doesNotMatch(
            JSON.stringify(row),
            /Sup3rSecret/,
            "the password is not stored in clear",
          );
          const list = await (await stack.api("/api/cameras")).json();
          assert.doesNotMatch(JSON.stringify(list), /Sup3rSecret/);
          assert.equal(list.total, list.cameras.length);
        },
      );

      await t.step(
        "PATCH with the redacted URL keeps the stored password",
        async () => {
          const [cam] =
            (await (await stack.api("/api/cameras")).json()).cameras;
          const res = await stack.api(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: {
              source_url: "rtsp://admin:***@10.1.2.4:554/live",
              name: "Gate 2",
            },
          });
          // Another host: the stored password is not sent there on a ***.
          assert.equal(res.status, 400);
          const refused = await res.json();
          assert.equal(refused.error.field, "source_url");
          assert.match(refused.error.message, /type the password again/);
          const moved = await stack.api(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { source_url: "rtsp://admin:Sup3rSecret!@10.1.2.4:554/s" },
          });
          assert.equal(moved.status, 200);
          await moved.body?.cancel();
          const res2 = await stack.api(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: {
              source_url: "rtsp://admin:***@10.1.2.4:554/live",
              name: "Gate 2",
            },
          });
          assert.equal(res2.status, 200);
          const updated = await res2.json();
          assert.equal(updated.name, "Gate 2");
          assert.equal(
            updated.source_url,
            "rtsp://admin:***@10.1.2.4:554/live",
          );
          await stack.controller.db
            .sql`update cameras set assigned_node = 'usb-node' where id = ${cam.id}`;
          const specs = await stack.controller.cameras.specsForNode("usb-node");
          assert.equal(
            specs.find((s) => s.id === cam.id)?.source_url,
            "rtsp://admin:Sup3rSecret!@10.1.2.4:554/live",
          );
        },
      );

      await t.step(
        "usb camera needs a known node and a device; one camera per device",
        async () => {
          await expectError(
            await stack.api("/api/cameras", {
              method: "POST",
              json: { name: "Desk", protocol: "usb" },
            }),
            400,
            "node_name",
          );
          await expectError(
            await stack.api("/api/cameras", {
              method: "POST",
              json: {
                name: "Desk",
                protocol: "usb",
                node_name: "no-such-node",
              },
            }),
            400,
            "node_name",
          );
          const ok = await stack.api("/api/cameras", {
            method: "POST",
            json: { name: "Desk", protocol: "usb", node_name: "usb-node" },
          });
          assert.equal(ok.status, 201);
          assert.equal((await ok.json()).device_path, "/dev/video0");
          await expectError(
            await stack.api("/api/cameras", {
              method: "POST",
              json: {
                name: "Desk 2",
                protocol: "usb",
                node_name: "usb-node",
                device_path: "/dev/video0",
              },
            }),
            409,
            "device_path",
            "conflict",
          );
        },
      );

      await t.step(
        "bad input answers 4xx naming the field, and writes nothing",
        async () => {
          const before = await count();
          const cases: [
            RequestInit & { json?: unknown },
            number,
            string | undefined,
          ][] = [
            [
              { method: "POST", json: { name: "x", protocol: "smoke-signal" } },
              400,
              "protocol",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "onvif", source_url: "rtsp://h/" },
              },
              400,
              "source_url",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "rtsp", source_url: "not a url" },
              },
              400,
              "source_url",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "rtsp", source_url: "http://h/x" },
              },
              400,
              "source_url",
            ],
            [
              { method: "POST", json: { name: "x", protocol: "rtsp" } },
              400,
              "source_url",
            ],
            [
              { method: "POST", json: { name: "", protocol: "demo" } },
              400,
              "name",
            ],
            [{ method: "POST", json: { protocol: "demo" } }, 400, "name"],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "demo", framerate: 0 },
              },
              400,
              "framerate",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "demo", framerate: "15" },
              },
              400,
              "framerate",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "demo", resolution: "big" },
              },
              400,
              "resolution",
            ],
            [
              {
                method: "POST",
                json: { name: "x", protocol: "demo", framrate: 10 },
              },
              400,
              "framrate",
            ],
            [{ method: "POST", json: [1, 2] }, 400, undefined],
            [{ method: "POST", json: null }, 400, undefined],
            [
              {
                method: "POST",
                body: "{not json",
                headers: { "content-type": "application/json" },
              },
              400,
              "body",
            ],
            [
              {
                method: "POST",
                body: "name=x",
                headers: {
                  "content-type": "application/x-www-form-urlencoded",
                },
              },
              415,
              undefined,
            ],
            [
              {
                method: "POST",
                json: {
                  name: "x",
                  protocol: "demo",
                  metadata: { blob: "a".repeat(2 * 1024 * 1024) },
                },
              },
              413,
              undefined,
            ],
          ];
          for (const [init, status, field] of cases) {
            await expectError(
              await stack.api("/api/cameras", init),
              status,
              field,
            );
          }
          assert.equal(
            await count(),
            before,
            "no camera was written by a rejected request",
          );
        },
      );

      await t.step("unknown ids answer 404 for every verb", async () => {
        for (
          const id of [
            "00000000-0000-4000-8000-000000000000",
            "not-a-uuid",
            "1%27%20or%201=1",
          ]
        ) {
          await expectError(
            await stack.api(`/api/cameras/${id}`),
            404,
            "id",
            "not_found",
          );
          await expectError(
            await stack.api(`/api/cameras/${id}`, { method: "DELETE" }),
            404,
            "id",
          );
          await expectError(
            await stack.api(`/api/cameras/${id}`, {
              method: "PATCH",
              json: { name: "n" },
            }),
            404,
            "id",
          );
          await expectError(
            await stack.api(`/api/cameras/${id}/stream`),
            404,
            "id",
          );
          await expectError(
            await stack.api(`/api/cameras/${id}/snapshot`),
            404,
            "id",
          );
        }
      });

      await t.step(
        "a PATCH that fails validation changes nothing",
        async () => {
          const [cam] =
            (await (await stack.api("/api/cameras?protocol=rtsp")).json())
              .cameras;
          await expectError(
            await stack.api(`/api/cameras/${cam.id}`, {
              method: "PATCH",
              json: { name: "ok", framerate: 99 },
            }),
            400,
            "framerate",
          );
          assert.equal(
            (await (await stack.api(`/api/cameras/${cam.id}`)).json()).name,
            cam.name,
          );
        },
      );

      await t.step("list filters are validated", async () => {
        await expectError(
          await stack.api("/api/cameras?protocol=carrier-pigeon"),
          400,
          "protocol",
        );
        const usb = await (await stack.api("/api/cameras?protocol=usb")).json();
        assert.ok(
          usb.cameras.every((c: { protocol: string }) => c.protocol === "usb"),
        );
      });

      await t.step(
        "stream and snapshot of a camera whose node is offline answer 503 with the reason",
        async () => {
          const [cam] =
            (await (await stack.api("/api/cameras?protocol=usb")).json())
              .cameras;
          await stack.controller.nodes.markOffline("usb-node", "test");
          const body = await expectError(
            await stack.api(`/api/cameras/${cam.id}/stream`),
            503,
            undefined,
            "unavailable",
          );
          assert.match(body.error.message, /usb-node/);
          await expectError(
            await stack.api(`/api/cameras/${cam.id}/snapshot`),
            503,
          );
          const after = await (await stack.api(`/api/cameras/${cam.id}`))
            .json();
          assert.equal(after.status, "offline");
        },
      );

      await t.step(
        "delete answers the original shape and removes the camera",
        async () => {
          const [cam] =
            (await (await stack.api("/api/cameras?protocol=usb")).json())
              .cameras;
          const res = await stack.api(`/api/cameras/${cam.id}`, {
            method: "DELETE",
          });
          assert.equal(res.status, 200);
          assert.equal((await res.json()).id, cam.id);
          await expectError(await stack.api(`/api/cameras/${cam.id}`), 404);
        },
      );

      await t.step(
        "node protocol refuses a missing or wrong token",
        async () => {
          const res = await fetch(
            `${stack.url}/internal/v1/nodes/usb-node/desired`,
            {
              headers: { authorization: "Bearer wrong-token-wrong-token" },
            },
          );
          await expectError(res, 401);
          await expectError(
            await fetch(`${stack.url}/internal/v1/nodes/usb-node/desired`),
            401,
          );
        },
      );

      await t.step("health probes answer", async () => {
        assert.equal((await stack.api("/healthz")).status, 200);
        assert.equal((await stack.api("/readyz")).status, 200);
        await expectError(await stack.api("/api/nope"), 404);
      });
    } finally {
      await stack.close();
    }
  },
});
