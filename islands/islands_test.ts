import assert from "node:assert/strict";
import type { CameraView } from "../controller/web/types.ts";
import { fieldsFor, toBody } from "./AddCameraForm.tsx";
import { applyCameraEvent, retryDelayMs } from "./CameraGrid.tsx";

const cam = (
  id: string,
  status: CameraView["status"] = "online",
): CameraView => ({
  id,
  name: id,
  protocol: "demo",
  location: null,
  source_url: "demo://",
  device_path: null,
  node_name: null,
  assigned_node: null,
  resolution: "640x480",
  framerate: 15,
  status,
  error_message: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
});

Deno.test("applyCameraEvent() adds, updates and removes tiles", () => {
  let list = [cam("a")];
  list = applyCameraEvent(list, { type: "created", camera: cam("b") });
  assert.deepEqual(list.map((c) => c.id), ["b", "a"]);
  list = applyCameraEvent(list, { type: "created", camera: cam("b") });
  assert.equal(list.length, 2, "a repeated event does not duplicate a tile");
  list = applyCameraEvent(list, { type: "status", camera: cam("a", "error") });
  assert.deepEqual(list.map((c) => [c.id, c.status]), [["b", "online"], [
    "a",
    "error",
  ]]);
  list = applyCameraEvent(list, { type: "deleted", id: "b" });
  assert.deepEqual(list.map((c) => c.id), ["a"]);
});

Deno.test("retryDelayMs() backs off from 2 s to 60 s with jitter", () => {
  assert.equal(retryDelayMs(1, 0.5), 2_000);
  assert.equal(retryDelayMs(2, 0.5), 4_000);
  assert.equal(retryDelayMs(10, 0.5), 60_000);
  assert.equal(retryDelayMs(1, 0), 1_500);
  assert.equal(retryDelayMs(1, 1), 2_500);
});

Deno.test("AddCameraForm sends only the protocol's fields", () => {
  const base = {
    name: " Yard ",
    protocol: "usb",
    source_url: "rtsp://x",
    device_path: "/dev/video0",
    node_name: "node-a",
    resolution: "640x480",
    framerate: "15",
    location: "",
  };
  assert.deepEqual(toBody(base), {
    name: "Yard",
    protocol: "usb",
    device_path: "/dev/video0",
    node_name: "node-a",
    resolution: "640x480",
    framerate: 15,
  });
  assert.deepEqual(
    toBody({
      ...base,
      protocol: "demo",
      source_url: "demo://",
      location: "Lab",
    }),
    {
      name: "Yard",
      protocol: "demo",
      source_url: "demo://",
      location: "Lab",
      resolution: "640x480",
      framerate: 15,
    },
  );
  assert.ok(!fieldsFor("rtsp").includes("device_path"));
});
