/**
 * The dashboard's ONVIF pieces, pure (tested in islands/onvif_ui_test.ts):
 * the body of "Find profiles" (`POST /api/cameras/onvif/inspect`), the
 * onvif:// source URL a chosen profile becomes, a profile's one-line label,
 * and the PTZ pad's commands (`POST /api/cameras/{id}/ptz`).
 */
import { buildOnvifUrl } from "../../../lib/onvif_url.ts";
import type { OnvifProfile } from "../../../lib/protocol.ts";

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

/** Body of `POST /api/cameras/onvif/inspect`; node_name pins the node that asks. */
export function inspectBody(
  login: OnvifLogin,
  nodeName: string,
): Record<string, string | number | null> {
  const port = Number(login.port.trim() || "80");
  return {
    host: login.host.trim(),
    port: Number.isInteger(port) ? port : login.port,
    username: login.username,
    password: login.password,
    node_name: nodeName.trim() || null,
  };
}

/** The camera's source URL for one profile (credentials percent-encoded). */
export function sourceUrlFor(login: OnvifLogin, token: string): string {
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
