/**
 * Pure helpers of the "Scan for cameras" page (islands/CameraScan.tsx): the
 * scan form → query (checked with the API's own range rules), a found
 * device + what the user typed → the `POST /api/cameras` body, and the words
 * for each node's outcome.
 */
import { parseSubnet } from "../../lib/cidr.ts";
import type { ScanFinding, ScanNodeOutcome } from "../../lib/api/nodes.ts";

export interface ScanForm {
  usb: boolean;
  onvif: boolean;
  /** Probe a subnet too. */
  probe: boolean;
  subnet: string;
  /** Comma-separated; empty = the default ports. */
  ports: string;
  /** "" = every online node. */
  node: string;
}

export const SCAN_FORM_DEFAULTS: ScanForm = {
  usb: true,
  onvif: true,
  probe: false,
  subnet: "",
  ports: "",
  node: "",
};

/** The query string, or the field to fix and why. */
export function scanQuery(
  f: ScanForm,
): { ok: true; query: string } | { ok: false; field: string; message: string } {
  const q = new URLSearchParams();
  if (f.usb) q.set("usb", "1");
  if (f.onvif) q.set("onvif", "1");
  if (f.probe) {
    try {
      q.set("subnet", parseSubnet(f.subnet).cidr);
    } catch (e) {
      return { ok: false, field: "subnet", message: (e as Error).message };
    }
    const ports = f.ports.trim();
    if (ports) {
      if (!/^\s*\d{1,5}(\s*,\s*\d{1,5})*\s*$/.test(ports)) {
        return {
          ok: false,
          field: "ports",
          message: "ports: port numbers separated by commas, e.g. 554,8554,80",
        };
      }
      q.set("ports", ports.split(",").map((p) => p.trim()).join(","));
    }
  }
  if (!f.usb && !f.onvif && !f.probe) {
    return {
      ok: false,
      field: "usb",
      message: "Choose at least one: USB devices, ONVIF discovery or a subnet.",
    };
  }
  if (f.node) q.set("node", f.node);
  return { ok: true, query: q.toString() };
}

/** What the user typed for one found device. */
export interface AddChoice {
  name: string;
  username: string;
  password: string;
  /** RTSP/HTTP path after host:port, e.g. `/stream1`. */
  path: string;
}

/** A key per finding, stable across renders. */
export function findingKey(f: ScanFinding): string {
  return f.kind === "usb"
    ? `usb:${f.node}:${f.device_path}`
    : `${f.kind}:${f.address}:${f.port}`;
}

/** Whether this kind of device takes credentials and a path. */
export function takesCredentials(f: ScanFinding): boolean {
  return f.kind !== "usb";
}

export function takesPath(f: ScanFinding): boolean {
  return f.kind === "rtsp" || f.kind === "http";
}

/** The starting values of a row: the suggested name, the path from the suggested URL. */
export function initialChoice(f: ScanFinding): AddChoice {
  let path = "";
  if (takesPath(f) && f.suggested.source_url) {
    try {
      const p = new URL(f.suggested.source_url).pathname;
      path = p === "/" ? "" : p;
    } catch { /* keep empty */ }
  }
  return { name: f.suggested.name, username: "", password: "", path };
}

/**
 * The `POST /api/cameras` body for a found device. Credentials go into the
 * URL (the API seals it and never shows the password again).
 */
export function cameraBody(
  f: ScanFinding,
  c: AddChoice,
): Record<string, unknown> {
  const name = c.name.trim() || f.suggested.name;
  if (f.kind === "usb") {
    return {
      name,
      protocol: "usb",
      device_path: f.suggested.device_path ?? f.device_path,
      node_name: f.suggested.node_name ?? f.node,
    };
  }
  const url = new URL(f.suggested.source_url ?? `${f.kind}://${f.address}/`);
  if (c.username) {
    url.username = encodeURIComponent(c.username);
    url.password = encodeURIComponent(c.password);
  }
  if (takesPath(f)) {
    const path = c.path.trim();
    url.pathname = path ? (path.startsWith("/") ? path : `/${path}`) : "/";
  }
  let source = url.toString();
  // A non-special scheme (onvif:) keeps no trailing slash of its own.
  if (f.kind === "onvif") source = source.replace(/\/$/, "");
  return { name, protocol: f.suggested.protocol, source_url: source };
}

/** One line per node: what it did and how long it took. */
export function outcomeText(o: ScanNodeOutcome): string {
  if (!o.ok) return `${o.node}: ${o.error ?? "failed"}`;
  const parts: string[] = [];
  if (o.usb) parts.push(o.usb.ok ? "USB listed" : `USB: ${o.usb.error}`);
  if (o.onvif) {
    parts.push(o.onvif.ok ? "ONVIF discovery done" : `ONVIF: ${o.onvif.error}`);
  }
  if (o.subnet) {
    const s = o.subnet;
    parts.push(
      `${s.subnet}: ${s.attempted} of ${s.planned} connects tried, ${s.open} open` +
        (s.truncated ? " (time limit reached)" : ""),
    );
  }
  return `${o.node}: ${parts.join("; ")} in ${
    (o.elapsed_ms / 1000).toFixed(1)
  } s`;
}
