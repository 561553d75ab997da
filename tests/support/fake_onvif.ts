/**
 * A fake ONVIF camera on loopback speaking real SOAP 1.2: device service
 * (GetSystemDateAndTime, GetCapabilities, GetServices → fault,
 * GetDeviceInformation), media (GetProfiles, GetVideoSources, GetStreamUri,
 * GetSnapshotUri) and PTZ (ContinuousMove, RelativeMove, Stop, GetPresets,
 * GotoPreset, GetNodes, GetConfigurations). Every request but
 * GetSystemDateAndTime must carry a valid WS-Security UsernameToken digest;
 * a wrong one gets the ONVIF `ter:NotAuthorized` fault (HTTP 400), as real
 * cameras answer. The snapshot URI serves a real JPEG behind HTTP Digest
 * auth. Calls are recorded for assertions.
 *
 * The stream URI is whatever the test passes (a real GStreamer RTSP server
 * from rtsp_server.ts), returned without credentials like most cameras do.
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { XMLParser } from "fast-xml-parser";
import { makeJpegs } from "./http_camera.ts";

export interface FakeProfile {
  token: string;
  name: string;
  codec: string;
  width: number;
  height: number;
  fps: number;
  /** RTSP URI this profile streams. */
  streamUri: string;
  /** PTZ configured on this profile. @default true when the device has PTZ */
  ptz?: boolean;
}

export interface FakeOnvifOptions {
  username?: string;
  password?: string;
  /** Profiles; at least one. */
  profiles: FakeProfile[];
  /** Offer the PTZ service. @default true */
  ptz?: boolean;
  /** Offer a snapshot URI. @default true */
  snapshot?: boolean;
  /** The snapshot URI handed out (a rogue device names another host). @default its own /snapshot.jpg */
  snapshotUri?: string;
  presets?: { token: string; name: string }[];
}

/** One SOAP call the fake answered (after authentication). */
export interface FakeCall {
  action: string;
  profile?: string;
  /** PTZ vectors as sent: pan/tilt/zoom (strings parsed to numbers). */
  pan?: number;
  tilt?: number;
  zoom?: number;
  timeout?: string;
  preset?: string;
}

export interface FakeOnvif {
  /** Device service URL, e.g. http://127.0.0.1:PORT/onvif/device_service */
  readonly url: string;
  readonly port: number;
  /** Authenticated SOAP calls, in order. */
  readonly calls: FakeCall[];
  /** Requests refused for bad credentials. */
  readonly authFailures: number;
  /** Snapshot GETs served. */
  readonly snapshots: number;
  /** The JPEG the snapshot URI serves. */
  readonly jpeg: Uint8Array;
  /** Changes a profile's stream URI (a camera after a reboot). */
  setStreamUri(token: string, uri: string): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const NS = [
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope"',
  'xmlns:tt="http://www.onvif.org/ver10/schema"',
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"',
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl"',
  'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl"',
  'xmlns:ter="http://www.onvif.org/ver10/error"',
].join(" ");

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
});

const REALM = "FakeCam";

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeOnvif(
  opts: FakeOnvifOptions,
): Promise<FakeOnvif> {
  const username = opts.username ?? "admin";
  const password = opts.password ?? "cam-Pass-1";
  const hasPtz = opts.ptz ?? true;
  const hasSnapshot = opts.snapshot ?? true;
  const presets = opts.presets ?? [
    { token: "1", name: "Gate" },
    { token: "2", name: "Driveway" },
  ];
  const profiles = opts.profiles.map((p) => ({ ...p }));
  // A real 320x240 JPEG made by ffmpeg (what a camera's snapshot URI serves).
  const [jpeg] = await makeJpegs("320x240", 1);
  const calls: FakeCall[] = [];
  let authFailures = 0;
  let snapshots = 0;
  const nonces = new Set<string>();

  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, async (req): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/snapshot.jpg") {
      if (!hasSnapshot) return new Response("no", { status: 404 });
      if (!checkDigest(req, username, password)) {
        return new Response("auth", {
          status: 401,
          headers: {
            "www-authenticate":
              `Digest realm="${REALM}", qop="auth", nonce="${crypto.randomUUID()}", algorithm=MD5`,
          },
        });
      }
      snapshots++;
      return new Response(jpeg as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": "image/jpeg" },
      });
    }
    if (req.method !== "POST" || !path.startsWith("/onvif/")) {
      return new Response("not found", { status: 404 });
    }
    const text = await req.text();
    let env: Record<string, unknown>;
    try {
      env = (parser.parse(text) as { Envelope: Record<string, unknown> })
        .Envelope;
    } catch {
      return fault(400, "s:Sender", "ter:WellFormed", "Malformed XML");
    }
    const body = (env?.Body ?? {}) as Record<string, Record<string, unknown>>;
    const action = Object.keys(body).find((k) => !k.startsWith("@_")) ?? "";
    const args = (body[action] ?? {}) as Record<string, unknown>;
    if (action !== "GetSystemDateAndTime") {
      if (!checkWsse(env?.Header, username, password, nonces)) {
        authFailures++;
        return fault(
          400,
          "s:Sender",
          "ter:NotAuthorized",
          "Sender not Authorized",
        );
      }
    }
    const call: FakeCall = { action };
    if (typeof args.ProfileToken === "string") call.profile = args.ProfileToken;
    const profile = call.profile === undefined
      ? undefined
      : profiles.find((p) => p.token === call.profile);
    if (call.profile !== undefined && !profile) {
      return fault(400, "s:Sender", "ter:NoProfile", "No such profile");
    }
    const base: string = `http://127.0.0.1:${port}`;
    const ptzOn = (p?: { ptz?: boolean }) => hasPtz && (p?.ptz ?? true);
    switch (action) {
      case "GetSystemDateAndTime": {
        const d = new Date();
        return ok(
          `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${
            d.getUTCMonth() + 1
          }</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
        );
      }
      case "GetServices":
        calls.push(call);
        // Older cameras do not implement it: clients fall back to GetCapabilities.
        return fault(
          400,
          "s:Receiver",
          "ter:ActionNotSupported",
          "Optional Action Not Implemented",
        );
      case "GetCapabilities":
        calls.push(call);
        return ok(
          `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device><tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>${
            hasPtz
              ? `<tt:PTZ><tt:XAddr>${base}/onvif/ptz_service</tt:XAddr></tt:PTZ>`
              : ""
          }</tds:Capabilities></tds:GetCapabilitiesResponse>`,
        );
      case "GetDeviceInformation":
        calls.push(call);
        return ok(
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>Falcon Test Optics</tds:Manufacturer><tds:Model>FakeCam 2000</tds:Model><tds:FirmwareVersion>1.4.2</tds:FirmwareVersion><tds:SerialNumber>FT-0042</tds:SerialNumber><tds:HardwareId>HW-7</tds:HardwareId></tds:GetDeviceInformationResponse>`,
        );
      case "GetProfiles":
        calls.push(call);
        return ok(
          `<trt:GetProfilesResponse>${
            profiles.map((p) =>
              `<trt:Profiles token="${xml(p.token)}" fixed="true"><tt:Name>${
                xml(p.name)
              }</tt:Name><tt:VideoSourceConfiguration token="vsc0"><tt:Name>vsc0</tt:Name><tt:UseCount>${profiles.length}</tt:UseCount><tt:SourceToken>vs0</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"/></tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="ve-${
                xml(p.token)
              }"><tt:Name>ve</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${
                xml(p.codec)
              }</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration>${
                ptzOn(p)
                  ? `<tt:PTZConfiguration token="ptz0"><tt:Name>ptz0</tt:Name><tt:UseCount>${profiles.length}</tt:UseCount><tt:NodeToken>node0</tt:NodeToken></tt:PTZConfiguration>`
                  : ""
              }</trt:Profiles>`
            ).join("")
          }</trt:GetProfilesResponse>`,
        );
      case "GetVideoSources":
        calls.push(call);
        return ok(
          `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0"><tt:Framerate>${
            profiles[0].fps
          }</tt:Framerate><tt:Resolution><tt:Width>${
            profiles[0].width
          }</tt:Width><tt:Height>${
            profiles[0].height
          }</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
        );
      case "GetStreamUri":
        calls.push(call);
        if (!profile) return noProfile();
        return ok(
          `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${
            xml(profile.streamUri)
          }</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>true</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`,
        );
      case "GetSnapshotUri":
        calls.push(call);
        if (!profile) return noProfile();
        if (!hasSnapshot) {
          return fault(
            400,
            "s:Receiver",
            "ter:ActionNotSupported",
            "Snapshots not supported",
          );
        }
        return ok(
          `<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${
            xml(
              opts.snapshotUri ??
                `${base}/snapshot.jpg?profile=${
                  encodeURIComponent(profile.token)
                }`,
            )
          }</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`,
        );
    }
    // PTZ service
    if (!hasPtz || !path.endsWith("/ptz_service")) {
      return fault(
        400,
        "s:Receiver",
        "ter:ActionNotSupported",
        `${action} not supported`,
      );
    }
    switch (action) {
      case "GetNodes":
        calls.push(call);
        return ok(
          `<tptz:GetNodesResponse><tptz:PTZNode token="node0"><tt:Name>node0</tt:Name><tt:MaximumNumberOfPresets>${presets.length}</tt:MaximumNumberOfPresets><tt:HomeSupported>false</tt:HomeSupported></tptz:PTZNode></tptz:GetNodesResponse>`,
        );
      case "GetConfigurations":
        calls.push(call);
        return ok(
          `<tptz:GetConfigurationsResponse><tptz:PTZConfiguration token="ptz0"><tt:Name>ptz0</tt:Name><tt:UseCount>1</tt:UseCount><tt:NodeToken>node0</tt:NodeToken></tptz:PTZConfiguration></tptz:GetConfigurationsResponse>`,
        );
      case "GetPresets":
        calls.push(call);
        if (!ptzOn(profile)) return noPtz();
        return ok(
          `<tptz:GetPresetsResponse>${
            presets.map((p) =>
              `<tptz:Preset token="${xml(p.token)}"><tt:Name>${
                xml(p.name)
              }</tt:Name></tptz:Preset>`
            ).join("")
          }</tptz:GetPresetsResponse>`,
        );
      case "GotoPreset":
        call.preset = String(args.PresetToken ?? "");
        calls.push(call);
        if (!ptzOn(profile)) return noPtz();
        if (!presets.some((p) => p.token === call.preset)) {
          return fault(400, "s:Sender", "ter:NoToken", "No such preset");
        }
        return ok(`<tptz:GotoPresetResponse/>`);
      case "ContinuousMove":
      case "RelativeMove": {
        const vec = (args.Velocity ?? args.Translation ?? {}) as Record<
          string,
          Record<string, string>
        >;
        if (vec.PanTilt) {
          call.pan = Number(vec.PanTilt["@_x"]);
          call.tilt = Number(vec.PanTilt["@_y"]);
        }
        if (vec.Zoom) call.zoom = Number(vec.Zoom["@_x"]);
        if (typeof args.Timeout === "string") call.timeout = args.Timeout;
        calls.push(call);
        if (!ptzOn(profile)) return noPtz();
        return ok(`<tptz:${action}Response/>`);
      }
      case "Stop":
        calls.push(call);
        if (!ptzOn(profile)) return noPtz();
        return ok(`<tptz:StopResponse/>`);
    }
    return fault(
      400,
      "s:Receiver",
      "ter:ActionNotSupported",
      `${action} not supported`,
    );
  });
  const port: number = server.addr.port;

  const handle: FakeOnvif = {
    url: `http://127.0.0.1:${port}/onvif/device_service`,
    port,
    calls,
    get authFailures() {
      return authFailures;
    },
    get snapshots() {
      return snapshots;
    },
    jpeg,
    setStreamUri(token, uri) {
      const p = profiles.find((x) => x.token === token);
      if (!p) throw new Error(`no profile ${token}`);
      p.streamUri = uri;
    },
    async close() {
      ac.abort();
      await server.finished.catch(() => {});
    },
    [Symbol.asyncDispose]() {
      return handle.close();
    },
  };
  return handle;
}

/**
 * A TCP server on loopback that accepts connections and never answers: an
 * ONVIF host that hangs (for time-limit tests). Close it when done.
 */
export function startSilentServer(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch {
      // closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      listener.close();
    },
  };
}

function ok(inner: string): Response {
  return soap(
    200,
    `<s:Envelope ${NS}><s:Body>${inner}</s:Body></s:Envelope>`,
  );
}

function fault(
  status: number,
  code: string,
  subcode: string,
  reason: string,
): Response {
  return soap(
    status,
    `<s:Envelope ${NS}><s:Body><s:Fault><s:Code><s:Value>${code}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`,
  );
}

const noProfile = () =>
  fault(400, "s:Sender", "ter:NoProfile", "No such profile");
const noPtz = () =>
  fault(400, "s:Receiver", "ter:NoPTZProfile", "Profile has no PTZ");

function soap(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "application/soap+xml; charset=utf-8" },
  });
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * WS-Security UsernameToken with PasswordDigest:
 * Base64(SHA-1(nonce bytes + Created + password)); a nonce is used once.
 */
function checkWsse(
  header: unknown,
  username: string,
  password: string,
  nonces: Set<string>,
): boolean {
  const token = (header as {
    Security?: { UsernameToken?: Record<string, unknown> };
  })?.Security?.UsernameToken;
  if (!token) return false;
  const text = (v: unknown) =>
    typeof v === "object" && v !== null
      ? String((v as Record<string, unknown>)["#text"] ?? "")
      : String(v ?? "");
  const user = text(token.Username);
  const digest = text(token.Password);
  const nonce = text(token.Nonce);
  const created = text(token.Created);
  if (user !== username || !nonce || !created) return false;
  const expected = createHash("sha1")
    .update(Buffer.concat([
      Buffer.from(nonce, "base64"),
      Buffer.from(created, "ascii"),
      Buffer.from(password, "ascii"),
    ]))
    .digest("base64");
  if (expected !== digest) return false;
  if (nonces.has(nonce)) return false;
  nonces.add(nonce);
  return true;
}

/** Checks an RFC 7616 Digest Authorization (MD5, qop=auth) for a GET. */
function checkDigest(req: Request, username: string, password: string) {
  const h = req.headers.get("authorization") ?? "";
  if (!h.startsWith("Digest ")) return false;
  const p: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    p[m[1].toLowerCase()] = m[2] ?? m[3];
  }
  if (p.username !== username || p.realm !== REALM) return false;
  const md5 = (s: string) => createHash("md5").update(s).digest("hex");
  const ha1 = md5(`${username}:${REALM}:${password}`);
  const ha2 = md5(`GET:${p.uri}`);
  const expected = p.qop
    ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
    : md5(`${ha1}:${p.nonce}:${ha2}`);
  const url = new URL(req.url);
  return expected === p.response && p.uri === url.pathname + url.search;
}
