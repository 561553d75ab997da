/**
 * Add-camera form. Fields follow the protocol; the node is a choice of the
 * known nodes (required for USB cameras, "any node" for network cameras) and
 * the chosen node's USB devices are offered as device paths. "Test
 * connection" asks that node to open the source once before saving. The
 * API's validation errors show under the field they name. The grid learns
 * about the new camera from `/api/events`, so this island only resets itself
 * on success.
 */
import type { JSX } from "preact";
import { useRef, useState } from "preact/hooks";
import { CameraFields, TestConnection } from "./parts/CameraFields.tsx";
import { apiRequest } from "./client/api.ts";
import {
  DEFAULTS,
  type Field,
  fieldsFor,
  probeBody,
  type Protocol,
  toBody,
  type Values,
} from "./client/camera_form.ts";
import { useProbe } from "./client/probe.ts";
import type { CameraView, NodeChoice } from "../controller/web/types.ts";

export { fieldsFor, toBody };

export interface AddCameraFormProps {
  /** Known nodes with their USB devices (admins). */
  nodes: NodeChoice[];
  /** The default_resolution / default_framerate settings, prefilled. */
  defaults?: { resolution: string; framerate: number };
}

export default function AddCameraForm(
  { nodes, defaults }: AddCameraFormProps,
) {
  const initial: Values = defaults
    ? {
      ...DEFAULTS,
      resolution: defaults.resolution,
      framerate: String(defaults.framerate),
    }
    : DEFAULTS;
  const [values, setValues] = useState<Values>(initial);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const probe = useProbe();

  const shown = fieldsFor(values.protocol as Protocol);

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
    probe.reset();
  };

  /** Shows an API error under the field it names, else above the form. */
  const showError = (message: string, field?: string) => {
    if (field && shown.includes(field as Field)) {
      setErrors({ [field]: message });
    } else setFormError(message);
  };

  const test = async () => {
    setFormError(null);
    const out = await probe.run(probeBody(values));
    if (
      out.kind === "failed" && out.field && shown.includes(out.field as Field)
    ) {
      setErrors((prev) => ({ ...prev, [out.field as Field]: out.text }));
    }
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
      setValues(initial);
      probe.reset();
      setAdded(res.value?.name ?? values.name);
      nameInput.current?.focus();
      return;
    }
    showError(res.error.message, res.error.field);
  };

  return (
    <form class="add" onSubmit={submit} aria-busy={sending}>
      {formError && <p class="err full" role="alert">{formError}</p>}
      <CameraFields
        prefix="add"
        values={values}
        errors={errors}
        set={set}
        nodes={nodes}
        nameRef={nameInput}
      />
      <TestConnection state={probe.state} onTest={test} id="add-probe" />
      <div class="bar full">
        <button type="submit" class="primary" disabled={sending}>
          {sending ? "Adding…" : "Add camera"}
        </button>
        {added && <p class="ok" role="status">Added “{added}”.</p>}
      </div>
    </form>
  );
}
