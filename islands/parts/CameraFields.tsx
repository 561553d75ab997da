/**
 * The camera form's fields, shared by the add form (`AddCameraForm`) and the
 * edit form (`CameraEditForm`): they follow the protocol (`fieldsFor`), every
 * field has a `<label for>`, hints and errors are tied to it with
 * `aria-describedby`. Stateless: the island owns the values.
 */
import type { JSX, Ref } from "preact";
import {
  type Field,
  fieldsFor,
  nodeOptions,
  type Protocol,
  PROTOCOLS,
  RECORDING_FIELDS,
  RECORDING_MODES,
  RTSP_TRANSPORT_OPTIONS,
  SOURCE_PLACEHOLDER,
  type Values,
} from "../client/camera_form.ts";
import type { ProbeState } from "../client/probe.ts";
import {
  type Choice,
  deviceChoices,
  deviceOf,
  fpsChoices,
  resolutionChoices,
  withCurrent,
} from "../client/usb_form.ts";
import type { NodeChoice } from "../../controller/web/types.ts";
import { OnvifFinder } from "./OnvifFinder.tsx";
import { loginOf, profileOf } from "../client/onvif.ts";

export interface CameraFieldsProps {
  /** Id prefix of every control (`add` → `add-name`), unique on the page. */
  prefix: string;
  values: Values;
  errors: Partial<Record<Field, string>>;
  set(field: Field, value: string): void;
  /** Known nodes (admins); empty when unknown. */
  nodes: NodeChoice[];
  /** Editing: the protocol is shown but cannot change. */
  protocolFixed?: boolean;
  /** Shown under the source URL (editing: how the stored password is kept). */
  sourceHint?: string;
  /** Also the recording mode and retention (the edit form). */
  recording?: boolean;
  /** Editing: the camera (its stored password completes ONVIF's `***`). */
  cameraId?: string;
  nameRef?: Ref<HTMLInputElement>;
}

export function CameraFields(p: CameraFieldsProps) {
  const { prefix, values, errors, set } = p;
  const protocol = values.protocol as Protocol;
  const id = (f: Field) => `${prefix}-${f}`;
  const usb = protocol === "usb";
  const chosen = p.nodes.find((n) => n.name === values.node_name);
  const devices = chosen?.usb_devices ?? [];
  // The USB picker (client/usb_form.ts): devices, then sizes and rates they offer.
  const usbChoices = usb ? deviceChoices(chosen, values.device_path) : [];
  const usbDevice = usb ? deviceOf(chosen, values.device_path) : null;
  const sizes = withCurrent(resolutionChoices(usbDevice), values.resolution);
  const rates = fpsChoices(usbDevice, values.resolution);

  const row = (
    f: Field,
    label: string,
    control: (describedBy: string | undefined) => JSX.Element,
    hint?: string,
  ) => {
    const described = [
      hint ? `${id(f)}-hint` : "",
      errors[f] ? `${id(f)}-err` : "",
    ].filter(Boolean).join(" ") || undefined;
    return (
      <div class="field" key={f}>
        <label for={id(f)}>{label}</label>
        {control(described)}
        {hint && <p class="hint" id={`${id(f)}-hint`}>{hint}</p>}
        {errors[f] && <p class="err" id={`${id(f)}-err`}>{errors[f]}</p>}
      </div>
    );
  };

  const input = (
    f: Field,
    label: string,
    attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
    hint?: string,
  ) =>
    row(f, label, (describedBy) => (
      <input
        id={id(f)}
        name={f}
        value={values[f]}
        onInput={(e) => set(f, e.currentTarget.value)}
        aria-invalid={errors[f] ? "true" : undefined}
        aria-describedby={describedBy}
        {...attrs}
      />
    ), hint);

  const select = (
    f: Field,
    label: string,
    options: Choice[],
    empty: string | null,
    hint?: string,
  ) =>
    row(f, label, (describedBy) => (
      <select
        id={id(f)}
        name={f}
        value={values[f]}
        required
        aria-invalid={errors[f] ? "true" : undefined}
        aria-describedby={describedBy}
        onChange={(e) => set(f, e.currentTarget.value)}
      >
        {empty !== null && (
          <option value="" selected={values[f] === ""}>{empty}</option>
        )}
        {options.map((o) => (
          <option
            key={o.value}
            value={o.value}
            selected={o.value === values[f]}
          >
            {o.label}
          </option>
        ))}
      </select>
    ), hint);

  const render: Record<Field, () => JSX.Element> = {
    name: () =>
      input("name", "Name", {
        required: true,
        maxLength: 100,
        autocomplete: "off",
        ref: p.nameRef,
      }),
    protocol: () =>
      p.protocolFixed
        ? input("protocol", "Protocol", {
          readOnly: true,
          value: PROTOCOLS.find((x) => x.value === protocol)?.label ??
            protocol,
        }, "A camera keeps its protocol; add a new camera for another one.")
        : row("protocol", "Protocol", (describedBy) => (
          <select
            id={id("protocol")}
            name="protocol"
            value={protocol}
            aria-describedby={describedBy}
            onChange={(e) => set("protocol", e.currentTarget.value)}
          >
            {PROTOCOLS.map((x) => (
              <option
                key={x.value}
                value={x.value}
                selected={x.value === protocol}
              >
                {x.label}
              </option>
            ))}
          </select>
        )),
    source_url: () =>
      input("source_url", "Source URL", {
        required: protocol !== "demo",
        placeholder: SOURCE_PLACEHOLDER[protocol],
        autocomplete: "off",
        spellcheck: false,
      }, p.sourceHint),
    record_source_url: () =>
      protocol === "onvif"
        ? input(
          "record_source_url",
          "Recording profile URL (optional)",
          {
            placeholder: "onvif://user:pass@192.168.1.20?profile=… (main)",
            autocomplete: "off",
            spellcheck: false,
          },
          "A profile of the same camera to record, usually the main stream; the source URL's profile then serves only the live view. Empty: the live view profile is recorded.",
        )
        : input(
          "record_source_url",
          "Recording stream URL (optional, main stream)",
          {
            placeholder: "rtsp://user:pass@192.168.1.10:554/stream1 (main)",
            autocomplete: "off",
            spellcheck: false,
          },
          "Recorded instead of the source URL, which then serves only the live view (usually the camera's sub-stream). Empty: the source URL is recorded.",
        ),
    rtsp_transport: () =>
      row(
        "rtsp_transport",
        "RTSP transport",
        (describedBy) => (
          <select
            id={id("rtsp_transport")}
            name="rtsp_transport"
            value={values.rtsp_transport ?? "tcp"}
            aria-invalid={errors.rtsp_transport ? "true" : undefined}
            aria-describedby={describedBy}
            onChange={(e) => set("rtsp_transport", e.currentTarget.value)}
          >
            {RTSP_TRANSPORT_OPTIONS.map((o) => (
              <option
                key={o.value}
                value={o.value}
                selected={o.value === (values.rtsp_transport ?? "tcp")}
              >
                {o.label}
              </option>
            ))}
          </select>
        ),
        "Used for live view and recording alike.",
      ),
    node_name: () =>
      row(
        "node_name",
        usb ? "Node" : "Node (optional)",
        (describedBy) => (
          <select
            id={id("node_name")}
            name="node_name"
            value={values.node_name}
            required={usb}
            aria-invalid={errors.node_name ? "true" : undefined}
            aria-describedby={describedBy}
            onChange={(e) => set("node_name", e.currentTarget.value)}
          >
            <option value="" selected={values.node_name === ""}>
              {usb ? "Choose the node with the device" : "Any online node"}
            </option>
            {nodeOptions(p.nodes, values.node_name).map((n) => (
              <option
                key={n.name}
                value={n.name}
                selected={n.name === values.node_name}
              >
                {n.status === "online" ? n.name : `${n.name} (offline)`}
              </option>
            ))}
          </select>
        ),
        usb
          ? "A USB device belongs to one node."
          : "Leave it to any node, or pin the camera to one (e.g. on the camera's network).",
      ),
    device_path: () =>
      usbChoices.length
        ? select(
          "device_path",
          "Device",
          usbChoices,
          "Choose a device",
          `Video devices ${
            chosen!.name
          } reported. A USB camera is opened by this camera only.`,
        )
        : input(
          "device_path",
          "Device path",
          {
            required: true,
            placeholder: devices[0] ?? "/dev/video0",
            list: devices.length ? `${prefix}-devices` : undefined,
            autocomplete: "off",
          },
          !chosen
            ? "Choose a node to see its devices."
            : devices.length
            ? `Devices on ${chosen.name}: ${devices.join(", ")}`
            : `${chosen.name} reported no video devices.`,
        ),
    location: () =>
      input("location", "Location (optional)", { placeholder: "Front door" }),
    resolution: () =>
      usbDevice && sizes.length
        ? select(
          "resolution",
          "Resolution",
          sizes,
          null,
          "MJPEG sizes are passed on as the camera sends them; others are encoded on the node.",
        )
        : input("resolution", "Resolution", {
          required: true,
          pattern: "\\d{2,5}x\\d{2,5}",
          placeholder: "640x480",
        }),
    framerate: () =>
      rates.length
        ? select(
          "framerate",
          "Frame rate (fps)",
          withCurrent(
            rates.map((r) => ({ value: String(r), label: `${r} fps` })),
            values.framerate,
          ),
          null,
        )
        : input("framerate", "Frame rate (fps)", {
          type: "number",
          required: true,
          min: 1,
          max: 60,
          step: 1,
        }),
    recording_mode: () =>
      row(
        "recording_mode",
        "Recording mode",
        (describedBy) => (
          <select
            id={id("recording_mode")}
            name="recording_mode"
            value={values.recording_mode}
            aria-invalid={errors.recording_mode ? "true" : undefined}
            aria-describedby={describedBy}
            onChange={(e) => set("recording_mode", e.currentTarget.value)}
          >
            {RECORDING_MODES.map((m) => (
              <option
                key={m.value}
                value={m.value}
                selected={m.value === values.recording_mode}
              >
                {m.label}
              </option>
            ))}
          </select>
        ),
        "Off and Manual record only when someone presses Record. Continuous always records, one recording per UTC day; leaving it ends that recording.",
      ),
    retention_days: () =>
      input(
        "retention_days",
        "Retention (days, optional)",
        {
          type: "number",
          min: 1,
          max: 3650,
          step: 1,
          inputMode: "numeric",
          placeholder: "Until space runs low",
        },
        "Empty: footage stays until the node runs low on space (5 % / 5 GiB free), oldest first. Kept recordings are never deleted by age or space.",
      ),
  };

  return (
    <>
      {protocol === "onvif" && (
        <OnvifFinder
          prefix={prefix}
          nodeName={values.node_name}
          onChoose={(urls) => {
            set("source_url", urls.source_url);
            set("record_source_url", urls.record_source_url);
          }}
          initial={loginOf(values.source_url)}
          cameraId={p.cameraId}
          current={{
            live: profileOf(values.source_url) ?? "",
            record: profileOf(values.record_source_url) ?? "",
          }}
        />
      )}
      {fieldsFor(protocol).map((f) => render[f]())}
      {p.recording && RECORDING_FIELDS.map((f) => render[f]())}
      {usb && usbChoices.length === 0 && devices.length > 0 && (
        <datalist id={`${prefix}-devices`}>
          {devices.map((d) => <option key={d} value={d} />)}
        </datalist>
      )}
    </>
  );
}

export interface TestConnectionProps {
  state: ProbeState;
  onTest(): void;
  /** Id of the result line, unique on the page. */
  id: string;
}

/**
 * "Test connection" with its progress and the result line (an ARIA live
 * region): "Live: …" and "Recording: …" when the recording URL was tested too.
 */
export function TestConnection({ state, onTest, id }: TestConnectionProps) {
  const running = state.kind === "running";
  const done = state.kind === "ok" || state.kind === "failed" ? state : null;
  const record = done?.record;
  return (
    <div class="bar full">
      <button
        type="button"
        onClick={onTest}
        disabled={running}
        aria-describedby={id}
      >
        {running ? "Testing…" : "Test connection"}
      </button>
      <p
        id={id}
        role="status"
        class={state.kind === "failed" || record?.ok === false
          ? "err"
          : state.kind === "ok"
          ? "ok"
          : "hint"}
      >
        {done && record
          ? (
            <>
              Live:{" "}
              {done.kind === "ok" ? done.text : `cannot connect: ${done.text}`}
              <br />
              Recording:{" "}
              {record.ok ? record.text : `cannot connect: ${record.text}`}
            </>
          )
          : state.kind === "running"
          ? "Opening the source on its node (up to 20 s)…"
          : state.kind === "ok"
          ? `Connected: ${state.text}`
          : state.kind === "failed"
          ? `Cannot connect: ${state.text}`
          : ""}
      </p>
    </div>
  );
}
