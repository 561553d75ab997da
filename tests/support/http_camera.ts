/**
 * A fake HTTP IP camera on loopback, speaking what real ones do: an MJPEG
 * stream (`multipart/x-mixed-replace`) at `/mjpeg`, a JPEG snapshot at
 * `/snapshot.jpg`, optional fixed files (e.g. an MPEG-TS clip for the ffmpeg
 * path), optional Basic or Digest (RFC 7616, qop=auth) authentication, and
 * `stop()` / `start()` on the same port to simulate outages. It counts what it
 * served, so tests can check rates and concurrency.
 *
 * The Digest check here is written independently of node-agent/sources/
 * digest.ts (and tests/support/http_camera_test.ts checks it with curl), so
 * a bug in the client cannot be mirrored by the server.
 * @module
 */
import { createHash } from "node:crypto";
import { MjpegParser } from "../../lib/mjpeg.ts";
import { freePort } from "./ports.ts";

export interface HttpCameraOptions {
  /** TCP port; a free one when omitted. */
  port?: number;
  /** JPEGs served in turn. @default 20 frames of a 320x240 test pattern made by ffmpeg */
  frames?: Uint8Array[];
  /** Frame size of the generated frames. @default "320x240" */
  size?: string;
  /** Frame rate of the MJPEG stream. @default 10 */
  fps?: number;
  /** Require this user (with `password`). */
  user?: string;
  password?: string;
  /** @default "digest" */
  auth?: "basic" | "digest";
  /** Digest algorithm offered. @default "MD5" */
  digestAlgorithm?: "MD5" | "SHA-256";
  /** Send MJPEG parts without Content-Length, as some cameras do. */
  noContentLength?: boolean;
  /** Delay before each snapshot answer, ms (a slow camera). */
  snapshotDelayMs?: number;
  /** Extra paths served with a fixed body. */
  files?: Record<string, { contentType: string; body: Uint8Array }>;
}

export interface HttpCameraStats {
  /** Snapshot requests answered 200. */
  snapshots: number;
  /** Arrival times (ms since epoch) of those requests. */
  snapshotTimes: number[];
  /** Most snapshot requests being answered at the same time. */
  maxConcurrentSnapshots: number;
  /** MJPEG connections answered 200. */
  mjpegConnections: number;
  /** Parts written to MJPEG clients. */
  mjpegFrames: number;
  /** Answers 401. */
  unauthorized: number;
  /** Requests that carried a valid Authorization. */
  authorized: number;
}

export interface HttpCamera {
  readonly port: number;
  /** The JPEGs it serves, in order. */
  readonly frames: Uint8Array[];
  readonly stats: HttpCameraStats;
  /** `http://127.0.0.1:PORT{path}`, without credentials. */
  url(path: string): string;
  /** The same with `user:password@` when auth is on. */
  authUrl(path: string): string;
  /** Closes the listener and every open stream (an outage). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const BOUNDARY = "camboundary";
const REALM = "falcon-test-camera";

export async function startHttpCamera(
  opts: HttpCameraOptions = {},
): Promise<HttpCamera> {
  const frames = opts.frames ?? await makeJpegs(opts.size ?? "320x240", 20);
  const fps = opts.fps ?? 10;
  const port = opts.port ?? await freePort();
  const stats: HttpCameraStats = {
    snapshots: 0,
    snapshotTimes: [],
    maxConcurrentSnapshots: 0,
    mjpegConnections: 0,
    mjpegFrames: 0,
    unauthorized: 0,
    authorized: 0,
  };
  let inFlight = 0;
  let next = 0;
  const streams = new Set<AbortController>();
  const nonces = new Map<string, number>(); // nonce → last nc seen
  let server: Deno.HttpServer | null = null;

  const authorized = (req: Request): boolean => {
    if (!opts.user) return true;
    const header = req.headers.get("authorization") ?? "";
    if ((opts.auth ?? "digest") === "basic") {
      return header ===
        `Basic ${btoa(`${opts.user}:${opts.password ?? ""}`)}`;
    }
    return checkDigest(header, req, opts, nonces);
  };

  const challenge = (): Response => {
    stats.unauthorized++;
    const headers = new Headers();
    if ((opts.auth ?? "digest") === "basic") {
      headers.set("www-authenticate", `Basic realm="${REALM}"`);
    } else {
      const nonce = crypto.randomUUID().replaceAll("-", "");
      nonces.set(nonce, 0);
      headers.set(
        "www-authenticate",
        `Digest realm="${REALM}", qop="auth", algorithm=${
          opts.digestAlgorithm ?? "MD5"
        }, nonce="${nonce}", opaque="0paque"`,
      );
    }
    return new Response("unauthorized", { status: 401, headers });
  };

  const mjpeg = (): Response => {
    stats.mjpegConnections++;
    const ac = new AbortController();
    streams.add(ac);
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake: (() => void) | null = null;
    ac.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      wake?.();
    }, { once: true });
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        return new Promise<void>((resolve) => {
          wake = () => {
            wake = null;
            if (ac.signal.aborted) {
              // End the response (an error here would only be logged by Deno).
              try {
                ctrl.close();
              } catch { /* already closed */ }
            } else {
              ctrl.enqueue(
                part(frames[i++ % frames.length], !opts.noContentLength),
              );
              stats.mjpegFrames++;
            }
            resolve();
          };
          if (ac.signal.aborted) return wake();
          timer = setTimeout(() => wake?.(), i === 0 ? 0 : 1000 / fps);
        });
      },
      cancel() {
        clearTimeout(timer);
        streams.delete(ac);
      },
    }, { highWaterMark: 1 });
    return new Response(body, {
      headers: {
        "content-type": `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
        "cache-control": "no-cache",
      },
    });
  };

  const snapshot = async (): Promise<Response> => {
    stats.snapshots++;
    stats.snapshotTimes.push(Date.now());
    inFlight++;
    stats.maxConcurrentSnapshots = Math.max(
      stats.maxConcurrentSnapshots,
      inFlight,
    );
    try {
      if (opts.snapshotDelayMs) {
        await new Promise((r) => setTimeout(r, opts.snapshotDelayMs));
      }
      return new Response(frames[next++ % frames.length].slice(), {
        headers: { "content-type": "image/jpeg" },
      });
    } finally {
      inFlight--;
    }
  };

  const handler = (req: Request): Response | Promise<Response> => {
    const path = new URL(req.url).pathname;
    const file = opts.files?.[path];
    if (path !== "/mjpeg" && path !== "/snapshot.jpg" && !file) {
      return new Response("not found", { status: 404 });
    }
    if (!authorized(req)) return challenge();
    if (opts.user) stats.authorized++;
    if (path === "/mjpeg") return mjpeg();
    if (path === "/snapshot.jpg") return snapshot();
    return new Response(file!.body.slice(), {
      headers: { "content-type": file!.contentType },
    });
  };

  const start = async (): Promise<void> => {
    if (server) return;
    const deadline = Date.now() + 5000;
    while (true) {
      try {
        server = Deno.serve({
          port,
          hostname: "127.0.0.1",
          onListen: () => {},
        }, handler);
        return;
      } catch (e) {
        // A restart may find the port still held for a moment.
        if (!(e instanceof Deno.errors.AddrInUse) || Date.now() > deadline) {
          throw e;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const stop = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const ac of streams) ac.abort();
    streams.clear();
    if (s) await s.shutdown();
  };

  await start();
  return {
    port,
    frames,
    stats,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    authUrl: (path) =>
      opts.user
        ? `http://${encodeURIComponent(opts.user)}:${
          encodeURIComponent(opts.password ?? "")
        }@127.0.0.1:${port}${path}`
        : `http://127.0.0.1:${port}${path}`,
    stop,
    start,
    [Symbol.asyncDispose]: stop,
  };
}

/** One multipart part; without Content-Length the reader must find the JPEG's end. */
function part(jpeg: Uint8Array, withLength: boolean): Uint8Array {
  const head = new TextEncoder().encode(
    `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\n` +
      (withLength ? `Content-Length: ${jpeg.byteLength}\r\n` : "") + "\r\n",
  );
  const out = new Uint8Array(head.byteLength + jpeg.byteLength + 2);
  out.set(head);
  out.set(jpeg, head.byteLength);
  out.set([13, 10], head.byteLength + jpeg.byteLength);
  return out;
}

/**
 * Verifies a Digest Authorization (qop=auth) the way a camera does: known
 * nonce, growing nonce count, right response.
 */
function checkDigest(
  header: string,
  req: Request,
  opts: HttpCameraOptions,
  nonces: Map<string, number>,
): boolean {
  if (!header.startsWith("Digest ")) return false;
  const p: Record<string, string> = {};
  for (
    const m of header.slice(7).matchAll(
      /(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g,
    )
  ) {
    p[m[1].toLowerCase()] = m[2] !== undefined
      ? m[2].replace(/\\(.)/g, "$1")
      : m[3];
  }
  const last = nonces.get(p.nonce ?? "");
  const nc = parseInt(p.nc ?? "", 16);
  if (last === undefined || !(nc > last)) return false;
  const url = new URL(req.url);
  if (p.uri !== url.pathname + url.search || p.realm !== REALM) return false;
  if (p.username !== opts.user || p.qop !== "auth" || p.opaque !== "0paque") {
    return false;
  }
  const alg = opts.digestAlgorithm === "SHA-256" ? "sha256" : "md5";
  const h = (s: string) => createHash(alg).update(s).digest("hex");
  const ha1 = h(`${opts.user}:${REALM}:${opts.password ?? ""}`);
  const ha2 = h(`${req.method}:${p.uri}`);
  const expected = h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
  if (p.response !== expected) return false;
  nonces.set(p.nonce, nc);
  return true;
}

/** `count` distinct JPEGs of a moving test pattern, made once by ffmpeg. */
export async function makeJpegs(
  size: string,
  count: number,
): Promise<Uint8Array[]> {
  const stream = await testPattern(size, "test JPEGs", [
    "-frames:v",
    String(count),
    "-c:v",
    "mjpeg",
    "-q:v",
    "5",
    "-f",
    "mpjpeg",
  ]);
  return new MjpegParser().push(stream);
}

/** A short H.264 MPEG-TS clip (not MJPEG, not JPEG): what the ffmpeg path reads. */
export async function makeTsClip(
  size: string,
  seconds: number,
): Promise<Uint8Array> {
  return await testPattern(size, "a TS clip", [
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "10",
    "-f",
    "mpegts",
  ]);
}

/**
 * ffmpeg's moving 10-fps test pattern at `size`, encoded by `output` (codec
 * and container options) and returned from stdout; throws with ffmpeg's
 * stderr, naming `what` was being made.
 */
async function testPattern(
  size: string,
  what: string,
  output: string[],
): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${size}:rate=10`,
      ...output,
      "pipe:1",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `ffmpeg could not make ${what}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return out.stdout;
}
