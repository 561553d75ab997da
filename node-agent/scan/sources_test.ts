import assert from "node:assert/strict";
import type { DiscoveredOnvif, UsbDevice } from "../../lib/protocol/mod.ts";
import { onvifResults, usbResults } from "./sources.ts";

const c920: UsbDevice = {
  path: "/dev/video0",
  name: "HD Pro Webcam C920",
  by_id: "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0",
  by_path: null,
  bus_info: "usb-0000:00:14.0-1",
  capture: true,
  formats: [
    {
      pixel_format: "YUYV",
      description: "YUYV 4:2:2",
      ffmpeg_format: "yuyv422",
      compressed: false,
      sizes: [{ width: 640, height: 480, fps: [30] }],
    },
    {
      pixel_format: "MJPG",
      description: "Motion-JPEG",
      ffmpeg_format: "mjpeg",
      compressed: true,
      sizes: [{ width: 1920, height: 1080, fps: [30] }],
    },
  ],
};

Deno.test("usbResults() lists capture devices, pinned to their node", () => {
  const meta: UsbDevice = {
    ...c920,
    path: "/dev/video1",
    capture: false,
    formats: [],
  };
  const nameless: UsbDevice = {
    ...c920,
    path: "/dev/video2",
    name: null,
    formats: [],
  };
  const out = usbResults([c920, meta, nameless], "pi-kitchen");
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], {
    kind: "usb",
    address: null,
    port: null,
    device_path: "/dev/video0",
    confidence: "confirmed",
    evidence:
      'V4L2 capture device "HD Pro Webcam C920" at /dev/video0 (YUYV, MJPG)',
    needs_credentials: false,
    suggested: {
      protocol: "usb",
      source_url: null,
      device_path: "/dev/video0",
      node_name: "pi-kitchen",
      name: "HD Pro Webcam C920",
    },
  });
  assert.equal(out[1].suggested.name, "video2");
  assert.equal(out[1].evidence, "V4L2 capture device at /dev/video2");
});

Deno.test("onvifResults() gives one result per device with its name", () => {
  const d: DiscoveredOnvif = {
    address: "192.168.1.30",
    port: 80,
    xaddrs: ["http://192.168.1.30/onvif/device_service"],
    urn: "urn:uuid:1",
    scopes: [],
    name: "Porch",
    hardware: "DS-2CD2043",
    location: null,
  };
  const out = onvifResults([d, d, {
    ...d,
    urn: "urn:uuid:2",
    port: 8000,
    name: null,
    hardware: null,
  }]);
  assert.equal(out.length, 2);
  assert.equal(out[0].suggested.source_url, "onvif://192.168.1.30");
  assert.equal(out[0].suggested.name, "Porch");
  assert.equal(
    out[0].evidence,
    'WS-Discovery ProbeMatch from "Porch, DS-2CD2043" with device service http://192.168.1.30/onvif/device_service',
  );
  assert.equal(out[1].suggested.source_url, "onvif://192.168.1.30:8000");
  assert.equal(out[1].suggested.name, "ONVIF camera 192.168.1.30:8000");
});
