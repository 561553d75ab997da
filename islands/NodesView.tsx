/**
 * `/nodes` (admins): every node agent with its status, address, version,
 * ffmpeg, USB devices, disk (SVG bar), the cameras it runs, and CPU/memory
 * sparklines. Status and load come live from SSE `node` events; the
 * controller keeps only each node's latest heartbeat, so the sparklines hold
 * the last `SAMPLES` loads received since the page opened (a ring buffer per
 * node). Recordings storage (bytes per camera, free space) is asked of each
 * online node once after hydration (`GET /api/nodes/{name}/storage`) and
 * again on Refresh; it is not polled. Everything else is as of the page load.
 * "Reset enrolment" (after a confirmation) forgets the node's credentials
 * (`DELETE /api/nodes/{name}/enrolment`) so a reinstalled or moved node agent
 * can enrol again with the join token.
 */
import { useEffect, useState } from "preact/hooks";
import { DiskChart } from "../components/DiskChart.tsx";
import { StorageChart } from "../components/StorageChart.tsx";
import { SAMPLES, Sparkline } from "../components/Sparkline.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { apiRequest } from "./client/api.ts";
import { formatBytes } from "./client/format.ts";
import { subscribeLive } from "./client/live.ts";
import { formatSummary } from "./client/usb_form.ts";
import { niceCeil, pushSample } from "./client/sparkline.ts";
import type {
  NodeDetailView,
  NodeEvent,
  NodeLoad,
  NodeStorageView,
} from "../controller/web/types.ts";

const MiB = 1024 ** 2;

export interface NodesViewProps {
  nodes: NodeDetailView[];
}

/** A node's recordings storage as the page last asked for it. */
export interface StorageState {
  loading: boolean;
  data: NodeStorageView | null;
  /** The API's message when the last request failed (node offline, …). */
  error: string | null;
  /** When `data` was read (ISO). */
  at: string | null;
}

export interface LoadSeries {
  cpu: number[];
  mem: number[];
}

/** The series after one load sample (ring buffers of `SAMPLES`). */
export function addLoad(s: LoadSeries | undefined, load: NodeLoad): LoadSeries {
  return {
    cpu: pushSample(s?.cpu ?? [], load.cpu_percent, SAMPLES),
    mem: pushSample(s?.mem ?? [], load.memory_bytes, SAMPLES),
  };
}

/** The node list after one SSE `node` event; an unknown node is added with what the event says. */
export function applyNodeEvent(
  list: NodeDetailView[],
  ev: NodeEvent,
): NodeDetailView[] {
  const i = list.findIndex((n) => n.name === ev.name);
  const base: NodeDetailView = i >= 0 ? list[i] : {
    name: ev.name,
    status: ev.status,
    address: null,
    version: null,
    last_heartbeat_at: null,
    started_at: null,
    cameras: 0,
    ffmpeg: null,
    usb_devices: [],
    disk: null,
    load: null,
    camera_runtime: [],
  };
  const next: NodeDetailView = {
    ...base,
    status: ev.status,
    address: ev.address === undefined ? base.address : ev.address,
    last_heartbeat_at: ev.last_heartbeat_at === undefined
      ? base.last_heartbeat_at
      : ev.last_heartbeat_at,
    load: ev.load ?? base.load,
  };
  if (i < 0) {
    return [...list, next].sort((a, b) => a.name.localeCompare(b.name));
  }
  const out = list.slice();
  out[i] = next;
  return out;
}

export default function NodesView(props: NodesViewProps) {
  const [nodes, setNodes] = useState(props.nodes);
  const [series, setSeries] = useState<Record<string, LoadSeries>>(() => {
    const out: Record<string, LoadSeries> = {};
    for (const n of props.nodes) {
      if (n.load) out[n.name] = addLoad(undefined, n.load);
    }
    return out;
  });

  const [storage, setStorage] = useState<Record<string, StorageState>>({});

  const loadStorage = async (name: string) => {
    setStorage((prev) => ({
      ...prev,
      [name]: {
        loading: true,
        data: prev[name]?.data ?? null,
        error: null,
        at: prev[name]?.at ?? null,
      },
    }));
    const res = await apiRequest<NodeStorageView>(
      "GET",
      `/api/nodes/${encodeURIComponent(name)}/storage`,
    );
    setStorage((prev) => ({
      ...prev,
      [name]: res.ok
        ? {
          loading: false,
          data: res.value,
          error: null,
          at: new Date().toISOString(),
        }
        : {
          loading: false,
          data: prev[name]?.data ?? null,
          error: res.error.message,
          at: prev[name]?.at ?? null,
        },
    }));
  };

  // Once, for the nodes online now; Refresh asks again (no polling).
  useEffect(() => {
    for (const n of props.nodes) {
      if (n.status === "online") void loadStorage(n.name);
    }
  }, []);

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind !== "node") return;
      const ev = e.data;
      setNodes((prev) => applyNodeEvent(prev, ev));
      // An offline event repeats the last load: not a new sample.
      const load = ev.status === "online" ? ev.load : null;
      if (load) {
        setSeries((prev) => ({
          ...prev,
          [ev.name]: addLoad(prev[ev.name], load),
        }));
      }
    }), []);

  const resetEnrolment = async (name: string): Promise<string | null> => {
    const res = await apiRequest<{ enrolled_at: string | null }>(
      "DELETE",
      `/api/nodes/${encodeURIComponent(name)}/enrolment`,
    );
    if (!res.ok) return res.error.message;
    setNodes((prev) =>
      prev.map((n) =>
        n.name === name
          ? { ...n, enrolled_at: res.value.enrolled_at, status: "offline" }
          : n
      )
    );
    return null;
  };

  if (nodes.length === 0) {
    return (
      <p class="empty">
        No node agent has connected yet. Start one with{" "}
        <code>falcon node-agent</code>; it appears here with its first
        heartbeat.
      </p>
    );
  }
  return (
    <ul class="nodes">
      {nodes.map((n) => (
        <NodeCard
          key={n.name}
          node={n}
          series={series[n.name]}
          storage={storage[n.name]}
          onRefreshStorage={() => void loadStorage(n.name)}
          onResetEnrolment={() => resetEnrolment(n.name)}
        />
      ))}
    </ul>
  );
}

export function NodeCard(
  { node, series, storage, onRefreshStorage, onResetEnrolment }: {
    node: NodeDetailView;
    series?: LoadSeries;
    /** Undefined: not asked (yet), e.g. on the server or for an offline node. */
    storage?: StorageState;
    onRefreshStorage?: () => void;
    /** Resolves with an error message, or null once reset. */
    onResetEnrolment?: () => Promise<string | null>;
  },
) {
  const id = `node-${node.name}`;
  const cpu = series?.cpu ?? [];
  const mem = series?.mem ?? [];
  return (
    <li class="card" aria-labelledby={`${id}-h`}>
      <h3 class="head">
        <span id={`${id}-h`}>{node.name}</span>
        <StatusBadge status={node.status} />
      </h3>
      <dl class="facts">
        <dt>Address</dt>
        <dd>
          <code>{node.address ?? "—"}</code>
        </dd>
        <dt>Version</dt>
        <dd>{node.version ?? "—"}</dd>
        <dt>ffmpeg</dt>
        <dd>
          {!node.ffmpeg
            ? "—"
            : node.ffmpeg.available
            ? node.ffmpeg.version ?? "available (version unknown)"
            : (
              <span class="warn">
                ffmpeg missing: RTSP and USB cameras cannot run here
              </span>
            )}
        </dd>
        <dt>USB devices</dt>
        <dd>
          {node.usb?.length
            ? (
              <ul class="usb-devices">
                {node.usb.map((d) => (
                  <li key={d.path}>
                    <code>{d.path}</code>
                    {d.name ? ` ${d.name}` : ""}
                    <span class="hint">{formatSummary(d)}</span>
                  </li>
                ))}
              </ul>
            )
            : node.usb_devices.length
            ? (
              <span class="acts-inline">
                {node.usb_devices.map((d) => <code key={d}>{d}</code>)}
              </span>
            )
            : "none"}
        </dd>
        {node.enrolled_at !== undefined && (
          <>
            <dt>Enrolment</dt>
            <dd>
              {node.enrolled_at
                ? (
                  <>
                    enrolled {when(node.enrolled_at)}; address pinned
                  </>
                )
                : (
                  <span class="warn">
                    not enrolled: the node agent enrols with the join token
                  </span>
                )}
              {node.enrolled_at && (
                <ResetEnrolment node={node} onReset={onResetEnrolment} />
              )}
            </dd>
          </>
        )}
        <dt>Last heartbeat</dt>
        <dd>{when(node.last_heartbeat_at)}</dd>
        <dt>Agent started</dt>
        <dd>{when(node.started_at)}</dd>
      </dl>
      <div class="part">
        <h4 id={`${id}-load`}>Load since this page opened</h4>
        <div class="loads" role="group" aria-labelledby={`${id}-load`}>
          <Sparkline
            label="CPU"
            values={cpu}
            max={Math.min(100, Math.max(5, niceCeil(Math.max(0, ...cpu))))}
            format={(v) => `${Math.round(v)} %`}
          />
          <Sparkline
            label="Memory"
            values={mem}
            max={niceCeil(Math.max(1, ...mem) / MiB) * MiB}
            format={formatBytes}
          />
        </div>
      </div>
      <div class="part">
        <h4>Disk</h4>
        {node.disk
          ? <DiskChart id={`${id}-disk`} disk={node.disk} />
          : <p class="hint">Not reported.</p>}
      </div>
      <div class="part">
        <div class="bar">
          <h4 class="grow" id={`${id}-rec`}>Recordings storage</h4>
          <button
            type="button"
            disabled={storage?.loading}
            aria-describedby={`${id}-rec`}
            onClick={onRefreshStorage}
          >
            {storage?.loading ? "Refreshing…" : "Refresh"}
          </button>
        </div>
        <StoragePart node={node} storage={storage} />
      </div>
      <div class="part">
        <h4>Cameras running</h4>
        <RuntimeTable node={node} />
      </div>
    </li>
  );
}

/** Two steps, as it takes the node offline until it enrols again. */
function ResetEnrolment(
  { node, onReset }: {
    node: NodeDetailView;
    onReset?: () => Promise<string | null>;
  },
) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `node-${node.name}-reset`;
  if (!asking) {
    return (
      <div class="acts-inline">
        <button type="button" onClick={() => setAsking(true)}>
          Reset enrolment…
        </button>
      </div>
    );
  }
  return (
    <div class="stack" role="group" aria-labelledby={id}>
      <p id={id} class="hint">
        Its credentials stop working now and the node goes offline until its
        agent enrols again with the join token (it does so by itself; a
        reinstalled node too). Use it after a reinstall or to move the node.
      </p>
      {error && <p class="err" role="alert">{error}</p>}
      <div class="acts-inline">
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            const err = await (onReset?.() ?? Promise.resolve(null));
            setBusy(false);
            setError(err);
            if (!err) setAsking(false);
          }}
        >
          {busy ? "Resetting…" : `Reset ${node.name}'s enrolment`}
        </button>
        <button type="button" onClick={() => setAsking(false)}>Cancel</button>
      </div>
    </div>
  );
}

function StoragePart(
  { node, storage }: { node: NodeDetailView; storage?: StorageState },
) {
  const id = `node-${node.name}-storage`;
  return (
    <div class="stack" aria-busy={storage?.loading ? "true" : undefined}>
      {storage?.error && (
        <p class="err" role="alert">Cannot read the storage: {storage.error}</p>
      )}
      {storage?.data
        ? (
          <>
            <StorageChart id={id} storage={storage.data} />
            <p class="hint">
              As of {when(storage.at)}; Refresh asks the node again.
            </p>
          </>
        )
        : !storage
        ? (
          <p class="hint">
            {node.status === "online"
              ? "Not read yet."
              : "The node is offline; Refresh tries anyway."}
          </p>
        )
        : storage.loading
        ? <p class="hint">Asking the node…</p>
        : null}
    </div>
  );
}

function RuntimeTable({ node }: { node: NodeDetailView }) {
  if (node.camera_runtime.length === 0) {
    return (
      <p class="hint">
        None reported ({node.cameras} placed here).
      </p>
    );
  }
  return (
    <div class="scroll">
      <table class="tbl">
        <caption class="sr">Cameras running on {node.name}</caption>
        <thead>
          <tr>
            <th scope="col">Camera</th>
            <th scope="col">State</th>
            <th scope="col">Viewers</th>
            <th scope="col">fps</th>
            <th scope="col">Restarts</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {node.camera_runtime.map((r) => (
            <tr key={r.id}>
              <th scope="row">
                {r.name
                  ? (
                    <a href={`/cameras/${encodeURIComponent(r.id)}`}>
                      {r.name}
                    </a>
                  )
                  : <code>{r.id.slice(0, 8)}</code>}
              </th>
              <td>{r.state}</td>
              <td>{r.viewers}</td>
              <td>{Math.round(r.fps * 10) / 10}</td>
              <td>{r.restarts}</td>
              <td class="wrap">{r.error ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function when(iso: string | null) {
  if (!iso) return "—";
  return <time datetime={iso}>{iso.slice(0, 19).replace("T", " ")} UTC</time>;
}
