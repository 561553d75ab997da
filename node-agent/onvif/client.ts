/**
 * A thin typed wrapper over the `onvif` package (callbacks, no types): one
 * connected device with device info, media profiles, stream and snapshot
 * URIs, and PTZ. Every call has a deadline and every failure becomes an
 * AppError whose message says what to fix (wrong password, wrong port, not
 * an ONVIF device, no answer in time).
 *
 * We run the connect sequence ourselves instead of the package's autoconnect:
 * its upstart step (GetVideoSources → active sources) throws on devices whose
 * profiles do not match their sources, and we need none of it — every call
 * below names its profile token.
 */
import onvif from "onvif";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type {
  OnvifDeviceInfo,
  OnvifProfile,
  OnvifVideo,
  PtzPreset,
} from "../../lib/protocol/mod.ts";
import { type OnvifAddress, xmlEscape } from "../../lib/onvif_url.ts";

/** Per-request time limit. */
export const DEFAULT_ONVIF_TIMEOUT_MS = 8000;

export interface OnvifClientOptions {
  /** Each SOAP request's time limit. @default 8000 */
  timeoutMs?: number;
}

/** A media profile as read at connect time (URIs are asked for separately). */
export type ProfileInfo = Omit<OnvifProfile, "stream_uri" | "snapshot_uri">;

/** The package's Cam: untyped JavaScript. */
// deno-lint-ignore no-explicit-any
type Cam = any;
// deno-lint-ignore no-explicit-any
type Raw = any;

export class OnvifDevice {
  readonly address: OnvifAddress;
  #cam: Cam;
  #timeoutMs: number;
  #profiles: ProfileInfo[] = [];

  private constructor(address: OnvifAddress, cam: Cam, timeoutMs: number) {
    this.address = address;
    this.#cam = cam;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects: GetSystemDateAndTime (the clock WS-Security digests need),
   * GetServices or, on devices without it, GetCapabilities, then GetProfiles.
   */
  static async connect(
    address: OnvifAddress,
    options: OnvifClientOptions = {},
  ): Promise<OnvifDevice> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ONVIF_TIMEOUT_MS;
    const cam = new onvif.Cam({
      hostname: address.host,
      port: address.port,
      username: address.username || undefined,
      password: address.password || undefined,
      timeout: timeoutMs,
      autoconnect: false,
      // Cameras behind NAT or with several interfaces advertise service
      // addresses we cannot reach; keep using the address we were given.
      preserveAddress: true,
    });
    const dev = new OnvifDevice(address, cam, timeoutMs);
    await dev.#call(
      "GetSystemDateAndTime",
      (cb) => cam.getSystemDateAndTime(cb),
    );
    try {
      await dev.#call("GetServices", (cb) => cam.getServices(true, cb));
    } catch (e) {
      // Older devices fault on GetServices; auth or network trouble would
      // only fail again, so those propagate.
      if (e instanceof AppError && e.kind === "upstream_failed" && !isNet(e)) {
        await dev.#call("GetCapabilities", (cb) => cam.getCapabilities(cb));
      } else {
        throw e;
      }
    }
    const uri = cam.uri ?? {};
    if (!uri.media && !uri.media2) {
      throw dev.#fail("has no media service (no video profiles to stream)");
    }
    let raw: Raw[];
    try {
      raw = await dev.#call("GetProfiles", (cb) => cam.getProfiles(cb));
    } catch (e) {
      // Media2 is buggy on some devices; Media1 is the fallback (as the package does).
      if (!cam.media2Support || !uri.media) throw e;
      cam.media2Support = false;
      raw = await dev.#call("GetProfiles", (cb) => cam.getProfiles(cb));
    }
    dev.#profiles = (Array.isArray(raw) ? raw : raw ? [raw] : [])
      .map(profileInfo).filter((p): p is ProfileInfo => p !== null);
    if (dev.#profiles.length === 0) {
      throw dev.#fail("has no media profiles");
    }
    return dev;
  }

  /** Media profiles in the device's order (the first is usually the main stream). */
  get profiles(): ProfileInfo[] {
    return this.#profiles;
  }

  /** The device offers a PTZ service. */
  get hasPtzService(): boolean {
    return Boolean(this.#cam.uri?.ptz);
  }

  /** PTZ is usable with this profile (service present and profile configured). */
  ptzOn(token: string): boolean {
    return this.hasPtzService &&
      this.#profiles.some((p) => p.token === token && p.ptz);
  }

  /**
   * The profile to use: `requested` when the device has it, else the first.
   * A requested token the device lacks is an error naming `profile`.
   */
  profileToken(requested: string | null): string {
    if (requested === null) return this.#profiles[0].token;
    if (this.#profiles.some((p) => p.token === requested)) return requested;
    throw new AppError(
      "invalid_input",
      `${this.#where()} has no profile "${requested}" (it has ${
        this.#profiles.map((p) => `"${p.token}"`).join(", ")
      })`,
      { field: "profile" },
    );
  }

  async deviceInfo(): Promise<OnvifDeviceInfo> {
    const info: Raw = await this.#call(
      "GetDeviceInformation",
      (cb) => this.#cam.getDeviceInformation(cb),
    );
    return {
      manufacturer: str(info?.manufacturer),
      model: str(info?.model),
      firmware: str(info?.firmwareVersion),
      serial: str(info?.serialNumber),
    };
  }

  /** The profile's RTP-unicast-over-RTSP URI, as the camera gives it. */
  async streamUri(token: string): Promise<string> {
    const out: Raw = await this.#call(
      "GetStreamUri",
      (cb) =>
        this.#cam.getStreamUri({
          protocol: "RTSP",
          stream: "RTP-Unicast",
          profileToken: xmlEscape(token),
        }, cb),
    );
    const uri = str(out?.uri);
    if (!uri || !/^rtsps?:\/\//i.test(uri)) {
      throw this.#fail(`gave no RTSP stream URI for profile "${token}"`);
    }
    return uri;
  }

  /** The profile's JPEG snapshot URI; null when the device has none. */
  async snapshotUri(token: string): Promise<string | null> {
    try {
      const out: Raw = await this.#call(
        "GetSnapshotUri",
        (cb) =>
          this.#cam.getSnapshotUri({ profileToken: xmlEscape(token) }, cb),
      );
      const uri = str(out?.uri);
      return uri && /^https?:\/\//i.test(uri) ? uri : null;
    } catch (e) {
      // Snapshots are optional in ONVIF; only auth and network errors matter.
      if (e instanceof AppError && e.kind === "upstream_failed" && !isNet(e)) {
        return null;
      }
      throw e;
    }
  }

  /** Continuous move at the given velocities (−1..1) until stop or `timeoutMs`. */
  async continuousMove(
    token: string,
    v: { pan: number; tilt: number; zoom: number; timeoutMs: number },
  ): Promise<void> {
    this.#needPtz(token);
    await this.#call("ContinuousMove", (cb) =>
      this.#cam.continuousMove({
        profileToken: xmlEscape(token),
        x: v.pan,
        y: v.tilt,
        zoom: v.zoom,
        timeout: v.timeoutMs,
      }, cb));
  }

  async stop(token: string): Promise<void> {
    this.#needPtz(token);
    await this.#call("Stop", (cb) =>
      this.#cam.stop({
        profileToken: xmlEscape(token),
        panTilt: true,
        zoom: true,
      }, cb));
  }

  /** Relative zoom by `step` (−1..1 of the zoom range; negative zooms out). */
  async relativeZoom(token: string, step: number): Promise<void> {
    this.#needPtz(token);
    await this.#call("RelativeMove", (cb) =>
      this.#cam.relativeMove({
        profileToken: xmlEscape(token),
        x: 0,
        y: 0,
        zoom: step,
      }, cb));
  }

  async presets(token: string): Promise<PtzPreset[]> {
    this.#needPtz(token);
    const byName: Record<string, Raw> = await this.#call(
      "GetPresets",
      (cb) => this.#cam.getPresets({ profileToken: xmlEscape(token) }, cb),
    );
    return Object.values(byName ?? {}).map((p) => {
      const t = str(p?.$?.token) ?? "";
      return { token: t, name: str(p?.name) ?? t };
    }).filter((p) => p.token);
  }

  async gotoPreset(token: string, preset: string): Promise<void> {
    this.#needPtz(token);
    await this.#call("GotoPreset", (cb) =>
      this.#cam.gotoPreset({
        profileToken: xmlEscape(token),
        preset: xmlEscape(preset),
      }, cb));
  }

  #needPtz(token: string): void {
    if (this.ptzOn(token)) return;
    throw new AppError(
      "conflict",
      this.hasPtzService
        ? `${this.#where()} has no PTZ on profile "${token}"`
        : `${this.#where()} has no PTZ (pan/tilt/zoom)`,
    );
  }

  /** One package call as a promise with a deadline and a readable error. */
  #call<T>(
    action: string,
    start: (cb: (err: unknown, data: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#timeout(action));
      }, this.#timeoutMs);
      try {
        start((err, data) => {
          clearTimeout(timer);
          if (err) reject(this.#error(action, err));
          else resolve(data);
        });
      } catch (e) {
        clearTimeout(timer);
        reject(this.#error(action, e));
      }
    });
  }

  #where(): string {
    const { host, port } = this.address;
    return `ONVIF camera at ${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  #fail(what: string): AppError {
    return new AppError("upstream_failed", `${this.#where()} ${what}`);
  }

  #timeout(action: string): AppError {
    return new AppError(
      "timeout",
      `${this.#where()} did not answer ${action} within ${
        this.#timeoutMs / 1000
      } s (is the host reachable from this node, and is the port the ONVIF port?)`,
    );
  }

  /** Maps a package or socket error to what a person can act on. */
  #error(action: string, e: unknown): AppError {
    if (e instanceof AppError) return e;
    const msg = errorMessage(e);
    const code = (e as { code?: string })?.code ?? "";
    if (
      /not ?authori[sz]ed|authentication failed|unauthori[sz]ed|401/i.test(msg)
    ) {
      return new AppError(
        "invalid_input",
        `${this.#where()}: authentication failed — the camera rejected the username or password`,
        { field: "password" },
      );
    }
    if (/timeout/i.test(msg) || code === "ETIMEDOUT") {
      return this.#timeout(action);
    }
    const net: Record<string, string> = {
      ECONNREFUSED:
        "refused the connection (wrong port? ONVIF is often on 80, 8000, 8080 or 2020)",
      ECONNRESET: "closed the connection",
      EHOSTUNREACH: "is unreachable from this node",
      ENETUNREACH: "is unreachable from this node",
      ENOTFOUND: "has a host name that does not resolve",
      EAI_AGAIN: "has a host name that does not resolve",
    };
    const known = net[code] ??
      Object.entries(net).find(([k]) => msg.includes(k))?.[1];
    if (known) {
      return new AppError("upstream_failed", `${this.#where()} ${known}`, {
        cause: NET,
      });
    }
    if (/Wrong ONVIF SOAP response/.test(msg)) {
      return this.#fail(
        `answered ${action} with something that is not ONVIF SOAP (is it an ONVIF device, and is this its ONVIF port?)`,
      );
    }
    return this.#fail(
      `refused ${action}: ${msg.replace(/^ONVIF SOAP Fault: /, "")}`,
    );
  }
}

/** Marks network-level failures (cause), so callers do not retry them. */
const NET = Symbol("network");
function isNet(e: AppError): boolean {
  return e.cause === NET;
}

/** A profile from GetProfiles (linerase'd by the package), or null if unusable. */
function profileInfo(p: Raw): ProfileInfo | null {
  const token = str(p?.$?.token);
  if (!token) return null;
  const enc = p.videoEncoderConfiguration;
  let video: OnvifVideo | null = null;
  if (enc) {
    video = {
      codec: str(enc.encoding),
      width: num(enc.resolution?.width),
      height: num(enc.resolution?.height),
      fps: num(enc.rateControl?.frameRateLimit),
    };
  }
  return {
    token,
    name: str(p.name) ?? token,
    video,
    ptz: Boolean(p.PTZConfiguration),
  };
}

function str(v: unknown): string | null {
  if (v === undefined || v === null || v === "") return null;
  if (typeof v === "object") return null;
  return String(v);
}

function num(v: unknown): number | null {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) && v !== null && v !== "" ? n : null;
}
