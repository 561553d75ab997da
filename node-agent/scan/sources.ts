/**
 * Scan results from the other engineers' device listings: the node's video
 * devices (devices/usb.ts) and WS-Discovery answers (onvif/discovery.ts).
 * Pure, so the wording is tested without devices or multicast.
 */
import type {
  DiscoveredOnvif,
  ScanResult,
  UsbDevice,
} from "../../lib/protocol/mod.ts";

/** Capture devices only: a UVC camera's metadata node cannot be opened for video. */
export function usbResults(devices: UsbDevice[], node: string): ScanResult[] {
  return devices.filter((d) => d.capture).map((d) => {
    const formats = [...new Set(d.formats.map((f) => f.pixel_format))];
    const label = d.name ?? d.path.replace("/dev/", "");
    return {
      kind: "usb",
      address: null,
      port: null,
      device_path: d.path,
      confidence: "confirmed",
      evidence:
        `V4L2 capture device${d.name ? ` "${d.name}"` : ""} at ${d.path}` +
        (formats.length ? ` (${formats.slice(0, 4).join(", ")})` : ""),
      needs_credentials: false,
      suggested: {
        protocol: "usb",
        source_url: null,
        device_path: d.path,
        node_name: node,
        name: label.slice(0, 100),
      },
    };
  });
}

/** One result per device (by endpoint reference), in address order. */
export function onvifResults(found: DiscoveredOnvif[]): ScanResult[] {
  const seen = new Set<string>();
  const out: ScanResult[] = [];
  for (const d of found) {
    const key = d.urn || `${d.address}:${d.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = d.port === 80 ? d.address : `${d.address}:${d.port}`;
    const what = [d.name, d.hardware].filter(Boolean).join(", ");
    out.push({
      kind: "onvif",
      address: d.address,
      port: d.port,
      device_path: null,
      confidence: "confirmed",
      evidence: `WS-Discovery ProbeMatch${what ? ` from "${what}"` : ""}` +
        ` with device service ${d.xaddrs[0] ?? `http://${where}/`}`,
      needs_credentials: false,
      suggested: {
        protocol: "onvif",
        source_url: `onvif://${where}`,
        device_path: null,
        node_name: null,
        name: (d.name ?? d.hardware ?? `ONVIF camera ${where}`).slice(0, 100),
      },
    });
  }
  return out;
}
