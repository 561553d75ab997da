/**
 * `/cameras/scan` (admins): scan the nodes for cameras and add several at
 * once. The form picks USB devices, ONVIF discovery and/or a subnet probe
 * (checked here with the API's own rules, so a bad range is named before any
 * request); the scan shows its progress; each finding lists how sure it is
 * and why, with a name, credentials (or the shared ones) and a stream path
 * where those apply. "Add selected" creates the ticked cameras one by one
 * through `POST /api/cameras`, with each row's success or error inline.
 */
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import {
  type AddChoice,
  cameraBody,
  findingKey,
  initialChoice,
  outcomeText,
  SCAN_FORM_DEFAULTS,
  type ScanForm,
  scanQuery,
  takesCredentials,
  takesPath,
} from "./client/scan.ts";
import type { ScanFinding, ScanResponse } from "../lib/api/nodes.ts";

export interface CameraScanProps {
  /** Node names and whether they are online, for the node choice. */
  nodes: { name: string; status: string }[];
}

/** The node's own limit is 20 s; the bar shows progress against it. */
const EXPECTED_S = 20;

type RowState =
  | { kind: "idle" }
  | { kind: "adding" }
  | { kind: "added"; id: string }
  | { kind: "failed"; message: string };

const CONFIDENCE_CLASS: Record<ScanFinding["confidence"], string> = {
  confirmed: "s-online",
  likely: "s-pending",
  possible: "s-offline",
};

const KIND_LABEL: Record<ScanFinding["kind"], string> = {
  usb: "USB",
  onvif: "ONVIF",
  rtsp: "RTSP",
  http: "HTTP",
};

export default function CameraScan({ nodes }: CameraScanProps) {
  const [form, setForm] = useState<ScanForm>(SCAN_FORM_DEFAULTS);
  const [formError, setFormError] = useState<
    { field: string; message: string } | null
  >(null);
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [scan, setScan] = useState<ScanResponse | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [choices, setChoices] = useState<Record<string, AddChoice>>({});
  const [rows, setRows] = useState<Record<string, RowState>>({});
  const [shared, setShared] = useState({ username: "", password: "" });
  const [adding, setAdding] = useState(false);

  useEffect(() => {
    if (!running) return;
    const t0 = Date.now();
    setElapsed(0);
    const id = setInterval(() => setElapsed((Date.now() - t0) / 1000), 250);
    return () => clearInterval(id);
  }, [running]);

  const set = <K extends keyof ScanForm>(k: K, v: ScanForm[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setFormError(null);
  };

  const run = async (e: JSX.TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (running) return;
    const q = scanQuery(form);
    if (!q.ok) {
      setFormError({ field: q.field, message: q.message });
      return;
    }
    setRunning(true);
    setFormError(null);
    // A POST (it sends packets into the network): CSRF rules apply.
    const res = await apiRequest<ScanResponse>(
      "POST",
      "/api/nodes/scan/cameras",
      Object.fromEntries(new URLSearchParams(q.query)),
    );
    setRunning(false);
    if (!res.ok) {
      setFormError({
        field: res.error.field ?? "form",
        message: res.error.message,
      });
      return;
    }
    const found = res.value;
    setScan(found);
    setChoices(
      Object.fromEntries(
        found.results.map((f) => [findingKey(f), initialChoice(f)]),
      ),
    );
    setRows({});
    // Pre-tick what is surely a camera and not added yet.
    setSelected(
      new Set(
        found.results.filter((f) =>
          !f.already_added && f.confidence !== "possible"
        ).map(findingKey),
      ),
    );
  };

  const choose = (key: string, patch: Partial<AddChoice>) =>
    setChoices((c) => ({ ...c, [key]: { ...c[key], ...patch } }));

  const toggle = (key: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });

  const addable = (scan?.results ?? []).filter((f) => {
    const st = rows[findingKey(f)];
    return !f.already_added && st?.kind !== "added";
  });
  const toAdd = addable.filter((f) => selected.has(findingKey(f)));

  const addSelected = async () => {
    if (adding || toAdd.length === 0) return;
    setAdding(true);
    for (const f of toAdd) {
      const key = findingKey(f);
      const own = choices[key] ?? initialChoice(f);
      const choice = takesCredentials(f) && !own.username && shared.username
        ? { ...own, ...shared }
        : own;
      setRows((r) => ({ ...r, [key]: { kind: "adding" } }));
      const res = await apiRequest<{ id: string }>(
        "POST",
        "/api/cameras",
        cameraBody(f, choice),
      );
      setRows((r) => ({
        ...r,
        [key]: res.ok
          ? { kind: "added", id: res.value.id }
          : { kind: "failed", message: res.error.message },
      }));
      if (res.ok) toggle(key, false);
    }
    setAdding(false);
  };

  const errorOf = (field: string) =>
    formError?.field === field ? formError.message : null;
  const online = nodes.filter((n) => n.status === "online");

  return (
    <div class="part">
      <form class="add" onSubmit={run} aria-busy={running}>
        <fieldset class="checks full">
          <legend>Look for</legend>
          <Check
            id="scan-usb"
            checked={form.usb}
            onChange={(on) => set("usb", on)}
            // The group's error ("pick one") is shown under the first box.
            error={errorOf("usb")}
          >
            USB cameras on the nodes
          </Check>
          <Check
            id="scan-onvif"
            checked={form.onvif}
            onChange={(on) => set("onvif", on)}
          >
            ONVIF cameras that announce themselves (WS-Discovery)
          </Check>
          <Check
            id="scan-probe"
            checked={form.probe}
            onChange={(on) => set("probe", on)}
          >
            Probe a subnet for RTSP, ONVIF and HTTP ports
          </Check>
          <ErrorText id="scan-usb" message={errorOf("usb")} />
        </fieldset>
        {form.probe && (
          <>
            <Field
              id="scan-subnet"
              label="Subnet"
              value={form.subnet}
              placeholder="192.168.1.0/24"
              required
              onInput={(e) => set("subnet", e.currentTarget.value)}
              error={errorOf("subnet")}
              hint={
                <>
                  Your cameras' network in CIDR form: 192.168.1.0/24 covers
                  192.168.1.1–254. At most 1024 addresses (/22), local ranges
                  only (10.x, 172.16–31.x, 192.168.x). Only addresses in this
                  range are contacted, from one node.
                </>
              }
            />
            <Field
              id="scan-ports"
              label="Ports"
              value={form.ports}
              placeholder="554,8554,80,8080,8000,8899"
              onInput={(e) => set("ports", e.currentTarget.value)}
              error={errorOf("ports")}
              hint="Empty: the usual RTSP, ONVIF and HTTP camera ports."
            />
          </>
        )}
        <div class="field">
          <label for="scan-node">Scan from</label>
          <select
            id="scan-node"
            value={form.node}
            onChange={(e) => set("node", e.currentTarget.value)}
            aria-describedby={errorOf("node") ? "scan-node-err" : undefined}
          >
            <option value="">Every online node ({online.length})</option>
            {nodes.map((n) => (
              <option key={n.name} value={n.name}>
                {n.name}
                {n.status === "online" ? "" : ` (${n.status})`}
              </option>
            ))}
          </select>
          <ErrorText id="scan-node" message={errorOf("node")} />
        </div>
        <div class="bar full">
          <button type="submit" class="primary" disabled={running}>
            {running ? "Scanning…" : scan ? "Scan again" : "Scan"}
          </button>
          {running && (
            <>
              <progress
                max={EXPECTED_S}
                value={Math.min(elapsed, EXPECTED_S)}
                aria-label="Scan progress"
              />
              <span role="status">
                Scanning… {Math.floor(elapsed)} s (at most about {EXPECTED_S} s)
              </span>
            </>
          )}
          {formError && formError.field === "form" && (
            <p class="err" role="alert">{formError.message}</p>
          )}
        </div>
      </form>

      {scan && (
        <ScanResults
          scan={scan}
          selected={selected}
          choices={choices}
          rows={rows}
          toggle={toggle}
          choose={choose}
        />
      )}

      {scan && scan.results.length > 0 && (
        <div class="add">
          <p class="hint full">
            Credentials for the ticked network cameras whose own are left empty.
            They are stored encrypted and never shown again.
          </p>
          <Field
            id="scan-shared-user"
            label="Shared user name"
            autocomplete="off"
            value={shared.username}
            onInput={(e) =>
              setShared((s) => ({ ...s, username: e.currentTarget.value }))}
          />
          <Field
            id="scan-shared-pass"
            label="Shared password"
            type="password"
            autocomplete="new-password"
            value={shared.password}
            onInput={(e) =>
              setShared((s) => ({ ...s, password: e.currentTarget.value }))}
          />
          <div class="bar full">
            <button
              type="button"
              class="primary"
              disabled={adding || toAdd.length === 0}
              onClick={addSelected}
            >
              {adding ? "Adding…" : `Add selected (${toAdd.length})`}
            </button>
            <button
              type="button"
              disabled={adding || addable.length === 0}
              onClick={() => setSelected(new Set(addable.map(findingKey)))}
            >
              Select all
            </button>
            <button
              type="button"
              disabled={adding || selected.size === 0}
              onClick={() => setSelected(new Set())}
            >
              Select none
            </button>
            {!adding && Object.values(rows).some((r) => r.kind === "added") &&
              (
                <p class="ok" role="status">
                  Added {Object.values(rows).filter((r) => r.kind === "added")
                    .length} camera(s); see them on the <a href="/">Cameras</a>
                  {" "}
                  page.
                </p>
              )}
          </div>
        </div>
      )}
    </div>
  );
}

interface ScanResultsProps {
  scan: ScanResponse;
  selected: Set<string>;
  choices: Record<string, AddChoice>;
  rows: Record<string, RowState>;
  toggle: (key: string, on: boolean) => void;
  choose: (key: string, patch: Partial<AddChoice>) => void;
}

function ScanResults(
  { scan, selected, choices, rows, toggle, choose }: ScanResultsProps,
) {
  return (
    <section class="part" aria-labelledby="scan-found-h">
      <h3 id="scan-found-h">
        Found {scan.results.length} device(s) in{" "}
        {(scan.elapsed_ms / 1000).toFixed(1)} s
      </h3>
      <ul class="hint">
        {scan.nodes.map((o) => (
          <li key={o.node} class={o.ok ? undefined : "err"}>
            {outcomeText(o)}
          </li>
        ))}
      </ul>
      {scan.results.length === 0
        ? (
          <p class="empty">
            Nothing found. Check that the cameras are on and on the same network
            as a node, or probe their subnet.
          </p>
        )
        : (
          <div class="scroll">
            <table class="tbl">
              <thead>
                <tr>
                  <th scope="col">Add</th>
                  <th scope="col">Found</th>
                  <th scope="col">How sure</th>
                  <th scope="col">Camera</th>
                </tr>
              </thead>
              <tbody>
                {scan.results.map((f) => {
                  const key = findingKey(f);
                  const id = key.replace(/[^A-Za-z0-9]/g, "-");
                  const row = rows[key] ?? { kind: "idle" };
                  const choice = choices[key] ?? initialChoice(f);
                  const done = row.kind === "added" || !!f.already_added;
                  return (
                    <tr key={key} class={done ? "gone" : undefined}>
                      <td>
                        <input
                          type="checkbox"
                          id={`pick-${id}`}
                          aria-label={`Add ${choice.name}`}
                          checked={selected.has(key) && !done}
                          disabled={done || row.kind === "adding"}
                          onChange={(e) => toggle(key, e.currentTarget.checked)}
                        />
                      </td>
                      <td>
                        <b>{KIND_LABEL[f.kind]}</b>{" "}
                        <code>
                          {f.kind === "usb"
                            ? `${f.node}:${f.device_path}`
                            : `${f.address}:${f.port}`}
                        </code>
                        {f.nodes.length > 1 && (
                          <small class="mut">
                            {` seen by ${f.nodes.join(", ")}`}
                          </small>
                        )}
                      </td>
                      <td>
                        <span class={`badge ${CONFIDENCE_CLASS[f.confidence]}`}>
                          {f.confidence}
                        </span>
                        <br />
                        <small class="mut">{f.evidence}</small>
                      </td>
                      <td>
                        <RowFields
                          f={f}
                          id={id}
                          choice={choice}
                          disabled={done || row.kind === "adding"}
                          choose={(p) => choose(key, p)}
                        />
                        {f.already_added && (
                          <p class="hint">
                            Already added as{" "}
                            <a href={`/cameras/${f.already_added.id}`}>
                              {f.already_added.name}
                            </a>
                          </p>
                        )}
                        {row.kind === "adding" && (
                          <p class="hint" role="status">Adding…</p>
                        )}
                        {row.kind === "added" && (
                          <p class="ok" role="status">
                            Added: <a href={`/cameras/${row.id}`}>open</a>
                          </p>
                        )}
                        {row.kind === "failed" && (
                          <p class="err" role="alert">{row.message}</p>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

function RowFields(
  { f, id, choice, disabled, choose }: {
    f: ScanFinding;
    id: string;
    choice: AddChoice;
    disabled: boolean;
    choose: (patch: Partial<AddChoice>) => void;
  },
) {
  return (
    <div class="panel">
      <Field
        id={`name-${id}`}
        label="Name"
        value={choice.name}
        maxLength={100}
        disabled={disabled}
        onInput={(e) => choose({ name: e.currentTarget.value })}
      />
      {takesPath(f) && (
        <Field
          id={`path-${id}`}
          label="Stream path"
          value={choice.path}
          placeholder={f.kind === "rtsp" ? "/stream1" : "/video.mjpg"}
          disabled={disabled}
          onInput={(e) => choose({ path: e.currentTarget.value })}
          hint="From the camera's manual; not guessed."
        />
      )}
      {takesCredentials(f) && (
        <>
          <Field
            id={`user-${id}`}
            label="User name"
            autocomplete="off"
            value={choice.username}
            placeholder={f.needs_credentials ? "required" : "if any"}
            disabled={disabled}
            onInput={(e) => choose({ username: e.currentTarget.value })}
          />
          <Field
            id={`pass-${id}`}
            label="Password"
            type="password"
            autocomplete="new-password"
            value={choice.password}
            disabled={disabled}
            onInput={(e) => choose({ password: e.currentTarget.value })}
          />
        </>
      )}
    </div>
  );
}

/** The error under a control, `ID-err` so the control can point at it. */
function ErrorText({ id, message }: { id: string; message: string | null }) {
  return message ? <p class="err" id={`${id}-err`}>{message}</p> : null;
}

/** A labelled checkbox; `error` (shown elsewhere as `ID-err`) describes it. */
function Check(
  { id, checked, onChange, error, children }: {
    id: string;
    checked: boolean;
    onChange: (on: boolean) => void;
    error?: string | null;
    children: ComponentChildren;
  },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        id={id}
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
        aria-describedby={error ? `${id}-err` : undefined}
      />{" "}
      {children}
    </label>
  );
}

/**
 * A labelled input with its hint (`ID-hint`) and error (`ID-err`) below,
 * both wired to it through aria-describedby.
 */
function Field(
  { id, label, hint, error, ...input }:
    & { id: string; label: string; hint?: ComponentChildren }
    & { error?: string | null }
    & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "id" | "label">,
) {
  const describedBy = [hint && `${id}-hint`, error && `${id}-err`]
    .filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...input}
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      <ErrorText id={id} message={error ?? null} />
    </div>
  );
}
