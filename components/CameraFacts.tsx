/**
 * A camera's details as a description list: protocol, source (already
 * redacted in `CameraView`), node, resolution, frame rate, location, added.
 */
import type { CameraView } from "../controller/web/types.ts";

const PROTOCOL_LABELS: Record<string, string> = {
  rtsp: "RTSP",
  http: "HTTP (MJPEG / JPEG)",
  usb: "USB device",
  demo: "Demo test pattern",
};

export function CameraFacts({ camera }: { camera: CameraView }) {
  const node = camera.assigned_node ?? camera.node_name;
  return (
    <dl class="facts">
      <dt>Protocol</dt>
      <dd>{PROTOCOL_LABELS[camera.protocol] ?? camera.protocol}</dd>
      {camera.protocol === "usb"
        ? (
          <>
            <dt>Device</dt>
            <dd>
              <code>{camera.device_path ?? "—"}</code>
            </dd>
          </>
        )
        : (
          <>
            <dt>Source</dt>
            <dd>
              <code>{camera.source_url ?? "—"}</code>
            </dd>
          </>
        )}
      <dt>Node</dt>
      <dd>
        {!node
          ? "not placed yet (no node online)"
          : camera.node_name
          ? `${node} (pinned)`
          : node}
      </dd>
      <dt>Resolution</dt>
      <dd>{camera.resolution.replace("x", "×")}</dd>
      <dt>Frame rate</dt>
      <dd>{camera.framerate} fps</dd>
      <dt>Location</dt>
      <dd>{camera.location ?? "—"}</dd>
      <dt>Added</dt>
      <dd>
        <time datetime={camera.created_at}>
          {camera.created_at.slice(0, 16).replace("T", " ")} UTC
        </time>
      </dd>
    </dl>
  );
}
