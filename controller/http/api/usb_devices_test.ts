/**
 * USB cameras are pinned to a device their node reported: the node's device
 * list as the API shows it (`GET /api/nodes/{name}/devices/usb`), and the 400s
 * naming `device_path` when a camera asks for a device the node does not have,
 * one that does not capture, or a node that is offline. The heartbeats carry
 * device listings parsed from recorded outputs of real devices.
 */
import assert from "node:assert/strict";
import type { UsbDevice } from "../../../lib/protocol/mod.ts";
import { parseV4l2Ctl } from "../../../node-agent/devices/v4l2ctl.ts";
import {
  registerNode,
  type Stack,
  startStack,
} from "../../../tests/support/stack.ts";

const testdata = new URL(
  "../../../node-agent/devices/testdata/",
  import.meta.url,
);

function device(
  path: string,
  listing: string,
  byId: string | null,
): UsbDevice {
  const p = parseV4l2Ctl(
    Deno.readTextFileSync(new URL(`${listing}.txt`, testdata)),
  );
  return {
    path,
    name: p.card,
    by_id: byId,
    by_path: null,
    bus_info: p.bus_info,
    capture: p.capture ?? false,
    formats: p.formats,
    error: null,
  };
}

const C920_ID =
  "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_6D3D4D5F-video-index0";
const DEVICES = [
  device("/dev/video0", "v4l2ctl_c920_video0", C920_ID),
  device(
    "/dev/video1",
    "v4l2ctl_c920_video1",
    C920_ID.replace("index0", "index1"),
  ),
  device("/dev/video2", "v4l2ctl_mjpeg_only", null),
];

async function beat(stack: Stack, node: string, usb: UsbDevice[]) {
  await registerNode(stack, node, { usb_devices: usb.map((d) => d.path), usb });
}

async function expect400(res: Response, pattern: RegExp, status = 400) {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.field, "device_path");
  assert.match(body.error.message, pattern);
  return body.error.message as string;
}

Deno.test({
  name:
    "usb cameras: device lists from heartbeats, and clear errors for devices a node does not have",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({});
    const post = (json: Record<string, unknown>) =>
      stack.api("/api/cameras", { method: "POST", json });
    try {
      await beat(stack, "pi-1", DEVICES);
      await beat(stack, "empty-1", []);

      await t.step(
        "GET /api/nodes/{name}/devices/usb lists names and formats",
        async () => {
          const res = await stack.api("/api/nodes/pi-1/devices/usb");
          assert.equal(res.status, 200);
          const body = await res.json();
          assert.equal(body.node, "pi-1");
          assert.equal(body.status, "online");
          assert.ok(Date.parse(body.reported_at) > 0);
          assert.deepEqual(body.devices, DEVICES);
          // The node view carries the same list.
          const node = await (await stack.api("/api/nodes/pi-1")).json();
          assert.deepEqual(node.info.usb, DEVICES);
          const missing = await stack.api("/api/nodes/nope/devices/usb");
          assert.equal(missing.status, 404);
          await missing.body?.cancel();
        },
      );

      await t.step(
        "a device the node does not have → 400 listing what it has",
        async () => {
          const msg = await expect400(
            await post({
              name: "Desk",
              protocol: "usb",
              node_name: "pi-1",
              device_path: "/dev/video5",
            }),
            /node "pi-1" has no device \/dev\/video5; it has \/dev\/video0 \(HD Pro Webcam C920\), \/dev\/video2 \(USB 2\.0 Camera: USB Camera\)/,
          );
          assert.doesNotMatch(
            msg,
            /video1/,
            "the metadata node is not offered",
          );
        },
      );

      await t.step(
        "a metadata-only node → 400 saying it does not capture",
        async () => {
          await expect400(
            await post({
              name: "Desk",
              protocol: "usb",
              node_name: "pi-1",
              device_path: "/dev/video1",
            }),
            /\/dev\/video1 \(HD Pro Webcam C920\) on node "pi-1" does not capture video/,
          );
        },
      );

      await t.step("a node without devices → 400 saying so", async () => {
        await expect400(
          await post({ name: "Desk", protocol: "usb", node_name: "empty-1" }),
          /node "empty-1" has no device \/dev\/video0; it reports no video capture devices/,
        );
      });

      let deskId = "";
      await t.step(
        "by its by-id alias → 201; the same device again → 409",
        async () => {
          const res = await post({
            name: "Desk",
            protocol: "usb",
            node_name: "pi-1",
            device_path: C920_ID,
            resolution: "1280x720",
            framerate: 30,
          });
          const cam = await res.json();
          assert.equal(res.status, 201, JSON.stringify(cam));
          assert.equal(cam.device_path, C920_ID);
          deskId = cam.id;
          await expect400(
            await post({
              name: "Desk again",
              protocol: "usb",
              node_name: "pi-1",
              device_path: "/dev/video0",
            }),
            /already camera "Desk"/,
            409,
          );
        },
      );

      await t.step(
        "no device named → the node's first capture device (taken here: 409)",
        async () => {
          // video0 is taken (by its alias): naming none picks video0 and says so.
          await expect400(
            await post({ name: "Other", protocol: "usb", node_name: "pi-1" }),
            /already camera "Desk"/,
            409,
          );
          const res = await post({
            name: "Shelf",
            protocol: "usb",
            node_name: "pi-1",
            device_path: "/dev/video2",
          });
          assert.equal(res.status, 201);
          await res.body?.cancel();
        },
      );

      await t.step(
        "PATCH to a device the node lacks → 400; to another node's device → checked there",
        async () => {
          await expect400(
            await stack.api(`/api/cameras/${deskId}`, {
              method: "PATCH",
              json: { device_path: "/dev/video9" },
            }),
            /has no device \/dev\/video9/,
          );
          await expect400(
            await stack.api(`/api/cameras/${deskId}`, {
              method: "PATCH",
              json: { node_name: "empty-1" },
            }),
            /node "empty-1" has no device/,
          );
          // Renaming does not re-check the device.
          const ok = await stack.api(`/api/cameras/${deskId}`, {
            method: "PATCH",
            json: { name: "Desk C920" },
          });
          assert.equal(ok.status, 200);
          await ok.body?.cancel();
        },
      );

      await t.step(
        "an offline node → 400 saying its devices are not known",
        async () => {
          await stack.controller.nodes.markOffline("pi-1", "test");
          await expect400(
            await post({
              name: "Late",
              protocol: "usb",
              node_name: "pi-1",
              device_path: "/dev/video0",
            }),
            /node "pi-1" is offline/,
          );
        },
      );

      await t.step(
        "a malformed device_path is refused by the schema",
        async () => {
          for (
            const device_path of ["/dev/v4l/by-id/..", "/dev/sda", "video0"]
          ) {
            await expect400(
              await post({
                name: "Bad",
                protocol: "usb",
                node_name: "pi-1",
                device_path,
              }),
              /device_path must look like \/dev\/video0/,
            );
          }
        },
      );
    } finally {
      await stack.close();
    }
  },
});
