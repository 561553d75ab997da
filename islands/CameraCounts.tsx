/**
 * Live counts for the page header: cameras online / offline / total, and
 * nodes online. Kept current from `/api/events` (shared EventSource).
 */
import { useEffect, useState } from "preact/hooks";
import type { CameraStatus, NodeState } from "../controller/web/types.ts";
import { subscribeLive } from "./client/live.ts";

export interface CameraCountsProps {
  cameras: { id: string; status: CameraStatus }[];
  nodes: { name: string; status: NodeState }[];
}

export default function CameraCounts(props: CameraCountsProps) {
  const [cameras, setCameras] = useState(() =>
    new Map(props.cameras.map((c) => [c.id, c.status]))
  );
  const [nodes, setNodes] = useState(() =>
    new Map(props.nodes.map((n) => [n.name, n.status]))
  );

  useEffect(() =>
    subscribeLive((e) => {
      if (e.kind === "camera") {
        const ev = e.data;
        setCameras((prev) => {
          const next = new Map(prev);
          if (ev.type === "deleted") next.delete(ev.id);
          else next.set(ev.camera.id, ev.camera.status);
          return next;
        });
      } else if (e.kind === "snapshot") {
        setCameras(new Map(e.cameras.map((c) => [c.id, c.status])));
      } else if (e.kind === "node") {
        const { name, status } = e.data;
        setNodes((prev) => new Map(prev).set(name, status));
      }
    }), []);

  const statuses = [...cameras.values()];
  const online = statuses.filter((s) => s === "online").length;
  const offline =
    statuses.filter((s) => s === "offline" || s === "error").length;
  const nodesOnline = [...nodes.values()].filter((s) => s === "online").length;

  return (
    <ul class="counts" aria-label="Summary">
      <li>
        <b>{online}</b> online
      </li>
      <li title="Cameras that are offline or failing">
        <b>{offline}</b> offline
      </li>
      <li>
        <b>{statuses.length}</b> total
      </li>
      <li>
        nodes <b>{nodesOnline}</b>/{nodes.size} online
      </li>
    </ul>
  );
}
