/**
 * A fake node agent file API on loopback, speaking the real wire protocol of
 * the node's recording endpoints (bearer node token):
 *
 *   GET    /v1/files/{path}            a stored file, with Range
 *   DELETE /v1/files/{path}            204, or 404 when absent
 *   GET    /v1/storage                 {root, total_bytes, free_bytes, cameras:[{camera_id, bytes, segments}]}
 *   POST   /v1/recordings/join {paths} → {id, size_bytes}: the files concatenated (a real node
 *                                       joins MP4s by stream copy; bytes are enough here), after
 *                                       `joinPlan.delayMs`; 429 when `joinPlan.busy`
 *   GET    /v1/joined/{id}             the joined bytes, with Range
 *   GET    /v1/recordings/list?camera_id&after&limit
 *                                       files of 3-part paths sorted by path, ≤ 5000 a page:
 *                                       {camera_id, entries: [{path, size_bytes, mtime}], next_after}
 *   POST   /v1/renditions {paths, duration_ms?}
 *                                       → {id, state, progress?, error?}: "working" for
 *                                       `renditionPlan.workingPolls` calls, then "ready" (or
 *                                       "failed" with `renditionPlan.error`; 429 when `busy`)
 *   GET    /v1/renditions/{id}         the ready rendition: "WEB:" + the files concatenated, Range
 *
 * Files are held in memory; `requests` logs every call for assertions.
 */

export interface FakeNodeFiles {
  /** Base URL to advertise in the heartbeat. */
  url: string;
  files: Map<string, Uint8Array>;
  requests: {
    method: string;
    path: string;
    range: string | null;
    body?: unknown;
  }[];
  /** Makes the next calls to a path answer this status (e.g. 500). */
  failPaths: Map<string, number>;
  /** mtime (ms) the listing reports per path; set by put(), overridable. */
  mtimes: Map<string, number>;
  /**
   * How joins behave from now on: answer after `delayMs` (or 429 when
   * `busy`). `aborted` counts joins whose caller hung up while waiting.
   */
  joinPlan: { delayMs: number; busy?: boolean; aborted: number };
  /** How renditions behave from now on. */
  renditionPlan: { workingPolls: number; error?: string; busy?: boolean };
  /** Renditions asked for, by id (the SHA-256 of the path list, as on a node). */
  renditions: Map<
    string,
    { paths: string[]; polls: number; duration_ms?: number; bytes?: Uint8Array }
  >;
  /** Page size of the listing (a node uses 5000). */
  listLimit: number;
  /** Answer the listing 404 "No route", like a node agent older than it. */
  noListing: boolean;
  put(path: string, bytes: Uint8Array, mtimeMs?: number): void;
  close(): Promise<void>;
}

export function startFakeNodeFiles(
  token: string,
): Promise<FakeNodeFiles> {
  const files = new Map<string, Uint8Array>();
  const joined = new Map<string, Uint8Array>();
  const requests: FakeNodeFiles["requests"] = [];
  const failPaths = new Map<string, number>();
  const mtimes = new Map<string, number>();
  const renditions: FakeNodeFiles["renditions"] = new Map();
  const fake = {
    renditionPlan: { workingPolls: 2 } as FakeNodeFiles["renditionPlan"],
    joinPlan: { delayMs: 0, aborted: 0 } as FakeNodeFiles["joinPlan"],
    listLimit: 5000,
    noListing: false,
  };
  const ac = new AbortController();

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  const error = (status: number, message: string) =>
    json({
      error: { code: status === 404 ? "not_found" : "internal", message },
    }, status);

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    let body: unknown;
    if (req.method === "POST") body = await req.json().catch(() => null);
    requests.push({
      method: req.method,
      path,
      range: req.headers.get("range"),
      body,
    });
    if (req.headers.get("authorization") !== `Bearer ${token}`) {
      return error(401, "Node token required");
    }
    if (path.startsWith("/v1/files/")) {
      const rel = path.slice("/v1/files/".length).split("/").map(
        decodeURIComponent,
      )
        .join("/");
      const fail = failPaths.get(rel);
      if (fail) return error(fail, `injected failure for ${rel}`);
      const file = files.get(rel);
      if (req.method === "DELETE") {
        if (!file) return error(404, `no file ${rel}`);
        files.delete(rel);
        return new Response(null, { status: 204 });
      }
      if (req.method === "GET") {
        return file ? ranged(req, file) : error(404, `no file ${rel}`);
      }
    }
    if (req.method === "GET" && path === "/v1/storage") {
      const cams = new Map<string, { bytes: number; segments: number }>();
      for (const [p, f] of files) {
        const cam = p.split("/")[0];
        const c = cams.get(cam) ?? { bytes: 0, segments: 0 };
        c.bytes += f.length;
        c.segments++;
        cams.set(cam, c);
      }
      return json({
        root: "/fake/recordings",
        total_bytes: 100 * 1024 ** 3,
        free_bytes: 50 * 1024 ** 3,
        cameras: [...cams].map(([camera_id, c]) => ({ camera_id, ...c })),
      });
    }
    if (req.method === "POST" && path === "/v1/recordings/join") {
      if (fake.joinPlan.busy) {
        return new Response(
          JSON.stringify({
            error: {
              code: "rate_limited",
              message:
                "The node is busy joining other footage (2 running, 8 waiting); try again later",
            },
          }),
          {
            status: 429,
            headers: {
              "content-type": "application/json",
              "retry-after": "10",
            },
          },
        );
      }
      if (fake.joinPlan.delayMs > 0) {
        const hungUp = await new Promise<boolean>((done) => {
          const timer = setTimeout(() => done(false), fake.joinPlan.delayMs);
          req.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            done(true);
          }, { once: true });
        });
        if (hungUp) {
          fake.joinPlan.aborted++;
          return error(503, "cancelled");
        }
      }
      const paths = (body as { paths?: unknown })?.paths;
      if (!Array.isArray(paths) || paths.length === 0) {
        return error(400, "paths must be a non-empty array");
      }
      const parts: Uint8Array[] = [];
      for (const p of paths) {
        const f = files.get(String(p));
        if (!f) return error(404, `no file ${p}`);
        parts.push(f);
      }
      const all = concat(parts);
      const id = `j${joined.size + 1}-${crypto.randomUUID().slice(0, 8)}`;
      joined.set(id, all);
      return json({ id, size_bytes: all.length });
    }
    if (
      req.method === "GET" && path === "/v1/recordings/list" &&
      !fake.noListing
    ) {
      const cam = url.searchParams.get("camera_id") || null;
      const after = url.searchParams.get("after") ?? "";
      const limit = Math.min(
        Number(url.searchParams.get("limit")) || fake.listLimit,
        fake.listLimit,
        5000,
      );
      if (cam !== null && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(cam)) {
        return error(400, "invalid camera_id");
      }
      const all = [...files.keys()]
        .filter((p) => p.split("/").length === 3)
        .filter((p) => cam === null || p.startsWith(`${cam}/`))
        .filter((p) => p > after)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const page = all.slice(0, limit);
      return json({
        camera_id: cam,
        entries: page.map((p) => ({
          path: p,
          size_bytes: files.get(p)!.length,
          mtime: new Date(mtimes.get(p) ?? Date.now()).toISOString(),
        })),
        next_after: page.length === limit ? page[page.length - 1] : null,
      });
    }
    if (req.method === "POST" && path === "/v1/renditions") {
      const b = body as { paths?: unknown; duration_ms?: number };
      if (!Array.isArray(b?.paths) || b.paths.length === 0) {
        return error(400, "paths must be a non-empty array");
      }
      const paths = b.paths.map(String);
      for (const p of paths) {
        if (!files.has(p)) return error(404, `no file ${p}`);
      }
      const id = await sha256Hex(paths.join("\n"));
      const plan = fake.renditionPlan;
      let r = renditions.get(id);
      if (!r?.bytes && plan.busy) {
        return new Response(
          JSON.stringify({
            error: { code: "rate_limited", message: "4 waiting" },
          }),
          {
            status: 429,
            headers: { "content-type": "application/json", "retry-after": "7" },
          },
        );
      }
      if (!r) {
        r = { paths, polls: 0, duration_ms: b.duration_ms };
        renditions.set(id, r);
      }
      if (!r.bytes && plan.error) {
        return json({ id, state: "failed", error: plan.error });
      }
      if (!r.bytes && r.polls < plan.workingPolls) {
        r.polls++;
        return json({
          id,
          state: "working",
          progress: r.polls / (plan.workingPolls + 1),
          queue_position: 0,
        }, 202);
      }
      r.bytes ??= concat([
        new TextEncoder().encode("WEB:"),
        ...paths.map((p) => files.get(p)!),
      ]);
      return json({
        id,
        state: "ready",
        size_bytes: r.bytes.length,
        url: `/v1/renditions/${id}`,
      });
    }
    if (req.method === "GET" && path.startsWith("/v1/renditions/")) {
      const r = renditions.get(path.slice("/v1/renditions/".length));
      return r?.bytes ? ranged(req, r.bytes) : error(404, "not ready");
    }
    if (req.method === "GET" && path.startsWith("/v1/joined/")) {
      const f = joined.get(
        decodeURIComponent(path.slice("/v1/joined/".length)),
      );
      return f ? ranged(req, f) : error(404, "no such joined file");
    }
    return error(404, `no route ${req.method} ${path}`);
  };

  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    onListen: () => {},
  }, handler);
  return Promise.resolve({
    url: `http://127.0.0.1:${server.addr.port}`,
    files,
    requests,
    failPaths,
    mtimes,
    renditions,
    get joinPlan() {
      return fake.joinPlan;
    },
    get renditionPlan() {
      return fake.renditionPlan;
    },
    set renditionPlan(p) {
      fake.renditionPlan = p;
    },
    get listLimit() {
      return fake.listLimit;
    },
    set listLimit(n) {
      fake.listLimit = n;
    },
    get noListing() {
      return fake.noListing;
    },
    set noListing(b) {
      fake.noListing = b;
    },
    put(path, bytes, mtimeMs) {
      files.set(path, bytes);
      mtimes.set(path, mtimeMs ?? Date.now());
    },
    async close() {
      ac.abort();
      await server.finished.catch(() => {});
    },
  });
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Serves bytes honouring a single `Range: bytes=…` (200, 206 or 416). */
function ranged(req: Request, data: Uint8Array): Response {
  const size = data.length;
  const base = {
    "content-type": "video/mp4",
    "accept-ranges": "bytes",
  };
  const range = req.headers.get("range");
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) {
    return new Response(data as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: { ...base, "content-length": String(size) },
    });
  }
  let start: number, end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    return new Response(null, {
      status: 416,
      headers: { ...base, "content-range": `bytes */${size}` },
    });
  }
  const slice = data.slice(start, end + 1);
  return new Response(slice as Uint8Array<ArrayBuffer>, {
    status: 206,
    headers: {
      ...base,
      "content-length": String(slice.length),
      "content-range": `bytes ${start}-${end}/${size}`,
    },
  });
}
