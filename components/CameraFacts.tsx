/**
 * A camera's details as a description list: protocol, source (already
 * redacted in `CameraView`; admins only — a viewer's view has none), node, resolution, frame rate, location,
 * recording mode and retention (when the view carries them), added.
 */
import type { CameraView } from "../controller/web/types.ts";
import { profileOf } from "../islands/client/onvif.ts";

const PROTOCOL_LABELS: Record<string, string> = {
  rtsp: "RTSP",
  http: "HTTP (MJPEG / JPEG)",
  usb: "USB device",
  demo: "Demo test pattern",
  onvif: "ONVIF",
};

const MODE_LABELS: Record<string, string> = {
  off: "Off (records when started by hand)",
  manual: "Manual (records when started by hand)",
  continuous: "Continuous (always)",
};

/** `Keeps 14 days` / `Keeps footage until the node runs low on space`. */
export function retentionText(days: number | null | undefined): string {
  return days
    ? `Keeps ${days} day${days === 1 ? "" : "s"}`
    : "Keeps footage until the node runs low on space";
}

/** `sub` as code, or what an onvif:// URL without a profile means. */
function profileName(url: string | null | undefined) {
  const token = profileOf(url);
  return token ? <code>{token}</code> : "the camera's first profile";
}

/** An onvif camera: which profile is live, which is recorded, and how RTSP is read. */
function OnvifProfiles({ camera }: { camera: CameraView }) {
  if (camera.source_url === undefined) return <RtspTransport camera={camera} />;
  return (
    <>
      <dt>Live view profile</dt>
      <dd>
        {profileName(camera.source_url)} —{" "}
        <code>{camera.source_url ?? "—"}</code>
      </dd>
      <dt>Recording profile</dt>
      <dd>
        {camera.record_source_url
          ? (
            <>
              {profileName(camera.record_source_url)} —{" "}
              <code>{camera.record_source_url}</code>
            </>
          )
          : "the live view profile"}
      </dd>
      <RtspTransport camera={camera} />
    </>
  );
}

function RtspTransport({ camera }: { camera: CameraView }) {
  return (
    <>
      <dt>RTSP transport</dt>
      <dd>{(camera.rtsp_transport ?? "tcp").toUpperCase()}</dd>
    </>
  );
}

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
        : camera.protocol === "onvif"
        ? <OnvifProfiles camera={camera} />
        : camera.protocol === "rtsp" && camera.source_url === undefined
        ? <RtspTransport camera={camera} />
        : camera.protocol === "rtsp"
        ? (
          <>
            <dt>Live view stream</dt>
            <dd>
              <code>{camera.source_url ?? "—"}</code>
            </dd>
            <dt>Recording stream</dt>
            <dd>
              {camera.record_source_url
                ? <code>{camera.record_source_url}</code>
                : "the live view stream"}
            </dd>
            <RtspTransport camera={camera} />
          </>
        )
        : camera.source_url === undefined
        ? null
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
      {camera.recording_mode && (
        <>
          <dt>Recording</dt>
          <dd>
            {MODE_LABELS[camera.recording_mode] ?? camera.recording_mode}
          </dd>
          <dt>Retention</dt>
          <dd>{retentionText(camera.retention_days)}</dd>
        </>
      )}
      <dt>Added</dt>
      <dd>
        <time datetime={camera.created_at}>
          {camera.created_at.slice(0, 16).replace("T", " ")} UTC
        </time>
      </dd>
    </dl>
  );
}
