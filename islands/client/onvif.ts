/**
 * The dashboard's ONVIF pieces, pure (tested in islands/onvif_ui_test.ts):
 * the body of "Find profiles" (`POST /api/cameras/onvif/inspect`), which
 * profiles to offer for live view and recording, the onvif:// URLs the chosen
 * profiles become, a profile's one-line label, and the PTZ pad's commands
 * (`POST /api/cameras/{id}/ptz`).
 */
import { buildOnvifUrl, parseOnvifUrl } from "../../lib/onvif_url.ts";
import type { OnvifProfile } from "../../lib/protocol/mod.ts";

/** What the user types to find a camera's profiles. */
export interface OnvifLogin {
  host: string;
  port: string;
  username: string;
  password: string;
}

export const EMPTY_LOGIN: OnvifLogin = {
  host: "",
  port: "80",
  username: "",
  password: "",
};

/** The password the API shows for a stored one; sent back, it means "keep it". */
export const KEPT_PASSWORD = "***";

/**
 * Body of `POST /api/cameras/onvif/inspect`; node_name pins the node that
 * asks. Editing (`cameraId`) with the password still `***`: the camera's
 * stored password is used, so nobody has to type it again.
 */
export function inspectBody(
  login: OnvifLogin,
  nodeName: string,
  cameraId?: string,
): Record<string, string | number | null> {
  const port = Number(login.port.trim() || "80");
  if (cameraId && login.password === KEPT_PASSWORD) {
    return {
      url: sourceUrlFor(login, null),
      camera_id: cameraId,
      node_name: nodeName.trim() || null,
    };
  }
  return {
    host: login.host.trim(),
    port: Number.isInteger(port) ? port : login.port,
    username: login.username,
    password: login.password,
    node_name: nodeName.trim() || null,
  };
}

/**
 * The finder's login from a camera's stored onvif:// URL as the API shows it
 * (password `***`); null when it is not one.
 */
export function loginOf(url: string | null | undefined): OnvifLogin | null {
  if (!url) return null;
  try {
    const a = parseOnvifUrl(url);
    return {
      host: a.host,
      port: String(a.port),
      username: a.username,
      password: a.password,
    };
  } catch {
    return null;
  }
}

/** The profile token an onvif:// URL names; null = the camera's first (or not a URL). */
export function profileOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return parseOnvifUrl(url).profile;
  } catch {
    return null;
  }
}

/** Which profiles the form preselects: live and recording ("" = same as live). */
export interface ProfileChoice {
  live: string;
  record: string;
}

/**
 * Smallest picture for live view (usually the sub-stream: cheap to encode
 * for browsers), largest for recording (usually the main stream: copied, so
 * its size costs only disk). Ties go to the camera's order. One size only:
 * recording uses the live profile.
 */
export function defaultProfiles(profiles: OnvifProfile[]): ProfileChoice {
  const video = profiles.filter((p) => p.video);
  if (!video.length) return { live: profiles[0]?.token ?? "", record: "" };
  const area = (p: OnvifProfile) =>
    (p.video!.width || 0) * (p.video!.height || 0);
  let small = video[0];
  let large = video[0];
  for (const p of video) {
    if (area(p) < area(small)) small = p;
    if (area(p) > area(large)) large = p;
  }
  return {
    live: small.token,
    record: area(large) > area(small) ? large.token : "",
  };
}

/**
 * The form's two URLs for a choice: `source_url` (live view) and
 * `record_source_url` ("" = record the live profile).
 */
export function profileUrls(
  login: OnvifLogin,
  choice: ProfileChoice,
): { source_url: string; record_source_url: string } {
  return {
    source_url: sourceUrlFor(login, choice.live || null),
    record_source_url: choice.record && choice.record !== choice.live
      ? sourceUrlFor(login, choice.record)
      : "",
  };
}

/** The camera's source URL for one profile (credentials percent-encoded). */
export function sourceUrlFor(login: OnvifLogin, token: string | null): string {
  return buildOnvifUrl({
    host: login.host.trim().replace(/^\[|\]$/g, ""),
    port: Number(login.port.trim() || "80"),
    username: login.username,
    password: login.password,
    profile: token,
  });
}

/** `Main — H264 1920×1080 · 25 fps · PTZ` */
export function profileLabel(p: OnvifProfile): string {
  const parts: string[] = [];
  if (p.video) {
    if (p.video.codec) parts.push(p.video.codec);
    if (p.video.width && p.video.height) {
      parts.push(`${p.video.width}×${p.video.height}`);
    }
    if (p.video.fps) parts.push(`${p.video.fps} fps`);
  } else parts.push("no video");
  if (p.ptz) parts.push("PTZ");
  return `${p.name} — ${parts.join(" · ")}`;
}

export type PtzDirection =
  | "up"
  | "down"
  | "left"
  | "right"
  | "zoom_in"
  | "zoom_out";

/** Speed of the pad's moves (of the camera's −1…1 range). */
export const PAD_SPEED = 0.5;
/**
 * The camera stops by itself after this long even if the release is lost
 * (a closed tab); holding longer re-sends the move.
 */
export const PAD_MOVE_MS = 2000;

/** The continuous move for one pad button. */
export function moveBody(dir: PtzDirection): Record<string, string | number> {
  const v = { pan: 0, tilt: 0, zoom: 0 };
  if (dir === "up") v.tilt = PAD_SPEED;
  if (dir === "down") v.tilt = -PAD_SPEED;
  if (dir === "left") v.pan = -PAD_SPEED;
  if (dir === "right") v.pan = PAD_SPEED;
  if (dir === "zoom_in") v.zoom = PAD_SPEED;
  if (dir === "zoom_out") v.zoom = -PAD_SPEED;
  return { action: "move", ...v, timeout_ms: PAD_MOVE_MS };
}
