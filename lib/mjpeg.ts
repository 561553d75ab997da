/**
 * MJPEG over HTTP: parsing a multipart/x-mixed-replace byte stream into JPEG
 * frames, and building the parts we send. The parser needs `Content-Length`
 * part headers (ffmpeg's mpjpeg muxer and our own node agent send them) and
 * falls back to scanning for the JPEG end marker when a part has none, as some
 * IP cameras do.
 */

export const BOUNDARY = "falconframe";
export const MJPEG_CONTENT_TYPE =
  `multipart/x-mixed-replace; boundary=${BOUNDARY}`;

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");

/** Builds one multipart part (boundary line, headers, JPEG, CRLF) as one buffer. */
export function mjpegPart(jpeg: Uint8Array, boundary = BOUNDARY): Uint8Array {
  const head = encoder.encode(
    `--${boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.byteLength}\r\n\r\n`,
  );
  const out = new Uint8Array(
    head.byteLength + jpeg.byteLength + CRLF.byteLength,
  );
  out.set(head, 0);
  out.set(jpeg, head.byteLength);
  out.set(CRLF, head.byteLength + jpeg.byteLength);
  return out;
}

export interface MjpegParserOptions {
  /** Largest frame accepted; a bigger one is a protocol error. @default 16 MiB */
  maxFrameBytes?: number;
}

export class MjpegParseError extends Error {}

const HEADER_END = [13, 10, 13, 10];

/** Incremental parser: push chunks, get the complete JPEG frames they finish. */
export class MjpegParser {
  #buf = new Uint8Array(256 * 1024);
  #len = 0;
  #maxFrameBytes: number;
  /** Content length of the part whose headers were read, -1 when unknown, null when reading headers. */
  #want: number | null = null;

  constructor(options: MjpegParserOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const frames: Uint8Array[] = [];
    let pos = 0;
    while (true) {
      if (this.#want === null) {
        const end = indexOf(this.#buf, HEADER_END, pos, this.#len);
        if (end < 0) {
          if (this.#len - pos > 16 * 1024) {
            throw new MjpegParseError("multipart headers longer than 16 KiB");
          }
          break;
        }
        const headers = new TextDecoder().decode(this.#buf.subarray(pos, end));
        this.#want = contentLength(headers);
        if (this.#want > this.#maxFrameBytes) {
          throw new MjpegParseError(
            `frame of ${this.#want} bytes exceeds the ${this.#maxFrameBytes}-byte limit`,
          );
        }
        pos = end + 4;
      }
      if (this.#want >= 0) {
        if (this.#len - pos < this.#want) break;
        frames.push(this.#buf.slice(pos, pos + this.#want));
        pos += this.#want;
      } else {
        const eoi = indexOf(this.#buf, [0xff, 0xd9], pos, this.#len);
        if (eoi < 0) {
          if (this.#len - pos > this.#maxFrameBytes) {
            throw new MjpegParseError("JPEG end marker not found");
          }
          break;
        }
        frames.push(this.#buf.slice(pos, eoi + 2));
        pos = eoi + 2;
      }
      this.#want = null;
    }
    // Keep only the unconsumed tail.
    if (pos > 0) {
      this.#buf.copyWithin(0, pos, this.#len);
      this.#len -= pos;
    }
    return frames;
  }

  #append(chunk: Uint8Array) {
    if (this.#len + chunk.byteLength > this.#buf.byteLength) {
      let size = this.#buf.byteLength * 2;
      while (size < this.#len + chunk.byteLength) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.byteLength;
  }
}

function contentLength(headers: string): number {
  const m = /content-length:\s*(\d+)/i.exec(headers);
  return m ? Number(m[1]) : -1;
}

function indexOf(
  buf: Uint8Array,
  needle: number[],
  from: number,
  to: number,
): number {
  const first = needle[0];
  const last = to - needle.length;
  for (
    let i = buf.indexOf(first, from);
    i >= 0 && i <= last;
    i = buf.indexOf(first, i + 1)
  ) {
    let ok = true;
    for (let j = 1; j < needle.length; j++) {
      if (buf[i + j] !== needle[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

/** Reads JPEG frames from a multipart byte stream until it ends or the signal aborts. */
export async function* readMjpeg(
  body: ReadableStream<Uint8Array>,
  options: MjpegParserOptions & { signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array> {
  const parser = new MjpegParser(options);
  const reader = body.getReader();
  // Cancel the reader itself on abort: an aborted fetch whose Request object was
  // garbage-collected keeps its body streaming in Deno, so the fetch signal alone
  // does not reliably close the connection.
  const onAbort = () => void reader.cancel().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      if (options.signal?.aborted) return;
      const { value, done } = await reader.read();
      if (done) return;
      for (const frame of parser.push(value)) yield frame;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** True when the bytes look like a complete JPEG (SOI at start, EOI at end). */
export function isJpeg(b: Uint8Array): boolean {
  return b.byteLength > 4 && b[0] === 0xff && b[1] === 0xd8 &&
    b[b.byteLength - 2] === 0xff &&
    b[b.byteLength - 1] === 0xd9;
}
