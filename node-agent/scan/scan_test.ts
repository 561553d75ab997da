/** The scan's orchestration: parts side by side, one scan at a time, one time limit. */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import type { ScanResult } from "../../lib/protocol/mod.ts";
import { Scanner, type ScannerDeps } from "./scan.ts";
import { probeSubnet } from "./subnet.ts";

const usbCam: ScanResult = {
  kind: "usb",
  address: null,
  port: null,
  device_path: "/dev/video0",
  confidence: "confirmed",
  evidence: "V4L2 capture device at /dev/video0",
  needs_credentials: false,
  suggested: {
    protocol: "usb",
    source_url: null,
    device_path: "/dev/video0",
    node_name: "n1",
    name: "video0",
  },
};

function deps(over: Partial<ScannerDeps> = {}): ScannerDeps {
  return {
    node: "n1",
    usb: () => Promise.resolve([usbCam]),
    onvif: () => Promise.resolve([]),
    probeSubnet: (cidr, opts) =>
      probeSubnet(cidr, {
        ...opts,
        connect: () => Promise.reject(new Error("refused")),
      }),
    ...over,
  };
}

Deno.test("Scanner runs the asked parts and reports each", async () => {
  const s = new Scanner(deps());
  const r = await s.scan({
    usb: true,
    onvif: false,
    subnet: "10.0.0.0/30",
    ports: [554],
  });
  assert.equal(r.node, "n1");
  assert.deepEqual(r.results, [usbCam]);
  assert.equal(r.usb?.ok, true);
  assert.equal(r.onvif, null);
  assert.equal(r.subnet?.planned, 2);
  assert.equal(r.subnet?.attempted, 2);
  assert.equal(s.busy, false);
});

Deno.test("Scanner reports a failing part without failing the scan", async () => {
  const s = new Scanner(deps({
    onvif: () =>
      Promise.reject(new Error("no multicast route on rtsp://u:pw@x")),
  }));
  const r = await s.scan({ usb: true, onvif: true });
  assert.equal(r.results.length, 1);
  assert.equal(r.onvif?.ok, false);
  assert.match(r.onvif!.error!, /no multicast route/);
  assert.doesNotMatch(r.onvif!.error!, /pw/);
});

Deno.test("Scanner refuses a second scan while one runs (409)", async () => {
  let release = () => {};
  const s = new Scanner(deps({
    usb: () => new Promise((resolve) => release = () => resolve([])),
  }));
  const first = s.scan({ usb: true, onvif: false });
  assert.equal(s.busy, true);
  await assert.rejects(
    s.scan({ usb: true, onvif: false }),
    (e) =>
      e instanceof AppError && e.kind === "conflict" &&
      /already running on node "n1"/.test(e.message),
  );
  release();
  await first;
  assert.equal(s.busy, false);
  const again = s.scan({ usb: true, onvif: false }); // free again
  release();
  assert.equal((await again).usb?.ok, true);
});

Deno.test("Scanner ends a part that outlives the time limit", async () => {
  const s = new Scanner(deps({
    timeLimitMs: 150,
    usb: () => new Promise(() => {}), // hangs
  }));
  const t0 = performance.now();
  const r = await s.scan({ usb: true, onvif: false });
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(r.usb?.ok, false);
  assert.equal(r.usb?.error, "time limit reached");
});

Deno.test("Scanner refuses a bad range before any part starts", async () => {
  let usbCalls = 0;
  const s = new Scanner(deps({
    usb: () => {
      usbCalls++;
      return Promise.resolve([]);
    },
  }));
  await assert.rejects(
    s.scan({ usb: true, onvif: false, subnet: "10.0.0.0/8" }),
    (e) => e instanceof AppError && e.field === "subnet",
  );
  await assert.rejects(
    s.scan({ usb: true, onvif: false, subnet: "10.0.0.0/24", ports: [70000] }),
    (e) => e instanceof AppError && e.field === "ports",
  );
  assert.equal(usbCalls, 0);
  assert.equal(s.busy, false);
});
