/**
 * Joins: one MP4 made from a list of segments by stream copy (ffmpeg concat
 * demuxer), kept in the cache folder under the SHA-256 of the path list.
 */
import { AppError } from "../../lib/errors.ts";
import { logger } from "../../lib/log.ts";
import { concatArgs } from "../recorder/args.ts";
import { runTool } from "../recorder/media.ts";
import { pruneCache } from "./cache.ts";
import type { FileRoutesDeps } from "./routes.ts";

const log = logger("node-files");

/** What `POST /v1/recordings/join` answers. */
export interface JoinResult {
  /** SHA-256 of the path list, hex: the cache key. */
  id: string;
  /** Where to fetch it on this node agent. */
  url: string;
  /** Path of the file relative to the data dir's cache. */
  cache_path: string;
  size_bytes: number;
  segments: number;
  /** True when an earlier join of the same list was reused. */
  cached: boolean;
}

export async function joinSegments(
  deps: FileRoutesDeps,
  id: string,
  files: string[],
): Promise<JoinResult> {
  const dir = deps.cacheDir;
  const out = `${dir}/${id}.mp4`;
  const answer = (size: number, cached: boolean): JoinResult => ({
    id,
    url: `/v1/joined/${id}`,
    cache_path: `cache/joined/${id}.mp4`,
    size_bytes: size,
    segments: files.length,
    cached,
  });
  const existing = await Deno.stat(out).catch(() => null);
  if (existing?.isFile) {
    const now = new Date();
    await Deno.utime(out, now, now).catch(() => {}); // recently used: pruned last
    return answer(existing.size, true);
  }
  await Deno.mkdir(dir, { recursive: true });
  await pruneCache(dir, deps.cacheMaxAgeMs ?? 6 * 3_600_000);
  const list = `${dir}/${id}.txt`;
  const tmp = `${dir}/${id}.part.mp4`;
  await Deno.writeTextFile(
    list,
    files.map((f) => `file '${f.replaceAll("'", "'\\''")}'\n`).join(""),
  );
  try {
    const r = await runTool(
      deps.ffmpegPath,
      concatArgs(list, tmp),
      deps.joinTimeoutMs ?? 280_000,
    );
    if (!r.ok) {
      throw new AppError(
        "internal",
        `Cannot join ${files.length} segments: ${
          r.stderr || `ffmpeg exit ${r.code}`
        }`,
      );
    }
    await Deno.rename(tmp, out);
  } finally {
    await Deno.remove(list).catch(() => {});
    await Deno.remove(tmp).catch(() => {});
  }
  log.info("joined segments", { id, segments: files.length });
  return answer((await Deno.stat(out)).size, false);
}

/** SHA-256 of a path list, hex: the id of its join and its rendition. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
