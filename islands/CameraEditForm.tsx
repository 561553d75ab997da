/**
 * Edit form of one camera (admins, on `/cameras/{id}`): the add form's fields
 * for the camera's protocol (which cannot change), with "Test connection",
 * plus the recording mode and retention (days; empty = until space runs low).
 * Saves only the fields that changed (`PATCH /api/cameras/{id}`), so an
 * untouched source URL keeps its stored password; a source URL still showing
 * `***` keeps it too. The details above learn the new values from
 * `/api/events`.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { CameraFields, TestConnection } from "./parts/CameraFields.tsx";
import { apiRequest } from "./client/api.ts";
import {
  type Field,
  fieldsFor,
  patchBody,
  probeBody,
  type Protocol,
  RECORDING_FIELDS,
  type Values,
  valuesOf,
} from "./client/camera_form.ts";
import { useProbe } from "./client/probe.ts";
import type { CameraView, NodeChoice } from "../controller/web/types.ts";

export interface CameraEditFormProps {
  camera: CameraView;
  /** Known nodes with their USB devices. */
  nodes: NodeChoice[];
}

export const SOURCE_HINT =
  "The password shows as ***: leave it so to keep the stored one, or type the new one.";

export default function CameraEditForm({ camera, nodes }: CameraEditFormProps) {
  const [saved, setSaved] = useState<Values>(() => valuesOf(camera));
  const [values, setValues] = useState<Values>(saved);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const probe = useProbe();
  const shown = [...fieldsFor(saved.protocol as Protocol), ...RECORDING_FIELDS];
  const changes = patchBody(saved, values);
  const dirty = Object.keys(changes).length > 0;

  const set = (field: Field, value: string) => {
    setValues((prev) => ({ ...prev, [field]: value }));
    setErrors((prev) => ({ ...prev, [field]: undefined }));
    setNotice(null);
    probe.reset();
  };

  const test = async () => {
    setFormError(null);
    const out = await probe.run(probeBody(values, camera.id));
    if (
      out.kind === "failed" && out.field && shown.includes(out.field as Field)
    ) {
      setErrors((prev) => ({ ...prev, [out.field as Field]: out.text }));
    }
  };

  const submit = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (sending) return;
    setErrors({});
    setFormError(null);
    setNotice(null);
    if (!dirty) return setNotice("Nothing changed.");
    setSending(true);
    const res = await apiRequest<CameraView>(
      "PATCH",
      `/api/cameras/${encodeURIComponent(camera.id)}`,
      changes,
    );
    setSending(false);
    if (res.ok) {
      const next = res.value ? valuesOf(res.value) : values;
      setSaved(next);
      setValues(next);
      setNotice("Saved.");
      return;
    }
    const field = res.error.field as Field | undefined;
    if (field && shown.includes(field)) {
      setErrors({ [field]: res.error.message });
    } else setFormError(res.error.message);
  };

  return (
    <form class="add" onSubmit={submit} aria-busy={sending}>
      {formError && <p class="err full" role="alert">{formError}</p>}
      <CameraFields
        prefix="edit"
        values={values}
        errors={errors}
        set={set}
        nodes={nodes}
        protocolFixed
        recording
        cameraId={camera.id}
        sourceHint={saved.source_url.includes("***") ? SOURCE_HINT : undefined}
      />
      <TestConnection state={probe.state} onTest={test} id="edit-probe" />
      <div class="bar full">
        <button type="submit" class="primary" disabled={sending}>
          {sending ? "Saving…" : "Save changes"}
        </button>
        <button
          type="button"
          disabled={sending || !dirty}
          onClick={() => {
            setValues(saved);
            setErrors({});
            setFormError(null);
            setNotice(null);
            probe.reset();
          }}
        >
          Undo changes
        </button>
        {notice && <p class="ok" role="status">{notice}</p>}
      </div>
    </form>
  );
}
