/**
 * The camera form's USB device picker: which of a node's devices a camera can
 * use, how each is named, and the resolutions and frame rates it offers, from
 * the node's last heartbeat (lib/protocol/mod.ts UsbDevice). Pure, no DOM; the
 * fields are in components/CameraFields.tsx.
 */
import type { UsbDevice, UsbFormat } from "../../lib/protocol/mod.ts";
import type { NodeChoice } from "../../controller/web/types.ts";

export interface Choice {
  value: string;
  label: string;
}

/** The node's devices that capture video (a UVC camera's metadata node does not). */
export function captureDevices(node: NodeChoice | undefined): UsbDevice[] {
  return (node?.usb ?? []).filter((d) => d.capture);
}

/** The device a form value names: its /dev/videoN or its by-id / by-path alias. */
export function deviceOf(
  node: NodeChoice | undefined,
  path: string,
): UsbDevice | null {
  return (node?.usb ?? []).find((d) =>
    d.path === path || d.by_id === path || d.by_path === path
  ) ?? null;
}

/** `MJPG` → `MJPEG`: the words people know. */
function formatName(f: UsbFormat): string {
  return f.pixel_format === "MJPG" || f.pixel_format === "JPEG"
    ? "MJPEG"
    : f.pixel_format;
}

/**
 * Device choices: the by-id alias as the value when there is one (it survives
 * re-plugging), `/dev/video0 · HD Pro Webcam C920 · MJPEG, YUYV` as the label.
 * The current value stays offered even when the node no longer lists it.
 */
export function deviceChoices(
  node: NodeChoice | undefined,
  current: string,
): Choice[] {
  const out = captureDevices(node).map((d) => {
    const formats = [
      ...new Set(d.formats.filter((f) => f.ffmpeg_format).map(formatName)),
    ];
    return {
      value: d.by_id ?? d.path,
      label: [d.path, d.name, formats.join(", ")].filter(Boolean).join(" · "),
    };
  });
  const known = deviceOf(node, current);
  if (known && !out.some((c) => c.value === current)) {
    // Named by another of its paths: show it under the value the camera has.
    const i = out.findIndex((c) =>
      c.value === known.by_id || c.value === known.path
    );
    if (i >= 0) out[i] = { ...out[i], value: current };
  } else if (current && !known) {
    out.push({
      value: current,
      label: `${current} (not reported by the node)`,
    });
  }
  return out;
}

/** Whole frame rates a camera may ask for (1-60). */
function wholeRates(fps: number[]): number[] {
  return fps.filter((f) => Number.isInteger(f) && f >= 1 && f <= 60);
}

/**
 * Resolutions the device offers, largest first, each with how it would be
 * captured: `1280x720 · MJPEG, up to 30 fps` (copied, no CPU), or
 * `2304x1296 · YUYV, up to 2 fps (encoded on the node)`.
 */
export function resolutionChoices(device: UsbDevice | null): Choice[] {
  if (!device) return [];
  const best = new Map<string, { w: number; h: number; label: string }>();
  for (const f of device.formats) {
    if (!f.ffmpeg_format || (f.compressed && f.ffmpeg_format !== "mjpeg")) {
      continue;
    }
    const mjpeg = f.ffmpeg_format === "mjpeg";
    for (const s of f.sizes) {
      const key = `${s.width}x${s.height}`;
      const known = best.get(key);
      if (known && (known.label.includes("MJPEG") || !mjpeg)) continue;
      const top = wholeRates(s.fps)[0];
      const label = `${key} · ${formatName(f)}` +
        (top ? `, up to ${top} fps` : "") +
        (mjpeg ? "" : " (encoded on the node)");
      best.set(key, { w: s.width, h: s.height, label });
    }
  }
  return [...best.entries()]
    .sort(([, a], [, b]) => b.w * b.h - a.w * a.h || b.w - a.w)
    .map(([value, v]) => ({ value, label: v.label }));
}

/** Whole frame rates offered at `resolution` over all usable formats, highest first; [] = not known. */
export function fpsChoices(
  device: UsbDevice | null,
  resolution: string,
): number[] {
  if (!device) return [];
  const [w, h] = resolution.split("x").map(Number);
  const rates = new Set<number>();
  for (const f of device.formats) {
    if (!f.ffmpeg_format || (f.compressed && f.ffmpeg_format !== "mjpeg")) {
      continue;
    }
    for (const s of f.sizes) {
      if (s.width === w && s.height === h) {
        for (const r of wholeRates(s.fps)) rates.add(r);
      }
    }
  }
  return [...rates].sort((a, b) => b - a);
}

/** `choices`, plus the form's current value when it is not among them (so a select shows it). */
export function withCurrent(choices: Choice[], current: string): Choice[] {
  if (!current || choices.some((c) => c.value === current)) return choices;
  return [...choices, { value: current, label: `${current} (current)` }];
}

/**
 * One line per format for the nodes page: `MJPEG up to 1920x1080, 30 fps ·
 * YUYV up to 2304x1536, 30 fps`; a node that does not capture says so.
 */
export function formatSummary(d: UsbDevice): string {
  if (!d.capture) return "no video capture (metadata or codec node)";
  if (d.formats.length === 0) return d.error ?? "formats not known";
  return d.formats.map((f) => {
    const largest = [...f.sizes].sort((a, b) =>
      b.width * b.height - a.width * a.height
    )[0];
    const top = Math.max(0, ...f.sizes.flatMap((s) => s.fps));
    const range = f.size_range
      ? `${f.size_range.min_width}x${f.size_range.min_height}–${f.size_range.max_width}x${f.size_range.max_height}`
      : largest
      ? `up to ${largest.width}x${largest.height}`
      : "";
    return [formatName(f), range, top ? `${top} fps` : ""].filter(Boolean)
      .join(" ")
      .replace(/ (\d+ fps)$/, ", $1");
  }).join(" · ");
}
