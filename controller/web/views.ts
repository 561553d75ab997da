/**
 * Projections to the dashboard's view types. Routes pass island props through
 * these, so an island receives exactly the documented fields and never extra
 * ones (metadata, internal state) that happen to ride on the domain objects.
 */
import type { CameraView, NodeView } from "./types.ts";

export function toCameraView(c: CameraView): CameraView {
  return {
    id: c.id,
    name: c.name,
    protocol: c.protocol,
    location: c.location,
    source_url: c.source_url,
    device_path: c.device_path,
    node_name: c.node_name,
    assigned_node: c.assigned_node,
    resolution: c.resolution,
    framerate: c.framerate,
    status: c.status,
    error_message: c.error_message,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export function toNodeView(n: NodeView): NodeView {
  return {
    name: n.name,
    status: n.status,
    address: n.address,
    last_heartbeat_at: n.last_heartbeat_at,
  };
}
