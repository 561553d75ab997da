/**
 * An onvif camera's recording profile (record_source_url) through the API
 * (embedded database): an onvif:// URL of the same camera only, sealed at
 * rest, redacted in answers, `***` on PATCH keeps the stored password, and
 * the node gets both URLs in full.
 */
import assert from "node:assert/strict";
import {
  desiredFor,
  registerNode,
  startStack,
} from "../../tests/support/stack.ts";
import { checkRecordSource } from "./schema.ts";

const NODE = "onvif-rec-node";
const LIVE = "onvif://admin:Live-Pw-4411@10.2.0.9:8000?profile=sub";
const MAIN = "onvif://admin:Live-Pw-4411@10.2.0.9:8000?profile=main";

Deno.test("checkRecordSource(): onvif cameras record a profile of the same camera", () => {
  assert.deepEqual(checkRecordSource("onvif", MAIN, LIVE), { url: MAIN });
  assert.deepEqual(checkRecordSource("onvif", null, LIVE), { url: null });
  // Host names compare without case; the port must match (another device service).
  assert.deepEqual(
    checkRecordSource(
      "onvif",
      "onvif://u:p@CAM.lan?profile=m",
      "onvif://cam.lan",
    ),
    { url: "onvif://u:p@CAM.lan?profile=m" },
  );
  const same =
    "record_source_url must be a profile of the same ONVIF camera (host and port) as source_url";
  assert.deepEqual(
    checkRecordSource("onvif", MAIN.replace("10.2.0.9", "10.2.0.10"), LIVE),
    ["record_source_url", same],
  );
  assert.deepEqual(
    checkRecordSource("onvif", MAIN.replace(":8000", ""), LIVE),
    ["record_source_url", same],
  );
  assert.deepEqual(checkRecordSource("onvif", MAIN, null), [
    "record_source_url",
    same,
  ]);
  assert.deepEqual(checkRecordSource("onvif", "rtsp://10.2.0.9/main", LIVE), [
    "record_source_url",
    "record_source_url must start with onvif://",
  ]);
  assert.deepEqual(
    checkRecordSource("onvif", "onvif://10.2.0.9:8000/x?profile=m", LIVE),
    [
      "record_source_url",
      "record_source_url must not have a path: onvif://user:pass@host[:port]?profile=TOKEN",
    ],
  );
  assert.deepEqual(
    checkRecordSource("onvif", "onvif://10.2.0.9:8000?profile=", LIVE),
    [
      "record_source_url",
      "record_source_url: profile must be 1 to 64 characters",
    ],
  );
});

Deno.test({
  name: "onvif record_source_url through /api/cameras",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({});
    const desired = async () => (await desiredFor(stack, NODE)).cameras;
    try {
      // A registered node (no agent process needed: nothing runs here).
      await registerNode(stack, NODE);
      const create = (json: Record<string, unknown>) =>
        stack.api("/api/cameras", {
          method: "POST",
          json: { name: "Gate", protocol: "onvif", node_name: NODE, ...json },
        });
      let id = "";

      await t.step(
        "another camera or an rtsp URL: 400 naming the field",
        async () => {
          for (
            const record of [
              MAIN.replace("10.2.0.9", "10.2.0.66"),
              "rtsp://admin:x@10.2.0.9/main",
              "onvif://10.2.0.9:8000?colour=red",
            ]
          ) {
            const res = await create({
              source_url: LIVE,
              record_source_url: record,
            });
            const body = await res.json();
            assert.equal(res.status, 400, JSON.stringify(body));
            assert.equal(body.error.field, "record_source_url");
            assert.match(body.error.message, /^record_source_url/);
          }
          assert.equal(
            (await (await stack.api("/api/cameras")).json()).total,
            0,
          );
        },
      );

      await t.step(
        "create: sealed, redacted in answers, in full for the node",
        async () => {
          const res = await create({
            source_url: LIVE,
            record_source_url: MAIN,
            rtsp_transport: "udp",
          });
          const cam = await res.json();
          assert.equal(res.status, 201, JSON.stringify(cam));
          id = cam.id;
          assert.equal(
            cam.record_source_url,
            "onvif://admin:***@10.2.0.9:8000?profile=main",
          );
          assert.equal(
            cam.source_url,
            "onvif://admin:***@10.2.0.9:8000?profile=sub",
          );
          const answers = await (await stack.api("/api/cameras")).text();
          assert.doesNotMatch(answers, /Live-Pw-4411/);
          // Sealed at rest: the password is nowhere in the row.
          const [row] = await stack.controller.db.sql`
          select * from cameras where id = ${id}`;
          assert.doesNotMatch(JSON.stringify(row), /Live-Pw-4411/);
          const [spec] = await desired();
          assert.equal(spec.source_url, LIVE);
          assert.equal(spec.record_source_url, MAIN);
          assert.equal(spec.rtsp_transport, "udp");
        },
      );

      await t.step(
        "PATCH: *** keeps the stored password; the camera cannot move away from its recording profile",
        async () => {
          const patch = async (json: unknown) => {
            const res = await stack.api(`/api/cameras/${id}`, {
              method: "PATCH",
              json,
            });
            return { status: res.status, body: await res.json() };
          };
          let r = await patch({
            record_source_url: "onvif://admin:***@10.2.0.9:8000?profile=third",
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          let [spec] = await desired();
          assert.equal(
            spec.record_source_url,
            "onvif://admin:Live-Pw-4411@10.2.0.9:8000?profile=third",
          );
          // Moving only the live profile to another host would leave the
          // recording profile on the old one: refused, naming the field.
          r = await patch({
            source_url: "onvif://admin:Live-Pw-4411@10.2.0.10:8000?profile=sub",
          });
          assert.equal(r.status, 400, JSON.stringify(r.body));
          assert.equal(r.body.error.field, "record_source_url");
          // And a *** never carries the stored password to another host.
          r = await patch({
            source_url: "onvif://admin:***@10.2.0.10:8000?profile=sub",
          });
          assert.equal(r.status, 400, JSON.stringify(r.body));
          assert.equal(r.body.error.field, "source_url");
          // "Same as live view", then a first recording profile sent with ***
          // takes the live profile's stored password.
          r = await patch({ record_source_url: null });
          assert.equal(r.body.record_source_url, null);
          [spec] = await desired();
          assert.equal(spec.record_source_url, null);
          r = await patch({
            record_source_url: "onvif://admin:***@10.2.0.9:8000?profile=main",
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          [spec] = await desired();
          assert.equal(spec.record_source_url, MAIN);
          // Both move together: fine, with the password typed once.
          r = await patch({
            source_url: "onvif://admin:Live-Pw-4411@10.2.0.10:8000?profile=sub",
            record_source_url: "onvif://admin:***@10.2.0.10:8000?profile=main",
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          [spec] = await desired();
          assert.equal(
            spec.record_source_url,
            "onvif://admin:Live-Pw-4411@10.2.0.10:8000?profile=main",
          );
          assert.equal(
            spec.source_url,
            "onvif://admin:Live-Pw-4411@10.2.0.10:8000?profile=sub",
          );
        },
      );
    } finally {
      await stack.close();
    }
  },
});
