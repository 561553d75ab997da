/** The scan page's pure helpers (client/scan.ts). */
import assert from "node:assert/strict";
import type { ScanFinding } from "../lib/api/nodes.ts";
import {
  cameraBody,
  initialChoice,
  outcomeText,
  SCAN_FORM_DEFAULTS,
  scanQuery,
} from "./client/scan.ts";

const finding = (over: Partial<ScanFinding>): ScanFinding => ({
  kind: "rtsp",
  address: "192.168.1.20",
  port: 554,
  device_path: null,
  confidence: "confirmed",
  evidence: "RTSP/1.0 401 Unauthorized on OPTIONS",
  needs_credentials: true,
  suggested: {
    protocol: "rtsp",
    source_url: "rtsp://192.168.1.20/",
    device_path: null,
    node_name: null,
    name: "RTSP camera 192.168.1.20",
  },
  node: "n1",
  nodes: ["n1"],
  already_added: null,
  ...over,
});

Deno.test("scanQuery() builds the API query and names what to fix", () => {
  assert.deepEqual(scanQuery(SCAN_FORM_DEFAULTS), {
    ok: true,
    query: "usb=1&onvif=1",
  });
  assert.deepEqual(
    scanQuery({
      ...SCAN_FORM_DEFAULTS,
      usb: false,
      probe: true,
      subnet: " 192.168.1.0/24 ",
      ports: "554, 80",
      node: "pi",
    }),
    {
      ok: true,
      query: "onvif=1&subnet=192.168.1.0%2F24&ports=554%2C80&node=pi",
    },
  );
  const wide = scanQuery({
    ...SCAN_FORM_DEFAULTS,
    probe: true,
    subnet: "10.0.0.0/16",
  });
  assert.equal(wide.ok, false);
  assert.equal(!wide.ok && wide.field, "subnet");
  assert.match(!wide.ok ? wide.message : "", /at most 1024/);
  const ports = scanQuery({
    ...SCAN_FORM_DEFAULTS,
    probe: true,
    subnet: "10.0.0.0/24",
    ports: "554;80",
  });
  assert.equal(!ports.ok && ports.field, "ports");
  const none = scanQuery({ ...SCAN_FORM_DEFAULTS, usb: false, onvif: false });
  assert.equal(!none.ok && none.field, "usb");
});

Deno.test("cameraBody() puts credentials and the path into the source URL", () => {
  const f = finding({});
  assert.deepEqual(
    cameraBody(f, {
      name: " Porch ",
      username: "admin",
      password: "p@ss:w",
      path: "Streaming/101",
    }),
    {
      name: "Porch",
      protocol: "rtsp",
      source_url: "rtsp://admin:p%40ss%3Aw@192.168.1.20/Streaming/101",
    },
  );
  assert.deepEqual(cameraBody(f, { ...initialChoice(f), name: "" }), {
    name: "RTSP camera 192.168.1.20",
    protocol: "rtsp",
    source_url: "rtsp://192.168.1.20/",
  });
  const onvif = finding({
    kind: "onvif",
    port: 8000,
    suggested: {
      protocol: "onvif",
      source_url: "onvif://192.168.1.20:8000",
      device_path: null,
      node_name: null,
      name: "Gate",
    },
  });
  assert.deepEqual(
    cameraBody(onvif, {
      name: "Gate",
      username: "u",
      password: "p",
      path: "/ignored",
    }),
    {
      name: "Gate",
      protocol: "onvif",
      source_url: "onvif://u:p@192.168.1.20:8000",
    },
  );
  const usb = finding({
    kind: "usb",
    address: null,
    port: null,
    device_path: "/dev/video0",
    suggested: {
      protocol: "usb",
      source_url: null,
      device_path: "/dev/video0",
      node_name: "pi",
      name: "C920",
    },
  });
  assert.deepEqual(cameraBody(usb, initialChoice(usb)), {
    name: "C920",
    protocol: "usb",
    device_path: "/dev/video0",
    node_name: "pi",
  });
});

Deno.test("outcomeText() says what each node did", () => {
  assert.equal(
    outcomeText({
      node: "a",
      ok: true,
      error: null,
      elapsed_ms: 2345,
      usb: { ok: true, error: null, elapsed_ms: 5 },
      onvif: { ok: false, error: "no multicast", elapsed_ms: 3000 },
      subnet: {
        ok: true,
        error: null,
        elapsed_ms: 2000,
        subnet: "10.0.0.0/24",
        ports: [554],
        planned: 254,
        attempted: 254,
        open: 3,
        truncated: false,
      },
    }),
    "a: USB listed; ONVIF: no multicast; 10.0.0.0/24: 254 of 254 connects tried, 3 open in 2.3 s",
  );
  assert.equal(
    outcomeText({
      node: "b",
      ok: false,
      error: 'Node "b" did not answer within 30 s',
      elapsed_ms: 30000,
      usb: null,
      onvif: null,
      subnet: null,
    }),
    'b: Node "b" did not answer within 30 s',
  );
});
