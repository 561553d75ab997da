/**
 * Pure helpers of the grid layout, camera forms, camera page and nodes page:
 * byte formatting, sparkline paths, the layout's storage key, request bodies
 * and the "Test connection" line.
 */
import assert from "node:assert/strict";
import {
  describeProbe,
  describeProbeFailure,
  fieldsFor,
  nodeOptions,
  patchBody,
  probeBody,
  toBody,
  valuesOf,
} from "./client/camera_form.ts";
import { formatBytes, formatSeconds, percent } from "./client/format.ts";
import {
  DEFAULT_LAYOUT,
  layoutKey,
  loadLayout,
  parseLayout,
  saveLayout,
} from "./client/grid_layout.ts";
import { canvasSize } from "./client/live_view.ts";
import {
  niceCeil,
  pushSample,
  SAMPLES,
  seriesSummary,
  sparklinePath,
} from "./client/sparkline.ts";
import type { CameraView, NodeView } from "../controller/web/types.ts";
import { toLoad, toNodeChoice, toNodeDetail } from "../controller/web/views.ts";
import { fileName } from "./CameraDetail.tsx";
import { gridClass } from "./CameraGrid.tsx";
import { addLoad, applyNodeEvent } from "./NodesView.tsx";

const camera: CameraView = {
  id: "33333333-3333-4333-8333-333333333333",
  name: "Porch",
  protocol: "rtsp",
  location: "Front",
  source_url: "rtsp://admin:***@10.0.0.9:554/s1",
  device_path: null,
  node_name: "node-a",
  assigned_node: "node-a",
  resolution: "1920x1080",
  framerate: 25,
  status: "online",
  error_message: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

Deno.test("formatBytes() uses binary units with at most one decimal", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1 KiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(150 * 1024 ** 2), "150 MiB");
  assert.equal(formatBytes(120 * 1024 ** 3), "120 GiB");
  assert.equal(formatBytes(931.32 * 1024 ** 3), "931 GiB");
  assert.equal(formatBytes(9.96 * 1024 ** 3), "10 GiB");
  assert.equal(formatBytes(1024 ** 2 - 1), "1 MiB", "never 1024 KiB");
  assert.equal(formatBytes(3 * 1024 ** 5), "3 PiB");
  assert.equal(formatBytes(-1), "unknown");
  assert.equal(formatBytes(NaN), "unknown");
  assert.equal(percent(120, 500), 24);
  assert.equal(percent(1, 0), 0);
  assert.equal(percent(7, 5), 100);
  assert.equal(formatSeconds(812), "0.8 s");
  assert.equal(formatSeconds(12_345), "12.3 s");
});

Deno.test("sparklinePath() draws newest on the right, 0 at the bottom, clamped to max", () => {
  const box = { width: 100, height: 20, max: 100, capacity: 5 };
  assert.equal(sparklinePath([], box), "");
  // One sample: a short flat segment at the right edge.
  assert.equal(sparklinePath([50], box), "M75,10L100,10");
  // Two samples fill the last two slots (25 wide each).
  assert.equal(sparklinePath([0, 100], box), "M75,20L100,0");
  assert.equal(
    sparklinePath([0, 25, 50, 75, 100], box),
    "M0,20L25,15L50,10L75,5L100,0",
  );
  // More than the capacity: only the newest show; out-of-range values clamp.
  assert.equal(
    sparklinePath([9, 9, -5, 25, 50, 75, 250], box),
    "M0,20L25,15L50,10L75,5L100,0",
  );
  // Rounded to 0.1; a zero max draws against 1.
  assert.equal(
    sparklinePath([1, 2], { width: 10, height: 3, max: 3, capacity: 3 }),
    "M5,2L10,1",
  );
  assert.equal(
    sparklinePath([0], { width: 10, height: 10, max: 0, capacity: 2 }),
    "M0,10L10,10",
  );
});

Deno.test("pushSample() keeps a ring of the last SAMPLES values; seriesSummary()", () => {
  let ring: number[] = [];
  for (let i = 0; i < SAMPLES + 5; i++) ring = pushSample(ring, i);
  assert.equal(ring.length, SAMPLES);
  assert.equal(ring[0], 5);
  assert.equal(ring.at(-1), SAMPLES + 4);
  const before = [1, 2, 3];
  assert.deepEqual(pushSample(before, 4, 3), [2, 3, 4]);
  assert.deepEqual(before, [1, 2, 3], "a new array");
  assert.deepEqual(seriesSummary([5, 1, 9, 3]), { min: 1, max: 9, last: 3 });
  assert.deepEqual([0.3, 1, 3, 7, 10, 11, 60, 98, 150].map(niceCeil), [
    0.5,
    1,
    5,
    10,
    10,
    20,
    100,
    100,
    200,
  ]);
  assert.equal(niceCeil(0), 1);
  assert.equal(seriesSummary([]), null);
});

Deno.test("the grid layout is stored per user id; bad stored values fall back to the default", () => {
  assert.equal(layoutKey("u-1"), "falcon-eye:grid-layout:u-1");
  assert.notEqual(layoutKey("u-1"), layoutKey("u-2"));
  assert.deepEqual(parseLayout(null), DEFAULT_LAYOUT);
  assert.deepEqual(parseLayout("{bad json"), DEFAULT_LAYOUT);
  assert.deepEqual(parseLayout("null"), DEFAULT_LAYOUT);
  assert.deepEqual(parseLayout('{"view":"list","cols":3}'), {
    view: "list",
    cols: 3,
  });
  assert.deepEqual(parseLayout('{"view":"tiles","cols":7}'), DEFAULT_LAYOUT);
  assert.deepEqual(parseLayout('{"cols":"2"}'), DEFAULT_LAYOUT);
  assert.equal(gridClass(0), "grid");
  assert.equal(gridClass(3), "grid c3");

  // Round trip through a Storage-like object.
  const store = new Map<string, string>();
  const fake = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
  const desc = Object.getOwnPropertyDescriptor(globalThis, "localStorage");
  Object.defineProperty(globalThis, "localStorage", {
    value: fake,
    configurable: true,
  });
  try {
    saveLayout("u-1", { view: "grid", cols: 4 });
    assert.deepEqual([...store.keys()], ["falcon-eye:grid-layout:u-1"]);
    assert.deepEqual(loadLayout("u-1"), { view: "grid", cols: 4 });
    assert.deepEqual(loadLayout("u-2"), DEFAULT_LAYOUT, "another user");
    fake.getItem = () => {
      throw new Error("SecurityError");
    };
    assert.deepEqual(loadLayout("u-1"), DEFAULT_LAYOUT, "storage disabled");
  } finally {
    if (desc) Object.defineProperty(globalThis, "localStorage", desc);
    else delete (globalThis as { localStorage?: unknown }).localStorage;
  }
});

Deno.test("camera forms: fields per protocol, PATCH only what changed, probe body", () => {
  assert.deepEqual(fieldsFor("rtsp"), [
    "name",
    "protocol",
    "source_url",
    "record_source_url",
    "rtsp_transport",
    "node_name",
    "location",
    "resolution",
    "framerate",
  ]);
  assert.ok(fieldsFor("usb").includes("device_path"));
  assert.ok(!fieldsFor("demo").includes("node_name"));
  // "Any node" is left out of a create.
  assert.deepEqual(
    toBody({ ...valuesOf(camera), node_name: "", source_url: "rtsp://h/s" }),
    {
      name: "Porch",
      protocol: "rtsp",
      source_url: "rtsp://h/s",
      rtsp_transport: "tcp",
      location: "Front",
      resolution: "1920x1080",
      framerate: 25,
    },
  );

  const before = valuesOf(camera);
  assert.equal(before.framerate, "25");
  assert.deepEqual(patchBody(before, before), {}, "nothing changed");
  assert.deepEqual(
    patchBody(before, {
      ...before,
      name: " Porch 2 ",
      location: "",
      node_name: "",
      framerate: "10",
    }),
    { name: "Porch 2", location: null, node_name: null, framerate: 10 },
  );
  assert.ok(
    !("source_url" in patchBody(before, { ...before, name: "x" })),
    "an untouched redacted URL is not sent",
  );
  assert.ok(
    !("protocol" in patchBody(before, { ...before, protocol: "http" })),
    "the protocol cannot change",
  );

  assert.deepEqual(probeBody(before, camera.id), {
    protocol: "rtsp",
    source_url: "rtsp://admin:***@10.0.0.9:554/s1",
    rtsp_transport: "tcp",
    device_path: null,
    node_name: "node-a",
    camera_id: camera.id,
  });
  assert.deepEqual(
    probeBody({
      ...before,
      protocol: "usb",
      device_path: "/dev/video0",
      node_name: "",
    }),
    {
      protocol: "usb",
      source_url: null,
      device_path: "/dev/video0",
      node_name: null,
    },
  );
});

Deno.test("describeProbe(): the one-line result of Test connection", () => {
  const ok = {
    ok: true,
    error: null,
    video: { codec: "h264", width: 1920, height: 1080, fps: 25 },
    audio: { codec: "pcm_mulaw", sample_rate: 8000, channels: 1 },
    node: "n1",
    elapsed_ms: 812,
  };
  assert.equal(
    describeProbe(ok),
    "h264 · 1920×1080 · 25 fps · audio pcm_mulaw (node n1, 0.8 s)",
  );
  assert.equal(
    describeProbe({
      ...ok,
      video: { codec: "mjpeg", width: 640, height: 480, fps: 29.97002997 },
      audio: null,
    }),
    "mjpeg · 640×480 · 29.97 fps · no audio (node n1, 0.8 s)",
  );
  assert.equal(
    describeProbe({
      ...ok,
      video: { codec: "hevc", width: 2560, height: 1440, fps: null },
    }),
    "hevc · 2560×1440 · audio pcm_mulaw (node n1, 0.8 s)",
  );
  assert.equal(
    describeProbeFailure({
      ...ok,
      ok: false,
      error: "401 Unauthorized",
      video: null,
      audio: null,
      elapsed_ms: 2049,
    }),
    "401 Unauthorized (node n1, 2.0 s)",
  );
});

Deno.test("nodeOptions() keeps a camera's node that is no longer known", () => {
  const nodes = [{
    name: "a",
    status: "online" as const,
    usb_devices: ["/dev/video0"],
  }];
  assert.equal(nodeOptions(nodes, ""), nodes);
  assert.equal(nodeOptions(nodes, "a"), nodes);
  assert.deepEqual(nodeOptions(nodes, "gone").map((n) => n.name), [
    "a",
    "gone",
  ]);
});

const NODE: NodeView = {
  name: "node-a",
  status: "online",
  address: "http://10.0.0.4:30901",
  last_heartbeat_at: "2026-01-02T03:04:05.000Z",
  version: "0.9.0",
  cameras: 1,
  info: {
    ffmpeg: { available: true, version: "6.1.1", path: "/usr/bin/ffmpeg" },
    usb_devices: ["/dev/video0", 7, null],
    disk: { path: "/data", total_bytes: 100, free_bytes: 40 },
    load: { cpu_percent: 12.5, memory_bytes: 1000 },
    camera_runtime: [
      {
        id: camera.id,
        state: "running",
        viewers: 1,
        fps: 25,
        error: null,
        restarts: 0,
        last_frame_at: null,
      },
      { state: "running" },
      "garbage",
    ],
    started_at: "2026-01-01T00:00:00.000Z",
  },
};

Deno.test("toNodeDetail() checks every fact of the stored heartbeat", () => {
  const d = toNodeDetail(NODE, new Map([[camera.id, "Porch"]]));
  assert.deepEqual(d.ffmpeg, { available: true, version: "6.1.1" });
  assert.deepEqual(d.usb_devices, ["/dev/video0"]);
  assert.deepEqual(d.disk, { path: "/data", total_bytes: 100, free_bytes: 40 });
  assert.deepEqual(d.load, { cpu_percent: 12.5, memory_bytes: 1000 });
  assert.equal(d.camera_runtime.length, 1, "malformed entries are dropped");
  assert.equal(d.camera_runtime[0].name, "Porch");
  assert.equal(d.started_at, "2026-01-01T00:00:00.000Z");
  // Enrolment (issue 11 #6): shown when the API says it, null = not enrolled.
  assert.equal(d.enrolled_at, undefined);
  assert.equal(
    toNodeDetail({ ...NODE, enrolled_at: "2026-01-01T00:00:00.000Z" })
      .enrolled_at,
    "2026-01-01T00:00:00.000Z",
  );
  assert.equal(toNodeDetail({ ...NODE, enrolled_at: null }).enrolled_at, null);

  const bare = toNodeDetail({
    name: "n",
    status: "offline",
    address: null,
    last_heartbeat_at: null,
  });
  assert.deepEqual(bare, {
    name: "n",
    status: "offline",
    address: null,
    version: null,
    last_heartbeat_at: null,
    started_at: null,
    cameras: 0,
    ffmpeg: null,
    usb_devices: [],
    disk: null,
    load: null,
    camera_runtime: [],
  });
  const odd = toNodeDetail({
    ...NODE,
    info: {
      disk: { path: "/d", total_bytes: "big" },
      load: { cpu_percent: 1 },
    },
  });
  assert.equal(odd.disk, null);
  assert.equal(odd.load, null);
  assert.equal(toLoad({ cpu_percent: Infinity, memory_bytes: 1 }), null);
  assert.deepEqual(toNodeChoice(NODE), {
    name: "node-a",
    status: "online",
    usb_devices: ["/dev/video0"],
  });
});

Deno.test("NodesView: node events update status and feed the load ring buffers", () => {
  const list = [toNodeDetail(NODE)];
  const off = applyNodeEvent(list, { name: "node-a", status: "offline" });
  assert.equal(off[0].status, "offline");
  assert.equal(off[0].address, NODE.address, "fields the event lacks stay");
  assert.equal(list[0].status, "online", "a new list");
  const added = applyNodeEvent(list, {
    name: "a-new",
    status: "online",
    address: "http://10.0.0.5:30901",
    last_heartbeat_at: null,
    load: { cpu_percent: 3, memory_bytes: 9 },
  });
  assert.deepEqual(added.map((n) => n.name), ["a-new", "node-a"]);
  assert.deepEqual(added[0].load, { cpu_percent: 3, memory_bytes: 9 });

  let s = addLoad(undefined, { cpu_percent: 1, memory_bytes: 10 });
  for (let i = 0; i < 70; i++) {
    s = addLoad(s, { cpu_percent: i, memory_bytes: i * 2 });
  }
  assert.equal(s.cpu.length, SAMPLES);
  assert.equal(s.cpu.at(-1), 69);
  assert.equal(s.mem.at(-1), 138);
});

Deno.test("fileName() and canvasSize()", () => {
  assert.equal(fileName("Front door"), "Front-door");
  assert.equal(fileName("Garage </script> & co"), "Garage-script-co");
  assert.equal(fileName("Küche 2"), "Küche-2");
  assert.equal(fileName("***"), "snapshot");
  assert.deepEqual(canvasSize("1920x1080"), { width: 1920, height: 1080 });
  assert.deepEqual(canvasSize("bad"), { width: 640, height: 480 });
});
