/**
 * "Find profiles" for an ONVIF camera in the add form: host, port and
 * credentials → `POST /api/cameras/onvif/inspect` (on the chosen node, else
 * any) → the device and its profiles; choosing one fills in the form's
 * source URL (`onvif://user:pass@host:port?profile=TOKEN`). Keeps its own
 * inputs; the island owns the source URL.
 */
import { useState } from "preact/hooks";
import type { OnvifInspection } from "../lib/protocol.ts";
import { apiRequest } from "../controller/web/client/api.ts";
import {
  EMPTY_LOGIN,
  inspectBody,
  type OnvifLogin,
  profileLabel,
  sourceUrlFor,
} from "../controller/web/client/onvif.ts";

export interface OnvifFinderProps {
  /** Id prefix, unique on the page. */
  prefix: string;
  /** The form's node choice ("" = any node). */
  nodeName: string;
  /** A profile was chosen: its source URL. */
  onChoose(sourceUrl: string): void;
}

type Found =
  | { kind: "idle" }
  | { kind: "running" }
  | { kind: "failed"; text: string; field?: string }
  | { kind: "ok"; result: OnvifInspection };

export function OnvifFinder(p: OnvifFinderProps) {
  const [login, setLogin] = useState<OnvifLogin>(EMPTY_LOGIN);
  const [found, setFound] = useState<Found>({ kind: "idle" });
  const [chosen, setChosen] = useState<string>("");
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
      inspectBody(login, p.nodeName),
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
    const first = res.value.profiles[0]?.token;
    if (first) choose(first);
  };

  const choose = (token: string) => {
    setChosen(token);
    p.onChoose(sourceUrlFor(login, token));
  };

  const err = found.kind === "failed" ? found : null;
  const input = (
    f: keyof OnvifLogin,
    label: string,
    attrs: Record<string, unknown> = {},
  ) => (
    <div class="field">
      <label for={id(f)}>{label}</label>
      <input
        id={id(f)}
        value={login[f]}
        onInput={(e) => set(f, e.currentTarget.value)}
        aria-invalid={err?.field === f ? "true" : undefined}
        autocomplete="off"
        {...attrs}
      />
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
      {input("password", "Password", { type: "password" })}
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
        <div
          class="full"
          role="radiogroup"
          aria-label="Profile for live view and recording"
        >
          {found.result.profiles.map((pr) => (
            <label key={pr.token} class="choice">
              <input
                type="radio"
                name={id("profile")}
                value={pr.token}
                checked={chosen === pr.token}
                onChange={() =>
                  choose(pr.token)}
              />{" "}
              {profileLabel(pr)}
            </label>
          ))}
          <p class="hint">
            The chosen profile fills in the Source URL. The first is usually the
            main stream; a smaller sub-stream costs less to show live.
          </p>
        </div>
      )}
    </fieldset>
  );
}
