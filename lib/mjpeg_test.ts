import assert from "node:assert/strict";
import { isJpeg, MjpegParseError, MjpegParser, mjpegPart } from "./mjpeg.ts";

const jpeg = (n: number) =>
  new Uint8Array([0xff, 0xd8, ...new Array(n).fill(n), 0xff, 0xd9]);

Deno.test("MjpegParser reads frames built by mjpegPart() split at every byte", () => {
  const frames = [jpeg(3), jpeg(10), jpeg(200)];
  const stream = new Uint8Array(frames.flatMap((f) => [...mjpegPart(f)]));
  const p = new MjpegParser();
  const out: Uint8Array[] = [];
  for (const b of stream) out.push(...p.push(new Uint8Array([b])));
  assert.deepEqual(out, frames);
});

Deno.test("MjpegParser reads ffmpeg mpjpeg output with its own boundary", () => {
  const f = jpeg(5);
  const head = new TextEncoder().encode(
    "--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 9\r\n\r\n",
  );
  const p = new MjpegParser();
  const out = p.push(
    new Uint8Array([...head, ...f, 13, 10, ...head, ...f, 13, 10]),
  );
  assert.deepEqual(out, [f, f]);
});

Deno.test("MjpegParser falls back to the JPEG end marker without Content-Length", () => {
  const f = jpeg(4);
  const head = new TextEncoder().encode(
    "--b\r\nContent-Type: image/jpeg\r\n\r\n",
  );
  const p = new MjpegParser();
  assert.deepEqual(p.push(new Uint8Array([...head, ...f, 13, 10])), [f]);
});

Deno.test("MjpegParser rejects a frame over the limit", () => {
  const p = new MjpegParser({ maxFrameBytes: 10 });
  assert.throws(() => p.push(mjpegPart(jpeg(20))), MjpegParseError);
});

Deno.test("isJpeg() checks start and end markers", () => {
  assert.equal(isJpeg(jpeg(2)), true);
  assert.equal(isJpeg(new Uint8Array([1, 2, 3, 4, 5])), false);
});
