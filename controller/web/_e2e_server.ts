// scratch e2e server (deleted after use)
import { Hono } from "hono";
import { buildIslands, mountDashboard } from "./mod.ts";
import type { CameraView } from "./types.ts";
const jpeg = Deno.readFileSync("/tmp/fe/frame.jpg");
const now = new Date().toISOString();
const cams: CameraView[] = [
  {
    id: "cam-1",
    name: "Front door",
    protocol: "rtsp",
    location: "Porch",
    source_url: "rtsp://a:***@h/s",
    device_path: null,
    node_name: null,
    assigned_node: "node-a",
    resolution: "640x480",
    framerate: 15,
    status: "online",
    error_message: null,
    created_at: now,
    updated_at: now,
  },
  {
    id: "cam-2",
    name: "Garage",
    protocol: "usb",
    location: null,
    source_url: null,
    device_path: "/dev/video0",
    node_name: "node-a",
    assigned_node: "node-a",
    resolution: "640x480",
    framerate: 15,
    status: "error",
    error_message: "Cannot open /dev/video0: device busy",
    created_at: now,
    updated_at: now,
  },
];
const sinks = new Set<ReadableStreamDefaultController<Uint8Array>>();
const enc = new TextEncoder();
const emit = (event: string, data: unknown) => {
  for (const s of sinks) {
    s.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }
};
const hits: Record<string, string[]> = {};
const app = new Hono();
app.get("/api/events", () => {
  let ctl: ReadableStreamDefaultController<Uint8Array>;
  return new Response(
    new ReadableStream({
      start(c) {
        ctl = c;
        sinks.add(c);
        c.enqueue(enc.encode(": hi\n\n"));
      },
      cancel() {
        sinks.delete(ctl);
      },
    }),
    {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
      },
    },
  );
});
app.get("/api/cameras/:id/stream", (c) => {
  const id = c.req.param("id");
  (hits[id] ??= []).push(((performance.now()/1000).toFixed(1)) + " " + c.req.url.replace(/^.*stream/, ""));
  if (id === "cam-2") return c.text("no", 503);
  let t: number;
  return new Response(
    new ReadableStream({
      start(ctl) {
        const push = () =>
          ctl.enqueue(
            new Uint8Array([
              ...enc.encode(
                `--f\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`,
              ),
              ...jpeg,
              ...enc.encode("\r\n"),
            ]),
          );
        push();
        t = setInterval(push, 500);
      },
      cancel() {
        clearInterval(t);
      },
    }),
    { headers: { "content-type": "multipart/x-mixed-replace; boundary=f" } },
  );
});
app.get("/test/hits", (c) => c.json(hits));
app.post("/test/emit", async (c) => {
  const b = await c.req.json();
  emit(b.event, b.data);
  return c.json({});
});
app.post("/api/cameras", async (c) => {
  const b = await c.req.json();
  await new Promise((r) => setTimeout(r, 300));
  if (!b.name) {
    return c.json({
      error: {
        code: "invalid_input",
        message: "name is required",
        field: "name",
      },
    }, 400);
  }
  if (b.name === "dup") {
    return c.json({
      error: {
        code: "conflict",
        message: 'A camera named "dup" exists',
        field: "name",
      },
    }, 409);
  }
  if (b.name === "boom") {
    return c.json(
      { error: { code: "internal", message: "Database is down" } },
      500,
    );
  }
  const cam: CameraView = {
    ...cams[0],
    ...b,
    id: "cam-" + crypto.randomUUID().slice(0, 6),
    status: "pending",
    location: b.location ?? null,
    assigned_node: null,
  };
  cams.push(cam);
  setTimeout(() => emit("camera", { type: "created", camera: cam }), 100);
  return c.json(cam, 201);
});
app.delete("/api/cameras/:id", (c) => {
  const id = c.req.param("id");
  if (id === "cam-1") {
    return c.json({
      error: { code: "conflict", message: "Camera is recording" },
    }, 409);
  }
  setTimeout(() => emit("camera", { type: "deleted", id }), 50);
  return c.body(null, 204);
});
mountDashboard(app, {
  listCameras: () => Promise.resolve(cams),
  listNodes: () =>
    Promise.resolve([{
      name: "node-a",
      status: "online",
      address: null,
      last_heartbeat_at: null,
    }]),
}, await buildIslands());
Deno.serve({
  port: 38917,
  hostname: "127.0.0.1",
  onListen: () => console.log("listening"),
}, app.fetch);
