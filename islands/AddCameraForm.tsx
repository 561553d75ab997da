/**
 * Add-camera form. Fields follow the protocol; the API's validation errors
 * show under the field they name. The grid learns about the new camera from
 * `/api/events`, so this island only resets itself on success.
 */
import type { JSX } from "preact";
import { useRef, useState } from "preact/hooks";
import { apiRequest } from "../controller/web/client/api.ts";
import type { CameraView } from "../controller/web/types.ts";

export interface AddCameraFormProps {
  /** Known node names, offered as suggestions for USB cameras. */
  nodes: string[];
}

type Protocol = "rtsp" | "http" | "usb" | "demo";
type Field =
  | "name"
  | "protocol"
  | "source_url"
  | "device_path"
  | "node_name"
  | "resolution"
  | "framerate"
  | "location";
type Values = Record<Field, string>;

const PROTOCOLS: { value: Protocol; label: string }[] = [
  { value: "rtsp", label: "RTSP" },
  { value: "http", label: "HTTP (MJPEG / JPEG)" },
  { value: "usb", label: "USB device" },
  { value: "demo", label: "Demo test pattern" },
];

const SOURCE_PLACEHOLDER: Record<Protocol, string> = {
  rtsp: "rtsp://user:pass@192.168.1.10:554/stream1",
  http: "http://192.168.1.11/video.mjpg",
  usb: "",
  demo: "demo://",
};

const DEFAULTS: Values = {
  name: "",
  protocol: "rtsp",
  source_url: "",
  device_path: "",
  node_name: "",
  resolution: "640x480",
  framerate: "15",
  location: "",
};

/** Which fields a protocol shows, in the order they are sent. */
export function fieldsFor(protocol: Protocol): Field[] {
  return protocol === "usb"
    ? [
      "name",
      "protocol",
      "device_path",
      "node_name",
      "location",
      "resolution",
      "framerate",
    ]
    : ["name", "protocol", "source_url", "location", "resolution", "framerate"];
}

/** The JSON body for `POST /api/cameras`: only the protocol's fields, empty optional ones left out. */
export function toBody(v: Values): Record<string, string | number> {
  const body: Record<string, string | number> = {};
  for (const f of fieldsFor(v.protocol as Protocol)) {
    const value = v[f].trim();
    if (f === "framerate") body[f] = Number(value);
    else if (value !== "" || f === "name") body[f] = value;
  }
  return body;
}

export default function AddCameraForm({ nodes }: AddCameraFormProps) {
  const [values, setValues] = useState<Values>(DEFAULTS);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);

  const protocol = values.protocol as Protocol;
  const shown = fieldsFor(protocol);

  const set = (field: Field, value: string) => {
    setValues((prev) => {
      const next = { ...prev, [field]: value };
      if (field === "protocol") {
        if (value === "demo" && prev.source_url === "") {
          next.source_url = "demo://";
        }
        if (value !== "demo" && prev.source_url === "demo://") {
          next.source_url = "";
        }
      }
      return next;
    });
    setErrors((prev) => ({ ...prev, [field]: undefined }));
    setAdded(null);
  };

  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (sending) return;
    setSending(true);
    setErrors({});
    setFormError(null);
    setAdded(null);
    const res = await apiRequest<CameraView>(
      "POST",
      "/api/cameras",
      toBody(values),
    );
    setSending(false);
    if (res.ok) {
      setValues(DEFAULTS);
      setAdded(res.value?.name ?? values.name);
      nameInput.current?.focus();
      return;
    }
    const field = res.error.field as Field | undefined;
    if (field && shown.includes(field)) {
      setErrors({ [field]: res.error.message });
    } else setFormError(res.error.message);
  };

  const input = (
    field: Field,
    label: string,
    attrs: JSX.InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Row field={field} label={label} error={errors[field]}>
      <input
        id={`add-${field}`}
        name={field}
        value={values[field]}
        onInput={(e) => set(field, e.currentTarget.value)}
        aria-invalid={errors[field] ? "true" : undefined}
        aria-describedby={errors[field] ? `add-${field}-err` : undefined}
        {...attrs}
      />
    </Row>
  );

  return (
    <form class="add" onSubmit={submit} aria-busy={sending}>
      {formError && <p class="err full" role="alert">{formError}</p>}
      {input("name", "Name", {
        required: true,
        maxLength: 100,
        autocomplete: "off",
        ref: nameInput,
      })}
      <Row field="protocol" label="Protocol" error={errors.protocol}>
        <select
          id="add-protocol"
          name="protocol"
          value={protocol}
          onChange={(e) => set("protocol", e.currentTarget.value)}
        >
          {PROTOCOLS.map((p) => (
            <option key={p.value} value={p.value}>{p.label}</option>
          ))}
        </select>
      </Row>
      {shown.includes("source_url") &&
        input("source_url", "Source URL", {
          required: true,
          placeholder: SOURCE_PLACEHOLDER[protocol],
          autocomplete: "off",
          spellcheck: false,
        })}
      {shown.includes("device_path") &&
        input("device_path", "Device path", {
          required: true,
          placeholder: "/dev/video0",
        })}
      {shown.includes("node_name") &&
        input("node_name", "Node", {
          required: true,
          list: "add-nodes",
          placeholder: nodes[0] ?? "node name",
        })}
      {input("location", "Location (optional)", { placeholder: "Front door" })}
      {input("resolution", "Resolution", {
        required: true,
        pattern: "\\d{2,5}x\\d{2,5}",
        placeholder: "640x480",
      })}
      {input("framerate", "Frame rate (fps)", {
        type: "number",
        required: true,
        min: 1,
        max: 60,
        step: 1,
      })}
      <datalist id="add-nodes">
        {nodes.map((n) => <option key={n} value={n} />)}
      </datalist>
      <div class="bar full">
        <button type="submit" class="primary" disabled={sending}>
          {sending ? "Adding…" : "Add camera"}
        </button>
        {added && <p class="ok" role="status">Added “{added}”.</p>}
      </div>
    </form>
  );
}

function Row(
  { field, label, error, children }: {
    field: Field;
    label: string;
    error?: string;
    children: JSX.Element;
  },
) {
  return (
    <div class="field">
      <label for={`add-${field}`}>{label}</label>
      {children}
      {error && <p class="err" id={`add-${field}-err`}>{error}</p>}
    </div>
  );
}
