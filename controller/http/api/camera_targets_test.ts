/**
 * issue 11 #8: camera sources, test connections and scans may not target
 * loopback, link-local (cloud metadata), unspecified addresses or a node
 * agent's own address — 400 naming the field, before anything connects; LAN
 * ranges stay allowed. `--allow-private-camera-targets` lifts it (the test
 * stack turns it on, tests/support/stack.ts).
 */
import assert from "node:assert/strict";
import { registerNode, startStack } from "../../../tests/support/stack.ts";

Deno.test({
  name: "camera targets: loopback, link-local and node agents are refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ allowPrivateCameraTargets: false });
    try {
      await registerNode(stack, "n1", { address: "http://192.168.7.20:30901" });
      const post = (json: unknown, path = "/api/cameras") =>
        stack.api(path, { method: "POST", json });
      await t.step("denied sources answer 400 naming the field", async () => {
        const denied: [Record<string, unknown>, string][] = [
          [
            { protocol: "rtsp", source_url: "rtsp://127.0.0.1:8554/x" },
            "source_url",
          ],
          [
            { protocol: "rtsp", source_url: "rtsp://2130706433/x" },
            "source_url",
          ],
          [{ protocol: "rtsp", source_url: "rtsp://0x7f.1/x" }, "source_url"],
          [
            { protocol: "http", source_url: "http://localhost:30901/v1/state" },
            "source_url",
          ],
          [{
            protocol: "http",
            source_url: "http://169.254.169.254/latest/meta-data/",
          }, "source_url"],
          [{ protocol: "http", source_url: "http://[::1]/x" }, "source_url"],
          [
            { protocol: "http", source_url: "http://[::ffff:127.0.0.1]/x" },
            "source_url",
          ],
          [
            { protocol: "http", source_url: "http://[fe80::1]/x" },
            "source_url",
          ],
          [{ protocol: "http", source_url: "http://0.0.0.0/x" }, "source_url"],
          [{
            protocol: "http",
            source_url: "http://192.168.7.20:30901/v1/cameras",
          }, "source_url"],
          [
            { protocol: "onvif", source_url: "onvif://u:p@127.0.0.1:8000" },
            "source_url",
          ],
          [{
            protocol: "rtsp",
            source_url: "rtsp://10.1.1.1/sub",
            record_source_url: "rtsp://127.0.0.1/main",
          }, "record_source_url"],
        ];
        for (const [body, field] of denied) {
          const res = await post({ name: "x", ...body });
          const text = await res.text();
          assert.equal(res.status, 400, `${JSON.stringify(body)}: ${text}`);
          const err = JSON.parse(text).error;
          assert.equal(err.field, field, text);
          assert.match(err.message, /allow-private-camera-targets/, text);
        }
        const probe = await post(
          { protocol: "rtsp", source_url: "rtsp://127.0.0.1:1/x" },
          "/api/cameras/probe",
        );
        const text = await probe.text();
        assert.equal(probe.status, 400, text);
        // Refused before any connection: nothing about the port's state.
        assert.doesNotMatch(text, /refused|timed? ?out|unreachable/i);
      });
      await t.step(
        "ONVIF inspection of a denied target answers 400",
        async () => {
          for (
            const [body, field] of [
              [{ host: "127.0.0.1", port: 8000 }, "host"],
              [{ host: "::1" }, "host"],
              [{ url: "onvif://u:p@169.254.169.254" }, "url"],
            ] as const
          ) {
            const res = await post(body, "/api/cameras/onvif/inspect");
            const text = await res.text();
            assert.equal(res.status, 400, `${JSON.stringify(body)}: ${text}`);
            assert.equal(JSON.parse(text).error.field, field, text);
          }
        },
      );
      await t.step("LAN cameras stay allowed", async () => {
        for (
          const url of [
            "rtsp://192.168.1.64:554/Streaming/Channels/101",
            "rtsp://10.0.0.5/live",
            "rtsp://172.16.3.4/live",
            "http://192.168.7.20:8080/video.mjpg",
          ]
        ) {
          const res = await post({
            name: url,
            protocol: url.startsWith("rtsp") ? "rtsp" : "http",
            source_url: url,
          });
          assert.equal(res.status, 201, `${url}: ${await res.text()}`);
        }
      });
      await t.step("a loopback scan is refused", async () => {
        const res = await stack.api("/api/nodes/scan/cameras", {
          method: "POST",
          json: { node: "n1", subnet: "127.0.0.0/24" },
        });
        const text = await res.text();
        assert.equal(res.status, 400, text);
        assert.equal(JSON.parse(text).error.field, "subnet", text);
      });
    } finally {
      await stack.close();
    }
  },
});
