/**
 * Camera and recording steps the end-to-end source tests share, done through
 * the public API of a running stack (tests/support/stack.ts).
 * @module
 */
import type { RecordingDetail } from "../../lib/api/recordings.ts";
import assert from "node:assert/strict";
import { eventually, readFrames, type Stack, startStack } from "./stack.ts";

/**
 * A stack tuned for source tests (relays stop 1 s after the last viewer,
 * 2-s segments) with one node agent `node` running.
 */
export async function startSourceStack(node: string): Promise<Stack> {
  const stack = await startStack({ relayIdleGraceMs: 1000, segmentSeconds: 2 });
  try {
    await stack.startNodeAgent(node);
  } catch (e) {
    await stack.close();
    throw e;
  }
  return stack;
}

/** `POST /api/cameras`; asserts 201 and returns the created camera. */
export async function createCamera(
  stack: Stack,
  json: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
): Promise<{ id: string } & Record<string, any>> {
  const res = await stack.api("/api/cameras", { method: "POST", json });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body;
}

/**
 * Up to `count` frames of camera `id`'s live MJPEG stream, as a signed-in
 * viewer gets them, read for at most `timeoutMs`.
 */
export function liveFrames(
  stack: Stack,
  id: string,
  count: number,
  timeoutMs: number,
): Promise<Uint8Array[]> {
  return readFrames(`${stack.url}/api/cameras/${id}/stream`, {
    count,
    timeoutMs,
    headers: stack.auth,
  });
}

/** A recording session as `GET /api/recordings/:id` shows it (lib/api/recordings.ts). */
export type RecordingView = Pick<RecordingDetail, "id"> & {
  segments: Pick<
    RecordingDetail["segments"][number],
    "video_codec" | "audio_codec" | "duration_ms"
  >[];
};

/**
 * Starts recording camera `id` and waits until the session has `segments`
 * closed segments (or `timeoutMs` passes).
 */
export async function recordSegments(
  stack: Stack,
  id: string,
  segments: number,
  timeoutMs = 25_000,
): Promise<RecordingView> {
  const started = await stack.api(`/api/cameras/${id}/recording/start`, {
    method: "POST",
  });
  const session = await started.json();
  assert.equal(started.status, 200, JSON.stringify(session));
  let rec: RecordingView = { id: session.id, segments: [] };
  await eventually(
    async () => {
      rec = await (await stack.api(`/api/recordings/${session.id}`)).json();
      return rec.segments?.length >= segments;
    },
    timeoutMs,
    `${segments} segments`,
  );
  return { ...rec, id: session.id };
}

/** Stops recording camera `id`; asserts 200. */
export async function stopRecording(stack: Stack, id: string): Promise<void> {
  const stopped = await stack.api(`/api/cameras/${id}/recording/stop`, {
    method: "POST",
  });
  await stopped.body?.cancel();
  assert.equal(stopped.status, 200);
}
