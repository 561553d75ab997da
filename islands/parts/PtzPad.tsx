/**
 * Pan/tilt/zoom pad for an ONVIF camera page (admins): arrows and zoom ± move
 * while held (a continuous move, re-sent while held, stopped on release) and
 * a preset list. Asks `GET …/ptz/presets` first and shows nothing when the
 * camera has no PTZ (409).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PtzPreset } from "../../lib/protocol/mod.ts";
import { apiRequest } from "../client/api.ts";
import { moveBody, PAD_MOVE_MS, type PtzDirection } from "../client/onvif.ts";

export interface PtzPadProps {
  cameraId: string;
  cameraName: string;
}

const BUTTONS: { dir: PtzDirection; label: string; text: string }[] = [
  { dir: "up", label: "Tilt up", text: "▲" },
  { dir: "left", label: "Pan left", text: "◀" },
  { dir: "right", label: "Pan right", text: "▶" },
  { dir: "down", label: "Tilt down", text: "▼" },
  { dir: "zoom_in", label: "Zoom in", text: "+" },
  { dir: "zoom_out", label: "Zoom out", text: "−" },
];

export function PtzPad({ cameraId, cameraName }: PtzPadProps) {
  const path = `/api/cameras/${encodeURIComponent(cameraId)}/ptz`;
  const [presets, setPresets] = useState<PtzPreset[] | null>(null);
  const [preset, setPreset] = useState("");
  const [error, setError] = useState<string | null>(null);
  const held = useRef<ReturnType<typeof setInterval> | null>(null);

  useEffect(() => {
    let live = true;
    void apiRequest<{ presets: PtzPreset[] }>("GET", `${path}/presets`).then(
      (r) => {
        if (!live) return;
        if (r.ok) {
          setPresets(r.value.presets);
          setPreset(r.value.presets[0]?.token ?? "");
        } else if (r.status !== 409) setError(r.error.message);
      },
    );
    return () => {
      live = false;
      if (held.current) clearInterval(held.current);
    };
  }, [path]);

  const send = async (body: Record<string, unknown>) => {
    const r = await apiRequest("POST", path, body);
    setError(r.ok ? null : r.error.message);
  };
  const press = (dir: PtzDirection) => {
    if (held.current) clearInterval(held.current);
    void send(moveBody(dir));
    // Re-send before the camera's own time-out ends the move.
    held.current = setInterval(
      () => void send(moveBody(dir)),
      PAD_MOVE_MS * 0.75,
    );
  };
  const release = () => {
    if (!held.current) return;
    clearInterval(held.current);
    held.current = null;
    void send({ action: "stop" });
  };

  if (presets === null && !error) return null;
  if (presets === null) {
    return <p class="err" role="alert">PTZ: {error}</p>;
  }
  return (
    <section class="ptz" aria-label={`Pan, tilt and zoom of ${cameraName}`}>
      <div class="ptz-pad">
        {BUTTONS.map((b) => (
          <button
            key={b.dir}
            type="button"
            class={`ptz-${b.dir}`}
            aria-label={b.label}
            title={b.label}
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture?.(e.pointerId);
              press(b.dir);
            }}
            onPointerUp={release}
            onPointerCancel={release}
            onLostPointerCapture={release}
            onKeyDown={(e) => {
              if ((e.key === "Enter" || e.key === " ") && !e.repeat) {
                e.preventDefault();
                press(b.dir);
              }
            }}
            onKeyUp={(e) => {
              if (e.key === "Enter" || e.key === " ") release();
            }}
            onBlur={release}
          >
            {b.text}
          </button>
        ))}
      </div>
      {presets.length > 0 && (
        <div class="acts-inline">
          <label for="ptz-preset">Preset</label>
          <select
            id="ptz-preset"
            value={preset}
            onChange={(e) => setPreset(e.currentTarget.value)}
          >
            {presets.map((p) => (
              <option
                key={p.token}
                value={p.token}
                selected={p.token === preset}
              >
                {p.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            onClick={() =>
              void send({ action: "goto_preset", preset })}
            disabled={!preset}
          >
            Go
          </button>
        </div>
      )}
      {error && <p class="err" role="alert">{error}</p>}
    </section>
  );
}
