/**
 * A camera's status as a coloured badge with a text label (never colour alone).
 * A plain function component: server pages and islands both import it.
 */
import type { CameraStatus } from "../controller/web/types.ts";

const LABELS: Record<CameraStatus, string> = {
  pending: "Pending",
  online: "Online",
  error: "Error",
  offline: "Offline",
};

export function StatusBadge({ status }: { status: CameraStatus }) {
  return <span class={`badge s-${status}`}>{LABELS[status] ?? status}</span>;
}
