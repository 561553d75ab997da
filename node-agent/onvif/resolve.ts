/**
 * ONVIF camera → what the rest of the node runs: `resolveSpec()` turns an
 * onvif camera into an rtsp camera (the profile's RTSP URI, credentials
 * injected when the camera returns it bare), so relays and recorders run it
 * exactly like any RTSP camera. Also the snapshot URI, PTZ and inspection.
 *
 * Caches, both bounded: connected devices (a PTZ press must not pay four SOAP
 * round trips) and resolved URIs per source URL. `invalidate()` after a
 * failure, because cameras change their URIs after a reboot or a settings
 * change; callers do that whenever a run fails.
 *
 * One process-wide resolver (`onvifResolver`) is shared by relays, recorders
 * and the node API: they all want the same cache, like a DNS cache.
 */
import { AppError } from "../../lib/errors.ts";
import { registerSecret } from "../../lib/log.ts";
import type {
  CameraSpec,
  OnvifInspection,
  OnvifProfile,
  OnvifPtzRequest,
  OnvifPtzResult,
} from "../../lib/protocol/mod.ts";
import {
  DEFAULT_ONVIF_TIMEOUT_MS,
  type OnvifClientOptions,
  OnvifDevice,
} from "./client.ts";
import { fetchSnapshot } from "./snapshot.ts";
import {
  onDevice,
  type OnvifAddress,
  parseOnvifUrl,
  withCredentials,
} from "../../lib/onvif_url.ts";

export interface OnvifResolverOptions {
  /** Per SOAP request. @default 8000 */
  timeoutMs?: number;
  /** A connected device unused this long is dropped. @default 300000 */
  deviceIdleMs?: number;
  /** At most this many devices and resolutions are kept. @default 128 */
  maxEntries?: number;
  /** How to connect (tests may count connects). */
  connect?: (a: OnvifAddress, o: OnvifClientOptions) => Promise<OnvifDevice>;
}

interface Resolved {
  rtsp: string;
  snapshot: string | null;
}

/** What an inspection returns before the node adds its name and timing. */
export type OnvifInspectionBody = Omit<OnvifInspection, "node" | "elapsed_ms">;

export class OnvifResolver {
  #opts: OnvifResolverOptions;
  #devices = new Map<string, { dev: Promise<OnvifDevice>; usedAt: number }>();
  #resolved = new Map<string, Promise<Resolved>>();

  constructor(options: OnvifResolverOptions = {}) {
    this.#opts = options;
  }

  /**
   * An onvif camera as an rtsp one (source_url and an onvif://
   * record_source_url resolved); any other camera unchanged.
   */
  async resolveSpec(spec: CameraSpec): Promise<CameraSpec> {
    if (spec.protocol !== "onvif") return spec;
    if (!spec.source_url) {
      throw new AppError(
        "invalid_input",
        `Camera "${spec.name}" has no onvif:// source_url`,
      );
    }
    const live = await this.rtspUrl(spec.source_url);
    const rec = spec.record_source_url;
    const record = rec && rec.startsWith("onvif:")
      ? await this.rtspUrl(rec)
      : rec;
    return {
      ...spec,
      protocol: "rtsp",
      source_url: live,
      ...(record !== undefined ? { record_source_url: record } : {}),
    };
  }

  /** The RTSP URI (with credentials) of an onvif:// source URL. */
  async rtspUrl(onvifUrl: string): Promise<string> {
    return (await this.#resolve(onvifUrl)).rtsp;
  }

  /** The JPEG snapshot URI of an onvif:// source URL; null when it has none. */
  async snapshotUrl(onvifUrl: string): Promise<string | null> {
    return (await this.#resolve(onvifUrl)).snapshot;
  }

  /** Forgets what was learnt about this source (and its device connection). */
  invalidate(onvifUrl: string): void {
    this.#resolved.delete(onvifUrl);
    try {
      this.#devices.delete(deviceKey(parseOnvifUrl(onvifUrl)));
    } catch {
      // not an onvif URL: nothing cached
    }
  }

  /**
   * One JPEG from the camera's snapshot URI; null when the camera has none
   * (callers then use a relay frame).
   */
  async snapshot(
    onvifUrl: string,
    timeoutMs = 5000,
  ): Promise<Uint8Array | null> {
    const uri = await this.snapshotUrl(onvifUrl);
    if (!uri) return null;
    const a = parseOnvifUrl(onvifUrl);
    // The device's web server (same host and port) gets its credentials;
    // a snapshot URI elsewhere is asked without them (issue 11 #9).
    const mine = onDevice(uri, a, { samePort: true });
    return await fetchSnapshot(uri, {
      username: mine ? a.username : "",
      password: mine ? a.password : "",
      timeoutMs,
    });
  }

  /** Device info, profiles with their URIs, and PTZ support. */
  async inspect(
    a: OnvifAddress,
    timeoutMs?: number,
  ): Promise<OnvifInspectionBody> {
    // A fresh connection: inspecting is how a user checks a changed camera.
    const dev = await this.#connect(a, timeoutMs);
    this.#devices.set(deviceKey(a), {
      dev: Promise.resolve(dev),
      usedAt: Date.now(),
    });
    const device = await dev.deviceInfo();
    const profiles: OnvifProfile[] = [];
    for (const p of dev.profiles) {
      const [stream, snapshot] = await Promise.all([
        p.video ? dev.streamUri(p.token).catch(softNull) : null,
        dev.snapshotUri(p.token),
      ]);
      profiles.push({ ...p, stream_uri: stream, snapshot_uri: snapshot });
    }
    return {
      device,
      profiles,
      ptz: dev.hasPtzService && profiles.some((p) => p.ptz),
    };
  }

  /** Runs one PTZ action on the camera's profile. */
  async ptz(req: OnvifPtzRequest): Promise<OnvifPtzResult> {
    const a = parseOnvifUrl(req.source_url);
    const dev = await this.#device(a);
    try {
      const token = dev.profileToken(a.profile);
      switch (req.action) {
        case "move":
          await dev.continuousMove(token, {
            pan: req.pan ?? 0,
            tilt: req.tilt ?? 0,
            zoom: req.zoom ?? 0,
            timeoutMs: req.timeout_ms ?? 5000,
          });
          return { ok: true };
        case "stop":
          await dev.stop(token);
          return { ok: true };
        case "zoom":
          await dev.relativeZoom(token, req.zoom ?? 0);
          return { ok: true };
        case "goto_preset":
          await dev.gotoPreset(token, req.preset ?? "");
          return { ok: true };
        case "presets":
          return { ok: true, presets: await dev.presets(token) };
      }
    } catch (e) {
      // A network or auth failure may mean a stale connection: reconnect next time.
      if (!(e instanceof AppError) || e.kind !== "conflict") {
        this.#devices.delete(deviceKey(a));
      }
      throw e;
    }
  }

  async #resolve(onvifUrl: string): Promise<Resolved> {
    let p = this.#resolved.get(onvifUrl);
    if (!p) {
      p = this.#lookup(onvifUrl);
      this.#resolved.set(onvifUrl, p);
      this.#trim(this.#resolved);
      // Failures are not cached: the next start asks again.
      p.catch(() => {
        if (this.#resolved.get(onvifUrl) === p) this.invalidate(onvifUrl);
      });
    }
    return await p;
  }

  async #lookup(onvifUrl: string): Promise<Resolved> {
    const a = parseOnvifUrl(onvifUrl);
    const dev = await this.#device(a);
    const token = dev.profileToken(a.profile);
    const [uri, snapshot] = await Promise.all([
      dev.streamUri(token),
      dev.snapshotUri(token),
    ]);
    // Credentials only for the device's own host (issue 11 #9).
    const rtsp = onDevice(uri, a)
      ? withCredentials(uri, a.username, a.password)
      : uri;
    for (const s of [a.password, safePassword(rtsp)]) {
      if (s) registerSecret(s);
    }
    return { rtsp, snapshot };
  }

  #device(a: OnvifAddress): Promise<OnvifDevice> {
    const key = deviceKey(a);
    const now = Date.now();
    const idle = this.#opts.deviceIdleMs ?? 300_000;
    const hit = this.#devices.get(key);
    if (hit && now - hit.usedAt < idle) {
      hit.usedAt = now;
      return hit.dev;
    }
    const dev = this.#connect(a);
    this.#devices.set(key, { dev, usedAt: now });
    this.#trim(this.#devices);
    dev.catch(() => {
      if (this.#devices.get(key)?.dev === dev) this.#devices.delete(key);
    });
    return dev;
  }

  #connect(a: OnvifAddress, timeoutMs?: number): Promise<OnvifDevice> {
    const connect = this.#opts.connect ??
      ((addr, o) => OnvifDevice.connect(addr, o));
    return connect(a, {
      timeoutMs: timeoutMs ?? this.#opts.timeoutMs ?? DEFAULT_ONVIF_TIMEOUT_MS,
    });
  }

  #trim(map: Map<string, unknown>): void {
    const max = this.#opts.maxEntries ?? 128;
    while (map.size > max) map.delete(map.keys().next().value!);
  }
}

/** The node agent's resolver (see the module comment for why one). */
export const onvifResolver: OnvifResolver = new OnvifResolver();

/** A URI per profile is best effort in an inspection; auth and time-outs are not. */
function softNull(e: unknown): null {
  if (e instanceof AppError && e.kind === "upstream_failed") return null;
  throw e;
}

function deviceKey(a: OnvifAddress): string {
  return JSON.stringify([a.host, a.port, a.username, a.password]);
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}
