/**
 * The node's V4L2 video devices with names, stable aliases and formats, for
 * the heartbeat, `GET /v1/devices/usb`, the network scan and the relay's
 * capture plan (capture.ts).
 *
 * Per `/dev/videoN`: the name from sysfs, aliases from the `/dev/v4l/by-id`
 * and `/dev/v4l/by-path` symlinks, and formats from `v4l2-ctl --info
 * --list-formats-ext` — or, where v4l2-ctl is not installed, from `ffmpeg -f
 * v4l2 -list_formats all` (no frame rates). Each tool run has a deadline and
 * is killed after it; at most `concurrency` run at once. Enumerating formats
 * does not stream, so it works while a relay holds the device.
 *
 * Results are cached for `ttlMs` and concurrent callers share one listing, so
 * heartbeats, the API and relay starts cost one tool run per device every few
 * seconds at most.
 */
import { resolve } from "node:path";
import type { UsbDevice } from "../../lib/protocol/mod.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { parseFfmpegFormats } from "./ffmpeg_list.ts";
import { runTool } from "./run.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const log = logger("devices.usb");

export interface UsbListOptions {
  /** Where the device nodes are. @default "/dev" */
  devDir?: string;
  /** sysfs class folder with `videoN/name`. @default "/sys/class/video4linux" */
  sysDir?: string;
  /** v4l2-ctl program; a missing one falls back to ffmpeg. @default "v4l2-ctl" */
  v4l2ctl?: string;
  /** @default FALCON_FFMPEG, else `ffmpeg` on PATH */
  ffmpegPath?: string;
  /** Deadline of one tool run. @default 3000 */
  timeoutMs?: number;
  /** How long a listing is reused. @default 10000 */
  ttlMs?: number;
  /** Tool runs at once. @default 4 */
  concurrency?: number;
}

/** Lists a node's video devices, with a short cache; see the module comment. */
export class UsbLister {
  #opts: Required<UsbListOptions>;
  #cached: { at: number; devices: UsbDevice[] } | null = null;
  #inflight: Promise<UsbDevice[]> | null = null;

  constructor(opts: UsbListOptions = {}) {
    this.#opts = {
      devDir: "/dev",
      sysDir: "/sys/class/video4linux",
      v4l2ctl: "v4l2-ctl",
      // The node agent passes its ffmpeg (configureUsbDevices); this default
      // is ffmpeg/probe.ts's rule, written out so devices/ need not import ffmpeg/.
      ffmpegPath: opts.ffmpegPath ??
        (Deno.env.get("FALCON_FFMPEG") || "ffmpeg"),
      timeoutMs: 3000,
      ttlMs: 10_000,
      concurrency: 4,
      ...opts,
    };
  }

  /** The devices, from the cache when it is younger than `ttlMs`. */
  list(): Promise<UsbDevice[]> {
    const c = this.#cached;
    if (c && performance.now() - c.at < this.#opts.ttlMs) {
      return Promise.resolve(c.devices);
    }
    this.#inflight ??= this.#listNow().then((devices) => {
      this.#cached = { at: performance.now(), devices };
      return devices;
    }).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  /** Forgets the cached listing (e.g. a relay could not open its device). */
  invalidate(): void {
    this.#cached = null;
  }

  async #listNow(): Promise<UsbDevice[]> {
    const { devDir } = this.#opts;
    // The heartbeat carries at most 64 (a Pi has ~20 nodes, most of them codecs).
    const paths = (await videoNodes(devDir)).slice(0, 64);
    if (paths.length === 0) return [];
    const [byId, byPath] = await Promise.all([
      aliases(`${devDir}/v4l/by-id`),
      aliases(`${devDir}/v4l/by-path`),
    ]);
    const out: UsbDevice[] = new Array(paths.length);
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const i = next++;
        out[i] = await this.#describe(paths[i], byId, byPath);
      }
    };
    await Promise.all(
      Array.from(
        { length: Math.min(this.#opts.concurrency, paths.length) },
        worker,
      ),
    );
    return out.map(bounded);
  }

  async #describe(
    path: string,
    byId: Map<string, string>,
    byPath: Map<string, string>,
  ): Promise<UsbDevice> {
    const node = path.slice(path.lastIndexOf("/") + 1);
    const sysName = await Deno.readTextFile(`${this.#opts.sysDir}/${node}/name`)
      .then((s) => s.trim() || null, () => null);
    const device: UsbDevice = {
      path,
      name: sysName,
      by_id: byId.get(resolve(path)) ?? null,
      by_path: byPath.get(resolve(path)) ?? null,
      bus_info: null,
      capture: false,
      formats: [],
      error: null,
    };
    const { timeoutMs } = this.#opts;
    try {
      const ctl = await runTool(
        this.#opts.v4l2ctl,
        ["--device", path, "--info", "--list-formats-ext"],
        timeoutMs,
      );
      if (ctl) {
        const parsed = parseV4l2Ctl(ctl.stdout);
        device.name ??= parsed.card;
        device.bus_info = parsed.bus_info;
        device.formats = parsed.formats;
        device.capture = parsed.capture ?? parsed.formats.length > 0;
        if (ctl.timedOut) {
          device.error = `v4l2-ctl gave no answer within ${timeoutMs} ms`;
        } else if (ctl.code !== 0 && parsed.formats.length === 0) {
          device.error = lastLine(ctl.stderr) ??
            `v4l2-ctl exited with code ${ctl.code}`;
        }
        return device;
      }
      const ff = await runTool(this.#opts.ffmpegPath, [
        "-hide_banner",
        "-nostdin",
        // A device, opened by the demuxer itself: no network (issue 11 #7).
        "-protocol_whitelist",
        "file",
        "-f",
        "v4l2",
        "-list_formats",
        "all",
        "-i",
        path,
      ], timeoutMs);
      if (!ff) {
        device.error = "neither v4l2-ctl nor ffmpeg is installed";
        return device;
      }
      const parsed = parseFfmpegFormats(ff.stderr);
      device.formats = parsed.formats;
      device.capture = parsed.formats.length > 0;
      if (ff.timedOut) {
        device.error = `ffmpeg gave no answer within ${timeoutMs} ms`;
      } else if (parsed.error) device.error = parsed.error;
    } catch (e) {
      device.error = errorMessage(e);
      log.warn("could not list a video device", { path, error: device.error });
    }
    return device;
  }
}

/** Heartbeat limits the controller accepts (controller/http/internal/nodes.ts). */
const MAX_FORMATS = 64;
const MAX_SIZES = 256;
const MAX_RATES = 64;

function bounded(d: UsbDevice): UsbDevice {
  return {
    ...d,
    formats: d.formats.slice(0, MAX_FORMATS).map((f) => ({
      ...f,
      sizes: f.sizes.slice(0, MAX_SIZES).map((s) => ({
        ...s,
        fps: s.fps.slice(0, MAX_RATES),
      })),
    })),
  };
}

/** `/dev/videoN` paths, by number. */
async function videoNodes(dir: string): Promise<string[]> {
  const found: number[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /^video(\d+)$/.exec(e.name);
      if (m) found.push(Number(m[1]));
    }
  } catch {
    return [];
  }
  return found.sort((a, b) => a - b).map((n) => `${dir}/video${n}`);
}

/** Symlinks of an alias folder: resolved target → the link's path. */
async function aliases(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isSymlink) continue;
      const link = `${dir}/${e.name}`;
      try {
        const target = resolve(dir, await Deno.readLink(link));
        // Several aliases may point at one node; keep the first by name.
        const known = out.get(target);
        if (!known || link < known) out.set(target, link);
      } catch {
        // a dangling or vanished link
      }
    }
  } catch {
    // no such folder: no aliases (e.g. in a container without udev)
  }
  return out;
}

function lastLine(text: string): string | null {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : null;
}

let shared = new UsbLister();

/** Sets the options of `listUsbDevices()` (the node agent does this at start). */
export function configureUsbDevices(opts: UsbListOptions): void {
  shared = new UsbLister(opts);
}

/**
 * The node's video devices, cached briefly (`UsbLister`). The node agent's
 * heartbeat, its `GET /v1/devices/usb`, the relay and the scan all use this.
 */
export function listUsbDevices(): Promise<UsbDevice[]> {
  return shared.list();
}

/** The listed device a camera's `device_path` names (its node or a by-id/by-path alias). */
export function findDevice(
  devices: UsbDevice[],
  devicePath: string,
): UsbDevice | null {
  return devices.find((d) =>
    d.path === devicePath || d.by_id === devicePath ||
    d.by_path === devicePath
  ) ?? null;
}
