/** Queries on the `cameras` table. Rows carry the sealed source; callers decide what leaves. */
import type { Sql } from "./client.ts";

export type CameraStatus = "pending" | "online" | "error" | "offline";
export type RecordingMode = "off" | "manual" | "continuous";

export interface CameraRow {
  id: string;
  name: string;
  protocol: string;
  location: string | null;
  source_url_sealed: string | null;
  source_url_redacted: string | null;
  device_path: string | null;
  node_name: string | null;
  assigned_node: string | null;
  resolution: string;
  framerate: number;
  status: CameraStatus;
  error_message: string | null;
  metadata: Record<string, unknown>;
  /** off | manual | continuous (docs/guide/recordings.md). */
  recording_mode: RecordingMode;
  /** Days of footage the node keeps; null = no age limit. */
  retention_days: number | null;
  /** tcp | udp: how RTSP is read (migration 0005). */
  rtsp_transport: "tcp" | "udp";
  /** Sealed URL of the stream to record (main stream); null = record the source. */
  record_source_url_sealed: string | null;
  record_source_url_redacted: string | null;
  created_at: Date;
  updated_at: Date;
}

export type NewCamera =
  & Omit<
    CameraRow,
    | "id"
    | "created_at"
    | "updated_at"
    | "status"
    | "error_message"
    | "recording_mode"
    | "retention_days"
    | "rtsp_transport"
    | "record_source_url_sealed"
    | "record_source_url_redacted"
  >
  & {
    status?: CameraStatus;
    recording_mode?: RecordingMode;
    retention_days?: number | null;
    rtsp_transport?: "tcp" | "udp";
    record_source_url_sealed?: string | null;
    record_source_url_redacted?: string | null;
  };

export interface CameraFilter {
  protocol?: string;
  status?: string;
  node?: string;
}

export async function listCameras(
  sql: Sql,
  f: CameraFilter = {},
): Promise<CameraRow[]> {
  return await sql<CameraRow[]>`
    select * from cameras
    where true
      ${f.protocol ? sql`and protocol = ${f.protocol}` : sql``}
      ${f.status ? sql`and status = ${f.status}` : sql``}
      ${
    f.node
      ? sql`and (assigned_node = ${f.node} or node_name = ${f.node})`
      : sql``
  }
    order by created_at desc, id`;
}

export async function getCamera(
  sql: Sql,
  id: string,
): Promise<CameraRow | null> {
  const [row] = await sql<CameraRow[]>`select * from cameras where id = ${id}`;
  return row ?? null;
}

export async function insertCamera(sql: Sql, c: NewCamera): Promise<CameraRow> {
  const [row] = await sql<CameraRow[]>`
    insert into cameras (name, protocol, location, source_url_sealed, source_url_redacted, device_path,
                         node_name, assigned_node, resolution, framerate, metadata, status,
                         recording_mode, retention_days,
                         rtsp_transport, record_source_url_sealed, record_source_url_redacted)
    values (${c.name}, ${c.protocol}, ${c.location}, ${c.source_url_sealed}, ${c.source_url_redacted},
            ${c.device_path}, ${c.node_name}, ${c.assigned_node}, ${c.resolution}, ${c.framerate},
            ${sql.json(c.metadata as postgresJson)}, ${c.status ?? "pending"},
            ${c.recording_mode ?? "off"}, ${c.retention_days ?? null},
            ${c.rtsp_transport ?? "tcp"}, ${c.record_source_url_sealed ?? null},
            ${c.record_source_url_redacted ?? null})
    returning *`;
  return row;
}

type postgresJson = Parameters<Sql["json"]>[0];

export type CameraPatch = Partial<
  Pick<
    CameraRow,
    | "name"
    | "location"
    | "source_url_sealed"
    | "source_url_redacted"
    | "device_path"
    | "node_name"
    | "assigned_node"
    | "resolution"
    | "framerate"
    | "metadata"
    | "status"
    | "error_message"
    | "recording_mode"
    | "retention_days"
    | "rtsp_transport"
    | "record_source_url_sealed"
    | "record_source_url_redacted"
  >
>;

export async function updateCamera(
  sql: Sql,
  id: string,
  patch: CameraPatch,
): Promise<CameraRow | null> {
  const cols = Object.keys(patch) as (keyof CameraPatch)[];
  if (cols.length === 0) return await getCamera(sql, id);
  // deno-lint-ignore no-explicit-any
  const values: Record<string, any> = { ...patch };
  if (patch.metadata) {
    values.metadata = sql.json(patch.metadata as postgresJson);
  }
  const [row] = await sql<CameraRow[]>`
    update cameras set ${
    sql(values, cols)
  }, updated_at = now() where id = ${id} returning *`;
  return row ?? null;
}

export async function deleteCamera(
  sql: Sql,
  id: string,
): Promise<CameraRow | null> {
  const [row] = await sql<
    CameraRow[]
  >`delete from cameras where id = ${id} returning *`;
  return row ?? null;
}

/** Sets status and error; returns the row only when something changed. */
export async function setCameraStatus(
  sql: Sql,
  id: string,
  status: CameraStatus,
  error: string | null,
): Promise<CameraRow | null> {
  const [row] = await sql<CameraRow[]>`
    update cameras set status = ${status}, error_message = ${error}, updated_at = now()
    where id = ${id} and (status <> ${status} or error_message is distinct from ${error})
    returning *`;
  return row ?? null;
}

/** Marks every camera assigned to a node with a status; returns the rows that changed. */
export async function setNodeCamerasStatus(
  sql: Sql,
  node: string,
  status: CameraStatus,
): Promise<CameraRow[]> {
  return await sql<CameraRow[]>`
    update cameras set status = ${status}, updated_at = now()
    where assigned_node = ${node} and status <> ${status}
    returning *`;
}

export async function camerasOfNode(
  sql: Sql,
  node: string,
): Promise<CameraRow[]> {
  return await sql<
    CameraRow[]
  >`select * from cameras where assigned_node = ${node} order by created_at, id`;
}

/** Cameras without a node that may run anywhere, or pinned to `node`. */
export async function unplacedCameras(sql: Sql): Promise<CameraRow[]> {
  return await sql<
    CameraRow[]
  >`select * from cameras where assigned_node is null order by created_at`;
}

export async function countByNode(sql: Sql): Promise<Map<string, number>> {
  const rows = await sql<{ node: string; n: number }[]>`
    select assigned_node as node, count(*)::int as n from cameras where assigned_node is not null group by 1`;
  return new Map(rows.map((r) => [r.node, r.n]));
}

/** Cameras per status, every status present (0 when none), for /metrics. */
export async function countByStatus(
  sql: Sql,
): Promise<Record<CameraStatus, number>> {
  const rows = await sql<{ status: CameraStatus; n: number }[]>`
    select status, count(*)::int as n from cameras group by 1`;
  const out: Record<CameraStatus, number> = {
    pending: 0,
    online: 0,
    error: 0,
    offline: 0,
  };
  for (const r of rows) out[r.status] = r.n;
  return out;
}
