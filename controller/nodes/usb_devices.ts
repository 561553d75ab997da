/**
 * A node's USB (V4L2) devices as its last heartbeat reported them, and the
 * rule that pins a usb camera to a device its node has. The controller never
 * asks the node for this: the heartbeat (every few seconds) is fresh enough,
 * and it is what the camera form and the add/edit check must agree on.
 */
import type { UsbDevice } from "../../lib/protocol/mod.ts";
import type { NodeUsbDevices } from "../../lib/api/nodes.ts";

/** `GET /api/nodes/{name}/devices/usb` (lib/api/nodes.ts). */
export type { NodeUsbDevices };

/** The devices in a node's stored heartbeat facts (`info`), checked field by field. */
export function usbDevicesOf(
  node: {
    name: string;
    status: "online" | "offline";
    last_heartbeat_at: Date | string | null;
    info: Record<string, unknown> | null;
  },
): NodeUsbDevices {
  const info = node.info ?? {};
  const devices = reportedUsb(info) ??
    (Array.isArray(info.usb_devices)
      ? info.usb_devices.filter((p): p is string => typeof p === "string").map(
        (path): UsbDevice => ({
          path,
          name: null,
          by_id: null,
          by_path: null,
          bus_info: null,
          // An older node agent does not say; let the camera be added.
          capture: true,
          formats: [],
        }),
      )
      : []);
  return {
    node: node.name,
    status: node.status,
    reported_at: node.last_heartbeat_at
      ? new Date(node.last_heartbeat_at).toISOString()
      : null,
    devices,
  };
}

/** The devices with names and formats of a heartbeat's facts; null from a node that sends only paths. */
export function reportedUsb(info: Record<string, unknown>): UsbDevice[] | null {
  return Array.isArray(info.usb) ? info.usb.filter(isDevice) : null;
}

function isDevice(v: unknown): v is UsbDevice {
  const d = v as Partial<UsbDevice> | null;
  return !!d && typeof d === "object" && typeof d.path === "string" &&
    typeof d.capture === "boolean" && Array.isArray(d.formats);
}

/** One device as a message lists it: `/dev/video0 (HD Pro Webcam C920)`. */
function label(d: UsbDevice): string {
  return d.name ? `${d.path} (${d.name})` : d.path;
}

/**
 * Whether a usb camera on `report.node` may use `devicePath`: the node is
 * online and its last heartbeat lists that device (its node, or a by-id /
 * by-path alias) as a capture device. The problem names `device_path` and
 * says what the node has instead.
 */
export function checkUsbDevice(
  devicePath: string,
  report: NodeUsbDevices,
): [field: string, message: string] | null {
  const { node } = report;
  if (report.status !== "online") {
    return [
      "device_path",
      `device_path: node "${node}" is offline, so its devices are not known; add or change the camera when the node is back`,
    ];
  }
  const capture = report.devices.filter((d) => d.capture);
  const found = findUsbDevice(report, devicePath);
  if (found?.capture) return null;
  const has = capture.length
    ? `it has ${capture.map(label).join(", ")}`
    : "it reports no video capture devices (is the camera plugged in, and is the node agent allowed to see /dev/video*?)";
  if (found) {
    return [
      "device_path",
      `device_path: ${
        label(found)
      } on node "${node}" does not capture video (a UVC camera's second node carries only metadata); ${has}`,
    ];
  }
  return [
    "device_path",
    `device_path: node "${node}" has no device ${devicePath}; ${has}`,
  ];
}

/** The reported device a path names: its node, or its by-id / by-path alias. */
export function findUsbDevice(
  report: NodeUsbDevices,
  devicePath: string,
): UsbDevice | null {
  return report.devices.find((d) =>
    d.path === devicePath || d.by_id === devicePath || d.by_path === devicePath
  ) ?? null;
}

/** The device a usb camera gets when none is named: the node's first capture device. */
export function defaultUsbDevice(report: NodeUsbDevices): string | null {
  return report.devices.find((d) => d.capture)?.path ?? null;
}
