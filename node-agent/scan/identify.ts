/**
 * Says what listens on an open TCP port, cheaply and honestly: one RTSP
 * `OPTIONS`, one ONVIF `GetSystemDateAndTime` SOAP call to the standard
 * device-service path, one `GET /`. No vendor URL is guessed: a result says
 * only what the device itself answered (its `evidence`), and how sure that
 * makes us.
 *
 * Every exchange opens its own connection through the injected `connect`, so
 * the caller sees (and tests can record) every connection made.
 */
import type { ScanResult } from "../../lib/protocol/mod.ts";

/** A TCP connection as the scanner uses it (a `Deno.Conn` fits). */
export interface ProbeConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/**
 * Opens a TCP connection; must reject (or be aborted through `signal`) when
 * the port is closed or does not answer.
 */
export type ConnectFn = (
  address: string,
  port: number,
  signal: AbortSignal,
) => Promise<ProbeConn>;

/** The real thing: a TCP connect on the node's network. */
export const tcpConnect: ConnectFn = (address, port, signal) =>
  Deno.connect({ hostname: address, port, transport: "tcp", signal });

export interface IdentifyOptions {
  connect: ConnectFn;
  /** Longest wait for one connect. @default 400 */
  connectTimeoutMs?: number;
  /** Longest wait for one reply. @default 1500 */
  replyTimeoutMs?: number;
  /** Aborts every exchange at once (the scan's time limit). */
  signal?: AbortSignal;
}

/** Ports where RTSP is tried before HTTP. */
const RTSP_FIRST = new Set([554, 8554, 10554]);
/** A reply is read up to this many bytes; enough for headers and a SOAP answer. */
const MAX_REPLY_BYTES = 16 * 1024;

/** A parsed reply head (RTSP and HTTP share the shape). */
export interface ReplyHead {
  /** "RTSP/1.0" or "HTTP/1.1". */
  version: string;
  status: number;
  reason: string;
  /** Lower-cased header names. */
  headers: Map<string, string>;
  body: string;
}

/**
 * Parses a status line, headers and whatever body arrived. Null when the
 * bytes do not start like an RTSP or HTTP reply.
 */
export function parseReply(text: string): ReplyHead | null {
  const m = /^(RTSP\/1\.0|HTTP\/1\.[01]) (\d{3})(?: ([^\r\n]*))?\r?\n/.exec(
    text,
  );
  if (!m) return null;
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? "" : text.slice(end).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/).slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) {
      headers.set(
        line.slice(0, i).trim().toLowerCase(),
        line.slice(i + 1).trim(),
      );
    }
  }
  return {
    version: m[1],
    status: Number(m[2]),
    reason: (m[3] ?? "").trim(),
    headers,
    body,
  };
}

/** `host:port` as it goes in a URL (default ports left out). */
function authority(address: string, port: number, defaultPort: number) {
  return port === defaultPort ? address : `${address}:${port}`;
}

function statusLine(r: ReplyHead): string {
  return `${r.version} ${r.status}${r.reason ? " " + r.reason : ""}`;
}

/**
 * A result from an RTSP server's answers to OPTIONS and (after a 200) to a
 * DESCRIBE of "/".
 */
export function rtspResult(
  address: string,
  port: number,
  options: ReplyHead,
  describe: ReplyHead | null = null,
): ScanResult {
  const auth = options.status === 401 || describe?.status === 401;
  let evidence = `${statusLine(options)} on OPTIONS`;
  if (describe) evidence += `, ${statusLine(describe)} on DESCRIBE /`;
  if (auth) evidence += " (needs credentials)";
  return {
    kind: "rtsp",
    address,
    port,
    device_path: null,
    confidence: "confirmed",
    evidence,
    needs_credentials: auth,
    suggested: {
      protocol: "rtsp",
      // The stream path is the camera's own (see its manual); none is guessed.
      source_url: `rtsp://${authority(address, port, 554)}/`,
      device_path: null,
      node_name: null,
      name: `RTSP camera ${authority(address, port, 554)}`,
    },
  };
}

/**
 * A result from the ONVIF device-service call, or null when the answer is
 * not ONVIF (any web server answers POSTs somehow).
 */
export function onvifResult(
  address: string,
  port: number,
  reply: ReplyHead,
): ScanResult | null {
  const body = reply.body;
  const soap = /<([\w.-]+:)?Envelope\b/.test(body);
  if (!soap) return null;
  const ok = /GetSystemDateAndTimeResponse\b/.test(body);
  const authFault = /NotAuthorized|Sender[^<]*Unauthorized|not ?authori[sz]ed/i
    .test(body);
  if (!ok && !/<([\w.-]+:)?Fault\b/.test(body)) return null;
  const where = authority(address, port, 80);
  return {
    kind: "onvif",
    address,
    port,
    device_path: null,
    confidence: ok ? "confirmed" : "likely",
    evidence: ok
      ? `ONVIF GetSystemDateAndTimeResponse from POST /onvif/device_service (${
        statusLine(reply)
      })`
      : `SOAP Fault from POST /onvif/device_service (${statusLine(reply)})`,
    needs_credentials: authFault,
    suggested: {
      protocol: "onvif",
      source_url: `onvif://${where}`,
      device_path: null,
      node_name: null,
      name: `ONVIF camera ${where}`,
    },
  };
}

/** A result from `GET /`: how camera-like a web server looks by its Content-Type. */
export function httpResult(
  address: string,
  port: number,
  reply: ReplyHead,
): ScanResult {
  const type = (reply.headers.get("content-type") ?? "").toLowerCase();
  const mjpeg = type.startsWith("multipart/x-mixed-replace");
  const jpeg = type.startsWith("image/jpeg");
  const auth = reply.status === 401;
  const where = authority(address, port, 80);
  const what = mjpeg
    ? "an MJPEG stream"
    : jpeg
    ? "a JPEG image"
    : auth
    ? "a login (needs credentials)"
    : `a web page${type ? ` (${type.split(";")[0]})` : ""}`;
  return {
    kind: "http",
    address,
    port,
    device_path: null,
    confidence: mjpeg || jpeg ? "likely" : "possible",
    evidence: `${statusLine(reply)} on GET /: ${what}`,
    needs_credentials: auth,
    suggested: {
      protocol: "http",
      source_url: `http://${where}/`,
      device_path: null,
      node_name: null,
      name: `${mjpeg || jpeg ? "HTTP camera" : "Web device"} ${where}`,
    },
  };
}

const SOAP_TIME = `<?xml version="1.0" encoding="UTF-8"?>` +
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">` +
  `<s:Body><GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>` +
  `</s:Body></s:Envelope>`;

/** Request bytes for each exchange. */
export function rtspRequest(
  method: "OPTIONS" | "DESCRIBE",
  address: string,
  port: number,
): string {
  return `${method} rtsp://${address}:${port}/ RTSP/1.0\r\nCSeq: 1\r\n` +
    (method === "DESCRIBE" ? "Accept: application/sdp\r\n" : "") +
    `User-Agent: Falcon-Eye scan\r\n\r\n`;
}

export function onvifRequest(address: string, port: number): string {
  const body = new TextEncoder().encode(SOAP_TIME);
  return `POST /onvif/device_service HTTP/1.1\r\nHost: ${address}:${port}\r\n` +
    `Content-Type: application/soap+xml; charset=utf-8\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n` +
    `User-Agent: Falcon-Eye scan\r\n\r\n${SOAP_TIME}`;
}

export function httpGet(address: string, port: number): string {
  return `GET / HTTP/1.1\r\nHost: ${address}:${port}\r\nAccept: */*\r\n` +
    `Connection: close\r\nUser-Agent: Falcon-Eye scan\r\n\r\n`;
}

/**
 * One request/reply on a fresh connection. Reads until the reply is complete
 * enough (`enough`), the peer closes, `MAX_REPLY_BYTES`, or the reply
 * timeout; never throws (null = no usable reply).
 */
export async function exchange(
  address: string,
  port: number,
  request: string,
  enough: (text: string) => boolean,
  opts: IdentifyOptions,
): Promise<string | null> {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let conn: ProbeConn | null = null;
  const connectMs = opts.connectTimeoutMs ?? 400;
  const timer = setTimeout(
    () => ac.abort(),
    connectMs + (opts.replyTimeoutMs ?? 1500),
  );
  try {
    conn = await withTimeout(
      opts.connect(address, port, ac.signal),
      connectMs,
      ac,
    );
    if (!conn) return null;
    const c = conn;
    ac.signal.addEventListener("abort", () => safeClose(c), { once: true });
    if (ac.signal.aborted) return null;
    await c.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(MAX_REPLY_BYTES);
    let len = 0;
    const dec = new TextDecoder();
    while (len < buf.length) {
      const n = await c.read(buf.subarray(len));
      if (n === null) break;
      len += n;
      if (enough(dec.decode(buf.subarray(0, len)))) break;
    }
    return len > 0 ? dec.decode(buf.subarray(0, len)) : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    if (conn) safeClose(conn);
  }
}

/**
 * Resolves with the connection, or null when it did not come within `ms`
 * (then `ac` is aborted and a connection that arrives late is closed).
 */
export async function withTimeout(
  pending: Promise<ProbeConn>,
  ms: number,
  ac: AbortController,
): Promise<ProbeConn | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    ac.signal.addEventListener("abort", () => resolve(null), { once: true });
  });
  try {
    const got = await Promise.race([pending, late]);
    if (got === null) {
      ac.abort();
      pending.then(safeClose, () => {});
    }
    return got;
  } finally {
    clearTimeout(timer);
  }
}

function safeClose(c: ProbeConn): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}

/** Headers complete and, with a Content-Length, the whole (bounded) body. */
function replyComplete(text: string): boolean {
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return false;
  const len = /\r?\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  if (!len) return true;
  const bodyBytes = new TextEncoder().encode(
    text.slice(end).replace(/^\r?\n\r?\n/, ""),
  ).length;
  return bodyBytes >= Math.min(Number(len[1]), MAX_REPLY_BYTES / 2);
}

/** Headers complete: enough to classify a `GET /` (an MJPEG body never ends). */
function headersComplete(text: string): boolean {
  return /\r?\n\r?\n/.test(text);
}

async function tryRtsp(address: string, port: number, opts: IdentifyOptions) {
  const ask = async (request: string) => {
    const text = await exchange(address, port, request, headersComplete, opts);
    const reply = text ? parseReply(text) : null;
    return reply?.version === "RTSP/1.0" ? reply : null;
  };
  const options = await ask(rtspRequest("OPTIONS", address, port));
  if (!options) return null;
  // Many cameras answer OPTIONS without credentials and ask for them only on
  // DESCRIBE; one DESCRIBE of "/" tells "needs credentials" apart.
  const describe = options.status === 200 && !opts.signal?.aborted
    ? await ask(rtspRequest("DESCRIBE", address, port))
    : null;
  return rtspResult(address, port, options, describe);
}

async function tryHttp(
  address: string,
  port: number,
  opts: IdentifyOptions,
): Promise<ScanResult | null> {
  const soap = await exchange(
    address,
    port,
    onvifRequest(address, port),
    replyComplete,
    opts,
  );
  const soapReply = soap ? parseReply(soap) : null;
  if (!soapReply?.version.startsWith("HTTP/")) return null;
  const onvif = onvifResult(address, port, soapReply);
  if (onvif) return onvif;
  if (opts.signal?.aborted) return null;
  const page = await exchange(
    address,
    port,
    httpGet(address, port),
    headersComplete,
    opts,
  );
  const reply = page ? parseReply(page) : null;
  return reply?.version.startsWith("HTTP/")
    ? httpResult(address, port, reply)
    : null;
}

/**
 * Identifies the service on an open port: RTSP first on RTSP ports, HTTP
 * (ONVIF, then `GET /`) first elsewhere. Null when neither answers.
 */
export async function identify(
  address: string,
  port: number,
  opts: IdentifyOptions,
): Promise<ScanResult | null> {
  const order = RTSP_FIRST.has(port) ? [tryRtsp, tryHttp] : [tryHttp, tryRtsp];
  for (const attempt of order) {
    if (opts.signal?.aborted) return null;
    const found = await attempt(address, port, opts);
    if (found) return found;
  }
  return null;
}
