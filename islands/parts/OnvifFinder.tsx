/**
 * "Find profiles" for an ONVIF camera in the add and edit forms: host, port
 * and credentials → `POST /api/cameras/onvif/inspect` (on the chosen node,
 * else any) → the device and its profiles. Two choices follow: the live view
 * profile (preselected: the smallest picture, usually the sub-stream) and the
 * recording profile (the largest, usually the main stream, or "same as live
 * view"); they fill in the form's source URL and recording URL
 * (`onvif://user:pass@host:port?profile=TOKEN`). Editing starts from the
 * stored URL with the password as `***`, which the API completes. Keeps its
 * own inputs; the island owns the URLs.
 */
import { useState } from "preact/hooks";
import type { OnvifInspection } from "../../lib/protocol/mod.ts";
import { apiRequest } from "../client/api.ts";
import {
  defaultProfiles,
  EMPTY_LOGIN,
  inspectBody,
  KEPT_PASSWORD,
  type OnvifLogin,
  type ProfileChoice,
  profileLabel,
  profileUrls,
} from "../client/onvif.ts";

export interface OnvifFinderProps {
  /** Id prefix, unique on the page. */
  prefix: string;
  /** The form's node choice ("" = any node). */
  nodeName: string;
  /** Profiles were chosen: the live view URL and the recording URL ("" = same as live). */
  onChoose(urls: { source_url: string; record_source_url: string }): void;
  /** Editing: the login of the stored URL (password `***`). */
  initial?: OnvifLogin | null;
  /** Editing: the camera whose stored password completes `***`. */
  cameraId?: string;
  /** Editing: the stored profiles, preselected when the camera still has them. */
  current?: ProfileChoice;
}

type Found =
  | { kind: "idle" }
  | { kind: "running" }
  | { kind: "failed"; text: string; field?: string }
  | { kind: "ok"; result: OnvifInspection };

export function OnvifFinder(p: OnvifFinderProps) {
  const [login, setLogin] = useState<OnvifLogin>(p.initial ?? EMPTY_LOGIN);
  const [found, setFound] = useState<Found>({ kind: "idle" });
  const [choice, setChoice] = useState<ProfileChoice>({
    live: "",
    record: "",
  });
  const id = (f: string) => `${p.prefix}-onvif-${f}`;

  const set = (f: keyof OnvifLogin, v: string) => {
    setLogin((prev) => ({ ...prev, [f]: v }));
    if (found.kind === "failed") setFound({ kind: "idle" });
  };

  const find = async () => {
    setFound({ kind: "running" });
    const res = await apiRequest<OnvifInspection>(
      "POST",
      "/api/cameras/onvif/inspect",
      inspectBody(login, p.nodeName, p.cameraId),
    );
    if (!res.ok) {
      setFound({
        kind: "failed",
        text: res.error.message,
        field: res.error.field,
      });
      return;
    }
    setFound({ kind: "ok", result: res.value });
    const tokens = new Set(res.value.profiles.map((pr) => pr.token));
    const cur = p.current;
    const keep = cur && tokens.has(cur.live) &&
      (!cur.record || tokens.has(cur.record));
    choose(keep ? cur : defaultProfiles(res.value.profiles));
  };

  const choose = (next: ProfileChoice) => {
    setChoice(next);
    if (next.live) p.onChoose(profileUrls(login, next));
  };

  const err = found.kind === "failed" ? found : null;
  const input = (
    f: keyof OnvifLogin,
    label: string,
    attrs: Record<string, unknown> = {},
    hint?: string,
  ) => (
    <div class="field">
      <label for={id(f)}>{label}</label>
      <input
        id={id(f)}
        value={login[f]}
        onInput={(e) => set(f, e.currentTarget.value)}
        aria-invalid={err?.field === f ? "true" : undefined}
        aria-describedby={hint ? `${id(f)}-hint` : undefined}
        autocomplete="off"
        {...attrs}
      />
      {hint && <p class="hint" id={`${id(f)}-hint`}>{hint}</p>}
    </div>
  );

  return (
    <fieldset class="full onvif-finder">
      <legend>Find the camera's profiles</legend>
      {input("host", "Camera address", { placeholder: "192.168.1.20" })}
      {input("port", "ONVIF port", {
        type: "number",
        min: 1,
        max: 65535,
        inputMode: "numeric",
      })}
      {input("username", "Username")}
      {input(
        "password",
        "Password",
        { type: "password" },
        p.cameraId && login.password === KEPT_PASSWORD
          ? "The stored password is used; type a new one to change it."
          : undefined,
      )}
      <div class="bar full">
        <button
          type="button"
          onClick={() => void find()}
          disabled={found.kind === "running" || !login.host.trim()}
        >
          {found.kind === "running" ? "Asking the camera…" : "Find profiles"}
        </button>
        <p
          role="status"
          id={id("status")}
          class={err ? "err" : found.kind === "ok" ? "ok" : "hint"}
        >
          {err
            ? err.text
            : found.kind === "ok"
            ? `${
              [found.result.device.manufacturer, found.result.device.model]
                .filter(Boolean).join(" ") || "ONVIF device"
            }${
              found.result.device.firmware
                ? `, firmware ${found.result.device.firmware}`
                : ""
            }${found.result.ptz ? ", PTZ" : ""} (node ${found.result.node})`
            : "ONVIF is often on port 80, 8000, 8080 or 2020."}
        </p>
      </div>
      {found.kind === "ok" && (
        <>
          <div class="field">
            <label for={id("live")}>Live view profile</label>
            <select
              id={id("live")}
              value={choice.live}
              onChange={(e) =>
                choose({ ...choice, live: e.currentTarget.value })}
            >
              {found.result.profiles.map((pr) => (
                <option
                  key={pr.token}
                  value={pr.token}
                  disabled={!pr.video}
                  selected={pr.token === choice.live}
                >
                  {profileLabel(pr)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={id("record")}>Recording profile</label>
            <select
              id={id("record")}
              value={choice.record}
              onChange={(e) =>
                choose({ ...choice, record: e.currentTarget.value })}
            >
              <option value="" selected={choice.record === ""}>
                Same as live view
              </option>
              {found.result.profiles.map((pr) => (
                <option
                  key={pr.token}
                  value={pr.token}
                  disabled={!pr.video}
                  selected={pr.token === choice.record}
                >
                  {profileLabel(pr)}
                </option>
              ))}
            </select>
          </div>
          <p class="hint full" id={id("choice-hint")}>
            They fill in the Source URL (live view) and the Recording URL. Live
            view is re-encoded for browsers, so the smallest picture (usually
            the sub-stream) costs the node least; recording copies the stream as
            the camera sends it, so the largest (the main stream) costs only
            disk.
          </p>
        </>
      )}
    </fieldset>
  );
}
