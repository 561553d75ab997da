/**
 * "Test connection" for the camera forms: `POST /api/cameras/probe` asks the
 * node that would run the camera to open the source once. A hook, so the add
 * and edit forms share the progress and result handling.
 */
import { useRef, useState } from "preact/hooks";
import type { CameraProbeResult } from "../../lib/api/cameras.ts";
import { apiRequest } from "./api.ts";
import { type ProbeLine, probeOutcome } from "./camera_form.ts";

export type ProbeState =
  | { kind: "idle" }
  | { kind: "running" }
  /** `record`: the recording URL's own line, when the form has one. */
  | { kind: "ok"; text: string; record?: ProbeLine }
  /** `field`: the form field the API's validation error names. */
  | { kind: "failed"; text: string; field?: string; record?: ProbeLine };

export interface Probe {
  state: ProbeState;
  /** Sends `body`; a later `run` or `reset` discards an earlier answer. */
  run(body: unknown): Promise<ProbeState>;
  /** Forgets the result (the fields changed since). */
  reset(): void;
}

export function useProbe(): Probe {
  const [state, setState] = useState<ProbeState>({ kind: "idle" });
  const seq = useRef(0);
  const run = async (body: unknown): Promise<ProbeState> => {
    const n = ++seq.current;
    setState({ kind: "running" });
    const res = await apiRequest<CameraProbeResult>(
      "POST",
      "/api/cameras/probe",
      body,
    );
    const next: ProbeState = res.ok
      ? probeOutcome(res.value)
      : { kind: "failed", text: res.error.message, field: res.error.field };
    if (n === seq.current) setState(next);
    return next;
  };
  const reset = () => {
    if (state.kind === "idle") return;
    seq.current++;
    setState({ kind: "idle" });
  };
  return { state, run, reset };
}
