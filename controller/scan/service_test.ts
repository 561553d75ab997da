import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import type { ScanReport, ScanResult } from "../../lib/protocol/mod.ts";
import {
  mergeFindings,
  parseScanQuery,
  type ScanCamera,
  ScanService,
} from "./service.ts";
import { system } from "../access/principal.ts";
import { NodeClient } from "../nodes/client.ts";

const ADMIN = system("scan test");

function field(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError && e.kind === "invalid_input", String(e));
    return e.field;
  }
  assert.fail("accepted");
}

Deno.test("parseScanQuery() reads flags, range, ports and node", () => {
  assert.deepEqual(
    parseScanQuery({
      usb: "1",
      onvif: "true",
      subnet: "192.168.1.0/24",
      ports: "554, 8554,554",
      node: "pi-1",
    }),
    {
      usb: true,
      onvif: true,
      subnet: "192.168.1.0/24",
      ports: [554, 8554],
      node: "pi-1",
    },
  );
  assert.deepEqual(parseScanQuery({ usb: "0", onvif: "1" }), {
    usb: false,
    onvif: true,
    subnet: null,
    ports: undefined,
    node: null,
  });
});

Deno.test("parseScanQuery() names the parameter at fault", () => {
  assert.equal(field(() => parseScanQuery({})), "usb");
  assert.equal(field(() => parseScanQuery({ usb: "0", onvif: "0" })), "usb");
  assert.equal(field(() => parseScanQuery({ usb: "maybe" })), "usb");
  assert.equal(field(() => parseScanQuery({ onvif: "2" })), "onvif");
  assert.equal(
    field(() => parseScanQuery({ subnet: "10.0.0.0/16" })),
    "subnet",
  );
  assert.equal(field(() => parseScanQuery({ subnet: "1.2.3.0/24" })), "subnet");
  assert.equal(
    field(() => parseScanQuery({ subnet: "10.0.0.0/24", ports: "80,x" })),
    "ports",
  );
  assert.equal(
    field(() => parseScanQuery({ subnet: "10.0.0.0/24", ports: "0" })),
    "ports",
  );
  assert.equal(
    field(() => parseScanQuery({ usb: "1", ports: "80" })),
    "subnet",
  );
  assert.equal(field(() => parseScanQuery({ usb: "1", node: "../x" })), "node");
});

const net = (
  address: string,
  port: number,
  kind: ScanResult["kind"],
  confidence: ScanResult["confidence"],
): ScanResult => ({
  kind,
  address,
  port,
  device_path: null,
  confidence,
  evidence: `${kind} ${confidence}`,
  needs_credentials: false,
  suggested: {
    protocol: kind,
    source_url: `${kind}://${address}:${port}/`,
    device_path: null,
    node_name: null,
    name: address,
  },
});
const usb = (path: string): ScanResult => ({
  kind: "usb",
  address: null,
  port: null,
  device_path: path,
  confidence: "confirmed",
  evidence: "v4l2",
  needs_credentials: false,
  suggested: {
    protocol: "usb",
    source_url: null,
    device_path: path,
    node_name: null,
    name: path,
  },
});
const report = (node: string, results: ScanResult[]): ScanReport => ({
  node,
  results,
  usb: null,
  onvif: null,
  subnet: null,
  elapsed_ms: 1,
});
const cam = (over: Partial<ScanCamera>): ScanCamera => ({
  id: "c1",
  name: "Porch",
  protocol: "rtsp",
  source_url: null,
  device_path: null,
  node_name: null,
  assigned_node: null,
  ...over,
});

Deno.test("mergeFindings() keeps one entry per device, the surest answer", () => {
  const out = mergeFindings([
    report("a", [
      net("10.0.0.9", 80, "http", "possible"),
      net("10.0.0.10", 554, "rtsp", "confirmed"),
      usb("/dev/video0"),
    ]),
    report("b", [
      net("10.0.0.9", 80, "onvif", "confirmed"),
      usb("/dev/video0"),
    ]),
  ], []);
  assert.deepEqual(
    out.map((f) => [f.kind, f.node, f.nodes, f.address ?? f.device_path]),
    [
      ["usb", "a", ["a"], "/dev/video0"],
      ["usb", "b", ["b"], "/dev/video0"], // another node's own device
      ["onvif", "a", ["a", "b"], "10.0.0.9"],
      ["rtsp", "a", ["a"], "10.0.0.10"],
    ],
  );
});

Deno.test("mergeFindings() marks devices a camera already uses", () => {
  const out = mergeFindings([
    report("a", [
      usb("/dev/video0"),
      usb("/dev/video2"),
      net("192.168.1.20", 554, "rtsp", "confirmed"),
      net("192.168.1.20", 80, "onvif", "confirmed"),
      net("192.168.1.21", 8080, "http", "likely"),
    ]),
  ], [
    cam({
      id: "u",
      name: "Desk",
      protocol: "usb",
      device_path: "/dev/video0",
      assigned_node: "a",
    }),
    cam({ id: "r", source_url: "rtsp://admin:***@192.168.1.20/Streaming/101" }),
    cam({
      id: "h",
      name: "Old",
      protocol: "http",
      source_url: "http://192.168.1.21:8080/video",
    }),
  ]);
  const added = Object.fromEntries(
    out.map((
      f,
    ) => [
      `${f.address ?? f.device_path}:${f.port}`,
      f.already_added?.id ?? null,
    ]),
  );
  assert.deepEqual(added, {
    "/dev/video0:null": "u",
    "/dev/video2:null": null,
    "192.168.1.20:80": null, // the ONVIF service is not the RTSP camera
    "192.168.1.20:554": "r",
    "192.168.1.21:8080": "h",
  });
});

Deno.test("ScanService sends the subnet to one node and refuses overlapping scans", async () => {
  const asked: { url: string; body: Record<string, unknown> }[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => release = r);
  const svc = new ScanService({
    nodes: {
      all: () =>
        Promise.resolve([
          { name: "b", status: "online" },
          { name: "a", status: "online" },
          { name: "c", status: "offline" },
        ]),
    },
    cameras: { all: () => Promise.resolve([]) },
    client: new NodeClient({
      nodes: {
        target: (n) =>
          Promise.resolve({
            address: `http://${n}.invalid:1`,
            token: `key-of-${n}`.padEnd(32, "x"),
          }),
        isOnline: () => Promise.resolve(true),
      },
      fetch: async (url, init) => {
        // Each node is called with its own key (NodeService.target).
        const node = String(url).slice(7, 8);
        assert.equal(
          new Headers(init!.headers).get("authorization"),
          `Bearer ${`key-of-${node}`.padEnd(32, "x")}`,
        );
        asked.push({ url: String(url), body: JSON.parse(String(init!.body)) });
        await gate;
        return Response.json(report(String(url).slice(7, 8), []));
      },
    }),
  });
  const first = svc.scan(ADMIN, { usb: "1", subnet: "10.0.0.0/30" });
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(svc.busyNodes.sort(), ["a", "b"]);
  await assert.rejects(
    svc.scan(ADMIN, { usb: "1", node: "b" }),
    (e) => e instanceof AppError && e.kind === "conflict",
  );
  release();
  const out = await first;
  assert.deepEqual(out.nodes.map((n) => [n.node, n.ok]), [["a", true], [
    "b",
    true,
  ]]);
  assert.deepEqual(
    asked.map((a) => [a.url, a.body.subnet]).sort(),
    [["http://a.invalid:1/v1/scan", "10.0.0.0/30"], [
      "http://b.invalid:1/v1/scan",
      null,
    ]],
  );
  assert.deepEqual(svc.busyNodes, []);
  await assert.rejects(
    svc.scan(ADMIN, { usb: "1", node: "c" }),
    (e) =>
      e instanceof AppError && e.kind === "unavailable" && e.field === "node",
  );
  await assert.rejects(
    svc.scan(ADMIN, { usb: "1", node: "zz" }),
    (e) => e instanceof AppError && e.kind === "not_found",
  );
});
