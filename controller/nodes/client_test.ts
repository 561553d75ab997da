import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { CANCELLED, NodeClient } from "./client.ts";

/** A stand-in node agent on a random port; `handle` answers, `seen` records. */
function fakeNode(
  handle: (req: Request, url: URL) => Response | Promise<Response>,
) {
  const seen: { path: string; auth: string | null; rid: string | null }[] = [];
  const aborted: string[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) => {
      const url = new URL(req.url);
      seen.push({
        path: url.pathname + url.search,
        auth: req.headers.get("authorization"),
        rid: req.headers.get("x-request-id"),
      });
      req.signal.addEventListener("abort", () => aborted.push(url.pathname));
      return handle(req, url);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    aborted,
    stop: () => server.shutdown(),
  };
}

function clientFor(
  url: string | null,
  online = true,
  extra: Partial<ConstructorParameters<typeof NodeClient>[0]> & {
    tokenOf?: (node: string) => string;
  } = {},
) {
  const { tokenOf = () => "node-secret-token", ...rest } = extra;
  return new NodeClient({
    nodes: {
      target: (name) =>
        Promise.resolve(url ? { address: url, token: tokenOf(name) } : null),
      isOnline: () => Promise.resolve(online),
    },
    ...rest,
  });
}

const PROBE = {
  protocol: "demo",
  source_url: "demo://x",
  device_path: null,
  rtsp_transport: "tcp",
} as const;

const waitFor = async (ok: () => boolean, what: string) => {
  const deadline = Date.now() + 3000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const isKind = (kind: string, message?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.kind, kind, e.message);
  if (message) assert.match(e.message, message);
  return true;
};

Deno.test("NodeClient sends the bearer token and the request id", async () => {
  const node = fakeNode(() =>
    Response.json({ ok: true, video: null, audio: null })
  );
  try {
    let rid: string | undefined = "req-from-provider";
    const link = await clientFor(node.url, true, {
      requestIdProvider: () => rid,
    }).online("n1");
    await link.probe(PROBE);
    await link.probe(PROBE, {
      requestId: "req-given",
    });
    rid = undefined;
    await link.probe(PROBE);
    assert.deepEqual(
      node.seen.map((s) => [s.path, s.auth, s.rid]),
      [
        ["/v1/probe", "Bearer node-secret-token", "req-from-provider"],
        ["/v1/probe", "Bearer node-secret-token", "req-given"],
        ["/v1/probe", "Bearer node-secret-token", null],
      ],
    );
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient sends each node its own key", async () => {
  const node = fakeNode(() => Response.json({ devices: [] }));
  try {
    const client = clientFor(node.url, true, {
      tokenOf: (name) => `token-of-${name}`,
    });
    assert.deepEqual(await (await client.online("pi-7")).usbDevices(), []);
    assert.equal(node.seen[0].auth, "Bearer token-of-pi-7");
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient refuses an offline or unknown node at once, naming it", async () => {
  const node = fakeNode(() => Response.json({}));
  try {
    await assert.rejects(
      clientFor(node.url, false).online("pi-1", {
        consequence: "nothing was deleted",
        field: "node_name",
      }),
      (e) =>
        isKind("unavailable", /^Node "pi-1" is offline; nothing was deleted$/)(
          e,
        ) && (e as AppError).field === "node_name",
    );
    await assert.rejects(
      clientFor(null, false).online("ghost"),
      isKind(
        "unavailable",
        /Node "ghost" is offline \(no node agent of that name has enrolled/,
      ),
    );
    assert.equal(node.seen.length, 0, "the node was not asked");
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient times out with a 504 naming the node, and the node sees the request aborted", async () => {
  const node = fakeNode(async (req) => {
    await new Promise((r) => req.signal.addEventListener("abort", r));
    return new Response(null, { status: 500 });
  });
  try {
    const link = await clientFor(node.url).online("slow-1");
    const t0 = performance.now();
    await assert.rejects(
      link.snapshot("cam", { timeoutMs: 200 }),
      isKind("timeout", /^Node "slow-1" did not answer within 0.2 s$/),
    );
    assert.ok(performance.now() - t0 < 2000);
    await waitFor(() => node.aborted.length === 1, "the node to see the abort");
    assert.deepEqual(node.aborted, ["/v1/cameras/cam/snapshot"]);
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient passes the caller's abort on to the node", async () => {
  let arrived = () => {};
  const inside = new Promise<void>((r) => arrived = r);
  const node = fakeNode(async (req) => {
    arrived();
    await new Promise((r) => req.signal.addEventListener("abort", r));
    return new Response(null, { status: 500 });
  });
  try {
    const link = await clientFor(node.url).online("n1");
    const ac = new AbortController();
    const call = link.join(["a/1.mp4"], { signal: ac.signal });
    await inside;
    ac.abort();
    await assert.rejects(
      call,
      (e) =>
        isKind("unavailable", /cancelled/)(e) &&
        (e as AppError).cause === CANCELLED,
    );
    await waitFor(() => node.aborted.length === 1, "the node to see the abort");
    assert.deepEqual(node.aborted, ["/v1/recordings/join"]);
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient.stream() times only the head: the body flows past the limit until the caller aborts", async () => {
  let cancelled = false;
  const node = fakeNode(() => {
    let timer: ReturnType<typeof setInterval>;
    return new Response(
      new ReadableStream({
        start(c) {
          timer = setInterval(() => c.enqueue(new Uint8Array(10)), 20);
        },
        cancel() {
          cancelled = true;
          clearInterval(timer);
        },
      }),
    );
  });
  try {
    const link = await clientFor(node.url).online("n1");
    const ac = new AbortController();
    const res = await link.stream("cam-1", {
      signal: ac.signal,
      timeoutMs: 100,
    });
    const reader = res.body!.getReader();
    const until = Date.now() + 300; // three times the limit
    let bytes = 0;
    while (Date.now() < until) bytes += (await reader.read()).value!.length;
    assert.ok(bytes > 0);
    ac.abort();
    await reader.read().catch(() => {});
    await waitFor(() => cancelled, "the node's stream to be cancelled");
  } finally {
    await node.stop();
  }
});

Deno.test("NodeClient maps answers to one error vocabulary, redacting the node's message", async () => {
  const node = fakeNode((_req, url) => {
    switch (url.pathname) {
      case "/v1/cameras/busy/snapshot":
        return Response.json({
          error: { code: "unavailable", message: "relay is starting" },
        }, { status: 503 });
      case "/v1/cameras/gone/snapshot":
        return Response.json({
          error: {
            code: "not_found",
            message: "cannot open rtsp://admin:hunter22@10.0.0.5/live",
          },
        }, { status: 404 });
      case "/v1/storage":
        return Response.json({ root: "/x" }); // no cameras: unknown shape
      case "/v1/onvif/inspect":
        return Response.json({
          error: {
            code: "invalid_input",
            message: "authentication failed",
            field: "password",
          },
        }, { status: 400 });
      case "/v1/onvif/ptz":
        return Response.json({ error: { message: "No route" } }, {
          status: 404,
        });
      case "/v1/renditions":
        return Response.json({ error: { message: "2 jobs queued" } }, {
          status: 429,
          headers: { "retry-after": "7" },
        });
      default:
        return new Response("nope", { status: 500 });
    }
  });
  try {
    const link = await clientFor(node.url).online("n1");
    await assert.rejects(
      link.snapshot("busy"),
      isKind(
        "unavailable",
        /^Node "n1" could not send a snapshot: relay is starting$/,
      ),
    );
    await assert.rejects(link.snapshot("gone"), (e) => {
      isKind("upstream_failed", /rtsp:\/\/admin:\*\*\*@10\.0\.0\.5\/live/)(e);
      assert.ok(!(e as Error).message.includes("hunter22"));
      return true;
    });
    await assert.rejects(
      link.storage(),
      isKind(
        "upstream_failed",
        /Node "n1" answered \/v1\/storage in an unknown shape/,
      ),
    );
    await assert.rejects(
      link.scan({ usb: true, onvif: false, subnet: null }),
      isKind("upstream_failed", /^Node "n1" could not scan: answered 500$/),
    );
    await assert.rejects(
      link.onvifInspect({ url: "onvif://u:p@h", timeout_ms: 1000 } as never),
      (e) =>
        isKind("invalid_input", /^authentication failed$/)(e) &&
        (e as AppError).field === "password",
    );
    await assert.rejects(
      link.onvifPtz({ source_url: "onvif://h", action: "stop" } as never),
      isKind("upstream_failed", /cannot talk ONVIF yet/),
    );
    await assert.rejects(
      link.requestRendition(["a.mp4"], 1000),
      (e) =>
        isKind(
          "rate_limited",
          /busy converting other footage \(2 jobs queued\)/,
        )(
          e,
        ) && (e as AppError).retryAfterS === 7,
    );
  } finally {
    await node.stop();
  }
  // Nobody listens any more: unreachable.
  const link = await clientFor(node.url).online("n1");
  await assert.rejects(
    link.deleteFile("a/b.mp4"),
    isKind("unavailable", /^Node "n1" did not answer \(/),
  );
});

Deno.test("NodeClient lists a camera's files page by page and deletes with encoded paths", async () => {
  const node = fakeNode((req, url) => {
    if (req.method === "DELETE") return new Response(null, { status: 404 });
    const after = url.searchParams.get("after");
    if (after === null) {
      return Response.json({
        entries: [{
          path: "c/1.mp4",
          size_bytes: 5,
          mtime: "2026-01-01T00:00:00Z",
        }],
        next_after: "c/1.mp4",
      });
    }
    return Response.json({
      entries: [{ path: "c/2 b.mp4", size_bytes: 7, mtime: "bad" }],
      next_after: "",
    });
  });
  try {
    const link = await clientFor(node.url).online("n1");
    assert.deepEqual(await link.listCameraFiles("c"), [
      { path: "c/1.mp4", size_bytes: 5, mtime_ms: Date.UTC(2026, 0, 1) },
      { path: "c/2 b.mp4", size_bytes: 7, mtime_ms: 0 },
    ]);
    assert.equal(await link.deleteFile("c/2 b.mp4"), true, "404: already gone");
    assert.deepEqual(node.seen.map((s) => s.path), [
      "/v1/recordings/list?camera_id=c",
      "/v1/recordings/list?camera_id=c&after=c%2F1.mp4",
      "/v1/files/c/2%20b.mp4",
    ]);
  } finally {
    await node.stop();
  }
});
