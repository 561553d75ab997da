/** The node agent's `GET /v1/devices/usb`: bearer only, the lister's devices as JSON. */
import assert from "node:assert/strict";
import type { UsbDevice } from "../../lib/protocol/mod.ts";
import { createNodeApp } from "../http/app.ts";
import { RelayManager } from "../relay/manager.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const TOKEN = "devices-test-token-0123456789";

Deno.test("GET /v1/devices/usb answers the node's devices to the controller's token only", async () => {
  const p = parseV4l2Ctl(
    Deno.readTextFileSync(
      new URL("testdata/v4l2ctl_c920_video0.txt", import.meta.url),
    ),
  );
  const devices: UsbDevice[] = [{
    path: "/dev/video0",
    name: p.card,
    by_id: null,
    by_path: null,
    bus_info: p.bus_info,
    capture: true,
    formats: p.formats,
    error: null,
  }];
  let calls = 0;
  const relays = new RelayManager({});
  const app = createNodeApp({
    token: TOKEN,
    relays,
    status: () => Promise.reject(new Error("not used")),
    probe: () => Promise.reject(new Error("not used")),
    usbDevices: () => {
      calls++;
      return Promise.resolve(devices);
    },
  });
  const anon = await app.request("/v1/devices/usb");
  assert.equal(anon.status, 401);
  assert.equal((await anon.json()).error.code, "unauthorized");
  assert.equal(calls, 0);

  const res = await app.request("/v1/devices/usb", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { devices });
  await relays.closeAll();
});
