/**
 * The node's camera scan: `createScanner()` wires the real device listing,
 * WS-Discovery and TCP port probe into a `Scanner`.
 */
import { listUsbDevices } from "../devices/usb.ts";
import { discoverOnvif } from "../onvif/discovery.ts";
import { Scanner } from "./scan.ts";
import { onvifResults, usbResults } from "./sources.ts";
import { probeSubnet } from "./subnet.ts";

export { Scanner } from "./scan.ts";

/** The scanner of a real node: its devices, its multicast, its sockets. */
export function createScanner(node: string): Scanner {
  return new Scanner({
    node,
    usb: async () => usbResults(await listUsbDevices(), node),
    onvif: async ({ timeoutMs, signal }) =>
      onvifResults(await discoverOnvif({ timeoutMs, signal })),
    probeSubnet,
  });
}
