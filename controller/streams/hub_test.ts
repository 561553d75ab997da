import assert from "node:assert/strict";
import { mjpegPart } from "../../lib/mjpeg.ts";
import { NodeClient } from "../nodes/client.ts";
import { StreamHub } from "./hub.ts";

const FRAME = new Uint8Array(40_000);
FRAME.set([0xff, 0xd8]);
FRAME.set([0xff, 0xd9], FRAME.length - 2);

/** A stand-in node agent: endless MJPEG per camera, counting open streams. */
function fakeNodeAgent() {
  let open = 0;
  let served = 0;
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: () => {},
  }, () => {
    open++;
    served++;
    let timer: ReturnType<typeof setInterval>;
    let closed = false;
    const close = () => {
      if (!closed) {
        closed = true;
        open--;
        clearInterval(timer);
      }
    };
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        timer = setInterval(() => {
          try {
            ctrl.enqueue(mjpegPart(FRAME));
          } catch {
            close();
          }
        }, 66);
      },
      cancel: close,
    });
    return new Response(body, {
      headers: {
        "content-type": "multipart/x-mixed-replace; boundary=falconframe",
      },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    get open() {
      return open;
    },
    get served() {
      return served;
    },
    stop: () => server.shutdown(),
  };
}

/** The hub's upstream through the real node client. */
function nodeStreams(url: string) {
  const client = new NodeClient({
    nodes: {
      target: () => Promise.resolve({ address: url, token: "t" }),
      isOnline: () => Promise.resolve(true),
    },
  });
  return {
    open: async (id: string, signal: AbortSignal) =>
      await (await client.online("n1")).stream(id, { signal }),
    check: async () => {
      await client.online("n1");
    },
  };
}

Deno.test({
  name:
    "StreamHub closes every upstream connection after its viewers leave, even after garbage collection",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const agent = fakeNodeAgent();
    const hub = new StreamHub({
      ...nodeStreams(agent.url),
      idleGraceMs: 100,
    });
    try {
      const cameras = Array.from({ length: 50 }, (_, i) => `cam-${i}`);
      const joined = cameras.map((id) => hub.join(id));
      const deadline = Date.now() + 10_000;
      while (joined.some((j) => !j.hub.latest()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(
        joined.every((j) => j.hub.latest()),
        "every camera delivered a frame",
      );
      assert.equal(agent.open, 50, "one upstream per camera");
      // Collect garbage while streams flow: the fetch Request objects must not be
      // what keeps a connection closable (`deno test --v8-flags=--expose-gc`).
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 100; i++) {
        gc?.();
        new Array(200_000).fill(i).map((x) => ({ x }));
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const j of joined) j.leave();
      const closeBy = Date.now() + 5000;
      while (agent.open > 0 && Date.now() < closeBy) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(hub.upstreamCount, 0);
      assert.equal(
        agent.open,
        0,
        `${agent.open} upstream connections still streaming after every viewer left`,
      );
      assert.equal(agent.served, 50, "no camera opened a second upstream");
    } finally {
      hub.closeAll();
      await Promise.race([
        agent.stop(),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
  },
});

Deno.test({
  name:
    "StreamHub.warm() opens upstreams before any viewer and lets them go after the hold and the grace",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const agent = fakeNodeAgent();
    const hub = new StreamHub({
      ...nodeStreams(agent.url),
      idleGraceMs: 100,
    });
    const waitFor = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 5000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      hub.warm(["a", "b"], 300);
      hub.warm(["a"], 300); // extends, does not add a second hold
      assert.equal(hub.upstreamCount, 2, "upstreams open before any viewer");
      await waitFor(() => hub.fresh("a") !== null, "a frame of a");
      // A viewer arriving now gets a frame at once and shares the upstream.
      const viewer = hub.join("a");
      assert.ok(viewer.hub.latest(), "the latest frame is already there");
      assert.equal(agent.served, 2);
      // Hold (300 ms) + grace (100 ms): b closes; a stays for its viewer.
      await waitFor(() => agent.open === 1, "b's upstream to close");
      assert.equal(hub.upstreamCount, 1);
      viewer.leave();
      await waitFor(() => agent.open === 0, "a's upstream to close");
      assert.equal(agent.served, 2, "no camera opened a second upstream");
    } finally {
      hub.closeAll();
      await Promise.race([
        agent.stop(),
        new Promise((r) => setTimeout(r, 2000)),
      ]);
    }
  },
});
