/**
 * Browser-safe streaming parser for the grid's multiplexed MJPEG stream
 * (`GET /api/streams/live`, format in docs/design/protocol.md): push body
 * chunks, get the complete frames they finish with their `X-Camera-Id`. Every
 * part must carry `Content-Length` (the controller always sends it).
 */

export interface MuxFrame {
  /** The part's `X-Camera-Id` header ("" when it had none). */
  id: string;
  /** JPEG bytes: a view valid only until the next `push()`; copy (or Blob) it at once. */
  jpeg: Uint8Array;
}

const MAX_HEAD = 16 * 1024;

export class MuxParser {
  #buf = new Uint8Array(256 * 1024);
  #start = 0;
  #len = 0;
  /** Content length of the part whose headers were read; -1 while reading headers. */
  #want = -1;
  #id = "";
  #max: number;

  constructor(maxFrameBytes = 16 * 1024 * 1024) {
    this.#max = maxFrameBytes;
  }

  push(chunk: Uint8Array): MuxFrame[] {
    this.#append(chunk);
    const buf = this.#buf;
    const out: MuxFrame[] = [];
    let pos = this.#start;
    while (true) {
      if (this.#want < 0) {
        const end = headEnd(buf, pos, this.#len);
        if (end < 0) {
          if (this.#len - pos > MAX_HEAD) {
            throw new Error("multipart headers longer than 16 KiB");
          }
          break;
        }
        const head = new TextDecoder().decode(buf.subarray(pos, end));
        const len = /content-length:\s*(\d+)/i.exec(head);
        if (!len) throw new Error("multipart part without Content-Length");
        this.#want = Number(len[1]);
        if (this.#want > this.#max) {
          throw new Error(`frame of ${this.#want} bytes is too large`);
        }
        this.#id = /x-camera-id:[ \t]*([^\r\n]*)/i.exec(head)?.[1].trim() ?? "";
        pos = end + 4;
      }
      if (this.#len - pos < this.#want) break;
      out.push({ id: this.#id, jpeg: buf.subarray(pos, pos + this.#want) });
      pos += this.#want;
      this.#want = -1;
    }
    this.#start = pos;
    return out;
  }

  #append(chunk: Uint8Array) {
    // Drop what earlier pushes consumed (their frames' views are now invalid).
    const keep = this.#len - this.#start;
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#len);
      this.#start = 0;
      this.#len = keep;
    }
    if (keep + chunk.byteLength > this.#buf.byteLength) {
      let size = this.#buf.byteLength * 2;
      while (size < keep + chunk.byteLength) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, keep));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.byteLength;
  }
}

/** Index of the first CRLFCRLF in buf[from, to), or -1. */
function headEnd(buf: Uint8Array, from: number, to: number): number {
  for (
    let i = buf.indexOf(13, from);
    i >= 0 && i + 3 < to;
    i = buf.indexOf(13, i + 1)
  ) {
    if (buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}
