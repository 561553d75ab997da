/**
 * `POST /api/nodes/scan/cameras` end to end: the controller asks a real node
 * agent (child process) to probe 127.0.0.0/30, where a GStreamer RTSP server
 * with digest auth, the fake ONVIF camera (real SOAP) and a plain web server
 * listen on 127.0.0.1; plus the 400/404/409 answers and the audit entry.
 *
 * WS-Discovery is not asked for here: its multicast would leave the machine
 * (node-agent/onvif's own test runs it inside a network namespace).
 */
import assert from "node:assert/strict";
import type { ScanResponse } from "../../lib/api/nodes.ts";
import { startFakeOnvif } from "../support/fake_onvif.ts";
import { freePort } from "../support/ports.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import { startStack } from "../support/stack.ts";

Deno.test({
  name:
    "scan API: a node probes 127.0.0.0/30 and finds RTSP, ONVIF and HTTP; marks the added camera; 400/404/409; audited",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const rtsp = await startRtspServer({
      user: "admin",
      password: "s3cret-rtsp",
      path: "/",
    });
    const onvif = await startFakeOnvif({
      username: "admin",
      password: "s3cret-onvif",
      profiles: [{
        token: "main",
        name: "Main",
        codec: "H264",
        width: 640,
        height: 480,
        fps: 15,
        streamUri: rtsp.url,
      }],
    });
    const webAc = new AbortController();
    const web = Deno.serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        signal: webAc.signal,
        onListen: () => {},
      },
      () =>
        new Response("<html>router</html>", {
          headers: { "content-type": "text/html" },
        }),
    );
    const closed = await freePort();
    const stack = await startStack();
    /** `POST /api/nodes/scan/cameras` with the fields of a query string as its body. */
    const scan = (query: string) =>
      stack.api("/api/nodes/scan/cameras", {
        method: "POST",
        json: Object.fromEntries(new URLSearchParams(query)),
      });
    try {
      await stack.startNodeAgent("scan-node");
      const existing = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Already here",
          protocol: "rtsp",
          source_url: `rtsp://admin:s3cret-rtsp@127.0.0.1:${rtsp.port}/`,
        },
      });
      assert.equal(existing.status, 201, await existing.clone().text());
      const cam = await existing.json();
      const ports = [rtsp.port, onvif.port, web.addr.port, closed];
      const query = `usb=1&subnet=127.0.0.0/30&ports=${
        ports.join(",")
      }&node=scan-node`;

      await t.step(
        "the scan finds each service once, says how sure it is and why",
        async () => {
          const t0 = Date.now();
          const res = await scan(`${query}`);
          const ms = Date.now() - t0;
          assert.equal(res.status, 200, await res.clone().text());
          const body: ScanResponse = await res.json();
          console.log(`  scan answered in ${ms} ms`);
          assert.equal(body.nodes.length, 1);
          const node = body.nodes[0];
          assert.equal(node.node, "scan-node");
          assert.equal(node.ok, true, node.error ?? "");
          assert.equal(node.usb?.ok, true);
          assert.equal(node.onvif, null);
          assert.equal(node.subnet?.subnet, "127.0.0.0/30");
          assert.equal(node.subnet?.planned, 8);
          assert.equal(node.subnet?.attempted, 8);
          assert.equal(node.subnet?.open, 3);
          assert.equal(node.subnet?.truncated, false);

          const net = body.results.filter((r) => r.kind !== "usb");
          const byPort = new Map(net.map((r) => [r.port, r]));
          assert.equal(net.length, 3, JSON.stringify(net, null, 1));
          for (const r of net) {
            assert.equal(r.address, "127.0.0.1");
            assert.equal(r.node, "scan-node");
          }
          const r = byPort.get(rtsp.port)!;
          assert.equal(r.kind, "rtsp");
          assert.equal(r.confidence, "confirmed");
          assert.equal(r.needs_credentials, true);
          assert.deepEqual(r.already_added, {
            id: cam.id,
            name: "Already here",
          });
          const o = byPort.get(onvif.port)!;
          assert.equal(o.kind, "onvif");
          assert.equal(o.confidence, "confirmed");
          assert.equal(o.already_added, null);
          assert.equal(
            o.suggested.source_url,
            `onvif://127.0.0.1:${onvif.port}`,
          );
          const w = byPort.get(web.addr.port)!;
          assert.equal(w.kind, "http");
          assert.equal(w.confidence, "possible");
          assert.equal(byPort.has(closed), false);
          const text = JSON.stringify(body);
          assert.doesNotMatch(text, /s3cret/, "no credentials in scan results");
        },
      );

      await t.step("a found device is added with its suggestion", async () => {
        const body: ScanResponse =
          await (await scan(`subnet=127.0.0.0/30&ports=${web.addr.port}`))
            .json();
        const found = body.results[0];
        assert.equal(found.kind, "http");
        const res = await stack.api("/api/cameras", {
          method: "POST",
          json: {
            name: found.suggested.name,
            protocol: found.suggested.protocol,
            source_url: found.suggested.source_url,
          },
        });
        assert.equal(res.status, 201, await res.clone().text());
        const again: ScanResponse =
          await (await scan(`subnet=127.0.0.0/30&ports=${web.addr.port}`))
            .json();
        assert.equal(again.results[0].already_added?.id, (await res.json()).id);
      });

      await t.step("bad input is a 400 naming the parameter", async () => {
        for (
          const [q, field] of [
            ["", "usb"],
            ["usb=0", "usb"],
            ["usb=maybe", "usb"],
            ["subnet=10.0.0.0/16", "subnet"],
            ["subnet=8.8.8.0/24", "subnet"],
            ["subnet=127.0.0.1/30", "subnet"],
            ["subnet=127.0.0.0/30&ports=80,abc", "ports"],
            ["usb=1&node=..", "node"],
          ]
        ) {
          const res = await scan(`${q}`);
          assert.equal(res.status, 400, q);
          const body = await res.json();
          assert.equal(body.error.code, "invalid_input", q);
          assert.equal(body.error.field, field, `${q}: ${body.error.message}`);
        }
        const unknown = await scan("usb=1&node=nope");
        assert.equal(unknown.status, 404);
        assert.equal((await unknown.json()).error.field, "node");
      });

      await t.step(
        "a second scan while one runs on the node is refused with 409",
        async () => {
          // The RTSP port is tried as HTTP first (not 554/8554): ~1.5 s of scan.
          const slow = `subnet=127.0.0.1/32&ports=${rtsp.port}`;
          const first = scan(slow);
          await new Promise((r) => setTimeout(r, 300));
          const second = await scan(slow);
          assert.equal(second.status, 409, await second.clone().text());
          assert.match(
            (await second.json()).error.message,
            /already running on node "scan-node"/,
          );
          assert.equal((await first).status, 200);
          const third = await scan(slow);
          assert.equal(third.status, 200, "free again afterwards");
          await third.body?.cancel();
        },
      );

      await t.step(
        "subnet scans are audited with who scanned what range",
        async () => {
          const res = await stack.api("/api/audit?action=camera.scan&limit=50");
          const { entries } = await res.json();
          const mine = entries.find((
            e: { target: string | null; details: Record<string, unknown> },
          ) => e.target === "127.0.0.0/30" && e.details.node === "scan-node");
          assert.ok(mine, JSON.stringify(entries.slice(0, 3)));
          assert.equal(mine.actor.name, "admin");
          assert.deepEqual(mine.details.ports, ports);
        },
      );
    } finally {
      await stack.close();
      webAc.abort();
      await web.finished;
      await onvif.close();
      await rtsp.stop();
    }
  },
});
