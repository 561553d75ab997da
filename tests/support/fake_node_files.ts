/**
 * A fake node agent file API on loopback, speaking the real wire protocol of
 * the node's recording endpoints (bearer node token):
 *
 *   GET    /v1/files/{path}            a stored file, with Range
 *   DELETE /v1/files/{path}            204, or 404 when absent
 *   GET    /v1/storage                 {root, total_bytes, free_bytes, cameras:[{camera_id, bytes, segments}]}
 *   POST   /v1/recordings/join {paths} → {id, size_bytes}: the files concatenated (a real node
 *                                       joins MP4s by stream copy; bytes are enough here)
 *   GET    /v1/joined/{id}             the joined bytes, with Range
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
  put(path: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

export function startFakeNodeFiles(
  token: string,
): Promise<FakeNodeFiles> {
  const files = new Map<string, Uint8Array>();
  const joined = new Map<string, Uint8Array>();
  const requests: FakeNodeFiles["requests"] = [];
  const failPaths = new Map<string, number>();
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
    put: (path, bytes) => void files.set(path, bytes),
    async close() {
      ac.abort();
      await server.finished.catch(() => {});
    },
  });
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
