/**
 * Where recordings live on a node's disk, and the only code that turns ids and
 * times into paths or paths back into meaning (docs/design/recording.md
 * § On-disk layout):
 *
 * ```
 * {root}/{camera_id}/{YYYY-MM-DD}/{YYYYMMDDTHHMMSSZ}_{session8}[-N].mp4   closed segments
 * {root}/{camera_id}/.incoming/{session_id}.{run}.{epoch_s}.mp4          being written
 * ```
 *
 * Paths that come from outside (HTTP, events) go through `parseSegmentPath()`
 * (shape) and `confine()` (filesystem, symlinks) before anything opens them.
 */
import { AppError } from "../../lib/errors.ts";

/** Camera and session ids usable as path parts: no dots, no separators. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** The folder ffmpeg writes into, per camera. Dot-prefixed: never served. */
export const INCOMING_DIR = ".incoming";

const SEGMENT_NAME =
  /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_([A-Za-z0-9]{1,8})(?:-([2-9]|[1-9]\d{1,3}))?\.mp4$/;
const DATE_DIR = /^(\d{4})-(\d{2})-(\d{2})$/;
const INCOMING_NAME =
  /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.([a-z0-9]{1,24})\.(\d{1,12})\.mp4$/;

/** True when `id` may be used as a camera or session folder/name part. */
export function isSafeId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/**
 * The session's tag in segment names: its first 8 letters/digits. Retention
 * compares tags, so a tag collision can only keep more footage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(sessionTag("1a2b3c4d-0000-4000-8000-000000000000"), "1a2b3c4d");
 * ```
 */
export function sessionTag(sessionId: string): string {
  const tag = sessionId.replace(/[^A-Za-z0-9]/g, "").slice(0, 8);
  return tag || "x";
}

/** `YYYY-MM-DD` (UTC) of a wall time in ms. */
export function dateDir(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYYMMDDTHHMMSSZ_{tag}[-N].mp4` for a segment starting at `startMs` (UTC, whole seconds). */
export function segmentFileName(
  startMs: number,
  sessionId: string,
  n = 1,
): string {
  const iso = new Date(startMs).toISOString(); // 2026-11-24T01:48:38.123Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, "") + "Z";
  return `${stamp}_${sessionTag(sessionId)}${n > 1 ? `-${n}` : ""}.mp4`;
}

/** Root-relative path of a closed segment: `{camera}/{YYYY-MM-DD}/{file}`. */
export function segmentRelPath(
  cameraId: string,
  startMs: number,
  sessionId: string,
  n = 1,
): string {
  checkId(cameraId, "camera id");
  return `${cameraId}/${dateDir(startMs)}/${
    segmentFileName(startMs, sessionId, n)
  }`;
}

/** What a segment's root-relative path says. */
export interface SegmentPathInfo {
  /** The normalised relative path. */
  path: string;
  cameraId: string;
  /** `YYYY-MM-DD` folder. */
  date: string;
  fileName: string;
  /** Wall time of the segment's start, to the second (from the name). */
  startMs: number;
  /** First 8 alphanumerics of the session id. */
  sessionTag: string;
}

/**
 * Parses `{camera}/{YYYY-MM-DD}/{YYYYMMDDTHHMMSSZ}_{tag}[-N].mp4` strictly:
 * anything else (other depth, `..`, absolute, dot-prefixed, a date folder
 * that disagrees with the name) is null.
 */
export function parseSegmentPath(rel: string): SegmentPathInfo | null {
  const parts = splitRelative(rel);
  if (!parts || parts.length !== 3) return null;
  const [cameraId, date, fileName] = parts;
  if (!isSafeId(cameraId)) return null;
  const d = DATE_DIR.exec(date);
  const m = SEGMENT_NAME.exec(fileName);
  if (!d || !m) return null;
  if (`${m[1]}-${m[2]}-${m[3]}` !== date) return null;
  const startMs = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  );
  // Reject 2026-02-31 and friends: the date must survive a round trip.
  if (!Number.isFinite(startMs) || dateDir(startMs) !== date) return null;
  return {
    path: parts.join("/"),
    cameraId,
    date,
    fileName,
    startMs,
    sessionTag: m[7],
  };
}

/** True for a `YYYY-MM-DD` folder name. */
export function isDateDir(name: string): boolean {
  return DATE_DIR.test(name);
}

/** The incoming folder of a camera. */
export function incomingDir(root: string, cameraId: string): string {
  checkId(cameraId, "camera id");
  return `${root}/${cameraId}/${INCOMING_DIR}`;
}

/** What an incoming file name says. */
export interface IncomingName {
  sessionId: string;
  run: string;
  /** Wall second (epoch) the file was opened, from ffmpeg's strftime `%s`. */
  openedS: number;
}

/** Parses `{session_id}.{run}.{epoch_s}.mp4`; null for anything else. */
export function parseIncomingName(name: string): IncomingName | null {
  const m = INCOMING_NAME.exec(name);
  if (!m) return null;
  return { sessionId: m[1], run: m[2], openedS: Number(m[3]) };
}

/** `{session}.{run}` — the prefix every file of one ffmpeg run shares. */
export function runPrefix(sessionId: string, run: string): string {
  checkId(sessionId, "session id");
  if (!/^[a-z0-9]{1,24}$/.test(run)) {
    throw new AppError("invalid_input", `Invalid run id "${run}"`);
  }
  return `${sessionId}.${run}`;
}

/**
 * Splits a relative path into parts, or null when it is not a plain relative
 * path: empty, absolute, `.`/`..`/dot-prefixed parts, empty parts, NUL or
 * backslash anywhere.
 */
export function splitRelative(rel: string): string[] | null {
  if (typeof rel !== "string" || rel.length === 0 || rel.length > 1024) {
    return null;
  }
  if (rel.startsWith("/") || rel.includes("\\") || rel.includes("\0")) {
    return null;
  }
  const parts = rel.split("/");
  for (const p of parts) {
    if (p.length === 0 || p.startsWith(".")) return null;
  }
  return parts;
}

/**
 * Resolves a root-relative path to an absolute one that is guaranteed to lie
 * inside `root`, symlinks included: the lexical check (`splitRelative`)
 * rejects `..` and absolute paths, and the real path of the target (or of its
 * deepest existing parent) must start with the real root. Throws
 * AppError("invalid_input") for a bad shape and AppError("forbidden") for an
 * escape.
 */
export async function confine(root: string, rel: string): Promise<string> {
  const parts = splitRelative(rel);
  if (!parts) {
    throw new AppError(
      "invalid_input",
      "Invalid path: it must be relative to the recordings root, without '..' or dot-prefixed parts",
      { field: "path" },
    );
  }
  const realRoot = await Deno.realPath(root);
  const target = `${realRoot}/${parts.join("/")}`;
  // Walk up to the deepest part that exists and resolve it.
  let probe = target;
  let rest = "";
  while (true) {
    try {
      const real = await Deno.realPath(probe);
      if (real !== realRoot && !real.startsWith(realRoot + "/")) {
        throw new AppError("forbidden", "Path leaves the recordings root", {
          field: "path",
        });
      }
      return real + rest;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      if (await isSymlink(probe)) {
        // A dangling link: where it points cannot be checked, so refuse it.
        throw new AppError("forbidden", "Path leaves the recordings root", {
          field: "path",
        });
      }
      const cut = probe.lastIndexOf("/");
      if (cut <= realRoot.length) return target;
      rest = probe.slice(cut) + rest;
      probe = probe.slice(0, cut);
    }
  }
}

function checkId(id: string, what: string): void {
  if (!isSafeId(id)) {
    throw new AppError(
      "invalid_input",
      `Invalid ${what} "${
        String(id).slice(0, 80)
      }": use letters, digits, '-' and '_' (at most 128)`,
    );
  }
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isSymlink;
  } catch {
    return false;
  }
}
