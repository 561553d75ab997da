/**
 * RTSP source options through the API (embedded database): rtsp_transport and
 * the recording URL (main stream) are validated naming the field, stored
 * sealed, answered redacted, and reach the camera's node in full.
 */
import assert from "node:assert/strict";
import {
  desiredFor,
  registerNode,
  startStack,
} from "../../tests/support/stack.ts";
import { checkRecordSource } from "./schema.ts";

const NODE = "src-node";

Deno.test("checkRecordSource() allows rtsp URLs on rtsp cameras", () => {
  assert.deepEqual(checkRecordSource("rtsp", null), { url: null });
  assert.deepEqual(checkRecordSource("http", ""), { url: null });
  assert.deepEqual(checkRecordSource("rtsp", "rtsps://cam:322/main"), {
    url: "rtsps://cam:322/main",
  });
  assert.deepEqual(checkRecordSource("rtsp", "file:///etc/passwd"), [
    "record_source_url",
    "record_source_url must start with rtsp:// or rtsps://",
  ]);
  assert.deepEqual(checkRecordSource("rtsp", "not a url"), [
    "record_source_url",
    "record_source_url is not a valid URL (expected rtsp://host/path)",
  ]);
  assert.deepEqual(checkRecordSource("http", "rtsp://cam/main"), [
    "record_source_url",
    "record_source_url is only used by rtsp and onvif cameras, not http",
  ]);
});

Deno.test({
  name: "rtsp_transport and record_source_url through /api/cameras",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({});
    const desired = async () => (await desiredFor(stack, NODE)).cameras;
    try {
      await registerNode(stack, NODE);
      let id = "";

      await t.step("bad input answers 400 naming the field", async () => {
        const cases: [Record<string, unknown>, string][] = [
          [{ rtsp_transport: "multicast" }, "rtsp_transport"],
          [{ rtsp_transport: 1 }, "rtsp_transport"],
          [{ record_source_url: "file:///etc/passwd" }, "record_source_url"],
          [{ record_source_url: "http://cam/main" }, "record_source_url"],
          [{ record_source_url: 5 }, "record_source_url"],
        ];
        for (const [extra, field] of cases) {
          const res = await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Bad",
              protocol: "rtsp",
              source_url: "rtsp://cam/sub",
              ...extra,
            },
          });
          const body = await res.json();
          assert.equal(res.status, 400, JSON.stringify(body));
          assert.equal(body.error.field, field, JSON.stringify(body));
          assert.match(body.error.message, new RegExp(`^${field}`));
        }
        const http = await stack.api("/api/cameras", {
          method: "POST",
          json: {
            name: "Web",
            protocol: "http",
            source_url: "http://cam/video.mjpg",
            record_source_url: "rtsp://cam/main",
          },
        });
        assert.equal(http.status, 400);
        assert.equal((await http.json()).error.field, "record_source_url");
        const list = await (await stack.api("/api/cameras")).json();
        assert.equal(list.total, 0, "nothing was written");
      });

      await t.step(
        "create: sealed, redacted in answers, in full for the node",
        async () => {
          const res = await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Drive",
              protocol: "rtsp",
              source_url: "rtsp://admin:SubPw1234@10.1.1.5/sub",
              record_source_url: "rtsp://admin:MainPw5678@10.1.1.5/main",
              rtsp_transport: "udp",
              node_name: NODE,
            },
          });
          const cam = await res.json();
          assert.equal(res.status, 201, JSON.stringify(cam));
          id = cam.id;
          assert.equal(cam.rtsp_transport, "udp");
          assert.equal(cam.record_source_url, "rtsp://admin:***@10.1.1.5/main");
          const got = await (await stack.api(`/api/cameras/${id}`)).text();
          assert.ok(!got.includes("MainPw5678") && !got.includes("SubPw1234"));
          const [spec] = await desired();
          assert.equal(spec.rtsp_transport, "udp");
          assert.equal(
            spec.record_source_url,
            "rtsp://admin:MainPw5678@10.1.1.5/main",
          );
          assert.equal(spec.source_url, "rtsp://admin:SubPw1234@10.1.1.5/sub");
          const plain = await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Plain",
              protocol: "rtsp",
              source_url: "rtsp://cam/x",
            },
          });
          const p = await plain.json();
          assert.equal(p.rtsp_transport, "tcp", "tcp by default");
          assert.equal(p.record_source_url, null);
        },
      );

      await t.step(
        "PATCH: *** keeps the stored password; null records source_url again",
        async () => {
          const patch = (json: unknown) =>
            stack.api(`/api/cameras/${id}`, { method: "PATCH", json });
          let res = await patch({
            record_source_url: "rtsp://admin:***@10.1.1.5/main2",
            rtsp_transport: "tcp",
          });
          const cam = await res.json();
          assert.equal(res.status, 200, JSON.stringify(cam));
          assert.equal(
            cam.record_source_url,
            "rtsp://admin:***@10.1.1.5/main2",
          );
          let [spec] = await desired();
          assert.equal(
            spec.record_source_url,
            "rtsp://admin:MainPw5678@10.1.1.5/main2",
          );
          assert.equal(spec.rtsp_transport, "tcp");
          res = await patch({ record_source_url: "ftp://10.1.1.5/x" });
          assert.equal(res.status, 400);
          assert.equal((await res.json()).error.field, "record_source_url");
          res = await patch({ record_source_url: null });
          assert.equal((await res.json()).record_source_url, null);
          [spec] = await desired();
          assert.equal(spec.record_source_url, null);
          res = await patch({ rtsp_transport: "http" });
          assert.equal(res.status, 400);
          assert.equal((await res.json()).error.field, "rtsp_transport");
        },
      );
    } finally {
      await stack.close();
    }
  },
});
