import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { UsbDevice } from "../../lib/protocol/mod.ts";
import { parseV4l2Ctl } from "../../node-agent/devices/v4l2ctl.ts";
import { CameraFields } from "../parts/CameraFields.tsx";
import { DEFAULTS } from "./camera_form.ts";
import type { NodeChoice } from "../../controller/web/types.ts";
import {
  deviceChoices,
  deviceOf,
  formatSummary,
  fpsChoices,
  resolutionChoices,
} from "./usb_form.ts";

const testdata = new URL(
  "../../node-agent/devices/testdata/",
  import.meta.url,
);
const C920_ID =
  "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_6D3D4D5F-video-index0";

function device(path: string, listing: string, byId: string | null): UsbDevice {
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
  };
}

const NODE: NodeChoice = {
  name: "pi-1",
  status: "online",
  usb_devices: ["/dev/video0", "/dev/video1", "/dev/video2"],
  usb: [
    device("/dev/video0", "v4l2ctl_c920_video0", C920_ID),
    device("/dev/video1", "v4l2ctl_c920_video1", null),
    device("/dev/video2", "v4l2ctl_mjpeg_only", null),
  ],
};

Deno.test("deviceChoices() offers capture devices by their stable alias, named, with formats", () => {
  assert.deepEqual(deviceChoices(NODE, ""), [
    {
      value: C920_ID,
      label: "/dev/video0 · HD Pro Webcam C920 · YUYV, H264, MJPEG",
    },
    {
      value: "/dev/video2",
      label: "/dev/video2 · USB 2.0 Camera: USB Camera · MJPEG",
    },
  ]);
  // A camera stored as /dev/video0 keeps that value for the same device.
  assert.equal(deviceChoices(NODE, "/dev/video0")[0].value, "/dev/video0");
  // One the node no longer reports stays visible, marked.
  assert.deepEqual(deviceChoices(NODE, "/dev/video7").at(-1), {
    value: "/dev/video7",
    label: "/dev/video7 (not reported by the node)",
  });
  assert.deepEqual(deviceChoices(undefined, ""), []);
});

Deno.test("resolutionChoices() and fpsChoices() follow what the device offers", () => {
  const c920 = deviceOf(NODE, C920_ID);
  const sizes = resolutionChoices(c920);
  assert.equal(sizes[0].value, "2304x1536");
  assert.equal(
    sizes[0].label,
    "2304x1536 · YUYV, up to 2 fps (encoded on the node)",
  );
  assert.equal(
    sizes.find((s) => s.value === "1280x720")?.label,
    "1280x720 · MJPEG, up to 30 fps",
  );
  assert.equal(sizes.length, 19);
  // 7.5 fps cannot be asked for (whole rates only).
  assert.deepEqual(fpsChoices(c920, "1280x720"), [30, 24, 20, 15, 10, 5]);
  assert.deepEqual(fpsChoices(c920, "1234x567"), []);
  assert.deepEqual(resolutionChoices(null), []);
});

Deno.test("formatSummary() says what each device is on the nodes page", () => {
  const [c920, meta, cheap] = NODE.usb!;
  assert.equal(
    formatSummary(c920),
    "YUYV up to 2304x1536, 30 fps · H264 up to 1920x1080, 30 fps · MJPEG up to 1920x1080, 30 fps",
  );
  assert.equal(
    formatSummary(meta),
    "no video capture (metadata or codec node)",
  );
  assert.equal(formatSummary(cheap), "MJPEG up to 1920x1080, 30 fps");
  const pi = device("/dev/video0", "v4l2ctl_bcm2835", null);
  assert.match(
    formatSummary(pi),
    /^YU12 32x32–2592x1944 · YUYV 32x32–2592x1944/,
  );
});

Deno.test("CameraFields for usb: device, resolution and rate selects from the node's device", () => {
  const html = renderToString(h(CameraFields, {
    prefix: "add",
    values: {
      ...DEFAULTS,
      protocol: "usb",
      node_name: "pi-1",
      device_path: C920_ID,
      resolution: "1280x720",
      framerate: "30",
    },
    errors: {},
    set: () => {},
    nodes: [NODE],
  }));
  assert.match(html, /<select id="add-device_path"/);
  assert.match(html, /HD Pro Webcam C920 · YUYV, H264, MJPEG/);
  assert.doesNotMatch(html, /video1/, "the metadata node is not offered");
  assert.match(html, /<select id="add-resolution"/);
  assert.match(html, /1280x720 · MJPEG, up to 30 fps/);
  assert.match(html, /<select id="add-framerate"/);
  assert.match(html, /<option\s+value="24"/);

  // A node that sent no device details: the text field, as before.
  const plain = renderToString(h(CameraFields, {
    prefix: "add",
    values: { ...DEFAULTS, protocol: "usb", node_name: "old-1" },
    errors: {},
    set: () => {},
    nodes: [{ name: "old-1", status: "online", usb_devices: ["/dev/video0"] }],
  }));
  assert.match(plain, /<input id="add-device_path"/);
  assert.match(plain, /<input id="add-resolution"/);
});
