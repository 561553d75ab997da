/**
 * One JPEG from a camera's ONVIF snapshot URI: plain HTTP GET, answering a
 * Digest (preferred) challenge once with the camera's credentials; Basic
 * only over https — over plain http it would hand the password to anyone on
 * the path, and a device that downgrades to it is refused (issue 11 #9).
 * Bounded in time and size; errors never carry the URI's credentials.
 */
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import {
  basicAuthorization,
  digestAuthorization,
  parseChallenges,
  pickChallenge,
} from "../http_auth/digest.ts";
import { publicUri } from "../../lib/onvif_url.ts";

export interface SnapshotOptions {
  username: string;
  password: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** A larger answer is refused. @default 8 MiB */
  maxBytes?: number;
}

/** GETs `uri` and returns the JPEG; throws AppError("upstream_failed"/"timeout"). */
export async function fetchSnapshot(
  uri: string,
  opts: SnapshotOptions,
): Promise<Uint8Array> {
  const url = new URL(uri);
  // Credentials in the URI (some cameras add them) win over the camera's.
  const username = url.username
    ? decodeURIComponent(url.username)
    : opts.username;
  const password = url.username
    ? decodeURIComponent(url.password)
    : opts.password;
  url.username = "";
  url.password = "";
  const shown = publicUri(uri);
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 5000);
  try {
    let res = await fetch(url, { signal, redirect: "manual" });
    if (res.status === 401 && username) {
      const challenge = pickChallenge(
        parseChallenges(res.headers.get("www-authenticate") ?? ""),
      );
      await res.body?.cancel();
      if (challenge?.scheme === "basic" && url.protocol !== "https:") {
        throw new AppError(
          "upstream_failed",
          `Snapshot ${shown} asks for Basic authentication over plain http, which would send the password readable; only Digest is answered over http`,
        );
      }
      if (challenge) {
        const authorization = challenge.scheme === "digest"
          ? digestAuthorization({
            challenge,
            username,
            password,
            method: "GET",
            uri: url.pathname + url.search,
            nc: 1,
          })
          : basicAuthorization(username, password);
        res = await fetch(url, {
          signal,
          redirect: "manual",
          headers: { authorization },
        });
      }
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new AppError(
        "upstream_failed",
        `Snapshot ${shown} refused the camera's credentials (HTTP ${res.status})`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AppError(
        "upstream_failed",
        `Snapshot ${shown} answered HTTP ${res.status}`,
      );
    }
    const body = await readBounded(res, opts.maxBytes ?? 8 * 1024 * 1024);
    if (!isJpeg(body)) {
      throw new AppError(
        "upstream_failed",
        `Snapshot ${shown} did not answer a JPEG`,
      );
    }
    return body;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (signal.aborted) {
      throw new AppError(
        "timeout",
        `Snapshot ${shown} did not answer within ${
          (opts.timeoutMs ?? 5000) / 1000
        } s`,
      );
    }
    throw new AppError(
      "upstream_failed",
      `Snapshot ${shown} failed: ${errorMessage(e)}`,
    );
  }
}

async function readBounded(res: Response, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > max) {
      throw new AppError(
        "upstream_failed",
        `Snapshot is larger than ${max} bytes`,
      );
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
